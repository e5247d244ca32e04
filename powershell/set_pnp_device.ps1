#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Disable or enable a PnP device on the host, then wait until Windows reports the new state.

.DESCRIPTION
A device is disabled when its problem code (ConfigManagerErrorCode) is 22 (CM_PROB_DISABLED) and
enabled only when it is 0: a device with any other problem code does not work, whatever its driver
says. While a device's PCI\ node is reappearing (after a mount), Get-PnpDevice -InstanceId throws
"not found" (ObjectNotFound), so the settle-wait takes that error as "not present yet" and keeps waiting
(LISA polls the same way after Enable-PnpDevice). -Confirm:$false because both cmdlets prompt, and
a remote session cannot answer a prompt.

Before it disables a controller, the script reads the host's storage again with the survey's own reads
(parts/host_reads.ps1) and checks that the facts the controller planned from still hold: the disks behind
it are exactly -DiskNumber, none backs the host's boot, system or page file, none is a storage-pool member
or passed through to a VM, and none has mounted volumes unless AllowMountedVolumes. A read that failed, or
a disk drive whose controller it cannot tell, makes the disks unknown, and the script refuses. Then it
records the MMIO space the device needs (-MmioMb) in the device's record, HKLM:\SOFTWARE\hyperv.dda\Devices\<location
path>: a disabled device holds no resources the survey could read (SurveyDDA), and the MMIO check needs the figure.

Once a device is enabled, the script clears the mark of an unfinished return that mount_device.ps1 left on
its record, so that the device, disabled later by hand, is not taken for one the collection is giving
back; a record that held only the mark goes with it.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$InstanceId,
    [Parameter(Mandatory = $true)][bool]$Enabled,
    [bool]$AllowMountedVolumes = $false,
    # The disks the controller planned from: the numbers of the disks behind the device (disabling only).
    [int[]]$DiskNumber = @(),
    # The device's location path, the key of its record, and the MMIO space it needs, in MB (disabling only; -1:
    # unknown, not recorded).
    [string]$LocationPath = '',
    [int]$MmioMb = -1,
    [int]$SettleSeconds = 30,
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

$disabledCode = 22

# hyperv.dda include: host_reads.ps1
# hyperv.dda include: present_device.ps1

function Get-HostClaim {
    # Why the host must keep this controller now (empty: it need not): the planned facts, read again.
    param([string]$Id, [bool]$AllowMounted)
    $storage = Read-Storage -VMs @(Get-VM)
    $failed = @(foreach ($name in @($storage.Keys)) { if (-not $storage[$name].ok) { "storage.$name failed ($($storage[$name].error))" } })
    if ($failed.Count -gt 0) { return ,@("which disks sit behind it is unknown ($($failed -join '; '))") }
    $parents = @{}
    foreach ($row in $storage.drive_parents.rows) { if ($row.Type -ne 'Empty' -and $row.Data) { $parents[$row.InstanceId.ToUpper()] = $row.Data.ToUpper() } }
    foreach ($drive in $storage.disk_drives.rows) {
        if (-not $parents.ContainsKey($drive.PNPDeviceID.ToUpper())) { return ,@("which disks sit behind it is unknown (the controller of disk drive $($drive.PNPDeviceID.ToUpper()) could not be read)") }
    }
    $numbers = @($storage.disk_drives.rows | Where-Object { $parents[$_.PNPDeviceID.ToUpper()] -eq $Id.ToUpper() } | ForEach-Object { [int]$_.Index } | Sort-Object)
    foreach ($number in $numbers) {
        $disk = @($storage.disks.rows | Where-Object { $_.Number -eq $number })
        if ($disk.Count -ne 1) { return ,@("which disks sit behind it is unknown (disk $number is not this node's, or not one disk)") }
        if (@($storage.physical_disks.rows | Where-Object { $_.UniqueId -and $_.UniqueId -eq $disk[0].UniqueId }).Count -eq 0) { return ,@("which disks sit behind it is unknown (disk $number has no physical disk of its UniqueId)") }
    }
    $planned = @($DiskNumber | Sort-Object)
    if (($numbers -join ',') -ne ($planned -join ',')) { return ,@("the disks behind it are now [$($numbers -join ', ')], not [$($planned -join ', ')] as planned") }
    $pageLetters = @($storage.page_files.rows | ForEach-Object { $_.Name.Substring(0, 1).ToUpper() })
    $volumePaths = @($storage.volumes.rows | Where-Object { $_.FileSystem } | ForEach-Object { $_.Path })
    $poolOf = @{}
    foreach ($pool in @($storage.pools.rows | Where-Object { -not $_.IsPrimordial })) { foreach ($member in @($pool.Members)) { $poolOf[$member] = $pool.FriendlyName } }
    $reasons = @()
    foreach ($number in $numbers) {
        $name = "disk $number"
        $disk = @($storage.disks.rows | Where-Object { $_.Number -eq $number })
        $partitions = @($storage.partitions.rows | Where-Object { $_.DiskNumber -eq $number })
        $letters = @($partitions | ForEach-Object { $_.DriveLetter } | Where-Object { $_ -match '^[A-Za-z]$' } | ForEach-Object { $_.ToUpper() })
        if ($disk[0].IsBoot) { $reasons += "it backs the host's boot disk ($name)" }
        if ($disk[0].IsSystem) { $reasons += "it backs the host's system disk ($name)" }
        if (@($letters | Where-Object { $pageLetters -contains $_ }).Count -gt 0) { $reasons += "it backs a disk that holds the host's page file ($name)" }
        if ($disk[0].UniqueId -and $poolOf.ContainsKey($disk[0].UniqueId)) { $reasons += "its $name is a member of storage pool '$($poolOf[$disk[0].UniqueId])'" }
        foreach ($drive in @($storage.vm_hard_disks.rows | Where-Object { $_.DiskNumber -eq $number })) { $reasons += "its $name is passed through to VM '$($drive.VMName)' as a physical hard disk" }
        if (-not $AllowMounted) {
            foreach ($partition in @($partitions | Where-Object { $paths = @($_.AccessPaths); @($volumePaths | Where-Object { $paths -contains $_ }).Count -gt 0 })) {
                $mounts = @($partition.AccessPaths | Where-Object { $_ -and -not $_.StartsWith('\\?\') -and $_ -notmatch '^[A-Za-z]:\\$' })
                if ($partition.DriveLetter -match '^[A-Za-z]$') { $mounts = @("$($partition.DriveLetter.ToUpper()):") + $mounts }
                if ($mounts.Count -gt 0) { $reasons += "its $name has mounted volumes ($($mounts -join ', '))" }
            }
        }
    }
    ,$reasons
}

function Get-ProblemCode {
    # The device's problem code, or $null while its node is not present.
    param([string]$Id)
    $device = Get-PresentDevice -Id $Id
    if ($null -eq $device) { return $null }
    [int]$device.ConfigManagerErrorCode
}

function Wait-ProblemCode {
    param([string]$Id, [int]$Wanted, [int]$Seconds)
    $deadline = (Get-Date).AddSeconds($Seconds)
    $code = Get-ProblemCode -Id $Id
    while ($code -ne $Wanted -and (Get-Date) -lt $deadline) {
        Start-Sleep -Seconds 1
        $code = Get-ProblemCode -Id $Id
    }
    $code
}

# A node that is coming back (just mounted) can take a moment to show; wait for it before deciding.
$deadline = (Get-Date).AddSeconds($SettleSeconds)
$code = Get-ProblemCode -Id $InstanceId
while ($null -eq $code -and (Get-Date) -lt $deadline) {
    Start-Sleep -Seconds 1
    $code = Get-ProblemCode -Id $InstanceId
}
if ($null -eq $code) {
    throw "Device $InstanceId is not present on the host. If it was dismounted, mount it first (hyperv.dda.vmhost_assignable_device state=mounted)."
}
# The settle-wait may have outlasted this run's lease, and another run taken the host over: each change checks it again.
if ($Enabled -and $code -eq $disabledCode) {
    Assert-Lease -Token $LeaseToken
    Enable-PnpDevice -InstanceId $InstanceId -Confirm:$false
    $Ansible.Changed = $true
}
elseif (-not $Enabled -and $code -ne $disabledCode) {
    $claims = Get-HostClaim -Id $InstanceId -AllowMounted $AllowMountedVolumes
    if ($claims.Count -gt 0) {
        throw "Refusing to disable ${InstanceId}: $($claims -join '; '). The host is not as it was surveyed; run the task again to plan from the host as it is."
    }
    Assert-Lease -Token $LeaseToken
    if ($LocationPath -and $MmioMb -ge 0) {
        # Once disabled, the device holds no resources to survey: keep its MMIO need in its record for the MMIO check.
        $record = Join-Path -Path 'HKLM:\SOFTWARE\hyperv.dda\Devices' -ChildPath $LocationPath
        if (-not (Test-Path -LiteralPath $record)) { $null = New-Item -Path $record -Force -Confirm:$false }
        Set-ItemProperty -LiteralPath $record -Name 'MmioMb' -Value ([string]$MmioMb) -Confirm:$false
    }
    Disable-PnpDevice -InstanceId $InstanceId -Confirm:$false
    $Ansible.Changed = $true
}

$wanted = if ($Enabled) { 0 } else { $disabledCode }
$code = Wait-ProblemCode -Id $InstanceId -Wanted $wanted -Seconds $SettleSeconds
if ($code -ne $wanted) {
    $shown = if ($null -eq $code) { 'it is not present' } else { "its problem code is $code" }
    throw "Device $InstanceId did not become $(if ($Enabled) { 'enabled (problem code 0)' } else { 'disabled (problem code 22)' }) within $SettleSeconds seconds: $shown. A restart of the host may be needed, or the device has a problem of its own (see Device Manager)."
}

if ($Enabled -and $LocationPath) {
    $record = Join-Path -Path 'HKLM:\SOFTWARE\hyperv.dda\Devices' -ChildPath $LocationPath
    # RegistryKey.GetValue answers $null for a value the key does not hold; ValueCount counts the values it holds.
    # Ends the mark of the return this run just finished, the device enabled; only while this run holds the lease (the
    # settle wait may have outlasted it): a mark left is ended by the next enable.
    if ((Test-Path -LiteralPath $record) -and $null -ne (Get-Item -LiteralPath $record).GetValue('ReturnPending') -and (Test-Lease -Token $LeaseToken)) {
        Remove-ItemProperty -LiteralPath $record -Name 'ReturnPending' -Confirm:$false
        # lease-ok: the key that held only that mark
        if ((Get-Item -LiteralPath $record).ValueCount -eq 0) { Remove-Item -LiteralPath $record -Force -Confirm:$false }
        $Ansible.Changed = $true
    }
}

$Ansible.Result = [ordered]@{
    instance_id = $InstanceId
    state = if ($Enabled) { 'enabled' } else { 'disabled' }
    problem_code = $code
}
