# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/hyperv_dda_info.py.

DOCUMENTATION = r'''
module: hyperv_dda_info
short_description: Survey a Hyper-V host for Discrete Device Assignment of NVMe devices
version_added: 0.1.0
description:
  - Reads, in one round trip, everything about a Hyper-V host that Discrete Device Assignment (DDA)
    depends on, and returns it as a host snapshot (schema C(hyperv.dda.snapshot/v1)).
  - The snapshot lists the host (edition, IOV support), every NVMe controller on the host (enabled or
    disabled) with its location paths, the checks of Microsoft's SurveyDDA.ps1 and the disks behind it
    with their host-safety flags, every device that has left the host (dismounted, or assigned to a VM),
    and every VM with the settings DDA depends on.
  - O(ignore:candidates) says, for each device, whether it could be passed through, and if not, why.
  - A device that left the host is described by the identity the collection recorded on the host when
    it dismounted the device; one dismounted by other means shows only its location path and instance ID.
  - Never changes anything; runs in check mode.
  - Save the returned C(snapshot) to a file to rehearse playbooks against it with the simulator backend.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  vm_names:
    description:
      - Names of the VMs to report in RV(snapshot.vms). Names compare case-insensitively.
      - By default every VM of the host is reported.
      - A name that matches no VM fails the task, listing the VMs of the host.
      - Candidates are computed from all VMs regardless, so a device assigned to an unlisted VM still
        shows where it is.
    type: list
    elements: str
extends_documentation_fragment:
  - hyperv.dda.backend
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  platform:
    support: full
    platforms: windows
    description: Runs against a Hyper-V host (Windows Server 2016 or later, Azure Local).
seealso:
  - name: Deploy NVMe storage devices using Discrete Device Assignment
    description: Microsoft's procedure that this collection automates.
    link: https://learn.microsoft.com/windows-server/virtualization/hyper-v/deploy/deploying-storage-devices-using-dda
  - name: SurveyDDA.ps1
    description: Microsoft's script whose per-device checks RV(candidates[].reasons) reports.
    link: https://github.com/MicrosoftDocs/Virtualization-Documentation/blob/main/hyperv-tools/DiscreteDeviceAssignment/SurveyDDA.ps1
'''

EXAMPLES = r'''
- name: Survey the host
  hyperv.dda.hyperv_dda_info:
  register: dda

- name: Show the devices that could be passed through
  ansible.builtin.debug:
    msg: "{{ dda.candidates | selectattr('assignable') | map(attribute='location_path') | list }}"

- name: Show why the others cannot
  ansible.builtin.debug:
    msg: "{{ item.location_path }}: {{ item.reasons | join(' ') }}"
  loop: "{{ dda.candidates | rejectattr('assignable') | list }}"

- name: Save the host's snapshot beside the playbook, to rehearse against with the simulator backend
  ansible.builtin.copy:
    content: "{{ dda.snapshot | to_nice_json }}"
    dest: "{{ playbook_dir }}/{{ inventory_hostname }}.json"
    mode: "0644"
  delegate_to: localhost

- name: Report only the VMs that matter here
  hyperv.dda.hyperv_dda_info:
    vm_names: [sql01, web01]
  register: dda_vms
'''

RETURN = r'''
snapshot:
  description:
    - The host snapshot, schema C(hyperv.dda.snapshot/v1), without the fields only the simulator uses.
    - Unknown values are null. Enum values are Hyper-V's own names, as strings.
  returned: success
  type: dict
  contains:
    schema:
      description: Always C(hyperv.dda.snapshot/v1).
      type: str
      sample: hyperv.dda.snapshot/v1
    host:
      description: The Hyper-V host.
      type: dict
      contains:
        name:
          description: Computer name.
          type: str
          sample: HV01
        os:
          description: Windows edition.
          type: str
          sample: Microsoft Windows Server 2022 Datacenter
        product_type:
          description: C(server), or C(workstation) for client Windows (where a VM with a DDA device cannot start).
          type: str
          sample: server
        iov_support:
          description:
            - Whether Hyper-V reports I/O virtualization support (Get-VMHost IovSupport), the virtual switch's SR-IOV
              capability. False is a warning on every device (RV(candidates[].warnings)), not a blocker, because
              SurveyDDA calls SR-IOV support only "mostly equivalent" to DDA support.
          type: bool
          sample: true
        iov_support_reasons:
          description: Why IOV is not supported, as Hyper-V says.
          type: list
          elements: str
          sample: []
        lease:
          description:
            - The host's lease (M(hyperv.dda.hyperv_dda_lease)), by which one run of the collection at a time changes
              the host. Null on a host whose lease no run ever took. Its token stays on the host.
            - A lease another run holds is also a warning of the task.
          type: dict
          contains:
            holder:
              description: Who holds it (C(controller), C(user), C(playbook), C(run_id)); null when no run does.
              type: dict
            since:
              description: When the holder took it (ISO 8601, UTC, the host's clock).
              type: str
            until:
              description: When it runs out unless the holder renews it (every step of the holder does).
              type: str
            seconds:
              description: How long it lasts after each renewal.
              type: int
            expired:
              description: The holder's time had run out when the host was read (the run stopped); the next run
                takes the lease over and is told what that run left.
              type: bool
            version:
              description: Raised by every write of the lease; a plan made at another version may be stale.
              type: int
            error:
              description: Why the lease could not be read (only then).
              type: str
    devices:
      description: NVMe controllers on the host, and every device that has left the host.
      type: list
      elements: dict
      contains:
        instance_id:
          description: PnP instance ID, in its C(PCI\) form also for a dismounted device.
          type: str
          sample: PCI\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\4&2F6A1B6B&0&0010
        location_paths:
          description: Location paths; the first starting with C(PCIROOT) is the one the Hyper-V cmdlets take.
          type: list
          elements: str
          sample: ["PCIROOT(0)#PCI(0102)#PCI(0000)", "ACPI(_SB_)#ACPI(PCI0)#ACPI(GPP2)"]
        friendly_name:
          description: Device name; null for a device that left the host unrecorded.
          type: str
          sample: Samsung NVMe Controller
        class:
          description: PnP device class.
          type: str
          sample: SCSIAdapter
        service:
          description: Driver service.
          type: str
          sample: stornvme
        state:
          description: C(enabled), C(disabled) (still on the host) or C(dismounted) (left the host; see RV(snapshot.vms[].assigned_devices)).
          type: str
          sample: enabled
        problem_code:
          description:
            - Plug and Play problem code of a device on the host (C(ConfigManagerErrorCode)); null while it is away.
            - 0 works, 22 is disabled, any other value is a problem (see Device Manager).
          type: int
          sample: 0
        mitigation_driver:
          description: Whether the vendor supplied a security mitigation driver; null, as no host property tells it.
          type: bool
          sample: null
        survey:
          description: SurveyDDA's checks as data; null for a disabled or dismounted device.
          type: dict
          contains:
            device_type:
              description: C(PciExpressEndpoint), C(RootComplexIntegratedEndpoint), C(LegacyEndpoint), C(PciExpressTreatedAsPci) or C(Other).
              type: str
            acs_compatible_up_hierarchy:
              description: C(NotSupported), C(SingleFunctionSupported), C(NoP2PSupported) or C(Supported).
              type: str
            requires_reserved_memory_region:
              description: Whether firmware keeps memory reserved for the device (not assignable).
              type: bool
            interrupts:
              description: C(msi), C(line) or C(none).
              type: str
            mmio_mb:
              description: MMIO space the device needs, in MB.
              type: int
        disks:
          description:
            - The disks behind the controller. For a device away from the host, only the recorded identity (other fields null).
            - Null when the survey cannot tell which disks sit behind it (on a cluster node another node may answer for
              a disk; a device dismounted without the collection's record). Unknown is never "no disks"; such a device
              is never taken from the host.
          type: list
          elements: dict
          contains:
            number:
              description: Disk number on the host.
              type: int
            model:
              description: Disk model.
              type: str
            serial_number:
              description: Serial as Windows reports it for the disk (for NVMe usually an EUI-64/NGUID string).
              type: str
            adapter_serial_number:
              description: The controller's serial number.
              type: str
            unique_id:
              description: Disk unique ID.
              type: str
            size:
              description: Size in bytes.
              type: int
            is_boot:
              description: The host boots from this disk.
              type: bool
            is_system:
              description: The disk holds the host's system partition.
              type: bool
            has_pagefile:
              description: A volume of the disk holds a page file of the host.
              type: bool
            storage_pool:
              description: Name of the storage pool the disk belongs to, or null.
              type: str
            passed_through_to:
              description:
                - The VM the disk is given to as a physical hard disk (C(Add-VMHardDiskDrive -DiskNumber)); absent
                  when it is given to none. Its controller must stay on the host.
              type: str
              returned: when the disk is passed through to a VM
            partition_style:
              description: C(RAW), C(MBR) or C(GPT).
              type: str
            partitions:
              description: Partitions with their volumes (C(number), C(size), C(drive_letter), C(access_paths), C(volume)).
              type: list
              elements: dict
        identity_recorded:
          description: Whether the collection has recorded this device's identity on the host (it does at dismount).
          type: bool
        recorded_mmio_mb:
          description: The MMIO space the device needed (SurveyDDA), in MB, as the collection recorded it on the host
            when it disabled or dismounted the device (a device that does not work on the host cannot be surveyed);
            absent when no run of this version took the device from the host.
          type: int
        return_pending:
          description:
            - Whether the collection began to give this device back to the host and has not finished. The host
              records it before Mount-VMHostAssignableDevice and clears it once the device is enabled, so a run that
              stopped in between leaves the device disabled with this set.
            - Such a device is the collection's to enable (the C(hyperv.dda.dda_reclaim) playbook or the release
              again do); a device disabled without it may be disabled on purpose and is only reported.
          type: bool
    vms:
      description: VMs of the host (those of O(vm_names) when given).
      type: list
      elements: dict
      contains:
        name:
          description: VM name.
          type: str
        id:
          description: VM ID.
          type: str
        state:
          description: Hyper-V VM state (C(Off), C(Running), C(Saved), C(Paused), ...).
          type: str
        generation:
          description: VM generation.
          type: int
        automatic_stop_action:
          description: C(TurnOff), C(Save) or C(ShutDown); a VM with an assigned device cannot use C(Save).
          type: str
        dynamic_memory_enabled:
          description: Dynamic memory is on (DDA needs static memory).
          type: bool
        memory_startup_bytes:
          description: Startup memory in bytes.
          type: int
        low_mmio_bytes:
          description: Low MMIO space in bytes.
          type: int
        high_mmio_bytes:
          description: High MMIO space in bytes.
          type: int
        guest_controlled_cache_types:
          description: Guest-controlled cache types.
          type: bool
        is_clustered:
          description: The VM is a cluster role (DDA is not supported for clustered VMs).
          type: bool
        assigned_devices:
          description: Location paths of the devices assigned to the VM.
          type: list
          elements: str
        stale_assignments:
          description: How many of the VM's assignments point at a device no longer on the host (the VM cannot start
            until M(hyperv.dda.vm_assignable_device) removes them with O(hyperv.dda.vm_assignable_device#module:remove_stale)).
          type: int
        guest_shutdown_available:
          description: Whether the guest can be shut down gracefully (its Shutdown integration service is enabled and
            OK); null when the VM is not running.
          type: bool
        restart_pending:
          description: The collection shut the VM down for a change and has not started it again yet (a run was
            interrupted); the next run of the role, M(hyperv.dda.hyperv_vm_power) with C(state=running), or the reclaim
            playbook starts it.
          type: bool
        remembered_settings:
          description:
            - The VM's stop action and memory settings from before the collection changed them (C(automatic_stop_action),
              C(dynamic_memory_enabled), C(memory_startup_bytes), each null when the collection did not change it), or
              null.
            - C(set) holds the value the collection set for each of them; a release gives a setting back only while the
              VM still has that value. Its values are null in a record written by an earlier version, which did not keep
              them.
          type: dict
        expose_virtualization_extensions:
          description: Whether nested virtualization is exposed to the VM (Get-VMProcessor).
          type: bool
        gpu_partition_adapters:
          description: How many GPU partition (GPU-P) adapters the VM has; null where the host has no
            Get-VMGpuPartitionAdapter (before Windows Server 2022).
          type: int
candidates:
  description: One entry per device of RV(snapshot.devices), saying whether it could be passed through.
  returned: success
  type: list
  elements: dict
  contains:
    instance_id:
      description: PnP instance ID.
      type: str
    location_path:
      description: The PCIROOT location path.
      type: str
      sample: PCIROOT(0)#PCI(0102)#PCI(0000)
    friendly_name:
      description: Device name.
      type: str
    state:
      description: C(enabled), C(disabled) or C(dismounted).
      type: str
    assigned_to:
      description: Name of the VM the device is assigned to, or null.
      type: str
    disks:
      description: Identity of the disks behind the device (C(model), C(serial_number), C(adapter_serial_number), C(size)).
      type: list
      elements: dict
    assignable:
      description: True when nothing blocks passing the device through.
      type: bool
    reasons:
      description:
        - What blocks it, in whole sentences; empty when assignable.
        - Failed SurveyDDA checks, backing the host's boot, system or pagefile disk, storage-pool membership, a disk
          passed through to a VM, unknown disks, a Plug and Play problem, a client Windows host.
      type: list
      elements: str
      sample: ["It backs the host's boot disk (disk 0)."]
    warnings:
      description:
        - What to know before passing it through, with the remedy; does not block.
        - What a left-behind state means and how to reclaim it, and the data its disks hold on the host (volumes,
          letters, labels, file systems, sizes).
        - No IOV support on the host, with each of Hyper-V's reasons and its fix.
      type: list
      elements: str
    states:
      description:
        - What DDA left behind, named. C(orphan) (dismounted from the host and held by no VM; the dda_reclaim playbook
          mounts and enables it), C(return_pending) (a run began to give it back to the host and stopped before it
          was enabled; the dda_reclaim playbook enables it), C(disabled_not_dismounted) (disabled on the host, never
          dismounted, without that record; only reported).
      type: list
      elements: str
      sample: ["orphan"]
    mmio_mb:
      description: The MMIO space the device needs (SurveyDDA), in MB; for a device that does not work on the host,
        what the collection recorded before it took the device away; null when unknown.
      type: int
vms:
  description:
    - One entry per VM of RV(snapshot.vms), with what blocks DDA for it and what may.
    - Each entry also repeats the VM's DDA settings from RV(snapshot.vms), under the same names - C(generation),
      C(automatic_stop_action), C(dynamic_memory_enabled), C(memory_startup_bytes), C(low_mmio_bytes),
      C(high_mmio_bytes), C(is_clustered), C(expose_virtualization_extensions), C(gpu_partition_adapters),
      C(assigned_devices), C(stale_assignments), C(restart_pending).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: VM name.
      type: str
    state:
      description: Power state, as Hyper-V names it.
      type: str
    mmio_needed_mb:
      description: The MMIO its assigned devices need (sum of their SurveyDDA figures); null when one is unknown.
      type: int
    reasons:
      description:
        - What makes DDA fail for this VM, with the remedy. Clustered, dynamic memory, stop action Save, high MMIO
          space smaller than its devices need, stale assignments.
      type: list
      elements: str
    warnings:
      description:
        - What may make DDA fail for it. Generation 1, nested virtualization, GPU partition adapters, a guest that
          cannot be shut down gracefully, a start owed since an interrupted run.
      type: list
      elements: str
    states:
      description: What DDA left behind on this VM, named. C(stale_assignment), C(restart_pending).
      type: list
      elements: str
'''
