# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The one run() every module of the collection shares.

check numbers and strings as written (arg_specs.checked_values) -> validate the arguments (ansible-core's
validate_argument_spec) -> execute: choose the backend ->
probe the host -> plan in pure Python -> diff -> apply, unless in check mode -> result.

A module is a small subclass that sets its argument spec and its PLANNER, a pure function
``(args, snapshot, check_mode) -> Plan``. By default the probe is one run of survey_host, scoped to
what the task names (``survey_scope``: its VM and its device, so that its cost does not grow with the
host), or the survey the task is handed; apply runs the plan's steps, one named script each, in
order; a module overrides the hooks only where it needs more. A plan that needs more of the host
than a scoped survey reported (OutsideScope) is made again from a survey of the whole host. Every DDAError, whatever layer raised it,
becomes ``failed``/``msg`` here and nowhere else. Check mode is decided here, once: the plan
says what would change; check mode only skips apply. ``changed`` is what the scripts said they did
($Ansible.Changed): a host that reached the planned state by other means between the plan and the
script run reports no change; in check mode it is the plan's prediction.

Scripts that change the host run under the host's lease (plugin_utils/lease.py): the run's own, when the task runs
under one (hyperv_dda_lease: the role, the reclaim), or one the task takes for its changes and gives back, waiting
for another run's; when another run held the lease since the task's survey, the task surveys and plans again first.
Check mode and surveys take no lease.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import checked_values
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError, OutsideScope, PreconditionError, \
    SnapshotError
from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import survey_snapshot
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import given_selectors, survey_scope
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.backends import backend_for, lease_timeout, run_lease
from ansible_collections.hyperv.dda.plugins.plugin_utils.check_chain import FACT as CHAIN_FACT, Chain, predicts, \
    run_id
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import LeasedBackend, held_warning, identity, \
    lease_seconds, left_behind, needs_lease, outlasts_lease, release, replan_needed, take, took_over_warning, \
    waited_words
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostUnreachable


def seen_lease(observed):
    """The host's lease as the task's survey of the host saw it (host.lease; False: that survey did not report it),
    or None for a guest's survey (a guest step run through the host), which never sees it: that step's script checks
    itself that the disk is as planned, and the host's lease before it reaches the guest."""
    host = observed.get('host')
    return host.get('lease', False) if isinstance(host, dict) else None


class DDAAction(ActionBase):
    """Base of the collection's action plugins."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()

    # Set by each module: ansible-core argument spec and its cross-option rules.
    ARGUMENT_SPEC = {}
    MUTUALLY_EXCLUSIVE = ()
    REQUIRED_ONE_OF = ()
    REQUIRED_TOGETHER = ()
    REQUIRED_IF = ()
    PLANNER = None
    # Whether the task surveys only what its options name (vm_name, the device selector); see survey_scope.
    SCOPED_SURVEY = True

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super(DDAAction, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            # Numbers and strings as the user wrote them first: core's validator converts them loosely (true is 1,
            # a list becomes its text) and fails on .inf without naming the option.
            checked_values(self._task.args, self.ARGUMENT_SPEC)
        except DDAError as e:
            result.update(failed=True, msg='%s Nothing was changed.' % e.msg)
            return result
        try:
            dummy, args = self.validate_argument_spec(
                argument_spec=self.ARGUMENT_SPEC,
                mutually_exclusive=list(self.MUTUALLY_EXCLUSIVE) or None,
                required_one_of=list(self.REQUIRED_ONE_OF) or None,
                required_together=list(self.REQUIRED_TOGETHER) or None,
                required_if=list(self.REQUIRED_IF) or None,
            )
        except AnsibleActionFail as e:
            # Core names the plugin by its Python path; users know the module by its FQCN. Its
            # messages are fragments; finish them with where to read about the options.
            msg = e.message.replace('(%s)' % self._load_name, '(%s)' % self.module_name).rstrip('.')
            result.update(failed=True, msg='%s. See ansible-doc %s for the options.' % (msg, self.module_name))
            return result
        try:
            result.update(self.execute(args, task_vars))
        except HostUnreachable as e:
            result.update(unreachable=True, msg=e.msg)
        except DDAError as e:
            result.update(e.result)
            result.update(failed=True, msg=e.msg)
        return result

    @property
    def module_name(self):
        return 'hyperv.dda.' + type(self).__module__.rsplit('.', 1)[-1]

    # --- hooks ------------------------------------------------------------------------------

    def execute(self, args, task_vars):
        """The task's result: probe, plan, diff, and apply unless in check mode. Scripts that change the host run
        under the host's lease: the run's (hyperv_dda_lease), or the task's own, taken for them and given back.

        In check mode the task plans on the host as the earlier tasks of the play predicted it (check_chain.py), and
        hands on what its own change would do."""
        backend = backend_for(self, task_vars)
        timeout = lease_timeout(self, task_vars)  # a wrong value is refused before anything is read
        self.chain = Chain.of(task_vars, run_id(self._task)) if self._task.check_mode else None
        self.probe_warnings = []
        observed, plan = self.probe_and_plan(backend, args)
        if not plan.changed or not needs_lease(plan):
            return self.outcome(backend, task_vars, args, observed, plan)
        held = run_lease(self, task_vars)
        if self._task.check_mode:
            # No lease in check mode; a lease another run holds is told, as the real run would wait for it.
            warning = None if held else held_warning(seen_lease(observed) or None)
            return self.outcome(backend, task_vars, args, observed, plan, [warning] if warning else [])
        if held is None:
            return self.execute_leased(backend, args, task_vars, observed, timeout)
        too_long = outlasts_lease(plan, held)
        if too_long:
            # Before any change: a step would wait past the run's lease and then be refused half-way.
            raise PreconditionError(too_long)
        return self.outcome(LeasedBackend(backend, held['token']), task_vars, args, observed, plan)

    def probe_and_plan(self, backend, args, fresh=False):
        """(what was read of the host, the plan): a survey scoped to the task first, of the whole host when the plan
        needs more. ``fresh``: survey the host even when the task was handed a survey."""
        observed = self.survey(backend, self.survey_scope(args)) if fresh else self.probe(backend, args)
        try:
            return observed, self.plan(args, observed)
        except OutsideScope:
            observed = self.survey(backend, None) if fresh else self.wider_survey(backend, args)
            return observed, self.plan(args, observed)

    def outcome(self, backend, task_vars, args, observed, plan, told=()):
        """The result of a plan: applied unless in check mode, with its diff and warnings (``told`` first)."""
        outcome = dict(plan.result)
        warnings = list(told) + self.probe_warnings + list(plan.warnings)
        outcome['changed'] = plan.changed
        if plan.changed and not self._task.check_mode:
            applied = self.apply(backend, args, plan, observed) or {}
            warnings.extend(applied.pop('warnings', []))
            outcome.update(applied)
            outcome['changed'] = any(self.scripts_changed)
        if self._task.diff and plan.diff is not None:
            outcome['diff'] = plan.diff
        if warnings:
            outcome['warnings'] = warnings
        self.hand_on(task_vars, args, observed, plan, outcome)
        return outcome

    def hand_on(self, task_vars, args, observed, plan, outcome):
        """In check mode, a task that changes the host hands the next its prediction (a host fact); outside it, a
        change drops a prediction the host no longer matches. A task that only reads hands on nothing."""
        module = self.module_name.rsplit('.', 1)[-1]
        if self._task.check_mode:
            if predicts(module):
                chain = self.chain or Chain(run_id(self._task))
                if plan.changed:
                    chain.predict(module, args, observed, plan.result)
                outcome['ansible_facts'] = {CHAIN_FACT: chain.fact()}
        elif outcome['changed'] and Chain.of(task_vars, run_id(self._task)) is not None:
            outcome['ansible_facts'] = {CHAIN_FACT: None}

    def execute_leased(self, backend, args, task_vars, observed, timeout):
        """A task run on its own: it takes the host's lease for its changes (waiting for another run's), plans
        again when another run held the lease since the survey, applies, and gives the lease back."""
        taken = take(backend, identity(task_vars), lease_seconds(args.get('shutdown_timeout')), timeout)
        told = []
        try:
            if taken['took_over']:
                # What the run that stopped left, from a survey of the whole host, which the plan is made from too.
                observed = self.survey(backend, None)
                told.append(took_over_warning(taken['took_over'], left_behind(observed)))
                plan = self.plan(args, observed)
            elif seen_lease(observed) is not None and replan_needed(seen_lease(observed), taken['found']):
                observed, plan = self.probe_and_plan(backend, args, fresh=True)
            else:
                plan = self.plan(args, observed)
            if taken['waited_for']:
                told.insert(0, waited_words(taken))
            if taken['abandoned']:
                told.append(taken['abandoned'])
            outcome = self.outcome(LeasedBackend(backend, taken['lease']['token']), task_vars, args, observed, plan,
                                   told)
        finally:
            given_back = self.give_back(backend, taken['lease'])
        if given_back['warning']:
            outcome['warnings'] = outcome.get('warnings', []) + [given_back['warning']]
        return outcome

    @staticmethod
    def give_back(backend, lease):
        """Give the task's lease back; a failure to (the host lost) is told, not raised over the task's own outcome:
        the lease then runs out by itself."""
        try:
            return release(backend, lease)
        except DDAError as e:
            return {'released': False, 'found': None, 'warning': 'Could not give the host\'s lease back (%s): it runs '
                    'out by itself at %s host time, and until then other runs wait for it.' % (e.msg, lease['until'])}

    def sensitive(self, args):
        """Values every script run gets as win_powershell sensitive_parameters (credentials), or None."""
        return None

    def survey_scope(self, args):
        """What this task's plan reads of the host: (VM names, [(selector, value)]), or None for all of it."""
        if not self.SCOPED_SURVEY:
            return None
        return [args['vm_name']] if args.get('vm_name') else [], given_selectors(args)

    def probe(self, backend, args):
        """Read what the plan needs from the host: a survey scoped to the task, in one round trip (in check mode with
        what the earlier tasks predicted laid over it), or the one handed over."""
        if args.get('survey') is not None:
            problems = validate(args['survey'])
            if problems:
                raise SnapshotError('survey is not a hyperv.dda snapshot (%s). Pass the snapshot hyperv.dda.hyperv_dda_'
                                    'info returns, or leave survey out to survey the host.' % '; '.join(problems[:5]),
                                    problems=problems)
            return args['survey']
        return self.survey(backend, self.survey_scope(args))

    def wider_survey(self, backend, args):
        """The whole host, for a plan that needs more than the task's scoped survey reported."""
        if args.get('survey') is not None:
            scope = args['survey'].get('scope') or {}
            raise SnapshotError('The survey handed to this task covers only VMs %s and devices %s; the task needs more '
                                'of the host. Hand over a survey of the whole host (hyperv.dda.hyperv_dda_info), or '
                                'leave survey out.' % (', '.join(scope.get('vm_names') or []) or 'none', ', '.join(
                                    (scope.get('location_paths') or []) + (scope.get('instance_ids') or []) +
                                    (scope.get('serial_numbers') or [])) or 'none'))
        return self.survey(backend, None)

    def survey(self, backend, scope):
        """One run of survey_host: of the whole host (scope None), or of (VM names, selections); in check mode, with
        what the earlier tasks of the play predicted laid over it."""
        parameters = {} if scope is None else survey_scope(*scope)
        reads, dummy = backend.run('survey_host', parameters)
        snapshot = survey_snapshot(reads, parameters)
        problems = validate(snapshot)
        if problems:
            raise SnapshotError(
                'The survey of the host returned a document that is not a valid snapshot (%s). This is a bug '
                'in hyperv.dda: please report it with the output of this task at -vvv.' % '; '.join(problems[:5]),
                problems=problems)
        if getattr(self, 'chain', None) is not None:
            self.chain.overlay(snapshot)
        return snapshot

    def plan(self, args, observed):
        """Pure: from the validated arguments and the observed state, return a Plan. In check mode a precondition an
        earlier step establishes is assumed (with a warning) only while no earlier task of the play predicted the host:
        once one has, the host as predicted is the host the real run meets."""
        return type(self).PLANNER(args, observed, bool(self._task.check_mode) and getattr(self, 'chain', None) is None)

    def apply(self, backend, args, plan, observed):
        """Run plan.steps in order, one named script each; return result values to add.

        Subclasses that need the scripts' own results call this and read ``self.script_results``; whether each
        script changed the host is in ``self.scripts_changed``, which the task reports.
        """
        self.script_results = []
        self.scripts_changed = []
        warnings = []
        for step in plan.steps:
            script_result, changed = backend.run(step.script, step.parameters, sensitive=self.sensitive(args))
            # A script reports what it recovered from (an error the host contradicts) as warnings.
            warnings.extend(script_result.pop('warnings', None) or [])
            self.script_results.append(script_result)
            self.scripts_changed.append(changed)
        return {'warnings': warnings} if warnings else {}
