# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import SURVEY_SPEC, VM_NAME_SPEC, spec
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_plans import power_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction


class ActionModule(DDAAction):

    ARGUMENT_SPEC = spec(SURVEY_SPEC, VM_NAME_SPEC,
                         state={'type': 'str', 'required': True, 'choices': ['running', 'off']},
                         shutdown_timeout={'type': 'int', 'default': 300},
                         turn_off_on_timeout={'type': 'bool', 'default': False},
                         record_restart={'type': 'bool', 'default': False})
    PLANNER = staticmethod(power_plan)

    def apply(self, backend, args, plan, observed):
        applied = super(ActionModule, self).apply(backend, args, plan, observed)
        turned_off = [result for result in self.script_results if result.get('turned_off')]
        if turned_off:
            previous = turned_off[0].get('previous_state')
            why = 'it was %s, and its memory state was discarded' % previous if previous in ('Saved', 'Paused') else \
                'it did not shut down within %d seconds, or its Shutdown integration service was not available' \
                % args['shutdown_timeout']
            applied.setdefault('warnings', []).append(
                "VM '%s' was turned off (turn_off_on_timeout): %s. Unsaved work in the guest was lost."
                % (plan.result['vm_name'], why))
            applied['turned_off'] = True
        return applied
