#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Bring a guest disk into use: the actions the planner chose, in its order.

.DESCRIPTION
Actions: online, writable, clear (wipe: only ever planned with force), initialize, partition,
format, label, letter, folder, access_path. If a step fails, the run undoes its own work first (a
disk it initialized goes back to RAW, a partition it created is removed), so that a rerun finds the
disk as this run found it, not half done. Runs in the guest: directly, or from the Hyper-V host
through PowerShell Direct when VMName is given (see survey_guest_disks.ps1). The data partition is
the one partition that is not Reserved, System or Recovery. Returns the disk and volume after.

The plan was made from a survey, perhaps one the role handed over before the disk was even in the
guest: a DiskNumber below 0 means "find the NVMe disk with this identity" (serial, adapter serial or
unique ID, compared as the planner compares them). A disk chosen by number must still have the serial
number and unique ID it was planned from (SerialNumber, UniqueId), because disk numbers change across
reboots. Before any action the disk must be neither the boot nor the system disk, and still be as
planned (ExpectedPartitionStyle, ExpectedPartitions), or nothing is done.

Through PowerShell Direct the script runs on the Hyper-V host and changes a disk through it, so it is fenced by the
host's lease like every script that changes the host: LeaseToken is its run's token, and Assert-Lease checks it on
the host before Invoke-Command (parts/lease.ps1). Run directly in the guest there is no host to hold a lease on: the
host's lease record is the host's registry, and the guest's own has none, so LeaseToken is not used there.
#>
[CmdletBinding()]
param(
    [string]$VMName = '',
    [PSCredential]$Credential = $null,
    [int]$DiskNumber = -1,
    [string]$SerialNumber = '',
    [string]$AdapterSerialNumber = '',
    [string]$UniqueId = '',
    [string]$ExpectedPartitionStyle = '',
    [int]$ExpectedPartitions = -1,
    [Parameter(Mandatory = $true)][string[]]$Actions,
    [string]$PartitionStyle = 'GPT',
    [string]$FileSystem = 'NTFS',
    [string]$Label = '',
    [string]$DriveLetter = '',
    [string]$AccessPath = '',
    [long]$AllocationUnitSize = 0,
    # The run's token of the host's lease (through PowerShell Direct only; see above).
    [string]$LeaseToken = ''
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Set-GuestDisk {
    param([int]$Number, [string[]]$Steps, [string]$Style, [string]$Fs, [string]$Name, [string]$Letter, [string]$Folder, [long]$Unit,
        [string[]]$Identity, [string]$ExpectStyle, [int]$ExpectCount)
    # Through PowerShell Direct this runs in a session of its own, where the Storage cmdlets (functions of a
    # generated script module) see only the session's preference, not this function's (PowerShell/PowerShell
    # #4568, #24389): without it a failed step would not stop the function, nor reach its undo.
    $global:ErrorActionPreference = 'Stop'
    $reserved = @('Reserved', 'System', 'Recovery')
    # Serials compare ignoring case, surrounding spaces and trailing dots (Windows pads NVMe serials).
    $wanted = @($Identity | ForEach-Object { ([string]$_).Trim().TrimEnd('.', ' ').ToUpperInvariant() })
    if ($Number -lt 0) {
        $adapters = @{}
        foreach ($item in @(Get-PhysicalDisk)) { $adapters[[string]$item.DeviceId] = [string]$item.AdapterSerialNumber }
        $found = @(Get-Disk | Where-Object {
            # serial, adapter serial and unique ID, in the order of $wanted; an empty wanted value matches nothing.
            $seen = @(([string]$_.SerialNumber), ([string]$adapters[[string]$_.Number]), ([string]$_.UniqueId)) | ForEach-Object { $_.Trim().TrimEnd('.', ' ').ToUpperInvariant() }
            $matched = $false
            for ($i = 0; $i -lt 3; $i++) { if ($wanted[$i] -and $seen[$i] -eq $wanted[$i]) { $matched = $true } }
            ([string]$_.BusType -eq 'NVMe') -and $matched
        })
        if ($found.Count -ne 1) { throw "The guest has $($found.Count) NVMe disks with the planned identity, not one; is the device passed through to this VM?" }
        $disk = $found[0]
        $Number = [int]$disk.Number
    }
    else {
        # Disk numbers can change across reboots (StorageDsc about_Disk): the disk of that number must still be the
        # one planned from, by its serial number and unique ID (each one the plan knew).
        $disk = Get-Disk -Number $Number
        $seen = @(([string]$disk.SerialNumber), ([string]$disk.UniqueId)) | ForEach-Object { $_.Trim().TrimEnd('.', ' ').ToUpperInvariant() }
        if (-not ($wanted[0] -or $wanted[2])) {
            throw "Disk $Number in the guest was planned without a serial number or unique ID, so it cannot be told from another disk that has taken its number; nothing was changed."
        }
        if (($wanted[0] -and $seen[0] -ne $wanted[0]) -or ($wanted[2] -and $seen[1] -ne $wanted[2])) {
            throw "Disk $Number in the guest is not the disk planned from: it has serial number '$($disk.SerialNumber)' and unique ID '$($disk.UniqueId)', not '$($Identity[0])' and '$($Identity[2])' (disk numbers can change when the guest restarts); nothing was changed. Run the task again to plan from the disks as they are."
        }
    }
    if ($disk.IsBoot -or $disk.IsSystem) {
        throw "Disk $Number in the guest is its boot or system disk; nothing was changed."
    }
    if ($ExpectStyle) {
        $seen = [string]$disk.PartitionStyle
        # Without a filter Get-Partition has no "not found" error to confuse with a failure (clientSideQuery.cs).
        $count = @(Get-Partition -ErrorAction Stop | Where-Object { $_.DiskNumber -eq $Number }).Count
        if ($seen -ne $ExpectStyle -or $count -ne $ExpectCount) {
            throw "Disk $Number in the guest is $seen with $count partition(s), not $ExpectStyle with $ExpectCount as planned; nothing was changed. Run the task again to plan from the disk as it is."
        }
    }
    $initialized = $false
    $created = $null
    try {
    foreach ($step in $Steps) {
        $data = Get-Partition -ErrorAction Stop | Where-Object { $_.DiskNumber -eq $Number -and $reserved -notcontains [string]$_.Type } | Select-Object -First 1
        switch ($step) {
            'online' { Set-Disk -Number $Number -IsOffline $false }
            'writable' { Set-Disk -Number $Number -IsReadOnly $false }
            'clear' { Clear-Disk -Number $Number -RemoveData -RemoveOEM -Confirm:$false }
            'initialize' {
                Initialize-Disk -Number $Number -PartitionStyle $Style -Confirm:$false
                $initialized = $true
            }
            'partition' {
                if ($Letter) { $created = New-Partition -DiskNumber $Number -UseMaximumSize -DriveLetter $Letter }
                else { $created = New-Partition -DiskNumber $Number -UseMaximumSize }
            }
            'format' {
                if ($Unit -gt 0) { $null = Format-Volume -Partition $data -FileSystem $Fs -NewFileSystemLabel $Name -AllocationUnitSize $Unit -Force -Confirm:$false }
                else { $null = Format-Volume -Partition $data -FileSystem $Fs -NewFileSystemLabel $Name -Force -Confirm:$false }
            }
            'label' { Get-Volume -Partition $data -ErrorAction Stop | Set-Volume -NewFileSystemLabel $Name }
            'letter' {
                if ($data.DriveLetter -and [int][char]$data.DriveLetter -ne 0) { Set-Partition -DiskNumber $Number -PartitionNumber $data.PartitionNumber -NewDriveLetter $Letter -Confirm:$false }
                else { Add-PartitionAccessPath -DiskNumber $Number -PartitionNumber $data.PartitionNumber -AccessPath "$($Letter):\" -Confirm:$false }
            }
            'folder' {
                # Planned perhaps before the guest could be asked: an existing folder must be empty.
                if (Test-Path -LiteralPath $Folder -PathType Container) {
                    if (@(Get-ChildItem -LiteralPath $Folder -Force).Count -gt 0) { throw "The folder $Folder is not empty; a volume can only be mounted on an empty folder." }
                }
                else { $null = New-Item -ItemType Directory -Path $Folder -Confirm:$false }
            }
            'access_path' {
                foreach ($old in @($data.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' -and $_.TrimEnd('\') -ne $Folder.TrimEnd('\') })) {
                    Remove-PartitionAccessPath -DiskNumber $Number -PartitionNumber $data.PartitionNumber -AccessPath $old -Confirm:$false
                }
                Add-PartitionAccessPath -DiskNumber $Number -PartitionNumber $data.PartitionNumber -AccessPath $Folder -Confirm:$false
                # A folder-only volume gains a drive letter when the disk arrives again (a reboot, a new
                # assignment) unless told not to (dsccommunity/StorageDsc#145).
                if (-not ($data.DriveLetter -and [int][char]$data.DriveLetter -ne 0)) {
                    Set-Partition -DiskNumber $Number -PartitionNumber $data.PartitionNumber -NoDefaultDriveLetter $true -Confirm:$false
                }
            }
            default { throw "Unknown action '$step'." }
        }
    }
    }
    catch {
        # Undo this run's own work; an undo that fails too is told with the step that failed, not instead of it.
        $failed = $_
        try {
            if ($initialized) { Clear-Disk -Number $Number -RemoveData -RemoveOEM -Confirm:$false }
            elseif ($created) { Remove-Partition -DiskNumber $Number -PartitionNumber $created.PartitionNumber -Confirm:$false }
        }
        catch {
            throw "$($failed.Exception.Message) Undoing this run's change to disk $Number failed as well: $($_.Exception.Message)"
        }
        throw $failed
    }
    $disk = Get-Disk -Number $Number
    $adapter = Get-PhysicalDisk | Where-Object { [string]$_.DeviceId -eq [string]$Number } | Select-Object -First 1
    $data = Get-Partition -ErrorAction Stop | Where-Object { $_.DiskNumber -eq $Number -and $reserved -notcontains [string]$_.Type } | Select-Object -First 1
    $volume = $null
    if ($data) {
        $paths = @($data.AccessPaths)
        $found = Get-Volume -ErrorAction Stop | Where-Object { $_.Path -and $paths -contains $_.Path } | Select-Object -First 1
        $letterNow = $null
        if ($data.DriveLetter -and [int][char]$data.DriveLetter -ne 0) { $letterNow = [string]$data.DriveLetter }
        $paths = @($data.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' })
        $volume = [ordered]@{
            drive_letter = $letterNow
            access_path = if ($paths.Count -gt 0) { [string]$paths[0] } else { $null }
            file_system = if ($found) { [string]$found.FileSystem } else { $null }
            label = if ($found) { [string]$found.FileSystemLabel } else { $null }
            size = [long]$data.Size
        }
    }
    [ordered]@{
        disk = [ordered]@{
            number = [int]$disk.Number
            serial_number = if ($disk.SerialNumber) { [string]$disk.SerialNumber } else { $null }
            adapter_serial_number = if ($adapter -and $adapter.AdapterSerialNumber) { [string]$adapter.AdapterSerialNumber } else { $null }
            size = [long]$disk.Size
            partition_style = [string]$disk.PartitionStyle
        }
        volume = $volume
    }
}

# hyperv.dda include: target_vm.ps1
# hyperv.dda include: lease.ps1

if ($VMName) {
    # Its run must hold the host's lease (an empty token is refused), before the guest is reached through the host.
    Assert-Lease -Token $LeaseToken
    $outcome = Invoke-Command -VMId (Get-TargetVMId -Name $VMName) -Credential $Credential -ScriptBlock ${function:Set-GuestDisk} -ArgumentList $DiskNumber, $Actions, $PartitionStyle, $FileSystem, $Label, $DriveLetter, $AccessPath, $AllocationUnitSize, @($SerialNumber, $AdapterSerialNumber, $UniqueId), $ExpectedPartitionStyle, $ExpectedPartitions
}
else {
    $outcome = Set-GuestDisk -Number $DiskNumber -Steps $Actions -Style $PartitionStyle -Fs $FileSystem -Name $Label -Letter $DriveLetter -Folder $AccessPath -Unit $AllocationUnitSize -Identity @($SerialNumber, $AdapterSerialNumber, $UniqueId) -ExpectStyle $ExpectedPartitionStyle -ExpectCount $ExpectedPartitions
}
$Ansible.Changed = $Actions.Count -gt 0

$Ansible.Result = [ordered]@{
    disk = $outcome.disk
    volume = $outcome.volume
}
