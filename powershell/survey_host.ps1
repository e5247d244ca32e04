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

Windows PowerShell 5.1 rules followed here: every enum is cast to its name, every list is built
with @() so that one element stays a list, and values nobody can read are $null.
#>
[CmdletBinding(SupportsShouldProcess)]
param()

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# Where the collection records a device's identity when it dismounts it (one subkey per
# location path), so that selectors keep working while the device is away from the host.
$recordRoot = 'HKLM:\SOFTWARE\hyperv.dda\Devices'
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

function Get-DeviceProperties {
    # Every property the survey needs of one device, in one call: {KeyName: Data}.
    param([string]$InstanceId)
    $values = @{}
    foreach ($property in @(Get-PnpDeviceProperty -InstanceId $InstanceId -KeyName $deviceKeys -ErrorAction SilentlyContinue)) {
        if ($property.Type -ne 'Empty') { $values[[string]$property.KeyName] = $property.Data }
    }
    $values
}

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

# hyperv.dda include: controller_disks.ps1

function Get-IdentityRecord {
    # The identity recorded at dismount; $null when the collection never dismounted the device.
    param([string]$LocationPath)
    $key = Join-Path -Path $recordRoot -ChildPath $LocationPath
    if (-not (Test-Path -LiteralPath $key)) { return $null }
    $values = Get-ItemProperty -LiteralPath $key
    $disks = @()
    # @((...)): Windows PowerShell 5.1 emits a JSON array as one object (PowerShell/PowerShell#3424).
    if ($values.Disks) { $disks = @((ConvertFrom-Json -InputObject $values.Disks)) }
    [ordered]@{
        instance_id = [string]$values.InstanceId
        friendly_name = [string]$values.FriendlyName
        class = [string]$values.Class
        service = [string]$values.Service
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

# --- disks, by the PnP instance ID of the controller they sit behind ------------------------
$disksByController = Get-ControllerDisks

# --- VMs and what is assigned to them --------------------------------------------------------
$vms = @(Get-VM)
$assignedByVm = @{}
if ($vms.Count -gt 0) {
    foreach ($assigned in @($vms | Get-VMAssignableDevice)) {
        $owner = [string]$assigned.VMId
        if (-not $assignedByVm.ContainsKey($owner)) { $assignedByVm[$owner] = New-Object -TypeName System.Collections.ArrayList }
        [void]$assignedByVm[$owner].Add($assigned)
    }
}
$shutdownByVm = @{}
foreach ($component in @(Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_ShutdownComponent')) {
    $shutdownByVm[([string]$component.SystemName).ToUpper()] = $component
}
# What earlier runs of the collection left on the host: VMs it shut down and still owes a start, and
# the VM settings it changed, as they were before (set_vm_power.ps1, parts/remembered_settings.ps1).
$pendingIds = @{}
foreach ($item in @(Get-ChildItem -LiteralPath 'HKLM:\SOFTWARE\hyperv.dda\RestartPending' -ErrorAction SilentlyContinue)) {
    $pendingIds[([string]$item.PSChildName).ToUpper()] = $true
}
$remembered = @{}
foreach ($item in @(Get-ChildItem -LiteralPath 'HKLM:\SOFTWARE\hyperv.dda\VMs' -ErrorAction SilentlyContinue)) {
    $values = Get-ItemProperty -LiteralPath $item.PSPath
    $remembered[([string]$item.PSChildName).ToUpper()] = [ordered]@{
        automatic_stop_action = if ($values.AutomaticStopAction) { [string]$values.AutomaticStopAction } else { $null }
        dynamic_memory_enabled = if ($values.DynamicMemoryEnabled) { [string]$values.DynamicMemoryEnabled -eq 'True' } else { $null }
        memory_startup_bytes = if ($values.MemoryStartupBytes) { [long]$values.MemoryStartupBytes } else { $null }
    }
}
$vmRecords = @(foreach ($vm in $vms) {
    $assigned = @($assignedByVm[[string]$vm.Id] | Where-Object { $_ })
    $running = [string]$vm.State -eq 'Running'
    $shutdown = $shutdownByVm[([string]$vm.Id).ToUpper()]
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
        restart_pending = $pendingIds.ContainsKey(([string]$vm.Id).ToUpper())
        remembered_settings = $remembered[([string]$vm.Id).ToUpper()]
    }
})

# --- devices on the host: NVMe controllers, enabled or disabled -----------------------------
$devices = @(foreach ($device in @(Get-PnpDevice -PresentOnly -Class SCSIAdapter)) {
    if (-not $device.InstanceId.StartsWith('PCI\', [StringComparison]::OrdinalIgnoreCase)) { continue }
    if ($device.Service -ne 'stornvme' -and @($device.CompatibleID) -notcontains $nvmeClassCode) { continue }
    $properties = Get-DeviceProperties -InstanceId $device.InstanceId
    $paths = @($properties['DEVPKEY_Device_LocationPaths'] | Where-Object { $_ } | ForEach-Object { [string]$_ })
    # Problem code 0: works; 22 (CM_PROB_DISABLED): disabled; anything else: a problem.
    $code = [int]$device.ConfigManagerErrorCode
    $pciRoot = @($paths | Where-Object { $_.StartsWith('PCIROOT(') }) | Select-Object -First 1
    $key = $device.InstanceId.ToUpper()
    [ordered]@{
        instance_id = [string]$device.InstanceId
        location_paths = $paths
        friendly_name = [string]$device.FriendlyName
        class = [string]$device.Class
        service = if ($device.Service) { [string]$device.Service } else { $null }
        state = if ($code -eq $disabledCode) { 'disabled' } else { 'enabled' }
        problem_code = $code
        # No documented property tells whether a vendor mitigation driver is installed.
        mitigation_driver = $null
        survey = if ($code -eq $disabledCode) { $null } else { Get-Survey -Device $device -Properties $properties }
        disks = if ($disksByController.ContainsKey($key) -and $null -eq $disksByController[$key]) { $null } else { @($disksByController[$key] | Where-Object { $_ }) }
        identity_recorded = ($null -ne $pciRoot) -and (Test-Path -LiteralPath (Join-Path -Path $recordRoot -ChildPath $pciRoot))
    }
})

# --- devices away from the host: dismounted, or assigned to a VM -----------------------------
# Hyper-V compares location paths case-sensitively, so the set of paths seen must too.
$awayPaths = New-Object -TypeName 'System.Collections.Generic.Dictionary[string,string]'
foreach ($assignable in @(Get-VMHostAssignableDevice)) { $awayPaths[[string]$assignable.LocationPath] = [string]$assignable.InstanceID }
foreach ($assigned in @($assignedByVm.Values | ForEach-Object { $_ })) {
    if ($assigned.LocationPath -and -not $awayPaths.ContainsKey([string]$assigned.LocationPath)) {
        $awayPaths[[string]$assigned.LocationPath] = [string]$assigned.InstanceID
    }
}
foreach ($path in @($awayPaths.Keys)) {
    $record = Get-IdentityRecord -LocationPath $path
    # A dismounted device shows as PCIP\<suffix>; report the PCI\ name it has on the host.
    $instanceId = [string]$awayPaths[$path] -replace '^PCIP\\', 'PCI\'
    $devices += [ordered]@{
        instance_id = if ($record) { $record.instance_id } else { $instanceId }
        location_paths = @($path)
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

$Ansible.Result = [ordered]@{
    schema = 'hyperv.dda.snapshot/v1'
    host = $hostRecord
    devices = $devices
    vms = $vmRecords
}
