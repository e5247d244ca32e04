# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): the reads of the host that the collection's safety rules
# rest on, returned as the cmdlets returned them. Nothing here decides: which disk sits behind which
# controller, and what is safe, is decided on the controller (plugins/plugin_utils/host_reads.py). Used by
# survey_host.ps1, and by set_pnp_device.ps1 to read the host again right before it disables a controller.

function Read-Rows {
    # One read: every row it returned, or none and the error that stopped it; never a part. Each cmdlet in $Read
    # is called with -ErrorAction Stop, so any error it writes ends the read here (dda-facts §11, "Silenced
    # reads fail open"). -NotFoundIsEmpty: a CDXML cmdlet filtered by a property writes a non-terminating
    # ObjectNotFound error 'CmdletizationQuery_NotFound_<property>' when no object matches (PowerShell/PowerShell
    # cimSupport/cmdletization/cim/clientSideQuery.cs, QueryJobBase.cs); for such a read that error means "none".
    param([scriptblock]$Read, [switch]$NotFoundIsEmpty)
    try {
        $rows = @(& $Read)
        @{ ok = $true; error = $null; rows = $rows }
    }
    catch {
        if ($NotFoundIsEmpty -and [string]$_.FullyQualifiedErrorId -like 'CmdletizationQuery_NotFound*') {
            return @{ ok = $true; error = $null; rows = @() }
        }
        @{ ok = $false; error = [string]$_.Exception.Message; rows = @() }
    }
}

function Get-PropertyDevice {
    # The device a Get-PnpDeviceProperty object is of: its InstanceId, as the cmdlet's reference shows it, or the
    # DeviceID of the WMI class behind it (Win32_PnPDeviceProperty); the controller refuses a row with neither.
    param($Property)
    if ($Property.InstanceId) { return [string]$Property.InstanceId }
    [string]$Property.DeviceID
}

function Get-PoolMember {
    # The UniqueIds of a pool's physical disks. -StoragePool is an association filter, and one that matches nothing
    # (a pool without physical disks) answers 'CmdletizationQuery_NotFound...' (clientSideQuery.cs): none.
    param($Pool)
    try {
        ,@(Get-PhysicalDisk -StoragePool $Pool -ErrorAction Stop | ForEach-Object { [string]$_.UniqueId })
    }
    catch {
        if ([string]$_.FullyQualifiedErrorId -like 'CmdletizationQuery_NotFound*') { return ,@() }
        throw
    }
}

function Read-Storage {
    # The host's storage, whole: disk drives and their parent controllers, disks, physical disks, partitions,
    # volumes, page files, pools with their members, and the disks passed through to VMs. The cmdlets here take
    # no filter (but a pool's members), so "none" is an empty answer, never an error (clientSideQuery.cs
    # GenerateNotFoundErrors: no filter, no error). Win32_DiskDrive.Index is the disk number (STORAGE_DEVICE_NUMBER,
    # win32-diskdrive).
    param([object[]]$VMs)
    $drives = Read-Rows { Get-CimInstance -ClassName Win32_DiskDrive -ErrorAction Stop | ForEach-Object { @{ Index = $_.Index; PNPDeviceID = [string]$_.PNPDeviceID } } }
    $driveIds = @($drives.rows | ForEach-Object { $_.PNPDeviceID })
    [ordered]@{
        disk_drives = $drives
        # Get-PnpDeviceProperty offers -WhatIf and then reads nothing: -WhatIf:$false, as win_powershell runs a
        # script under --check with -WhatIf (dda-facts §11, "Check mode and -WhatIf").
        drive_parents = Read-Rows { if ($driveIds.Count -gt 0) { Get-PnpDeviceProperty -InstanceId $driveIds -KeyName 'DEVPKEY_Device_Parent' -ErrorAction Stop -WhatIf:$false | ForEach-Object { @{ InstanceId = Get-PropertyDevice -Property $_; Type = [string]$_.Type; Data = [string]$_.Data } } } }
        disks = Read-Rows { Get-Disk -ErrorAction Stop | ForEach-Object { @{ Number = $_.Number; UniqueId = [string]$_.UniqueId; Model = [string]$_.Model; SerialNumber = [string]$_.SerialNumber; Size = $_.Size; IsBoot = $_.IsBoot; IsSystem = $_.IsSystem; PartitionStyle = [string]$_.PartitionStyle } } }
        physical_disks = Read-Rows { Get-PhysicalDisk -ErrorAction Stop | ForEach-Object { @{ UniqueId = [string]$_.UniqueId; AdapterSerialNumber = [string]$_.AdapterSerialNumber } } }
        partitions = Read-Rows { Get-Partition -ErrorAction Stop | ForEach-Object { @{ DiskNumber = $_.DiskNumber; PartitionNumber = $_.PartitionNumber; Size = $_.Size; Type = [string]$_.Type; DriveLetter = [string]$_.DriveLetter; AccessPaths = @($_.AccessPaths | ForEach-Object { [string]$_ }) } } }
        volumes = Read-Rows { Get-Volume -ErrorAction Stop | ForEach-Object { @{ Path = [string]$_.Path; FileSystem = [string]$_.FileSystem; FileSystemLabel = [string]$_.FileSystemLabel; AllocationUnitSize = $_.AllocationUnitSize } } }
        page_files = Read-Rows { Get-CimInstance -ClassName Win32_PageFileUsage -ErrorAction Stop | ForEach-Object { @{ Name = [string]$_.Name } } }
        # Members are read for the pools that are not primordial only: the primordial pool lists the disks that
        # could be pooled. The pools themselves are listed without a filter (no error when there are none).
        pools = Read-Rows { Get-StoragePool -ErrorAction Stop | ForEach-Object { $members = @(); if (-not $_.IsPrimordial) { $members = Get-PoolMember -Pool $_ }; @{ FriendlyName = [string]$_.FriendlyName; IsPrimordial = $_.IsPrimordial; Members = $members } } }
        # Every VM's, whatever the survey's scope: a disk passed through to any VM must stay where it is.
        vm_hard_disks = Read-Rows { if ($VMs.Count -gt 0) { Get-VMHardDiskDrive -VM $VMs -ErrorAction Stop | ForEach-Object { @{ VMId = [string]$_.VMId; VMName = [string]$_.VMName; DiskNumber = $_.DiskNumber } } } }
    }
}
