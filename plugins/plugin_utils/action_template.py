# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one run() every module of the collection shares.

validate the arguments (ansible-core's validate_argument_spec) -> choose the backend -> probe the
host -> plan in pure Python -> diff -> apply, unless in check mode -> result.

A module is a small subclass that sets its argument spec and fills in the hooks ``probe``,
``plan`` and (when it changes anything) ``apply``. Every DDAError, whatever layer raised it,
becomes ``failed``/``msg`` here and nowhere else. Check mode is decided here, once: the plan
says what would change; check mode only skips apply.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.backends import backend_for
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostUnreachable


class DDAAction(ActionBase):
    """Base of the collection's action plugins."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()

    # Set by each module: ansible-core argument spec and its cross-option rules.
    ARGUMENT_SPEC = {}
    MUTUALLY_EXCLUSIVE = ()
    REQUIRED_ONE_OF = ()

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super(DDAAction, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            dummy, args = self.validate_argument_spec(
                argument_spec=self.ARGUMENT_SPEC,
                mutually_exclusive=list(self.MUTUALLY_EXCLUSIVE) or None,
                required_one_of=list(self.REQUIRED_ONE_OF) or None,
            )
        except AnsibleActionFail as e:
            # Core names the plugin by its Python path; users know the module by its FQCN.
            result.update(failed=True, msg=e.message.replace('(%s)' % self._load_name, '(%s)' % self.module_name))
            return result
        try:
            backend = backend_for(self, task_vars)
            observed = self.probe(backend, args)
            plan = self.plan(args, observed)
            outcome = dict(plan.result)
            if plan.changed and not self._task.check_mode:
                outcome.update(self.apply(backend, args, plan, observed) or {})
            result.update(outcome)
            result['changed'] = plan.changed
            if self._task.diff and plan.diff is not None:
                result['diff'] = plan.diff
            if plan.warnings:
                result['warnings'] = plan.warnings
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

    def probe(self, backend, args):
        """Read what the plan needs from the host (read-only scripts); return plain data."""
        raise NotImplementedError

    def plan(self, args, observed):
        """Pure: from the validated arguments and the observed state, return a Plan."""
        raise NotImplementedError

    def apply(self, backend, args, plan, observed):
        """Carry out plan.steps (mutating scripts); may return result values to override."""
        raise NotImplementedError('%s plans changes but has no apply()' % type(self).__name__)
