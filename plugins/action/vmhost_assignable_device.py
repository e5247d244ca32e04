# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import (
    DEVICE_SELECTOR_RULES, DEVICE_SELECTOR_SPEC, SURVEY_SPEC, spec)
from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import host_device_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction


class ActionModule(DDAAction):

    ARGUMENT_SPEC = spec(SURVEY_SPEC, DEVICE_SELECTOR_SPEC,
                         state={'type': 'str', 'default': 'dismounted', 'choices': ['dismounted', 'mounted']},
                         force={'type': 'bool', 'default': False})
    MUTUALLY_EXCLUSIVE = DEVICE_SELECTOR_RULES['mutually_exclusive']
    REQUIRED_ONE_OF = DEVICE_SELECTOR_RULES['required_one_of']
    PLANNER = staticmethod(host_device_plan)
