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
#>
[CmdletBinding()]
param(
    [string]$VMName = '',
    [PSCredential]$Credential = $null,
    [Parameter(Mandatory = $true)][int]$DiskNumber,
    [Parameter(Mandatory = $true)][string[]]$Actions,
    [string]$PartitionStyle = 'GPT',
    [string]$FileSystem = 'NTFS',
    [string]$Label = '',
    [string]$DriveLetter = '',
    [string]$AccessPath = '',
    [long]$AllocationUnitSize = 0
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Set-GuestDisk {
    param([int]$Number, [string[]]$Steps, [string]$Style, [string]$Fs, [string]$Name, [string]$Letter, [string]$Folder, [long]$Unit)
    $ErrorActionPreference = 'Stop'
    $reserved = @('Reserved', 'System', 'Recovery')
    $initialized = $false
    $created = $null
    try {
    foreach ($step in $Steps) {
        $data = Get-Partition -DiskNumber $Number -ErrorAction SilentlyContinue | Where-Object { $reserved -notcontains [string]$_.Type } | Select-Object -First 1
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
            'folder' { $null = New-Item -ItemType Directory -Path $Folder -Confirm:$false }
            'access_path' {
                foreach ($old in @($data.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' -and $_ -ne $Folder })) {
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
        if ($initialized) { Clear-Disk -Number $Number -RemoveData -RemoveOEM -Confirm:$false }
        elseif ($created) { Remove-Partition -DiskNumber $Number -PartitionNumber $created.PartitionNumber -Confirm:$false }
        throw
    }
    $disk = Get-Disk -Number $Number
    $adapter = Get-PhysicalDisk | Where-Object { [string]$_.DeviceId -eq [string]$Number } | Select-Object -First 1
    $data = Get-Partition -DiskNumber $Number -ErrorAction SilentlyContinue | Where-Object { $reserved -notcontains [string]$_.Type } | Select-Object -First 1
    $volume = $null
    if ($data) {
        $found = Get-Volume -Partition $data -ErrorAction SilentlyContinue
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

function Get-TargetVMId {
    # PowerShell Direct by Id: Invoke-Command -VMName resolves like Get-VM -Name (wildcards, duplicates).
    # Hyper-V compares VM names ignoring case, character by character (ordinal), as this does.
    param([string]$Name)
    $found = @(Get-VM | Where-Object { [string]::Equals([string]$_.Name, $Name, [StringComparison]::OrdinalIgnoreCase) })
    if ($found.Count -ne 1) {
        throw "PowerShell Direct needs exactly one VM named '$Name' on this host; found $($found.Count)."
    }
    $found[0].Id
}

if ($VMName) {
    $outcome = Invoke-Command -VMId (Get-TargetVMId -Name $VMName) -Credential $Credential -ScriptBlock ${function:Set-GuestDisk} -ArgumentList $DiskNumber, $Actions, $PartitionStyle, $FileSystem, $Label, $DriveLetter, $AccessPath, $AllocationUnitSize
}
else {
    $outcome = Set-GuestDisk -Number $DiskNumber -Steps $Actions -Style $PartitionStyle -Fs $FileSystem -Name $Label -Letter $DriveLetter -Folder $AccessPath -Unit $AllocationUnitSize
}
$Ansible.Changed = $Actions.Count -gt 0

$Ansible.Result = [ordered]@{
    disk = $outcome.disk
    volume = $outcome.volume
}
