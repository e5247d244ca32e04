# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.info import info_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction
from ansible_collections.hyperv.dda.plugins.plugin_utils.backends import run_lease


class ActionModule(DDAAction):

    ARGUMENT_SPEC = {
        'vm_names': {'type': 'list', 'elements': 'str'},
    }
    PLANNER = staticmethod(info_plan)
    # Candidates tell where every device is, which takes every VM's assignments: always the whole host.
    SCOPED_SURVEY = False

    def execute(self, args, task_vars):
        # The lease this run holds, if any: a survey under it does not warn of it.
        self.mine = run_lease(self, task_vars)
        return super(ActionModule, self).execute(args, task_vars)

    def plan(self, args, observed):
        return info_plan(args, observed, mine=self.mine)
