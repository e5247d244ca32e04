# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import PREVIOUS_SPEC, SURVEY_SPEC, VM_NAME_SPEC, spec
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_plans import stop_action_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction


class ActionModule(DDAAction):

    ARGUMENT_SPEC = spec(SURVEY_SPEC, VM_NAME_SPEC, PREVIOUS_SPEC,
                         action={'type': 'str', 'default': 'TurnOff', 'choices': ['TurnOff', 'ShutDown', 'Save']})
    PLANNER = staticmethod(stop_action_plan)
