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

function Get-DeviceProperty {
    param([string]$InstanceId, [string]$KeyName)
    $property = Get-PnpDeviceProperty -InstanceId $InstanceId -KeyName $KeyName -ErrorAction SilentlyContinue
    if ($null -eq $property -or $property.Type -eq 'Empty') { return $null }
    $property.Data
}

function Get-Survey {
    # SurveyDDA.ps1's per-device checks, as data. A disabled device has no resources to read.
    param($Device)
    $id = $Device.InstanceId
    $typeCode = Get-DeviceProperty -InstanceId $id -KeyName 'DEVPKEY_PciDevice_DeviceType'
    $acsCode = Get-DeviceProperty -InstanceId $id -KeyName 'DEVPKEY_PciDevice_AcsCompatibleUpHierarchy'
    $reserved = Get-DeviceProperty -InstanceId $id -KeyName 'DEVPKEY_PciDevice_RequiresReservedMemoryRegion'

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

function Get-VolumeRecord {
    param($Partition)
    $volume = Get-Volume -Partition $Partition -ErrorAction SilentlyContinue
    if ($null -eq $volume -or -not $volume.FileSystem) { return $null }
    [ordered]@{
        file_system = [string]$volume.FileSystem
        label = [string]$volume.FileSystemLabel
        allocation_unit_size = [long]$volume.AllocationUnitSize
    }
}

function Get-PartitionRecords {
    param($Disk)
    if ([string]$Disk.PartitionStyle -eq 'RAW') { return ,@() }
    $records = @(foreach ($partition in @(Get-Partition -DiskNumber $Disk.Number -ErrorAction SilentlyContinue)) {
        $letter = $null
        if ($partition.DriveLetter -and [int][char]$partition.DriveLetter -ne 0) { $letter = [string]$partition.DriveLetter }
        [ordered]@{
            number = [int]$partition.PartitionNumber
            size = [long]$partition.Size
            type = [string]$partition.Type
            drive_letter = $letter
            # Folder mount points only: drive roots and \\?\Volume{...} names are not paths a user set.
            access_paths = @($partition.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' } | ForEach-Object { [string]$_ })
            volume = Get-VolumeRecord -Partition $partition
        }
    })
    ,$records
}

function Get-DiskRecord {
    param($Disk, $PhysicalDisk, [string[]]$PagefileLetters)
    $partitions = Get-PartitionRecords -Disk $Disk
    $pool = $null
    if ($null -ne $PhysicalDisk) {
        $pools = @(Get-StoragePool -PhysicalDisk $PhysicalDisk -IsPrimordial $false -ErrorAction SilentlyContinue)
        if ($pools.Count -gt 0) { $pool = [string]$pools[0].FriendlyName }
    }
    $pagefile = @($partitions | Where-Object { $_.drive_letter -and $PagefileLetters -contains $_.drive_letter }).Count -gt 0
    [ordered]@{
        number = [int]$Disk.Number
        model = ([string]$Disk.Model).Trim()
        serial_number = if ($Disk.SerialNumber) { [string]$Disk.SerialNumber } else { $null }
        adapter_serial_number = if ($PhysicalDisk -and $PhysicalDisk.AdapterSerialNumber) { [string]$PhysicalDisk.AdapterSerialNumber } else { $null }
        unique_id = if ($Disk.UniqueId) { [string]$Disk.UniqueId } else { $null }
        size = [long]$Disk.Size
        is_boot = [bool]$Disk.IsBoot
        is_system = [bool]$Disk.IsSystem
        has_pagefile = $pagefile
        storage_pool = $pool
        partition_style = [string]$Disk.PartitionStyle
        partitions = $partitions
    }
}

function Get-IdentityRecord {
    # The identity recorded at dismount; $null when the collection never dismounted the device.
    param([string]$LocationPath)
    $key = Join-Path -Path $recordRoot -ChildPath $LocationPath
    if (-not (Test-Path -LiteralPath $key)) { return $null }
    $values = Get-ItemProperty -LiteralPath $key
    $disks = @()
    if ($values.Disks) { $disks = @(ConvertFrom-Json -InputObject $values.Disks) }
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
$pagefileLetters = @(Get-CimInstance -ClassName Win32_PageFileUsage | ForEach-Object { ([string]$_.Name).Substring(0, 1).ToUpper() })
$physicalByNumber = @{}
foreach ($physical in @(Get-PhysicalDisk)) { $physicalByNumber[[string]$physical.DeviceId] = $physical }
$disksByController = @{}
foreach ($drive in @(Get-CimInstance -ClassName Win32_DiskDrive)) {
    $parent = [string](Get-DeviceProperty -InstanceId $drive.PNPDeviceID -KeyName 'DEVPKEY_Device_Parent')
    if (-not $parent) { continue }
    $disk = Get-Disk -Number $drive.Index
    $key = $parent.ToUpper()
    if (-not $disksByController.ContainsKey($key)) { $disksByController[$key] = New-Object -TypeName System.Collections.ArrayList }
    [void]$disksByController[$key].Add((Get-DiskRecord -Disk $disk -PhysicalDisk $physicalByNumber[[string]$disk.Number] -PagefileLetters $pagefileLetters))
}

# --- VMs and what is assigned to them --------------------------------------------------------
$assignedByVm = @{}
$vmRecords = @(foreach ($vm in @(Get-VM)) {
    $assigned = @(Get-VMAssignableDevice -VM $vm)
    $assignedByVm[[string]$vm.Id] = $assigned
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
        # A stale assignment (device gone from the pool) reports an empty path: nothing to list.
        assigned_devices = @($assigned | Where-Object { $_.LocationPath } | ForEach-Object { [string]$_.LocationPath })
    }
})

# --- devices on the host: NVMe controllers, enabled or disabled -----------------------------
$devices = @(foreach ($device in @(Get-PnpDevice -PresentOnly -Class SCSIAdapter)) {
    if (-not $device.InstanceId.StartsWith('PCI\', [StringComparison]::OrdinalIgnoreCase)) { continue }
    if ($device.Service -ne 'stornvme' -and @($device.CompatibleID) -notcontains $nvmeClassCode) { continue }
    $paths = @(Get-DeviceProperty -InstanceId $device.InstanceId -KeyName 'DEVPKEY_Device_LocationPaths' | ForEach-Object { [string]$_ })
    $disabled = @('22', 'CM_PROB_DISABLED') -contains [string]$device.ConfigManagerErrorCode
    $pciRoot = @($paths | Where-Object { $_.StartsWith('PCIROOT(') }) | Select-Object -First 1
    [ordered]@{
        instance_id = [string]$device.InstanceId
        location_paths = $paths
        friendly_name = [string]$device.FriendlyName
        class = [string]$device.Class
        service = if ($device.Service) { [string]$device.Service } else { $null }
        state = if ($disabled) { 'disabled' } else { 'enabled' }
        # No documented property tells whether a vendor mitigation driver is installed.
        mitigation_driver = $null
        survey = if ($disabled) { $null } else { Get-Survey -Device $device }
        disks = @($disksByController[$device.InstanceId.ToUpper()] | Where-Object { $_ })
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
