# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): which disks sit behind which storage controller
# of this host, with what the collection's safety rules read of them. Used by survey_host.ps1, and by
# set_pnp_device.ps1 to check the host as it is before it disables a controller.
#
# Two steps, so that a survey reads contents only of the controllers it reports: Get-ControllerDrives
# maps every disk to its controller with a fixed number of cmdlet calls whatever the number of disks;
# Get-DiskRecords then reads partitions, volumes and pools of the disks asked for only.

function Get-ControllerDrives {
    # Storage cmdlets answer for the whole cluster on a cluster node: other nodes' disks show with no
    # local number, and their physical disks reuse DeviceIds. So this node's disks are found from its
    # own disk drives (Win32_DiskDrive.Index is the local disk number), and each disk's physical disk by
    # its UniqueId. Returns controller instance ID (upper case) -> @{ Disk; Physical } entries, or -> $null
    # for a controller with a disk that cannot be mapped: its disks are unknown, never "none".
    $localDisks = @{}
    foreach ($disk in @(Get-Disk -ErrorAction SilentlyContinue)) {
        if ($null -ne $disk.Number) { $localDisks[[string]$disk.Number] = $disk }
    }
    $physicalByUniqueId = @{}
    foreach ($physical in @(Get-PhysicalDisk -ErrorAction SilentlyContinue)) {
        if ($physical.UniqueId -and -not $physicalByUniqueId.ContainsKey([string]$physical.UniqueId)) { $physicalByUniqueId[[string]$physical.UniqueId] = $physical }
    }
    $drives = @(Get-CimInstance -ClassName Win32_DiskDrive)
    $parents = @{}
    if ($drives.Count -gt 0) {
        foreach ($property in @(Get-PnpDeviceProperty -InstanceId @($drives | ForEach-Object { [string]$_.PNPDeviceID }) -KeyName 'DEVPKEY_Device_Parent' -ErrorAction SilentlyContinue)) {
            $parents[([string]$property.InstanceId).ToUpper()] = [string]$property.Data
        }
    }
    $byController = @{}
    foreach ($drive in $drives) {
        $parent = $parents[([string]$drive.PNPDeviceID).ToUpper()]
        if (-not $parent) { continue }
        $key = $parent.ToUpper()
        $disk = $localDisks[[string]$drive.Index]
        $physical = $null
        if ($null -ne $disk -and $disk.UniqueId) { $physical = $physicalByUniqueId[[string]$disk.UniqueId] }
        if ($null -eq $disk -or $null -eq $physical) {
            $byController[$key] = $null
            continue
        }
        if (-not $byController.ContainsKey($key)) { $byController[$key] = New-Object -TypeName System.Collections.ArrayList }
        if ($null -ne $byController[$key]) { [void]$byController[$key].Add(@{ Disk = $disk; Physical = $physical }) }
    }
    $byController
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

function Get-PartitionRecord {
    param($Partition)
    $letter = $null
    if ($Partition.DriveLetter -and [int][char]$Partition.DriveLetter -ne 0) { $letter = [string]$Partition.DriveLetter }
    [ordered]@{
        number = [int]$Partition.PartitionNumber
        size = [long]$Partition.Size
        type = [string]$Partition.Type
        drive_letter = $letter
        # Folder mount points only: drive roots and \\?\Volume{...} names are not paths a user set.
        access_paths = @($Partition.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' } | ForEach-Object { [string]$_ })
        volume = Get-VolumeRecord -Partition $Partition
    }
}

function Get-DiskRecords {
    # The records of these drives (entries of Get-ControllerDrives), contents included, by disk number:
    # one Get-Partition for all of them, then a volume per partition and a pool lookup per disk.
    param([object[]]$Drives)
    $records = @{}
    if ($Drives.Count -eq 0) { return $records }
    $pagefileLetters = @(Get-CimInstance -ClassName Win32_PageFileUsage | ForEach-Object { ([string]$_.Name).Substring(0, 1).ToUpper() })
    $partitioned = @($Drives | Where-Object { [string]$_.Disk.PartitionStyle -ne 'RAW' } | ForEach-Object { [uint32]$_.Disk.Number })
    $partitionsByDisk = @{}
    if ($partitioned.Count -gt 0) {
        foreach ($partition in @(Get-Partition -DiskNumber $partitioned -ErrorAction SilentlyContinue)) {
            $number = [string]$partition.DiskNumber
            if (-not $partitionsByDisk.ContainsKey($number)) { $partitionsByDisk[$number] = New-Object -TypeName System.Collections.ArrayList }
            [void]$partitionsByDisk[$number].Add($partition)
        }
    }
    foreach ($drive in $Drives) {
        $disk = $drive.Disk
        $partitions = @(foreach ($partition in @($partitionsByDisk[[string]$disk.Number] | Where-Object { $_ })) { Get-PartitionRecord -Partition $partition })
        $pools = @(Get-StoragePool -PhysicalDisk $drive.Physical -IsPrimordial $false -ErrorAction SilentlyContinue)
        $records[[string]$disk.Number] = [ordered]@{
            number = [int]$disk.Number
            model = ([string]$disk.Model).Trim()
            serial_number = if ($disk.SerialNumber) { [string]$disk.SerialNumber } else { $null }
            adapter_serial_number = if ($drive.Physical.AdapterSerialNumber) { [string]$drive.Physical.AdapterSerialNumber } else { $null }
            unique_id = if ($disk.UniqueId) { [string]$disk.UniqueId } else { $null }
            size = [long]$disk.Size
            is_boot = [bool]$disk.IsBoot
            is_system = [bool]$disk.IsSystem
            has_pagefile = @($partitions | Where-Object { $_.drive_letter -and $pagefileLetters -contains $_.drive_letter }).Count -gt 0
            storage_pool = if ($pools.Count -gt 0) { [string]$pools[0].FriendlyName } else { $null }
            partition_style = [string]$disk.PartitionStyle
            partitions = $partitions
        }
    }
    $records
}
