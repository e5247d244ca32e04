# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/hyperv_vm_stop_action.py.

DOCUMENTATION = r'''
module: hyperv_vm_stop_action
short_description: Set what Hyper-V does with a VM when the host shuts down
version_added: 0.1.0
description:
  - Sets a VM's automatic stop action (C(Set-VM -AutomaticStopAction)), the first step of passing a device through.
  - A VM with an assigned device cannot be saved, so Microsoft's procedure sets V(TurnOff). New VMs default to V(Save).
  - The change is allowed while the VM runs.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  action:
    description:
      - The automatic stop action.
      - V(Save) is refused for a VM that has assigned devices.
    type: str
    choices: [TurnOff, ShutDown, Save]
    default: TurnOff
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.vm_name
  - hyperv.dda.previous
  - hyperv.dda.survey
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Let the host turn the VM off when it shuts down (needed before passing a device through)
  hyperv.dda.hyperv_vm_stop_action:
    vm_name: sql01

- name: Shut the guest down cleanly instead
  hyperv.dda.hyperv_vm_stop_action:
    vm_name: sql01
    action: ShutDown
'''

RETURN = r'''
vm_name:
  description: Name of the VM.
  returned: success
  type: str
  sample: sql01
automatic_stop_action:
  description: The automatic stop action after the task.
  returned: success
  type: str
  sample: TurnOff
previous_automatic_stop_action:
  description: The automatic stop action before the task.
  returned: success
  type: str
  sample: Save
'''
