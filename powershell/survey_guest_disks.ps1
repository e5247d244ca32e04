#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
List the disks a Windows guest sees, the drive letters in use, and the state of a folder.

.DESCRIPTION
Runs in the guest: directly, when the task runs against the guest, or from the Hyper-V host
through PowerShell Direct when VMName is given (Invoke-Command -VMId of the one VM of that name, -Credential; the credential
arrives as a PSCredential through win_powershell's sensitive_parameters). The function that reads
the guest is sent as the script block it already is: no code is built from text.
Read-only: runs under --check.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$VMName = '',
    [PSCredential]$Credential = $null,
    # Folders to report on (mount points): whether each exists and how many entries it holds.
    [string[]]$AccessPaths = @()
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-GuestDisk {
    param([string[]]$Folders)
    # Through PowerShell Direct this runs in a session of its own, where the Storage cmdlets (functions of a
    # generated script module) see only the session's preference, not this function's (PowerShell/PowerShell
    # #4568, #24389): without it a failed read would not stop the function.
    $global:ErrorActionPreference = 'Stop'
    $physical = @{}
    foreach ($item in @(Get-PhysicalDisk)) { $physical[[string]$item.DeviceId] = $item }
    # Every partition and volume of the guest, each in one read that fails whole or answers whole: without a filter
    # a Storage cmdlet has no "not found" error to confuse with a failure (PowerShell/PowerShell
    # cimSupport/cmdletization/cim/clientSideQuery.cs). A volume is its partition's by its volume GUID path, which
    # the partition lists among its access paths (MSFT_Partition AccessPaths; dsccommunity/StorageDsc#224).
    $allPartitions = @(Get-Partition -ErrorAction Stop)
    $allVolumes = @(Get-Volume -ErrorAction Stop)
    $disks = @(foreach ($disk in @(Get-Disk)) {
        $partitions = @()
        if ([string]$disk.PartitionStyle -ne 'RAW') {
            $partitions = @(foreach ($partition in @($allPartitions | Where-Object { $_.DiskNumber -eq $disk.Number })) {
                $paths = @($partition.AccessPaths)
                $volume = $allVolumes | Where-Object { $_.Path -and $paths -contains $_.Path } | Select-Object -First 1
                $letter = $null
                if ($partition.DriveLetter -and [int][char]$partition.DriveLetter -ne 0) { $letter = [string]$partition.DriveLetter }
                [ordered]@{
                    number = [int]$partition.PartitionNumber
                    size = [long]$partition.Size
                    type = [string]$partition.Type
                    drive_letter = $letter
                    access_paths = @($partition.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' } | ForEach-Object { [string]$_ })
                    volume = if ($volume -and $volume.FileSystem) {
                        [ordered]@{ file_system = [string]$volume.FileSystem; label = [string]$volume.FileSystemLabel; allocation_unit_size = [long]$volume.AllocationUnitSize; size = [long]$volume.Size }
                    } else { $null }
                }
            })
        }
        $adapter = $physical[[string]$disk.Number]
        [ordered]@{
            number = [int]$disk.Number
            model = ([string]$disk.Model).Trim()
            serial_number = if ($disk.SerialNumber) { [string]$disk.SerialNumber } else { $null }
            adapter_serial_number = if ($adapter -and $adapter.AdapterSerialNumber) { [string]$adapter.AdapterSerialNumber } else { $null }
            unique_id = if ($disk.UniqueId) { [string]$disk.UniqueId } else { $null }
            size = [long]$disk.Size
            bus_type = [string]$disk.BusType
            is_boot = [bool]$disk.IsBoot
            is_system = [bool]$disk.IsSystem
            is_offline = [bool]$disk.IsOffline
            is_read_only = [bool]$disk.IsReadOnly
            partition_style = [string]$disk.PartitionStyle
            partitions = $partitions
        }
    })
    # Letters of every volume, also those with no partition behind them (DVD drives, mapped images).
    $letters = @($allVolumes | Where-Object { $_.DriveLetter } | ForEach-Object { [string]$_.DriveLetter })
    $folderStates = @(foreach ($folder in @($Folders | Where-Object { $_ })) {
        $exists = Test-Path -LiteralPath $folder -PathType Container
        [ordered]@{
            path = $folder
            exists = $exists
            entries = if ($exists) { @(Get-ChildItem -LiteralPath $folder -Force).Count } else { 0 }
        }
    })
    [ordered]@{ disks = $disks; used_letters = $letters; folders = $folderStates }
}

# hyperv.dda include: target_vm.ps1

if ($VMName) {
    $survey = Invoke-Command -VMId (Get-TargetVMId -Name $VMName) -Credential $Credential -ScriptBlock ${function:Get-GuestDisk} -ArgumentList @(, $AccessPaths)
}
else {
    $survey = Get-GuestDisk -Folders $AccessPaths
}

$Ansible.Result = [ordered]@{
    disks = @($survey.disks)
    used_letters = @($survey.used_letters)
    folders = @($survey.folders)
}
