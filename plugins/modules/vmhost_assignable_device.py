# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/vmhost_assignable_device.py.

DOCUMENTATION = r'''
module: vmhost_assignable_device
short_description: Dismount a device from a Hyper-V host for DDA, or mount it back
version_added: 0.1.0
description:
  - V(dismounted) takes a disabled device away from the host (C(Dismount-VMHostAssignableDevice)) so that it can be
    assigned to a VM. Before dismounting, the device's identity (instance ID, name, disk serial numbers) is recorded
    on the host (registry key C(HKLM:\SOFTWARE\hyperv.dda\Devices)), so selectors and
    M(hyperv.dda.hyperv_dda_info) keep working while it is away.
  - The device must be disabled first (M(hyperv.dda.pnp_device_disable)); an enabled device fails. In check mode,
    after a disabling task of the play, the device is planned on as that task leaves it; with no earlier task of the
    play, an enabled device is reported as a change with a warning.
  - The same host-safety refusals as M(hyperv.dda.pnp_device_disable) apply, and so do SurveyDDA's blockers (firmware
    kept control of PCI Express, reserved memory, line-based interrupts, no ACS). O(force) overrides only the ACS check.
  - V(mounted) returns a dismounted device to the host (C(Mount-VMHostAssignableDevice), always with an explicit
    location path); it comes back disabled. It fails while the device is assigned to a VM, naming the VM.
  - Before the mount, the device's record on the host is marked as a return the collection began
    (RV(hyperv.dda.hyperv_dda_info#module:snapshot.devices[].return_pending)); enabling the device
    (M(hyperv.dda.pnp_device_disable) V(enabled)) clears the mark, and so does a dismount. A device left disabled
    with the mark (a run stopped before the enable) is the collection's to enable, and the C(hyperv.dda.dda_reclaim)
    playbook enables it; a device disabled without it is only reported.
  - Whether a dismount or a mount worked is decided by what the host shows, not by the cmdlet's error. The dismount
    cmdlet can fail after the device has left the host (it looks up the new assignable device before the host has
    registered it), and a mount can report an error for a device that comes back. The task waits for the device and
    warns with the cmdlet's message. After a dismount that failed, the identity record is removed only when the
    device is provably still on the host.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  state:
    description:
      - V(dismounted) or V(mounted).
    type: str
    choices: [dismounted, mounted]
    default: dismounted
  force:
    description:
      - Pass C(-Force) to C(Dismount-VMHostAssignableDevice), which skips its ACS and mitigation-driver checks.
        NVMe controllers dismount without it.
    type: bool
    default: false
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.device_selector
  - hyperv.dda.survey
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Dismount the disabled NVMe controller
  hyperv.dda.vmhost_assignable_device:
    location_path: PCIROOT(0)#PCI(0102)#PCI(0000)

- name: Return it to the host (it comes back disabled)
  hyperv.dda.vmhost_assignable_device:
    serial_number: S4EWNX0N123456
    state: mounted
'''

RETURN = r'''
device:
  description: The device, as it is after the task (in check mode, as it would be).
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
