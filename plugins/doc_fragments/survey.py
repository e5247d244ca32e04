# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  survey:
    description:
      - A snapshot of the host (RV(hyperv.dda.hyperv_dda_info#module:snapshot)) to plan from, instead of surveying
        the host first. The task then makes no round trip to plan, and none at all when nothing is to change or in
        check mode; the role P(hyperv.dda.nvme_passthrough#role) hands each task the host as its plan expects it before
        that step.
      - The script that makes the change still checks the host as it is, and fails when it is not as the survey
        says (the device in another state, the VM gone, a volume mounted since), changing nothing.
      - By default the task surveys the host itself.
    type: dict
'''
