# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Written by tools/make_role_specs.py from PASSTHROUGH_SPEC (plugins/module_utils/arg_specs.py) and the prose of
# roles/nvme_passthrough/meta/argument_specs.yml; do not edit.

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  nvme_passthrough_vm_name:
    description: The VM. It must name exactly one VM of the host.
    type: str
    required: true
  nvme_passthrough_devices:
    description:
      - The devices, each selected by exactly one of C(location_path), C(instance_id) or C(serial_number) (see
        M(hyperv.dda.pnp_device_disable)), each optionally with the guest settings of its disk.
    type: list
    elements: dict
    required: true
    suboptions:
      location_path:
        description: The device's PCIROOT location path.
        type: str
      instance_id:
        description: The device's PnP instance ID.
        type: str
      serial_number:
        description: The serial number of a disk behind the device, or of the controller.
        type: str
      drive_letter:
        description: Drive letter of the volume in a Windows guest (M(hyperv.dda.guest_nvme_disk)).
        type: str
      access_path:
        description: Folder to mount the volume on in a Windows guest.
        type: str
      mount_point:
        description: Absolute path to mount the file system on in a Linux guest, made persistent in its fstab.
        type: str
      mount_options:
        description: Mount options in a Linux guest (C(nofail) is always added).
        type: str
      label:
        description: Volume or file system label in the guest.
        type: str
      file_system:
        description: File system in the guest; V(ntfs) or V(refs) in Windows, V(ext4) or V(xfs) in Linux.
        type: str
        choices: [ntfs, refs, ext4, xfs]
  nvme_passthrough_state:
    description: V(present) passes the devices through; V(absent) returns them to the host.
    type: str
    choices: [present, absent]
    default: present
  nvme_passthrough_allow_vm_restart:
    description:
      - When a change needs the VM Off and it is running, V(false) fails before changing anything, naming what would
        change; V(true) shuts it down once, applies everything, and starts it again, also when a step fails.
      - With a guest step (O(nvme_passthrough_guest)), V(true) also lets the role start a VM that is Off, since the
        guest step needs it running.
    type: bool
    default: false
  nvme_passthrough_shutdown_timeout:
    description:
      - Seconds for the graceful shutdown, a whole number from 0 to 2147483647 (C(set_vm_power.ps1) takes an C([int])).
        Anything else (a negative number, a boolean, digits other than 0-9, a fraction, V(.inf)) is refused before any
        change, naming this variable.
    type: int
    default: 300
  nvme_passthrough_stop_action:
    description: The VM's automatic stop action (a VM with an assigned device cannot be saved).
    type: str
    choices: [TurnOff, ShutDown]
    default: TurnOff
  nvme_passthrough_disable_dynamic_memory:
    description: V(true) turns dynamic memory off (keeping the startup memory); V(false) fails when it is on.
    type: bool
    default: false
  nvme_passthrough_allow_mounted_volumes:
    description: Allow disabling a controller whose disks have volumes mounted on the host.
    type: bool
    default: false
  nvme_passthrough_guest:
    description:
      - How to bring the disks into use in the guest after the passthrough. V(none) skips it, V(powershell_direct) runs
        from the host (needs O(nvme_passthrough_guest_credential)), V(inventory) delegates to
        O(nvme_passthrough_guest_host).
      - Only devices with guest settings (C(drive_letter), C(access_path), C(label), C(file_system)) are formatted.
    type: str
    choices: [none, powershell_direct, inventory]
    default: none
  nvme_passthrough_guest_credential:
    description: The guest account for PowerShell Direct.
    type: dict
    suboptions:
      username:
        description: User name.
        type: str
        required: true
      password:
        description: Password.
        type: str
        required: true
  nvme_passthrough_guest_host:
    description: Inventory name of the guest, for O(nvme_passthrough_guest=inventory).
    type: str
  nvme_passthrough_force_format:
    description: Passed to M(hyperv.dda.guest_nvme_disk) as O(hyperv.dda.guest_nvme_disk#module:force).
    type: bool
    default: false
  nvme_passthrough_restore_vm_settings:
    description:
      - With O(nvme_passthrough_state=absent), when the last device leaves the VM, give the VM back the automatic stop
        action and memory settings it had before the passthrough, which the passthrough remembered on the host
        (RV(hyperv.dda.hyperv_dda_info#module:snapshot.vms[].remembered_settings)).
      - Only what the passthrough changed, and only while the VM still has the value the passthrough set; a setting
        changed since is left as it is, and the plan says so. A record written by an earlier version does not keep the
        values set, and the role's own change is assumed (its stop action, dynamic memory off, startup memory as it
        was).
      - The release does not undo anything else the passthrough did (the VM's MMIO settings, a partition table the guest
        step made).
    type: bool
    default: false
  nvme_passthrough_on_failure:
    description:
      - What a run does when a step fails. The VM's power state is restored either way (also when a step fails).
      - V(restore) (all or nothing) leaves the host as the run found it, or, where going back would take a second
        shutdown of the VM (a release whose devices left the VM already), as planned. Each device the run took from the
        host and did not keep in the VM goes back, mounted and enabled (taken back from the VM while it is still off,
        before it starts again); on release, each device goes back into the VM, or, once the VM runs again, is mounted
        and enabled on the host. The VM gets back the automatic stop action and memory settings it had, remembered on
        the host, once no device it keeps needs otherwise.
      - V(leave) gives nothing back. The devices stay where the failure left them (disabled or dismounted), for a retry
        of the same run, which finishes it.
      - Either way the failure tells, per device and VM setting, whether it is as before the run, as planned or neither,
        and how to finish it (for a device dismounted and held by no VM, the dda_reclaim playbook's command).
    type: str
    choices: [restore, leave]
    default: restore
  nvme_passthrough_lease_timeout:
    description:
      - Seconds to wait for another run's lease of the host before failing without any change, a whole number from 0 to
        86400. Unset, the host variable C(hyperv_dda_lease_timeout) is used, else 600.
    type: int
'''
