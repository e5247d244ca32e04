# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/pnp_device_disable.py.

DOCUMENTATION = r'''
module: pnp_device_disable
short_description: Disable or enable a PCI device on a Hyper-V host
version_added: 0.1.0
description:
  - Disables a device on the host (C(Disable-PnpDevice)), which DDA needs before the device can be dismounted,
    or enables it again (C(Enable-PnpDevice)) once it is back on the host.
  - A controller behind the host's boot, system or pagefile disk, a storage-pool member, or a disk passed through to
    a VM as a physical hard disk (C(Add-VMHardDiskDrive -DiskNumber)), is refused whatever the options. A
    controller whose disks have mounted volumes needs O(allow_mounted_volumes=true).
  - Right before C(Disable-PnpDevice), the host's storage is read again and the device is disabled only while the
    disks the task planned from are still behind it, none of them has become host-critical, and (without
    O(allow_mounted_volumes)) none has mounted volumes; otherwise the task fails and changes nothing.
  - A device that is dismounted (in the pool, or assigned to a VM) already satisfies V(disabled).
    V(enabled) on it fails, naming the remedy (mount it first); in check mode it is reported as a change with
    a warning, as an earlier step of the chain would mount it, unless an earlier task of the play predicted the device
    (then the task plans on the device as predicted, and fails as the real run will).
  - Waits until Windows reports the new state (up to 30 seconds), problem code 22 for disabled and 0 for
    enabled. A device that is not disabled but has another Plug and Play problem code does not work, and
    V(enabled) fails for it, naming the code (enabling does not clear it).
  - V(enabled) also clears, once the device is enabled, the host's record of a return the collection began
    (RV(hyperv.dda.hyperv_dda_info#module:snapshot.devices[].return_pending)), which
    C(hyperv.dda.vmhost_assignable_device) leaves when it mounts a device; for an enabled device that still has
    it, clearing it is the task's change.
  - A controller whose disks the host cannot show is refused, like a host-critical one (a read of the host's
    storage that failed, a disk drive whose controller cannot be read, a disk another cluster node answers for, or
    a disk number seen twice).
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  state:
    description:
      - V(disabled) or V(enabled).
    type: str
    choices: [disabled, enabled]
    default: disabled
  allow_mounted_volumes:
    description:
      - Allow disabling a controller whose disks have mounted volumes; the host loses those volumes.
    type: bool
    default: false
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.device_selector
  - hyperv.dda.survey
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Disable the NVMe controller on the host
  hyperv.dda.pnp_device_disable:
    location_path: PCIROOT(0)#PCI(0102)#PCI(0000)

- name: Disable the controller of a drive by its serial number, although it has a mounted volume
  hyperv.dda.pnp_device_disable:
    serial_number: S4EWNX0N123456
    allow_mounted_volumes: true

- name: Enable it again once it is back on the host
  hyperv.dda.pnp_device_disable:
    location_path: PCIROOT(0)#PCI(0102)#PCI(0000)
    state: enabled
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
