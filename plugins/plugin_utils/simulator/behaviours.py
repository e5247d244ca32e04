# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Where each behaviour of the simulator comes from: one row per behaviour, naming the function that
implements it, the source, and how it is known (the marks of messages.py).

docs/simulator_behaviours.md is generated from this table and messages.MESSAGES
(tools/make_behaviour_table.py); a test keeps both in step with the code: every row names a function
that exists, and every function of cmdlets.py, guest.py and the twins that models Windows has a row.
"""

from __future__ import annotations

from collections import namedtuple

Behaviour = namedtuple('Behaviour', 'where what mark source')

# The public sources cited below (dda-facts.md's source index, by the same numbers).
SOURCES = {
    'S1': 'Microsoft Learn, "Deploy NVMe Storage Devices using Discrete Device Assignment" (MicrosoftDocs/windowsserverdocs)',
    'S3': 'Microsoft Learn, "Plan for deploying devices by using Discrete Device Assignment"',
    'S5': 'Hyper-V cmdlet reference, MicrosoftDocs/windows-powershell-docs docset/winserver2025-ps/Hyper-V/',
    'S6': 'PnpDevice cmdlet reference, MicrosoftDocs/windows-powershell-docs docset/winserver2025-ps/PnpDevice/',
    'S8': 'Virtualization team blog, 2015-11-19, "Discrete Device Assignment -- Description and background"',
    'S9': 'Virtualization team blog, 2015-11-20, "Discrete Device Assignment -- Machines and devices"',
    'S11': 'Virtualization team blog, 2015-11-24, "Discrete Device Assignment -- Guests and Linux"',
    'S12': 'SurveyDDA.ps1, MicrosoftDocs/Virtualization-Documentation hyperv-tools/DiscreteDeviceAssignment',
    'S13': 'The Hyper-V PowerShell module, decompiled: nforgeio/neonSDK Lib/Neon.HyperV/HyperVWmiDriver/'
           '(Microsoft/HyperV/PowerShell/... and the *.resx string tables)',
    'S14': 'microsoft/lisa: hyperv_nvme_recovery.ps1, lisa/sut_orchestrator/hyperv/hyperv_device_pool.py',
    'S15': 'Justsenger/ExHyperV: src/Services/Host/PCIeService.cs and issue #139',
    'S18': 'MicrosoftDocs/azure-stack-docs azure-local/manage/gpu-preparation.md',
    'S19': 'intel/haxm issue #149 (real Dismount-VMHostAssignableDevice output)',
    'S20': 'Community guide to DDA on Windows 11 client (real Start-VM output, 0xC035001E)',
    'S22': 'Microsoft Learn, "Manage Windows virtual machines with PowerShell Direct"',
    'S28': 'MicrosoftDocs/windowsserverdocs issue #3083 ("Element not found" at Start-VM)',
    'PS': 'PowerShell/PowerShell: src/System.Management.Automation/resources/ParameterBinderStrings.resx and '
          'HostInterfaceExceptionsStrings.resx; Windows PowerShell 5.1 console output in public reports',
    'WMI': 'Microsoft Learn, Msvm_ShutdownComponent and its InitiateShutdown method (root\\virtualization\\v2)',
    'DSC': 'dsccommunity/StorageDsc issue #145 (folder-only volumes gain a drive letter)',
    'JSON': 'PowerShell/PowerShell issue #3424; microsoft/AL-Go issue #974 (ConvertFrom-Json arrays on 5.1)',
    'EXC': 'exceedio/powershell Set-ExceedioVMStartAndStopAction.ps1 (commit 605036c "Enabled set commands", kept since: '
           'Set-VM -AutomaticStopAction on every VM whose State is Running)',
    'HVDSC': 'dsccommunity/HyperVDsc issue #216 ("Modifying these properties can only be done when the VM is powered '
             'off", of AutomaticStartAction and AutomaticStopAction)',
    # Windows' storage and PnP classes: MicrosoftDocs/win32 desktop-src/CIMWin32Prov and MicrosoftDocs/windows-driver-docs
    # (storage/msft-*.md, install/devpkey-*.md, devprop-type-*.md).
}

BEHAVIOURS = (
    # --- every call ---
    Behaviour('host.SimulatedHost.invoke', 'Every cmdlet call is bound as PowerShell binds it, against the signature '
              'table generated from the cmdlet reference: a parameter the cmdlet lacks, an ambiguous prefix, '
              'parameters of two sets or a missing mandatory one fail with PowerShell\'s own error.',
              'documented', 'S5, S6, PowerShell-Docs 5.1 reference (tools/make_cmdlet_table.py); PS'),
    Behaviour('host.SimulatedHost.invoke', 'An injected fault fails the matching call and leaves the state unchanged; '
              'with after_effect the cmdlet does its work first and reports the error at its end, where the script '
              'meets it (Mount reporting an error for a device that came back).',
              'seen', 'S14'),
    Behaviour('host.SimulatedHost.invoke', 'A call that hangs (fault hang) leaves on the host what the script\'s '
              'earlier calls did: a controller killed during the hang finds the registry values written and the '
              'changes made before it, not the host as it was before the script.', 'documented',
              'PowerShell-Docs 5.1 New-Item, Set-ItemProperty, Remove-ItemProperty (each changes the registry when '
              'it runs; nothing a script did is undone by a later call that never returns); about_Registry_Provider'),
    Behaviour('host_twins._has_record', 'A device\'s registry key is its record from New-Item on (Test-Path finds it '
              'whatever values it holds yet) until Remove-Item removes it.', 'documented',
              'PowerShell-Docs 5.1 New-Item, Test-Path, Remove-Item, about_Registry_Provider'),
    # --- VMs ---
    Behaviour('host_twins.set_vm_power', 'A VM that is not Running, Off, Saved or Paused is in a transition '
              '(Starting, Stopping, Saving, Pausing, Resuming, Reset, FastSaving, ...) or in a *Critical state (its '
              'health is not OK); Start-VM, Resume-VM and Stop-VM refuse most of these.', 'decompiled',
              'S13 VMState.cs, VirtualMachine.State (CriticalStateConverter), VirtualMachine.ChangeState'),
    Behaviour('cmdlets.vm_by_id', 'Get-VM -Id finds a VM by its Id; an unknown Id fails with ObjectNotFound.',
              'decompiled', 'S13 VirtualizationObjectLocator.GetVirtualMachineById'),
    Behaviour('cmdlets.list_vms', 'Get-VM lists every VM; a VM can be deleted by someone else between that listing and '
              'the reads of it.', 'documented', 'S5 Get-VM, Remove-VM'),
    Behaviour('cmdlets.require_vms', 'A Hyper-V cmdlet handed VM objects reports an error for a VM deleted since it was '
              'listed (per VM, going on with the others, or once for the whole call), which -ErrorAction Stop makes '
              'terminating; the text is a placeholder.', 'decompiled',
              'S13 SelectManyWithLogging, PerformOperationWithLogging (VirtualizationCmdletBase); the text [unknown]'),
    Behaviour('cmdlets.vms_named', 'VM names compare ignoring case character by character (ordinal), never as '
              'wildcards once the script filters Get-VM itself.', 'inferred', '.NET StringComparison.OrdinalIgnoreCase'),
    Behaviour('cmdlets.set_vm_stop_action', 'Set-VM -AutomaticStopAction changes the stop action, also while the VM '
              'runs (the role sets it before the power window, so that the VM is down only for what needs it off).',
              'inferred', 'S13 Commands/SetVM.cs SetVMProperties, VirtualMachine.AutomaticStopAction (the cmdlet checks '
              'no VM state: it sets AutomaticShutdownAction and writes the settings back, ModifySystemSettings, in any '
              'state); WMI ModifySystemSettings (a running VM\'s current settings may be modified; Invalid State (5) '
              'is a possible answer); EXC (public script setting it on running VMs). Against it: HVDSC (says it can be '
              'changed only with the VM off, showing no error). Not seen on a host: a refusal fails the run before the '
              'VM is shut down'),
    Behaviour('cmdlets.set_vm_memory', 'Set-VMMemory needs the VM Off, and refuses dynamic memory for a VM with an '
              'assigned device.', 'placeholder', 'S3 (static memory required); the texts are [unknown]'),
    Behaviour('cmdlets.start_vm', 'Start-VM fails with "Element not found" while the VM has a stale assignment or an '
              'assigned device is not in the pool, and with 0xC035001E on client Windows.', 'seen', 'S20, S28'),
    Behaviour('cmdlets.start_vm', 'A started VM reports its guest\'s Shutdown integration service as available unless '
              'the snapshot\'s guest says it has none.', 'inferred', 'S13 VirtualMachine.IsShutdownComponentAvailable'),
    Behaviour('cmdlets._check_mmio_gap', 'Start-VM fails when the VM\'s high MMIO gap is smaller than the MMIO its '
              'assigned devices need (SurveyDDA\'s figure, or the need the collection recorded); a device whose need '
              'the state does not know adds nothing.', 'inferred',
              'S3 (the gap must hold the sum of the devices\' needs); dda-facts §11 "MMIO at start" ("does not start, '
              'or the guest reports Code 12"): the one public report found, Justsenger/ExHyperV#19, shows the other '
              'branch (the VM ran, the device had Code 12); the simulator takes the failing one, which the role must '
              'never reach (its plan refuses first)'),
    Behaviour('cmdlets._arrive_in_guest', 'When a passed-through disk arrives in the guest again, a volume mounted only '
              'on a folder gets the first free drive letter unless its partition has NoDefaultDriveLetter.', 'seen',
              'DSC'),
    Behaviour('cmdlets.resume_vm', 'Resume-VM runs a paused VM again.', 'documented', 'S5'),
    Behaviour('cmdlets.stop_vm', 'Stop-VM -TurnOff turns the VM off; without it the guest is asked to shut down. '
              'Without a working Shutdown integration service, -Force or -AsJob answer "turn off instead?" with yes '
              'and the VM is turned off; otherwise the prompt fails in a non-interactive host.', 'decompiled',
              'S13 Commands/StopVM.cs, Commands/VirtualizationCmdletBase.cs (ShouldContinue)'),
    Behaviour('cmdlets.shutdown_components', 'The Shutdown integration service is available when it is enabled and '
              'its primary operational status is OK; a VM that is not running has none.', 'decompiled',
              'S13 VirtualMachine.IsShutdownComponentAvailable, VMIntegrationComponentOperationalStatus.cs; WMI'),
    Behaviour('cmdlets.nested_virtualization', 'Get-VMProcessor takes every VM in one call (VM[]) and reports '
              'ExposeVirtualizationExtensions (nested virtualization) per VM, with its VMId.', 'decompiled',
              'S13 Commands/GetVMProcessor.cs, VMProcessor.cs, VMComponentObject.cs (VMId)'),
    Behaviour('cmdlets.gpu_partition_adapters', 'Get-VMGpuPartitionAdapter takes every VM in one call and lists its GPU '
              'partition adapters, with their VMId.', 'decompiled',
              'S13 Commands/GetVMGpuPartitionAdapter.cs, VMGpuPartitionAdapter.cs'),
    Behaviour('cmdlets.gpu_partition_adapters', 'A host whose snapshot says the count is unknown (null) has no '
              'Get-VMGpuPartitionAdapter: calling it throws CommandNotFoundException, which the survey catches to report '
              'null. Which Windows versions lack it is not known: its reference is only in the winserver2022-ps and '
              'winserver2025-ps docsets, and absence from a docset proves nothing (the DDA cmdlets are missing from the '
              '2016 and 2019 docsets too).', 'inferred',
              'S5 docsets; PowerShell-Docs 5.1 about_Try_Catch_Finally (catching CommandNotFoundException)'),
    Behaviour('cmdlets.stop_vm', 'Stop-VM -TurnOff turns off a Saved or Paused VM too (its memory state is '
              'discarded).', 'decompiled', 'S13 VirtualMachine.cs (the allowed current states of the Stop action: '
              'Running, Paused, Saved, FastSaved), Commands/StopVM.cs'),
    Behaviour('cmdlets.initiate_shutdown', 'InitiateShutdown asks the guest OS to shut down and never turns the VM '
              'off; it returns 32775 (invalid state) without the service, 32782 ("A system shutdown is in progress") '
              'when the guest is shutting down already, which then goes off, and a guest that ignores it keeps '
              'running. Without Force a locked guest answers 32781 ("cannot be shut down without the force option") '
              'and keeps running; Force, true, would close applications that hold unsaved data.', 'documented',
              'WMI'),
    Behaviour('cmdlets.initiate_shutdown', 'A guest may accept the shutdown (0) and take longer than the script waits: '
              'it is still running when the script gives up, and shutting down from then on.', 'inferred',
              'WMI (the method initiates the shutdown; 0 means it was initiated, not that the guest is off)'),
    Behaviour('cmdlets.finish_late_shutdowns', 'A guest whose accepted shutdown outlasted the script\'s wait powers '
              'off later: the simulator turns it off before the next script run reads the host.', 'inferred',
              'WMI (as above); the simulator\'s model of "later" is the time between two runs'),
    Behaviour('cmdlets.shutdown_available', 'What the Shutdown integration service reports for a VM.', 'decompiled',
              'S13 VirtualMachine.IsShutdownComponentAvailable'),
    # --- PnP ---
    Behaviour('cmdlets.get_pnp_device', 'Get-PnpDevice -InstanceId -PresentOnly finds a device whose node is present '
              '(case-insensitively); a node that is coming back after a mount is missing for a while; not found throws '
              'unless -ErrorAction SilentlyContinue.', 'seen', 'S6; S14 (LISA polls after mount and enable)'),
    Behaviour('cmdlets._present', 'Disable/Enable-PnpDevice act on a present device; a dismounted one is not found.',
              'inferred', 'S6 (CDXML not-found pattern)'),
    Behaviour('cmdlets.disable_pnp_device', 'Disable-PnpDevice gives the device problem code 22 (CM_PROB_DISABLED); the '
              'controller of the boot, system or pagefile disk cannot be disabled without a restart.', 'inferred',
              'S6, S8 (a reboot may be needed)'),
    Behaviour('cmdlets.enable_pnp_device', 'Enable-PnpDevice turns problem code 22 into 0; another problem code stays.',
              'seen', 'S14 (LISA waits for the code to leave 22)'),
    # --- DDA ---
    Behaviour('cmdlets.device_at', 'Location paths compare exactly and case-sensitively.', 'decompiled',
              'S13 PciExpressUtilities.FilterAssignableDevices'),
    Behaviour('cmdlets.holder', 'An assignment is stored only with the VM (Get-VMAssignableDevice).', 'decompiled',
              'S13 VMAssignedDevice.cs'),
    Behaviour('cmdlets._is_nvme', 'NVMe controllers dismount without -Force.', 'documented', 'S1, S8'),
    Behaviour('cmdlets._registered', 'Right after a dismount the new assignable device can be missing from the host\'s '
              'list for a while.', 'seen', 'S15 (ExHyperV retries 5 x 500 ms)'),
    Behaviour('cmdlets.pool_paths', 'Get-VMHostAssignableDevice lists dismounted devices (assigned ones too) the host '
              'has registered; a -LocationPath that matches nothing returns nothing, without an error.', 'decompiled',
              'S13 Commands/GetVMHostAssignableDevice.cs'),
    Behaviour('cmdlets.assigned_devices', 'Get-VMAssignableDevice lists a VM\'s assigned devices; one whose device is '
              'gone from the host has an empty LocationPath (a stale assignment).', 'decompiled',
              'S13 VMAssignedDevice.cs; S28'),
    Behaviour('cmdlets.dismount_device', 'Dismount-VMHostAssignableDevice needs the device disabled; refuses firmware '
              'that kept PCIe control (also with -Force), reserved memory regions, and without -Force a device with no '
              'mitigation driver (NVMe excepted) or no ACS. The device leaves the host; then the cmdlet looks up the '
              'new assignable device at once and throws "Cannot find dismounted assignable device." when it is not '
              'registered yet, although the device has left.', 'decompiled',
              'S9, S19 (texts); S13 VMHostAssignableDevice.Dismount, Commands/DismountVMHostAssignableDevice.cs'),
    Behaviour('cmdlets.mount_device', 'Mount-VMHostAssignableDevice -LocationPath returns the device to the host '
              'disabled; a path that matches nothing does nothing; an assigned device is refused.', 'decompiled',
              'S13 Commands/MountVMHostAssignableDevice.cs; S1 ("re-enable the device")'),
    Behaviour('cmdlets.add_vm_device', 'Add-VMAssignableDevice needs the device in the pool (exact path), the VM Off '
              '(unless the host allows hot plug), stop action not Save, static memory, and the device assigned to no '
              'other VM.', 'placeholder', 'S1, S3, S13 (device not found); the server-side texts are [unknown]'),
    Behaviour('cmdlets.remove_vm_devices', 'Remove-VMAssignableDevice takes assigned-device objects from the pipeline '
              'and removes each; it needs the VM Off; a stale entry can only be removed so.', 'decompiled',
              'S13 Commands/RemoveVMAssignableDevice.cs; S1 ("stop the VM")'),
    # --- the guest (Windows, directly or through PowerShell Direct) ---
    Behaviour('guest.powershell_direct_vm', 'PowerShell Direct reaches a running local VM by Id with valid guest '
              'credentials; Windows guests only.', 'documented', 'S22'),
    Behaviour('guest.guest_vm', 'A task that runs against the guest itself reaches the VM hyperv_dda_simulator_vm '
              'names.', 'inferred', 'the simulator\'s own seam'),
    Behaviour('guest.disks', 'The guest sees its own disks and, while the VM runs, the disks of its assigned devices, '
              'as NVMe, numbered after its own; what it writes travels with the device.', 'inferred', 'S1, S11'),
    Behaviour('guest.disk', 'Get-Disk -Number of a disk the guest does not have fails.', 'inferred', 'Storage module'),
    Behaviour('guest.free_letter', 'Windows gives the first free drive letter from D.', 'inferred', 'Storage module'),
    Behaviour('guest.used_letters', 'Drive letters in use are those of the guest\'s volumes, also of volumes on none '
              'of its disks (DVD drives, mounted images).', 'inferred', 'Storage module'),
    Behaviour('guest.folder_entries', 'A mount folder must exist and be empty.', 'documented',
              'Add-PartitionAccessPath reference'),
    Behaviour('guest.new_folder', 'New-Item -ItemType Directory creates the mount folder.', 'documented',
              'PowerShell-Docs 5.1 New-Item'),
    Behaviour('guest.set_disk', 'Set-Disk -IsOffline/-IsReadOnly change the disk\'s flags.', 'documented',
              'Set-Disk reference'),
    Behaviour('guest._writable', 'A Storage cmdlet that writes refuses an offline or read-only disk.', 'inferred',
              'Storage module'),
    Behaviour('guest.clear_disk', 'Clear-Disk -RemoveData -RemoveOEM leaves the disk RAW; an offline or read-only disk '
              'is refused.', 'inferred', 'Clear-Disk reference'),
    Behaviour('guest.initialize_disk', 'Initialize-Disk turns a RAW disk GPT or MBR; an initialized one is refused.',
              'inferred', 'S1 pattern; Initialize-Disk reference'),
    Behaviour('guest.new_partition', 'New-Partition -UseMaximumSize on a GPT disk first makes a 16 MB Microsoft '
              'Reserved partition and keeps 1 MB for alignment; a drive letter in use is refused.', 'inferred',
              'Storage module'),
    Behaviour('guest.remove_partition', 'Remove-Partition removes the partition.', 'documented',
              'Remove-Partition reference'),
    Behaviour('guest.format_volume', 'Format-Volume gives the partition a file system and label (4 KB clusters by '
              'default).', 'inferred', 'Format-Volume reference'),
    Behaviour('guest.set_label', 'Set-Volume -NewFileSystemLabel relabels in place.', 'documented',
              'Set-Volume reference'),
    Behaviour('guest.set_letter', 'Set-Partition -NewDriveLetter, or Add-PartitionAccessPath "X:\\" for a partition '
              'without a letter; a letter in use is refused.', 'inferred', 'Set-Partition, Add-PartitionAccessPath '
              'reference'),
    Behaviour('guest.add_access_path', 'Add-PartitionAccessPath mounts the volume on an empty folder.', 'documented',
              'Add-PartitionAccessPath reference'),
    Behaviour('guest.no_default_drive_letter', 'Set-Partition -NoDefaultDriveLetter keeps a folder-only volume '
              'without a letter when its disk arrives again.', 'seen', 'DSC; Set-Partition reference'),
    Behaviour('guest.remove_access_path', 'Remove-PartitionAccessPath unmounts the volume from the folder.',
              'documented', 'Remove-PartitionAccessPath reference'),
    Behaviour('guest.data_partition', 'The data partition is the one that is not Reserved, System or Recovery.',
              'documented', 'Get-Partition reference (Type)'),
    # --- what the reads of the survey (and of set_pnp_device's check) return on a real host ---
    Behaviour('reads.read_rows', 'A read made with -ErrorAction Stop either returns every row or fails whole; a CDXML '
              'cmdlet filtered by a property answers "none" with the ObjectNotFound error CmdletizationQuery_NotFound_'
              '<property>, which a read that allows "none" takes as no rows, and a cmdlet without a filter never '
              'writes it.', 'code', 'PS cimSupport/cmdletization/cim/clientSideQuery.cs (GenerateNotFoundErrors), '
              'QueryJobBase.cs; about_CommonParameters (-ErrorAction)'),
    Behaviour('reads.storage', 'Win32_DiskDrive lists a disk drive per disk, its Index the disk number; '
              'DEVPKEY_Device_Parent of the drive is its controller\'s instance ID; Get-Disk and Get-PhysicalDisk '
              'join by UniqueId; a disk another cluster node answers for has no local disk number.', 'documented',
              'win32-diskdrive (Index: STORAGE_DEVICE_NUMBER), msft-disk (Number), devpkey-device-parent; Storage '
              'cmdlet reference ("operate on cluster level"); Index = Number inferred (community.windows PR #450)'),
    Behaviour('reads.storage', 'A partition lists its drive root, folder mount points and, with a volume, the volume '
              'GUID path that Get-Volume reports as the volume\'s Path; a partition without a drive letter shows the '
              'letter as the NUL character.', 'seen', 'msft-partition (AccessPaths); dsccommunity/StorageDsc#224 '
              '(AccessPaths with the \\\\?\\Volume{...} path); dda-facts §7 (DriveLetter "\\u0000")'),
    Behaviour('reads.storage', 'Win32_PageFileUsage names each page file by its path ("C:\\pagefile.sys"); the '
              'primordial pool lists the disks that can be pooled, every other pool its members (Get-PhysicalDisk '
              '-StoragePool); Get-VMHardDiskDrive takes every VM in one call and gives a physical disk\'s DiskNumber '
              '(null for a virtual hard disk).', 'documented', 'win32-pagefileusage (Name); Get-StoragePool and '
              'Get-PhysicalDisk reference; S5 Get-VMHardDiskDrive (-VM VirtualMachine[]), Add-VMHardDiskDrive '
              '(-DiskNumber: an offline physical disk); S13 HardDiskDrive.cs (DiskNumber)'),
    Behaviour('reads.controllers', 'Get-PnpDevice -Class SCSIAdapter lists the storage controllers present; on a host '
              'without one, the -Class filter answers ObjectNotFound.', 'code',
              'S6; PS cimSupport/cmdletization/cim/clientSideQuery.cs'),
    Behaviour('reads.controller_properties', 'Get-PnpDeviceProperty reads every controller\'s properties in one call; '
              'a property the device does not have is of Type Empty; it offers -WhatIf, and reads nothing under it.',
              'documented', 'S6 Get-PnpDeviceProperty; devprop-type-empty'),
    Behaviour('reads.resources', 'A controller\'s interrupts and memory ranges are its associated Win32_IRQResource and '
              'Win32_DeviceMemoryAddress; message-signalled interrupts show as IRQ numbers near 2^32; a disabled device '
              'holds none.', 'documented', 'S12 (the "42949" test; "Device is Disabled, unable to check resource '
              'requirements")'),
    Behaviour('reads.listing', 'A registry key that does not exist is told apart from a listing that fails by '
              'Test-Path; the collection\'s record keys exist once a run wrote a record.', 'documented',
              'PowerShell-Docs 5.1 Test-Path reference'),
    Behaviour('survey._assignment_rows', 'Which VM holds a device is known only by asking each VM: Get-VMAssignableDevice '
              'lists one VM\'s assignments, an assignment whose device is gone with an empty LocationPath, and '
              'Get-VMHostAssignableDevice names no VM.', 'decompiled',
              'S13 GetVMAssignableDevice.EnumerateOperands, VMAssignedDevice.cs, VMHostAssignableDevice'),
    # --- the host's lease (parts/lease.ps1, plugin_utils/lease.py) ---
    Behaviour('lease_twins.update_lease', 'Every read-modify-write of the host\'s lease record (one registry value) '
              'happens while the script owns the named mutex Global\\hyperv.dda.lease: the registry cannot lock a key '
              'for a write, and a Global\\ name is one object for every session of the host. Only one thread owns a '
              'mutex at a time; the simulator runs one script at a time on a snapshot, which is the same exclusion.',
              'documented', 'win32 docs desktop-src/SysInfo/writing-and-deleting-registry-data.md ("not possible to '
              'lock a registry key during a write operation"), desktop-src/Sync/mutex-objects.md, '
              'desktop-src/TermServ/kernel-object-namespaces.md'),
    Behaviour('lease_twins.update_lease', 'A mutex whose owning thread ended without releasing it (its process killed) '
              'is acquired by the next wait, which reports it abandoned (.NET: AbandonedMutexException); so a mutex '
              'guards one script run only, and the lease itself is the record. The record is one value set by one '
              'call, taken to be there whole or as before; the simulator never ends a script half-way through it.',
              'inferred', 'win32 docs desktop-src/Sync/mutex-objects.md (WAIT_ABANDONED); dotnet/docs '
              'docs/standard/threading/mutexes.md (Abandoned Mutexes); the one-call write is the inference'),
    Behaviour('lease_twins.bound_token', 'A script\'s parameter declared [Parameter(Mandatory = $true)] and '
              '[ValidateNotNullOrEmpty()] refuses a missing or empty argument before the script runs (a host that cannot '
              'prompt fails instead of asking), as [ValidateRange()] refuses a number outside its range.', 'documented',
              'PowerShell-Docs 5.1 about_Functions_Advanced_Parameters (Mandatory, ValidateNotNullOrEmpty, '
              'ValidateRange)'),
    Behaviour('lease_twins.host_ticks', 'The host\'s clock is [DateTime]::UtcNow, in ticks of 100 ns since '
              '0001-01-01 UTC; every time of the lease is the host\'s, so controllers whose clocks differ agree. The '
              'simulated host\'s clock is the snapshot\'s clock field (a test sets it), else the controller\'s.',
              'documented', 'learn.microsoft.com .NET API DateTime.UtcNow, DateTime.Ticks'),
    Behaviour('lease_twins.read_lease', 'A survey reads the record without the mutex: RegistryKey.OpenSubKey answers '
              'null for a key that does not exist and GetValue null for a value the key does not hold, so a host '
              'whose lease no run took has none; the token is not returned.', 'documented',
              'learn.microsoft.com .NET API RegistryKey.OpenSubKey, RegistryKey.GetValue'),
    # --- what crosses the wire ---
    Behaviour('ps51.emit', 'A statement used as a value hands its output through the pipeline: an array of one comes out '
              'bare, an empty one as null; an uncast enum comes out as {Type, String, Value}; below the result depth a '
              'value comes out as its ToString().', 'code', 'PS engine/parser/Compiler.cs, '
              'engine/runtime/Operations/MiscOps.cs; ansible.windows win_powershell.ps1 (Convert-OutputObject)'),
    Behaviour('host.SimulatedHost.invoke', 'A non-terminating error under -ErrorAction SilentlyContinue or Ignore does '
              'not stop the script or show: the call returns what it got (nothing) and the script goes on.',
              'documented', 'PowerShell-Docs 5.1 about_CommonParameters (-ErrorAction)'),
    Behaviour('host.SimulatedHost.invoke', 'Under --check win_powershell runs the script with -WhatIf; a read that '
              'offers -WhatIf and is not told -WhatIf:$false reads nothing (modelled so for every such cmdlet, the '
              'safe reading: whether the script\'s preference reaches a CDXML cmdlet is not settled).', 'inferred',
              'ansible.windows win_powershell.ps1 ($parameters.WhatIf = $module.CheckMode); S6 Get-PnpDeviceProperty '
              '(-WhatIf); PowerShell/PowerShell#4568 (script modules and the caller\'s preferences)'),
)
