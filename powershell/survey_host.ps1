#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Survey a Hyper-V host for Discrete Device Assignment in one run.

.DESCRIPTION
Returns a hyperv.dda.snapshot/v1 document in $Ansible.Result: the host, every NVMe controller
on the host (enabled or disabled) with its location paths, SurveyDDA checks and the disks behind
it, every device that has left the host (dismounted, or assigned to a VM), and every VM with the
settings that DDA depends on. Read-only: it changes nothing and runs under --check.

With -Scoped, the survey covers what one task needs and no more: the VMs named by -VMName, the
devices the selectors name (-LocationPath, -InstanceId, -SerialNumber) and those assigned to these
VMs, and the VM that holds a named device. Its cost in cmdlet calls is then the same whatever the
number of controllers, disks and VMs on the host, except that a named device that is away from the
host and held by none of the named VMs makes it ask every VM (Hyper-V lists assignments per VM). The
result says what it covers in `scope`.

Windows PowerShell 5.1 rules followed here: every enum is cast to its name, every list is built
with @() so that one element stays a list, and values nobody can read are $null.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [bool]$Scoped = $false,
    [string[]]$VMName = @(),
    [string[]]$LocationPath = @(),
    # Compared as the collection compares them: upper case, PCIP\ read as PCI\.
    [string[]]$InstanceId = @(),
    # Compared as the collection compares them: trimmed, trailing dots dropped, any case.
    [string[]]$SerialNumber = @()
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# Where the collection keeps what it knows across runs (one subkey per item): the identity of a device
# it dismounted (by location path), VMs it owes a start (by VM Id), VM settings it changed (by VM Id).
$recordRoot = 'HKLM:\SOFTWARE\hyperv.dda\Devices'
$pendingRoot = 'HKLM:\SOFTWARE\hyperv.dda\RestartPending'
$settingsRoot = 'HKLM:\SOFTWARE\hyperv.dda\VMs'
$nvmeClassCode = 'PCI\CC_010802'
$pciDeviceTypes = @{ 2 = 'PciExpressEndpoint'; 3 = 'LegacyEndpoint'; 4 = 'RootComplexIntegratedEndpoint'; 5 = 'PciExpressTreatedAsPci' }
$acsLevels = @{ 0 = 'NotSupported'; 1 = 'SingleFunctionSupported'; 2 = 'NoP2PSupported'; 3 = 'Supported' }
$bytesPerMegabyte = 1048576
$disabledCode = 22
$deviceKeys = @('DEVPKEY_Device_LocationPaths', 'DEVPKEY_PciDevice_DeviceType', 'DEVPKEY_PciDevice_AcsCompatibleUpHierarchy', 'DEVPKEY_PciDevice_RequiresReservedMemoryRegion')
# Msvm_ShutdownComponent: EnabledState 2 is Enabled, OperationalStatus 2 is OK (decompiled
# VirtualMachine.IsShutdownComponentAvailable, the test Stop-VM makes).
$enabledState = 2
$operationalOk = 2

function Get-Survey {
    # SurveyDDA.ps1's per-device checks, as data. A disabled device has no resources to read.
    param($Device, $Properties)
    $typeCode = $Properties['DEVPKEY_PciDevice_DeviceType']
    $acsCode = $Properties['DEVPKEY_PciDevice_AcsCompatibleUpHierarchy']
    $reserved = $Properties['DEVPKEY_PciDevice_RequiresReservedMemoryRegion']

    $deviceType = 'Other'
    if ($null -ne $typeCode -and $pciDeviceTypes.ContainsKey([int]$typeCode)) { $deviceType = $pciDeviceTypes[[int]$typeCode] }
    $acs = $null
    if ($null -ne $acsCode -and $acsLevels.ContainsKey([int]$acsCode)) { $acs = $acsLevels[[int]$acsCode] }

    $irqs = @(Get-CimAssociatedInstance -InputObject $Device -ResultClassName Win32_IRQResource)
    $interrupts = 'none'
    if ($irqs.Count -gt 0) {
        # Message-signalled interrupts show as IRQ numbers near 2^32 (SurveyDDA's "42949" test).
        $interrupts = 'line'
        if (@($irqs | Where-Object { ([string]$_.IRQNumber).StartsWith('42949') }).Count -gt 0) { $interrupts = 'msi' }
    }
    $mmioBytes = 0
    foreach ($range in @(Get-CimAssociatedInstance -InputObject $Device -ResultClassName Win32_DeviceMemoryAddress)) {
        $mmioBytes += [long]$range.EndingAddress - [long]$range.StartingAddress + 1
    }

    [ordered]@{
        device_type = $deviceType
        acs_compatible_up_hierarchy = $acs
        requires_reserved_memory_region = if ($null -eq $reserved) { $null } else { [bool]$reserved }
        interrupts = $interrupts
        mmio_mb = [long][math]::Ceiling($mmioBytes / $bytesPerMegabyte)
    }
}

function Test-Named {
    # Whether a scoped survey reports this device: a first cut by the task's selectors. The collection's
    # selectors (module_utils/selectors.py) decide among what is reported, and a task whose device this
    # cut misses surveys the whole host instead. Location paths compare case-sensitively, as Hyper-V's.
    param([string]$Id, [string[]]$Paths, [object[]]$Serials)
    if (@($Paths | Where-Object { $LocationPath -ccontains $_ }).Count -gt 0) { return $true }
    if ($InstanceId -contains ($Id -replace '^PCIP\\', 'PCI\').ToUpperInvariant()) { return $true }
    foreach ($serial in @($Serials | Where-Object { $_ })) {
        if ($SerialNumber -contains ([string]$serial).Trim().TrimEnd([char[]]@('.', ' '))) { return $true }
    }
    $false
}

function Get-Listing {
    # The subkeys of one of the collection's record keys, by name; their values are read with the .NET
    # RegistryKey the listing returns, so that reading every record costs one cmdlet call.
    param([string]$Root)
    $keys = @{}
    foreach ($key in @(Get-ChildItem -LiteralPath $Root -ErrorAction SilentlyContinue)) { $keys[[string]$key.PSChildName] = $key }
    $keys
}

# hyperv.dda include: controller_disks.ps1

function Get-IdentityRecord {
    # The identity recorded at dismount (a RegistryKey of the Devices listing); $null when there is none.
    param($Key)
    if ($null -eq $Key) { return $null }
    $disks = @()
    $json = $Key.GetValue('Disks')
    # @((...)): Windows PowerShell 5.1 emits a JSON array as one object (PowerShell/PowerShell#3424).
    if ($json) { $disks = @((ConvertFrom-Json -InputObject $json)) }
    [ordered]@{
        instance_id = [string]$Key.GetValue('InstanceId')
        friendly_name = [string]$Key.GetValue('FriendlyName')
        class = [string]$Key.GetValue('Class')
        service = [string]$Key.GetValue('Service')
        disks = @(foreach ($disk in $disks) {
            # Contents and safety flags stay unknown while the device is away.
            [ordered]@{
                number = $null; model = $disk.model; serial_number = $disk.serial_number
                adapter_serial_number = $disk.adapter_serial_number; unique_id = $disk.unique_id; size = $disk.size
                is_boot = $null; is_system = $null; has_pagefile = $null; storage_pool = $null
                partition_style = $null; partitions = $null
            }
        })
    }
}

function Add-Assignments {
    # What Get-VMAssignableDevice lists for these VMs, into $assignedByVm (VM Id -> assignments).
    param([object[]]$Of)
    if ($Of.Count -eq 0) { return }
    foreach ($assigned in @($Of | Get-VMAssignableDevice)) {
        $owner = [string]$assigned.VMId
        if (-not $assignedByVm.ContainsKey($owner)) { $assignedByVm[$owner] = New-Object -TypeName System.Collections.ArrayList }
        [void]$assignedByVm[$owner].Add($assigned)
    }
}

# --- host ---------------------------------------------------------------------------------
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$vmHost = Get-VMHost
$hostRecord = [ordered]@{
    name = [string]$env:COMPUTERNAME
    os = [string]$os.Caption
    product_type = if ([int]$os.ProductType -eq 1) { 'workstation' } else { 'server' }
    iov_support = [bool]$vmHost.IovSupport
    iov_support_reasons = @($vmHost.IovSupportReasons | Where-Object { $_ } | ForEach-Object { [string]$_ })
}

# --- what earlier runs of the collection left on the host -------------------------------------
# Device identities (dismount_device.ps1), VMs owed a start (set_vm_power.ps1), VM settings as they were
# before the collection changed them (parts/remembered_settings.ps1).
$deviceRecords = Get-Listing -Root $recordRoot
$pendingRecords = Get-Listing -Root $pendingRoot
$settingsRecords = Get-Listing -Root $settingsRoot

# --- NVMe controllers on the host, enabled or disabled, and the disks behind each -------------------
$drivesByController = Get-ControllerDrives
$controllers = @(Get-PnpDevice -PresentOnly -Class SCSIAdapter | Where-Object {
    $_.InstanceId.StartsWith('PCI\', [StringComparison]::OrdinalIgnoreCase) -and
    ($_.Service -eq 'stornvme' -or @($_.CompatibleID) -contains $nvmeClassCode)
})
$propertiesById = @{}
if ($controllers.Count -gt 0) {
    foreach ($property in @(Get-PnpDeviceProperty -InstanceId @($controllers | ForEach-Object { [string]$_.InstanceId }) -KeyName $deviceKeys -ErrorAction SilentlyContinue)) {
        $id = ([string]$property.InstanceId).ToUpper()
        if (-not $propertiesById.ContainsKey($id)) { $propertiesById[$id] = @{} }
        if ($property.Type -ne 'Empty') { $propertiesById[$id][[string]$property.KeyName] = $property.Data }
    }
}
$present = @(foreach ($device in $controllers) {
    $key = $device.InstanceId.ToUpper()
    $properties = $propertiesById[$key]
    if ($null -eq $properties) { $properties = @{} }
    $drives = @($drivesByController[$key] | Where-Object { $_ })
    $serials = @($drives | ForEach-Object { $_.Disk.SerialNumber; $_.Physical.AdapterSerialNumber })
    @{
        Device = $device
        Properties = $properties
        Paths = @($properties['DEVPKEY_Device_LocationPaths'] | Where-Object { $_ } | ForEach-Object { [string]$_ })
        Drives = $drives
        Unknown = $drivesByController.ContainsKey($key) -and $null -eq $drivesByController[$key]
        Serials = $serials
    }
})

# --- VMs and what is assigned to them --------------------------------------------------------
$allVms = @(Get-VM)
$vms = $allVms
if ($Scoped) {
    $vms = @($allVms | Where-Object { $name = [string]$_.Name; @($VMName | Where-Object { [string]::Equals($_, $name, [StringComparison]::OrdinalIgnoreCase) }).Count -gt 0 })
}
$assignedByVm = @{}
Add-Assignments -Of $vms

# --- devices away from the host: dismounted, or assigned to a VM ------------------------------
# Hyper-V compares location paths case-sensitively, so the sets of paths here do too.
$awayPaths = New-Object -TypeName 'System.Collections.Generic.Dictionary[string,string]'
foreach ($assignable in @(Get-VMHostAssignableDevice)) { $awayPaths[[string]$assignable.LocationPath] = [string]$assignable.InstanceID }
function Get-HeldPaths {
    # The paths assigned to the VMs in $assignedByVm; an assigned device is away from the host even when
    # Get-VMHostAssignableDevice does not list it.
    $held = New-Object -TypeName 'System.Collections.Generic.HashSet[string]'
    foreach ($assigned in @($assignedByVm.Values | ForEach-Object { $_ })) {
        if ($assigned.LocationPath) {
            [void]$held.Add([string]$assigned.LocationPath)
            if (-not $awayPaths.ContainsKey([string]$assigned.LocationPath)) { $awayPaths[[string]$assigned.LocationPath] = [string]$assigned.InstanceID }
        }
    }
    ,$held
}
function Get-AwayEntries {
    @(foreach ($path in @($awayPaths.Keys)) {
        $record = Get-IdentityRecord -Key $deviceRecords[$path]
        $serials = @(if ($record) { $record.disks | ForEach-Object { $_.serial_number; $_.adapter_serial_number } })
        # A dismounted device shows as PCIP\<suffix>; report the PCI\ name it has on the host.
        @{ Path = $path; Record = $record; Id = ([string]$awayPaths[$path] -replace '^PCIP\\', 'PCI\'); Serials = $serials }
    })
}
$held = Get-HeldPaths
$away = Get-AwayEntries

# --- what this survey reports -------------------------------------------------------------------
if ($Scoped) {
    $present = @($present | Where-Object { Test-Named -Id $_.Device.InstanceId -Paths $_.Paths -Serials $_.Serials })
    $named = @($away | Where-Object { Test-Named -Id $_.Id -Paths @($_.Path) -Serials $_.Serials })
    if (@($named | Where-Object { -not $held.Contains($_.Path) }).Count -gt 0) {
        # A named device is away and none of the named VMs holds it: which VM does, if any?
        $others = @($allVms | Where-Object { $vms -notcontains $_ })
        Add-Assignments -Of $others
        $namedPaths = @($named | ForEach-Object { $_.Path })
        $holders = @($others | Where-Object { @($assignedByVm[[string]$_.Id] | Where-Object { $_ -and $namedPaths -ccontains [string]$_.LocationPath }).Count -gt 0 })
        foreach ($other in $others) { if ($holders -notcontains $other) { $assignedByVm.Remove([string]$other.Id) } }
        $vms = @($vms) + $holders
        $held = Get-HeldPaths
        $away = Get-AwayEntries
    }
    # Every device assigned to a reported VM is reported too (the snapshot names no device it leaves out).
    $away = @($away | Where-Object { $held.Contains($_.Path) -or (Test-Named -Id $_.Id -Paths @($_.Path) -Serials $_.Serials) })
}

$diskRecords = Get-DiskRecords -Drives @($present | ForEach-Object { $_.Drives })
$devices = @(foreach ($entry in $present) {
    $device = $entry.Device
    # Problem code 0: works; 22 (CM_PROB_DISABLED): disabled; anything else: a problem.
    $code = [int]$device.ConfigManagerErrorCode
    $pciRoot = @($entry.Paths | Where-Object { $_.StartsWith('PCIROOT(') }) | Select-Object -First 1
    [ordered]@{
        instance_id = [string]$device.InstanceId
        location_paths = $entry.Paths
        friendly_name = [string]$device.FriendlyName
        class = [string]$device.Class
        service = if ($device.Service) { [string]$device.Service } else { $null }
        state = if ($code -eq $disabledCode) { 'disabled' } else { 'enabled' }
        problem_code = $code
        # No documented property tells whether a vendor mitigation driver is installed.
        mitigation_driver = $null
        survey = if ($code -eq $disabledCode) { $null } else { Get-Survey -Device $device -Properties $entry.Properties }
        disks = if ($entry.Unknown) { $null } else { @($entry.Drives | ForEach-Object { $diskRecords[[string]$_.Disk.Number] }) }
        identity_recorded = ($null -ne $pciRoot) -and $deviceRecords.ContainsKey($pciRoot)
    }
})
foreach ($entry in $away) {
    $record = $entry.Record
    $devices += [ordered]@{
        instance_id = if ($record) { $record.instance_id } else { $entry.Id }
        location_paths = @($entry.Path)
        friendly_name = if ($record) { $record.friendly_name } else { $null }
        class = if ($record) { $record.class } else { $null }
        service = if ($record) { $record.service } else { $null }
        state = 'dismounted'
        problem_code = $null
        mitigation_driver = $null
        survey = $null
        disks = if ($record) { $record.disks } else { @() }
        identity_recorded = $null -ne $record
    }
}

$shutdownByVm = @{}
if ($vms.Count -gt 0) {
    foreach ($component in @(Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_ShutdownComponent')) {
        $shutdownByVm[([string]$component.SystemName).ToUpper()] = $component
    }
}
# Nested virtualization and GPU partition adapters, which DDA in the same VM does not go with (dda-facts §4): one
# call each for all reported VMs. Get-VMGpuPartitionAdapter exists from Windows Server 2022 on (its docsets); on an
# older host the count is null, unknown.
$nestedByVm = @{}
$gpuAdaptersByVm = $null
if ($vms.Count -gt 0) {
    foreach ($processor in @(Get-VMProcessor -VM $vms)) {
        $nestedByVm[[string]$processor.VMId] = [bool]$processor.ExposeVirtualizationExtensions
    }
    try {
        $adapters = @(Get-VMGpuPartitionAdapter -VM $vms)
        $gpuAdaptersByVm = @{}
        foreach ($adapter in $adapters) { $gpuAdaptersByVm[[string]$adapter.VMId] = 1 + [int]$gpuAdaptersByVm[[string]$adapter.VMId] }
    } catch [System.Management.Automation.CommandNotFoundException] {
        $gpuAdaptersByVm = $null
    }
}
$vmRecords = @(foreach ($vm in $vms) {
    $assigned = @($assignedByVm[[string]$vm.Id] | Where-Object { $_ })
    $running = [string]$vm.State -eq 'Running'
    $id = ([string]$vm.Id).ToUpper()
    $shutdown = $shutdownByVm[$id]
    $settings = $settingsRecords[$id]
    [ordered]@{
        name = [string]$vm.Name
        id = [string]$vm.Id
        state = [string]$vm.State
        generation = [int]$vm.Generation
        automatic_stop_action = [string]$vm.AutomaticStopAction
        dynamic_memory_enabled = [bool]$vm.DynamicMemoryEnabled
        memory_startup_bytes = [long]$vm.MemoryStartup
        low_mmio_bytes = [long]$vm.LowMemoryMappedIoSpace
        high_mmio_bytes = [long]$vm.HighMemoryMappedIoSpace
        guest_controlled_cache_types = [bool]$vm.GuestControlledCacheTypes
        is_clustered = [bool]$vm.IsClustered
        assigned_devices = @($assigned | Where-Object { $_.LocationPath } | ForEach-Object { [string]$_.LocationPath })
        # An assignment whose device is gone from the host has an empty LocationPath; the VM cannot start.
        stale_assignments = @($assigned | Where-Object { -not $_.LocationPath }).Count
        guest_shutdown_available = if (-not $running) { $null } else {
            $null -ne $shutdown -and $shutdown.EnabledState -eq $enabledState -and @($shutdown.OperationalStatus)[0] -eq $operationalOk
        }
        restart_pending = $pendingRecords.ContainsKey($id)
        expose_virtualization_extensions = $nestedByVm[[string]$vm.Id]
        gpu_partition_adapters = if ($null -eq $gpuAdaptersByVm) { $null } else { [int]$gpuAdaptersByVm[[string]$vm.Id] }
        remembered_settings = if ($null -eq $settings) { $null } else {
            $stopAction = $settings.GetValue('AutomaticStopAction')
            $dynamic = $settings.GetValue('DynamicMemoryEnabled')
            $startup = $settings.GetValue('MemoryStartupBytes')
            [ordered]@{
                automatic_stop_action = if ($stopAction) { [string]$stopAction } else { $null }
                dynamic_memory_enabled = if ($dynamic) { [string]$dynamic -eq 'True' } else { $null }
                memory_startup_bytes = if ($startup) { [long]$startup } else { $null }
            }
        }
    }
})

$Ansible.Result = [ordered]@{
    schema = 'hyperv.dda.snapshot/v1'
    host = $hostRecord
    devices = $devices
    vms = $vmRecords
}
if ($Scoped) {
    $Ansible.Result.scope = [ordered]@{
        vm_names = @($VMName)
        location_paths = @($LocationPath)
        instance_ids = @($InstanceId)
        serial_numbers = @($SerialNumber)
    }
}
