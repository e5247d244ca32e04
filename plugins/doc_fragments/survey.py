# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  survey:
    description:
      - A snapshot of the host (RV(hyperv.dda.hyperv_dda_info#module:snapshot)) to plan from, instead of surveying the
        host first. The task then makes no round trip to plan, and none at all when nothing is to change or in check
        mode; the role R(hyperv.dda.nvme_passthrough,ansible_collections.hyperv.dda.nvme_passthrough_role) hands each
        task the host as its plan expects it before that step.
      - The script that makes the change still checks the host as it is, and fails when it is not as the survey says
        (the device in another state, the VM gone, a volume mounted since), changing nothing.
      - By default the task surveys the host itself, in one round trip and only as far as it needs - the VM it names and
        the device it selects (whichever of the two the module takes), the devices assigned to that VM, and the VM
        holding that device. Such a survey makes the same cmdlet calls on a host of 2 controllers and 10 VMs as on one
        of 64 and 400, except that a device assigned to another VM makes it ask every VM which holds it (Hyper-V tells
        that only VM by VM). The snapshot says what it covers in C(scope); a task that finds it needs more (a VM or
        device that is not there, to name the ones that are) surveys the whole host again.
      - A snapshot with a C(scope) may be handed to a task that names only what it covers; for anything else, the task
        fails, changing nothing, and asks for a survey of the whole host.
    type: dict
'''
