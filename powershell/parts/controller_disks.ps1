# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): which disks sit behind which storage controller
# of this host, with what the collection's safety rules read of them. Used by survey_host.ps1, and by
# set_pnp_device.ps1 to check the host as it is before it disables a controller.

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

function Get-ControllerDisks {
    # Storage cmdlets answer for the whole cluster on a cluster node: other nodes' disks show with no
    # local number, and their physical disks reuse DeviceIds. So this node's disks are found from its
    # own disk drives (Win32_DiskDrive.Index is the local disk number), and each disk's physical disk by
    # its UniqueId. Returns controller instance ID (upper case) -> its disk records, or -> $null for a
    # controller with a disk that cannot be mapped: its disks are unknown, never "none".
    $pagefileLetters = @(Get-CimInstance -ClassName Win32_PageFileUsage | ForEach-Object { ([string]$_.Name).Substring(0, 1).ToUpper() })
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
        if ($null -ne $byController[$key]) {
            [void]$byController[$key].Add((Get-DiskRecord -Disk $disk -PhysicalDisk $physical -PagefileLetters $pagefileLetters))
        }
    }
    $byController
}
