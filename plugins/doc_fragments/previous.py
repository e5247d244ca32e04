# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  previous:
    description:
      - V(remember) keeps, for each setting whose value this task changes, its value from before (unless a value is
        kept already) and the value it sets, on the host (registry key C(HKLM:\SOFTWARE\hyperv.dda\VMs\<VM Id>)), so
        that a release can give it back while the VM still has the value set (the role's
        C(nvme_passthrough_restore_vm_settings)). A setting the task leaves as it is is not kept.
        M(hyperv.dda.hyperv_dda_info) reports it as
        RV(hyperv.dda.hyperv_dda_info#module:snapshot.vms[].remembered_settings).
      - V(forget) drops the kept values after this task.
      - By default the task leaves any kept value alone.
    type: str
    choices: [remember, forget]
'''
