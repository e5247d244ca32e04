# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from collections import namedtuple

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import PASSTHROUGH_RULES, PASSTHROUGH_SPEC, \
    spec, unprefixed
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import PREFIX, guest_paths, plan_run
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError, OutsideScope
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import given_selectors, select_vm
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction
from ansible_collections.hyperv.dda.plugins.plugin_utils.backends import backend_for, run_lease
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import held_warning, wait_outlasts_lease
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError


# What asking the guest before the run gave: its survey, or why it was not asked (not_asked); a refusal fails the
# plan; not_captured is why a rehearsal's snapshot has no view of the guest.
GuestAnswer = namedtuple('GuestAnswer', 'survey refused not_asked not_captured', defaults=(None, None, None, None))


class ActionModule(DDAAction):
    """The role's plan: one host survey, one guest survey when the guest can be asked, then the pure planner."""

    ARGUMENT_SPEC = spec(PASSTHROUGH_SPEC, claims={'type': 'list', 'elements': 'dict', 'default': []})
    REQUIRED_IF = PASSTHROUGH_RULES['required_if']

    def execute(self, args, task_vars):
        settings = unprefixed(args)
        check_mode = bool(self._task.check_mode)
        backend = backend_for(self, task_vars)
        try:
            plan, refused = self.plan_from(backend, self.survey_scope(settings), settings, args['claims'], check_mode)
        except OutsideScope:
            plan, refused = self.plan_from(backend, None, settings, args['claims'], check_mode)
        # The host's lease as the survey saw it: lease.yml's take tells from it whether the plan may be stale, and a
        # lease another run holds is told here (check mode takes none; a real run waits for it).
        held = held_warning(plan['lease'], run_lease(self, task_vars))
        if held:
            plan['warnings'].append(held)
        # Under a lease the play holds: a shutdown that could outlast it is refused here, before the role's first change.
        mine = run_lease(self, task_vars)
        if mine and plan.get('shutdown') and not refused:
            refused = wait_outlasts_lease(settings['shutdown_timeout'], mine)
        if refused:
            plan['errors'].append(refused)
            del plan['steps'][:]
            plan.update(changes=[], work=[], phases=[], shutdown=False, restart=False, start=False)
        claims = self.claims(args['claims'], settings, plan)
        plan.update(changed=False, check_mode=check_mode, claims=claims, round_trips=backend.round_trips,
                    # Facts outlive a role call: a later call in the play sees which VM each device went to.
                    ansible_facts={'nvme_passthrough__claims': claims})
        if plan['errors']:
            plan['msg'] = '%s Nothing was changed.' % ' '.join(plan['errors'])
        nothing = 'Nothing to change%s' % (': nvme_passthrough_devices is empty.' if not settings['devices'] else '.')
        plan['summary'] = (plan['changes'] or [nothing]) + plan['notes']
        if not plan['warnings']:
            del plan['warnings']  # Ansible shows a result's warnings as such; none, no key
        return plan

    def plan_from(self, backend, scope, settings, claims, check_mode):
        """(the plan, a refusal) from one survey of the host (scoped, or whole with scope None) and of the guest.

        The plan says what the guest showed (guest_survey), or why it was not asked (guest_not_asked):
        hyperv.dda.capture_snapshot keeps either in the snapshot it saves, for a rehearsal."""
        snapshot = self.survey(backend, scope)
        guest = self.ask_guest(backend, settings, snapshot)
        plan = plan_run(snapshot, settings, guest.survey, claims, check_mode, guest_not_captured=guest.not_captured)
        plan.update(guest_survey=guest.survey, guest_not_asked=guest.not_asked)
        plan['lease'] = snapshot['host'].get('lease') or {'holder': None, 'version': 0}
        return plan, guest.refused

    def survey_scope(self, args):
        """The role's VM and its devices (and, through the survey, the VM holding any of them); args are the role's
        settings, without the prefix."""
        return [args['vm_name']], [selection for entry in args['devices'] or [] for selection in given_selectors(entry)]

    def ask_guest(self, backend, settings, snapshot):
        """What asking the guest through PowerShell Direct before the run gave (GuestAnswer)."""
        paths = guest_paths(settings)
        if settings['state'] != 'present':
            return GuestAnswer(not_asked='%sstate is %s, so the run has no guest step' % (PREFIX, settings['state']))
        if settings['guest'] != 'powershell_direct':
            return GuestAnswer(not_asked='%sguest is %s, not powershell_direct' % (PREFIX, settings['guest']))
        if paths is None:
            return GuestAnswer(not_asked='no device of %sdevices has Windows guest settings, so the run has no '
                                         'guest step' % PREFIX)
        try:
            vm = select_vm(snapshot, settings['vm_name'])
        except DDAError as e:  # the plan reports an unknown VM itself
            return GuestAnswer(not_asked=e.msg)
        not_captured = backend.guest_not_captured(vm['name'])
        if not_captured:
            return GuestAnswer(not_asked=not_captured, not_captured=not_captured)
        if vm['state'] != 'Running':
            return GuestAnswer(not_asked="VM '%s' is %s, and a guest can be asked only while its VM runs"
                                         % (vm['name'], vm['state']))
        try:
            survey, dummy = backend.run('survey_guest_disks', {'VMName': vm['name'], 'AccessPaths': paths},
                                        sensitive={'Credential': settings['guest_credential']})
        except HostCommandError as e:
            refused = ("Cannot ask the guest of VM '%s' through PowerShell Direct before the run: %s Check "
                       "nvme_passthrough_guest_credential and that the guest runs Windows." % (vm['name'], e.message))
            return GuestAnswer(refused=refused, not_asked=refused)
        return GuestAnswer(survey=survey)

    @staticmethod
    def claims(claims, settings, plan):
        """Which VM each device goes to, for later role calls in the same play (facts are per host)."""
        paths = set(device['location_path'] for device in plan['devices'])
        kept = [claim for claim in claims if claim.get('location_path') not in paths]
        if settings['state'] == 'present' and not plan['errors'] and plan['vm']:
            kept += [{'location_path': path, 'vm': plan['vm']['name']} for path in sorted(paths)]
        return kept
