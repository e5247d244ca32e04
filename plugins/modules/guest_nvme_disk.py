# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The action plugin plugins/action/guest_nvme_disk.py runs first, on the controller. Against a Windows
# guest (or the Hyper-V host, with vm_name) it does the work through PowerShell; against a Linux guest
# it runs this module there. The planning of both lives in plugins/module_utils.

from __future__ import annotations

DOCUMENTATION = r'''
module: guest_nvme_disk
short_description: Bring a passed-through NVMe disk into use inside a Windows guest
version_added: 0.1.0
description:
  - Brings an NVMe disk that was passed through to a VM into use inside its Windows guest (online, writable,
    initialized with one data partition, formatted, with a drive letter or a folder mount point).
  - Runs either against the guest itself (a Windows connection to the guest), or against the Hyper-V host with
    O(vm_name) and O(guest_credential), where the same work runs inside the guest through PowerShell Direct
    (C(Invoke-Command -VMName -Credential)), which needs no network path to the guest, only the VM running on that
    host and a guest account. The credential travels as a PSCredential through win_powershell's
    C(sensitive_parameters), never in script text, logs, diffs, invocations or snapshots.
  - The disk is found by the identity the host recorded for it (O(serial_number), O(adapter_serial_number),
    O(unique_id)), or by O(disk_number); exactly one NVMe disk of the guest must match. None or several fail,
    listing what the guest sees.
  - A boot or system disk is never touched, even with O(force).
  - A disk that already holds partitions or volumes that do not match the request (partition style, one data
    partition, file system, allocation unit) is refused, listing what is on it, unless O(force=true), which wipes
    it (C(Clear-Disk)) and creates what was asked.
  - A disk that already matches reports no change. A different label, drive letter or mount folder is changed in
    place, never by reformatting.
  - An offline or read-only disk is brought online and made writable first; the task warns that it did.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  serial_number:
    description:
      - The disk's serial number as Windows reports it (for NVMe usually an EUI-64/NGUID string such as
        C(0025_3852_21B3_4B17.)), compared case-insensitively, ignoring surrounding spaces and trailing dots.
      - Exactly one of O(serial_number), O(adapter_serial_number), O(unique_id) and O(disk_number) is required.
    type: str
  adapter_serial_number:
    description:
      - The NVMe controller's serial number (C(Get-PhysicalDisk) AdapterSerialNumber), compared like O(serial_number).
    type: str
  unique_id:
    description:
      - The disk's unique ID (C(Get-Disk) UniqueId), compared case-insensitively.
    type: str
  disk_number:
    description:
      - The disk's number in the guest. Numbers can change between boots; prefer a serial number.
    type: int
  partition_style:
    description:
      - Partition style of the disk.
    type: str
    choices: [gpt, mbr]
    default: gpt
  file_system:
    description:
      - File system of the data volume.
    type: str
    choices: [ntfs, refs]
    default: ntfs
  label:
    description:
      - Label of the volume, at most 32 characters. A different label is changed in place.
      - When not given, a new volume gets no label and an existing one keeps its label.
    type: str
  drive_letter:
    description:
      - Drive letter of the volume, one letter (C(E) or C(E:)). It must not be in use by another volume.
      - Mutually exclusive with O(access_path).
    type: str
  access_path:
    description:
      - An absolute folder (C(D:\mnt\data)) to mount the volume on. The folder is created when missing and must be
        empty when it exists. Other folder mount points of the volume are removed.
      - Mutually exclusive with O(drive_letter).
    type: str
  allocation_unit_size:
    description:
      - Allocation unit (cluster) size in bytes, a power of two from 512 to 2097152. By default Windows chooses.
      - A volume with another allocation unit size does not match the request.
    type: int
  state:
    description:
      - V(formatted) brings the disk fully into use. V(online) only brings it online and makes it writable.
    type: str
    choices: [formatted, online]
    default: formatted
  force:
    description:
      - Wipe a disk whose contents do not match the request, and create what was asked. Data on it is lost.
      - Never applies to a boot or system disk.
    type: bool
    default: false
  vm_name:
    description:
      - Run against the Hyper-V host and reach the guest of this VM through PowerShell Direct. The VM must be running
        on that host. Requires O(guest_credential).
    type: str
  guest_credential:
    description:
      - The guest account PowerShell Direct signs in with. Requires O(vm_name).
    type: dict
    suboptions:
      username:
        description:
          - User name, for example C(Administrator) or C(CONTOSO\\admin).
        type: str
        required: true
      password:
        description:
          - Password. Never logged.
        type: str
        required: true
notes:
  - With the simulator backend and a task against the guest itself, the host variable C(hyperv_dda_simulator_vm)
    names the VM of the snapshot that the guest is.
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Format the passed-through drive as E:, from the Hyper-V host through PowerShell Direct
  hyperv.dda.guest_nvme_disk:
    vm_name: sql01
    guest_credential:
      username: Administrator
      password: "{{ vault_sql01_admin_password }}"
    serial_number: 0025_3852_21B3_4B17.
    drive_letter: E
    label: data

- name: The same against the guest itself (a Windows connection to sql01)
  hyperv.dda.guest_nvme_disk:
    adapter_serial_number: S4EWNX0N123456
    drive_letter: E
    label: data
  delegate_to: sql01

- name: ReFS with 64 KB clusters, mounted on a folder, wiping whatever was on the drive
  hyperv.dda.guest_nvme_disk:
    vm_name: sql01
    guest_credential: "{{ sql01_credential }}"
    unique_id: eui.0025385221B34B17
    file_system: refs
    allocation_unit_size: 65536
    access_path: D:\mnt\data
    force: true
'''

RETURN = r'''
disk:
  description: The disk, after the task (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    number:
      description: Disk number in the guest.
      type: int
      sample: 1
    serial_number:
      description: Serial number as Windows reports it.
      type: str
      sample: 0025_3852_21B3_4B17.
    adapter_serial_number:
      description: The controller's serial number.
      type: str
      sample: S4EWNX0N123456
    size:
      description: Size in bytes.
      type: int
      sample: 1000204886016
    partition_style:
      description: V(RAW), V(GPT) or V(MBR).
      type: str
      sample: GPT
volume:
  description:
    - The data volume, after the task; null when the disk has none (V(online), or not one data partition).
    - The size of a volume that check mode would create is null (Windows decides it).
  returned: success
  type: dict
  contains:
    drive_letter:
      description: Drive letter, or null.
      type: str
      sample: E
    access_path:
      description: Folder mount point, or null.
      type: str
      sample: null
    file_system:
      description: File system.
      type: str
      sample: NTFS
    label:
      description: Volume label.
      type: str
      sample: data
    size:
      description: Size in bytes.
      type: int
      sample: 1000185937920
'''


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import GUEST_DISK_RULES, GUEST_DISK_SPEC
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import check_linux_args, linux_disk_plan
from ansible_collections.hyperv.dda.plugins.module_utils.linux_guest import LinuxGuest


def main():
    module = AnsibleModule(argument_spec=GUEST_DISK_SPEC, supports_check_mode=True, **GUEST_DISK_RULES)
    try:
        args = check_linux_args(module.params)
        guest = LinuxGuest(module)
        plan = linux_disk_plan(args, guest.survey(args), module.check_mode)
        result = dict(plan.result, changed=plan.changed)
        if plan.changed:
            params = plan.steps[0].parameters
            guest.require_tools(params['actions'], args['file_system'])
            if not module.check_mode:
                guest.apply(params)
                # Report the disk as the guest now shows it, and prove the change converged.
                settled = linux_disk_plan(args, guest.survey(args), False)
                if settled.changed:
                    raise DDAError('After the change, %s still needs %s. This is a bug in hyperv.dda: please report '
                                   'it with the output of this task at -vvv.'
                                   % (params['device'], ', '.join(settled.steps[0].parameters['actions'])))
                result.update(settled.result)
    except DDAError as e:
        module.fail_json(msg=e.msg, **e.result)
    for warning in plan.warnings:
        module.warn(warning)
    if module._diff:
        result['diff'] = plan.diff
    module.exit_json(**result)


if __name__ == '__main__':
    main()
