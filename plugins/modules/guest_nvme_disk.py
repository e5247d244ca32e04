# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The action plugin plugins/action/guest_nvme_disk.py runs first, on the controller. Against a Windows
# guest (or the Hyper-V host, with vm_name) it does the work through PowerShell; against a Linux guest
# it runs this module there. The planning of both lives in plugins/module_utils.

from __future__ import annotations

DOCUMENTATION = r'''
module: guest_nvme_disk
short_description: Bring a passed-through NVMe disk into use inside a Windows or Linux guest
version_added: 0.1.0
description:
  - Brings an NVMe disk that was passed through to a VM into use inside its guest.
  - In a B(Windows) guest, online, writable, initialized with one data partition, formatted (NTFS or ReFS), with a
    drive letter or a folder mount point. It runs either against the guest itself (a Windows connection to the
    guest), or against the Hyper-V host with O(vm_name) and O(guest_credential), where the same work runs inside the
    guest through PowerShell Direct (C(Invoke-Command -VMId -Credential)), which needs no network path to the
    guest, only the VM running on that host and a guest account. The credential travels as a PSCredential through
    win_powershell's C(sensitive_parameters), never in script text, logs, diffs, invocations or snapshots.
  - In a B(Linux) guest (any POSIX connection to the guest, usually SSH; PowerShell Direct does not reach Linux),
    GPT with one partition, an ext4 or xfs file system with its label, mounted at O(mount_point) and made persistent
    in the guest's fstab by UUID with C(nofail), so that a VM started without the device still boots. The action
    plugin runs this module in the guest with the guest's Python; it plans with the same rules as on Windows.
  - The disk is found by the identity the host recorded for it (O(serial_number), O(adapter_serial_number),
    O(unique_id)), or in Windows by O(disk_number); exactly one NVMe disk of the guest must match. None or several
    fail, listing what the guest sees. In Linux, the controller serial (C(/sys/class/nvme/*/serial)) is the
    host's O(adapter_serial_number), and the namespace's EUI-64 or NGUID (C(/sys/block/nvme*/eui), C(nguid),
    C(wwid)) is what Windows shows as O(serial_number) and O(unique_id).
  - In check mode in Windows, a disk that earlier tasks of the play pass through (assign, start) joins what the
    guest shows, planned from the host's view of it (when those tasks start the VM, the guest cannot be asked yet;
    the real run checks its letters and folders); with no earlier task, a disk the guest does not show yet is
    reported as a change with a warning. In Linux the module looks at the guest itself, so in check mode it fails
    before the disk is there.
  - In Windows, disk numbers can change when the guest restarts, so the change is made only if the disk that has
    the planned number still has the serial number and unique ID it was planned from, and is neither the boot nor
    the system disk; else it fails and changes nothing. A disk that reports neither a serial number nor a unique ID
    is not changed.
  - A boot or system disk is never touched, even with O(force). In Linux that is any disk under C(/), C(/boot),
    C(/boot/efi), C(/usr) or an active swap area (through partitions, LVM, device mapper or md); and a disk with
    anything mounted on it or stacked on it is never wiped or repartitioned, even with O(force).
  - A disk that already holds partitions or volumes that do not match the request (partition style, one data
    partition, file system, allocation unit) is refused, listing what is on it, unless O(force=true), which wipes
    it and creates what was asked. In Linux, fstab lines naming a wiped file system by UUID, PARTUUID or device
    path are removed; one naming it by label is left, with a warning.
  - A disk that already matches reports no change. A different label, drive letter, mount folder, mount point or
    set of mount options is changed in place, never by reformatting.
  - An offline or read-only disk is brought online and made writable first; the task warns that it did.
  - When a step fails, what the task had done so far is undone (except what O(force) had already wiped).
author:
  - hyperv.dda contributors (@hyperv-dda)
requirements:
  - "Linux guests: Python 3.8 or later, root (O(ignore:become)), util-linux, sgdisk (package gdisk) or parted,
    and e2fsprogs or xfsprogs for the file system. A missing tool is an error naming its package, before anything
    changes."
options:
  serial_number:
    description:
      - The disk's serial number as Windows reports it (for NVMe usually an EUI-64/NGUID string such as
        C(0025_3852_21B3_4B17.)), compared case-insensitively, ignoring surrounding spaces and trailing dots.
      - In a Linux guest it matches the namespace whose EUI-64 or NGUID has the same hex digits (however they are
        spelled), or, for drives whose Windows serial number is the controller serial, that serial.
      - Exactly one of O(serial_number), O(adapter_serial_number), O(unique_id) and O(disk_number) is required.
    type: str
  adapter_serial_number:
    description:
      - The NVMe controller's serial number (C(Get-PhysicalDisk) AdapterSerialNumber; in Linux
        C(/sys/class/nvme/*/serial)), compared like O(serial_number). A controller with several namespaces matches
        all of them; select one by O(unique_id) then.
    type: str
  unique_id:
    description:
      - The disk's unique ID (C(Get-Disk) UniqueId, such as C(eui.0025385221B34B17)), compared case-insensitively.
        In Linux, the namespace's C(wwid), or its EUI-64/NGUID as hex.
    type: str
  disk_number:
    description:
      - Windows only. The disk's number in the guest. Numbers can change between boots; prefer a serial number.
        The task changes the disk only if, when the change runs, the disk of that number still has the serial number
        and unique ID the task found for it.
      - A whole number from 0 to 2147483647; anything else (a negative number, a boolean, a fraction, digits other
        than 0-9) is refused before any change.
    type: int
  partition_style:
    description:
      - Partition style of the disk. Linux guests always get V(gpt).
    type: str
    choices: [gpt, mbr]
    default: gpt
  file_system:
    description:
      - File system of the data volume. V(ntfs) or V(refs) in Windows (default V(ntfs)); V(ext4) or V(xfs) in Linux
        (default V(ext4)).
    type: str
    choices: [ntfs, refs, ext4, xfs]
  label:
    description:
      - Label of the volume or file system, at most 32 characters in Windows, 16 bytes for ext4 and 12 for xfs (no
        spaces for xfs). A different label is changed in place.
      - When not given, a new volume gets no label and an existing one keeps its label.
    type: str
  drive_letter:
    description:
      - Windows only. Drive letter of the volume, one letter (C(E) or C(E:)). It must not be in use by another
        volume.
      - Mutually exclusive with O(access_path).
    type: str
  access_path:
    description:
      - Windows only. An absolute folder (C(D:\mnt\data)) to mount the volume on. The folder is created when missing
        and must be empty when it exists. Other folder mount points of the volume are removed.
      - A volume mounted only on a folder gets C(NoDefaultDriveLetter), so that Windows does not give it a drive
        letter when the disk arrives again (a restart of the VM, a new passthrough).
      - Mutually exclusive with O(drive_letter).
    type: str
  allocation_unit_size:
    description:
      - Windows only. Allocation unit (cluster) size in bytes, a whole number from 512 to 2097152 that is a power
        of two; anything else (a boolean, a fraction, digits other than 0-9) is refused before any change. By
        default Windows chooses.
      - A volume with another allocation unit size does not match the request.
    type: int
  mount_point:
    description:
      - Linux only. The absolute path to mount the file system on (for example C(/srv/data)). The folder is created
        when missing and must be empty when it exists; nothing else may be mounted there, and no other fstab line
        may use it.
      - The mount is made persistent in O(fstab) by C(UUID=) with C(nofail); that line replaces any other line
        naming the same file system by UUID, PARTUUID or device path, or by its label at O(mount_point). Lines
        naming it by label elsewhere are left alone, since a label can also be another disk's.
      - A file system already mounted elsewhere is refused (unmount it first); without O(mount_point) the mounts
        and fstab are left as they are.
    type: str
  mount_options:
    description:
      - Linux only. Mount options, comma-separated (default C(defaults)). C(nofail) is always added. A change is
        written to fstab and applied with a remount.
      - Requires O(mount_point).
    type: str
  fstab:
    description:
      - Linux only. The fstab file to keep the mount in, for an image or chroot; default C(/etc/fstab).
    type: str
  state:
    description:
      - V(formatted) brings the disk fully into use. V(online) only brings it online and makes it writable.
    type: str
    choices: [formatted, online]
    default: formatted
  force:
    description:
      - Wipe a disk whose contents do not match the request, and create what was asked. Data on it is lost.
      - Never applies to a boot or system disk, nor in Linux to a disk with anything mounted or stacked on it.
    type: bool
    default: false
  vm_name:
    description:
      - Windows only. Run against the Hyper-V host and reach the guest of this VM through PowerShell Direct. The VM
        must be running on that host. Requires O(guest_credential).
      - Exactly one VM of the host must have this name (compared ignoring case, as Hyper-V compares names, never as
        a wildcard); the session connects to it by its Id.
    type: str
  survey:
    description:
      - Windows only. What the guest survey returns (C(disks), C(used_letters), C(folder)), to plan from instead of
        surveying the guest first; the role
        R(hyperv.dda.nvme_passthrough,ansible_collections.hyperv.dda.nvme_passthrough_role) hands over its own, planned
        before the disk was even in the guest (a disk whose C(number) is null is then found by its identity).
      - The script that changes the disk first checks that it is still as planned (partition style and number of
        partitions), and that a mount folder is empty, and changes nothing otherwise.
    type: dict
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
attributes:
  platform:
    support: full
    platforms: [windows, posix]
    description: A Windows guest (directly, or through its Hyper-V host) or a Linux guest.
notes:
  - Which guest it is comes from the connection. A Windows shell (C(powershell), C(cmd)) or O(vm_name) means
    Windows, any other shell Linux.
  - With the simulator backend the guest is the simulated Windows guest of a snapshot VM; the host variable
    C(hyperv_dda_simulator_vm) names the VM, for a task against the guest itself. The simulator does not model
    Linux guests. A snapshot with no view of that VM's guest (C(guest_not_captured), which the playbook
    C(hyperv.dda.capture_snapshot) writes where it was given no guest credential) skips the task with a warning; the
    guest step is checked at run time, against the real guest.
  - In Linux, namespaces are discovered under C(/sys), or under the folder named by the environment variable
    C(HYPERV_DDA_SYSFS_ROOT) (a rehearsal or test tree whose namespaces point at other block devices by device
    number). Partitions, mounts and swap are always read from the running kernel.
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

- name: In a Linux guest (reached over SSH), xfs on /srv/pgdata, in /etc/fstab by UUID with nofail
  hyperv.dda.guest_nvme_disk:
    serial_number: 0025_3852_21B3_4B17.
    file_system: xfs
    label: pgdata
    mount_point: /srv/pgdata
    mount_options: noatime
  become: true
  delegate_to: pg01
'''

RETURN = r'''
disk:
  description: The disk, after the task (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    number:
      description: Disk number in a Windows guest; null in Linux.
      type: int
      sample: 1
    name:
      description: Linux only. The namespace's kernel name.
      type: str
      returned: Linux guests
      sample: nvme0n1
    device:
      description: Linux only. The disk's device node.
      type: str
      returned: Linux guests
      sample: /dev/nvme0n1
    unique_id:
      description: Linux only. The namespace's wwid.
      type: str
      returned: Linux guests
      sample: eui.0025385221b34b17
    serial_number:
      description: Serial number as Windows reports it; in Linux the namespace's EUI-64 (or NGUID) as sysfs shows it.
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
    device:
      description: Linux only. The partition's device node (null in check mode before it exists).
      type: str
      returned: Linux guests
      sample: /dev/nvme0n1p1
    uuid:
      description: Linux only. The file system UUID, as fstab names it (null in check mode before it exists).
      type: str
      returned: Linux guests
      sample: 3bd47450-12ce-4395-a6b9-4401cf09164c
    mount_point:
      description: Linux only. Where the file system is mounted, or null.
      type: str
      returned: Linux guests
      sample: /srv/pgdata
    mount_options:
      description: Linux only. The options of its fstab line, when O(mount_point) is given.
      type: str
      returned: Linux guests
      sample: noatime,nofail
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
