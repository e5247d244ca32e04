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
"not found", so the settle-wait reads it with -ErrorAction SilentlyContinue and keeps waiting
(LISA polls the same way after Enable-PnpDevice). -Confirm:$false because both cmdlets prompt, and
a remote session cannot answer a prompt.

Before it disables a controller, the script reads the disks behind it as the host has them now (not
as a survey saw them) and refuses, as the planner does, a controller behind the host's boot, system or
pagefile disk, a storage-pool member, one whose disks are unknown, and one with mounted volumes
unless AllowMountedVolumes.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$InstanceId,
    [Parameter(Mandatory = $true)][bool]$Enabled,
    [bool]$AllowMountedVolumes = $false,
    [int]$SettleSeconds = 30
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$disabledCode = 22

# hyperv.dda include: controller_disks.ps1

function Get-HostClaim {
    # Why the host must keep this controller, from its disks as they are now (empty: it need not).
    param([string]$Id, [bool]$AllowMounted)
    $drivesByController = Get-ControllerDrives
    $key = $Id.ToUpper()
    if ($drivesByController.ContainsKey($key) -and $null -eq $drivesByController[$key]) { return @('which disks sit behind it is unknown') }
    $reasons = @()
    foreach ($disk in @((Get-DiskRecords -Drives @($drivesByController[$key] | Where-Object { $_ })).Values)) {
        $name = "disk $($disk.number)"
        if ($disk.is_boot) { $reasons += "it backs the host's boot disk ($name)" }
        if ($disk.is_system) { $reasons += "it backs the host's system disk ($name)" }
        if ($disk.has_pagefile) { $reasons += "it backs a disk that holds the host's page file ($name)" }
        if ($disk.storage_pool) { $reasons += "its $name is a member of storage pool '$($disk.storage_pool)'" }
        if (-not $AllowMounted) {
            foreach ($partition in @($disk.partitions | Where-Object { $_ -and $_.volume })) {
                $mounts = @($partition.access_paths)
                if ($partition.drive_letter) { $mounts = @("$($partition.drive_letter):") + $mounts }
                if ($mounts.Count -gt 0) { $reasons += "its $name has mounted volumes ($($mounts -join ', '))" }
            }
        }
    }
    ,$reasons
}

function Get-ProblemCode {
    # The device's problem code, or $null while its node is not present.
    param([string]$Id)
    $device = Get-PnpDevice -InstanceId $Id -PresentOnly -ErrorAction SilentlyContinue
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
if ($Enabled -and $code -eq $disabledCode) {
    Enable-PnpDevice -InstanceId $InstanceId -Confirm:$false
    $Ansible.Changed = $true
}
elseif (-not $Enabled -and $code -ne $disabledCode) {
    $claims = Get-HostClaim -Id $InstanceId -AllowMounted $AllowMountedVolumes
    if ($claims.Count -gt 0) {
        throw "Refusing to disable ${InstanceId}: $($claims -join '; '). The host is not as it was surveyed; run the task again to plan from the host as it is."
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

$Ansible.Result = [ordered]@{
    instance_id = $InstanceId
    state = if ($Enabled) { 'enabled' } else { 'disabled' }
    problem_code = $code
}
