# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/vm_assignable_device.py.

DOCUMENTATION = r'''
module: vm_assignable_device
short_description: Assign a dismounted device to a Hyper-V VM, or take it away
version_added: 0.1.0
description:
  - V(present) assigns the device to the VM (C(Add-VMAssignableDevice)). It needs the device dismounted and assigned
    to no other VM (the error names that VM), the VM Off, its automatic stop action not V(Save), static memory, the
    VM not clustered, no stale assignments, and high MMIO space that holds what the VM's devices and this one need.
    It refuses what the role nvme_passthrough refuses, in the same words, naming every unmet requirement at once with
    its remedy.
  - The MMIO check holds whatever state the device is in. A dismounted device cannot be surveyed, so its need is the
    one the collection recorded when it disabled and dismounted it; a device whose need is unknown (taken from the
    host by hand, or by an earlier version) is refused until it is back on the host and surveyed.
  - Preconditions that an earlier step of the chain establishes (device dismounted, VM off, stop action, static
    memory, stale assignments removed with O(remove_stale=true) in a task of its own) fail with the remedy. In check
    mode the task plans on the host as the earlier tasks of the play leave it, and fails where the real run fails;
    only when no earlier task of the play predicted the host is a missing precondition reported as a change with a
    warning. A clustered VM, too little MMIO space (or an unknown need) and a device of another VM fail in check mode
    too.
  - The task warns where the role warns (a generation 1 VM, nested virtualization, GPU partition adapters), and on a
    client Windows host, where the assignment works but the VM will not start with the device.
  - V(absent) removes only the selected device, never the VM's other devices; the VM must be Off. The device is
    removed as the object C(Get-VMAssignableDevice) returns for its exact location path, piped to
    C(Remove-VMAssignableDevice) (which has no C(-VM) parameter, and by name without a path removes every device).
  - A VM whose assigned device is gone from the host keeps a stale assignment (an entry with an empty location path)
    and cannot start (C(Element not found)). O(remove_stale=true) removes those entries, and is all the task does.
    Assigning a device to such a VM is refused; removing one, or a task that changes nothing, warns.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  state:
    description:
      - V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  remove_stale:
    description:
      - Remove the VM's stale assignments (devices gone from the host; the VM must be Off), and nothing else.
      - A task with O(remove_stale=true) takes no device selector; one with a selector is refused, changing nothing.
        Assign or remove a device in a task of its own.
    type: bool
    default: false
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.vm_name
  - hyperv.dda.device_selector
  - hyperv.dda.survey
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Pass the dismounted NVMe controller through to the VM (off, static memory, stop action TurnOff or ShutDown)
  hyperv.dda.vm_assignable_device:
    vm_name: sql01
    location_path: PCIROOT(0)#PCI(0102)#PCI(0000)

- name: Take it away again (the VM must be off)
  hyperv.dda.vm_assignable_device:
    vm_name: sql01
    serial_number: S4EWNX0N123456
    state: absent

- name: Remove the assignments of devices that are gone from the host, so that the VM starts again
  hyperv.dda.vm_assignable_device:
    vm_name: sql01
    remove_stale: true
'''

RETURN = r'''
vm_name:
  description: Name of the VM.
  returned: success
  type: str
  sample: sql01
assigned_devices:
  description: Location paths of the devices assigned to the VM after the task.
  returned: success
  type: list
  elements: str
  sample: ["PCIROOT(0)#PCI(0102)#PCI(0000)"]
stale_assignments:
  description: How many stale assignments the VM has after the task (in check mode, would have).
  returned: success
  type: int
  sample: 0
device:
  description: The device, as it is after the task (in check mode, as it would be); null without a device selector.
  returned: success
  type: dict
  contains:
    instance_id:
      description: PnP instance ID.
      type: str
      sample: PCI\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\4&2F6A1B6B&0&0010
    location_path:
      description: The PCIROOT location path.
      type: str
      sample: PCIROOT(0)#PCI(0102)#PCI(0000)
    friendly_name:
      description: Device name.
      type: str
      sample: Samsung NVMe Controller
    state:
      description: V(enabled), V(disabled) (on the host) or V(dismounted) (left the host).
      type: str
      sample: dismounted
    assigned_to:
      description: Name of the VM the device is assigned to, or null.
      type: str
      sample: sql01
    disks:
      description: Identity of the disks behind the device (C(model), C(serial_number), C(adapter_serial_number), C(size)).
      type: list
      elements: dict
      sample: [{model: Samsung SSD 970 EVO Plus 1TB, serial_number: 0025_3852_21B3_4B17., adapter_serial_number: S4EWNX0N123456, size: 1000204886016}]
'''
