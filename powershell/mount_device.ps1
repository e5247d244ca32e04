#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Return a dismounted device to the host (Mount-VMHostAssignableDevice). It comes back disabled.

.DESCRIPTION
Always with an explicit -LocationPath: without one, Mount-VMHostAssignableDevice mounts every
dismounted device of the host, and with a path that matches nothing it silently does nothing.
Whether the mount worked is decided by what the host shows: the device has left the assignable
devices and its PCI\ node is present again. Mount can report an error while the device does come
back (microsoft/lisa hyperv_nvme_recovery.ps1), and the node can take a moment to reappear, so the
script waits for it before deciding, and reports such an error as a warning. A device that is not
among the assignable devices is not mounted (there is nothing to mount); if it is not on the host
either, the script says so, not that a mount it never ran failed.

Before the mount, the script marks the device's record (HKLM:\SOFTWARE\hyperv.dda\Devices\<location path>,
value ReturnPending: when, in UTC) as a return the collection has begun; set_pnp_device.ps1 clears the mark
once the device is enabled. A run that stops in between (a failure, or the controller killed) leaves the
device disabled with the mark, by which the reclaim knows it is the collection's to enable, not a device
disabled on purpose. A device dismounted by others has no record yet: it gets one with the mark only.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$LocationPath,
    # The device's PCI\ instance ID on the host, to see it come back.
    [Parameter(Mandatory = $true)][string]$InstanceId,
    [int]$SettleSeconds = 30,
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

$record = Join-Path -Path 'HKLM:\SOFTWARE\hyperv.dda\Devices' -ChildPath $LocationPath
$warnings = @()

# hyperv.dda include: present_device.ps1

function Test-Back {
    param([string]$Path, [string]$Id)
    (@(Get-VMHostAssignableDevice -LocationPath $Path).Count -eq 0) -and ($null -ne (Get-PresentDevice -Id $Id))
}

$failure = $null
$mounted = $false
$created = $false
if (@(Get-VMHostAssignableDevice -LocationPath $LocationPath).Count -gt 0) {
    $created = -not (Test-Path -LiteralPath $record)
    if ($created) { $null = New-Item -Path $record -Force -Confirm:$false }
    Set-ItemProperty -LiteralPath $record -Name 'ReturnPending' -Value ((Get-Date).ToUniversalTime().ToString('o')) -Confirm:$false
    $mounted = $true
    try {
        Mount-VMHostAssignableDevice -LocationPath $LocationPath -Confirm:$false
    }
    catch {
        $failure = $_
    }
    $Ansible.Changed = $true
}
$deadline = (Get-Date).AddSeconds($SettleSeconds)
while (-not (Test-Back -Path $LocationPath -Id $InstanceId)) {
    if ((Get-Date) -gt $deadline) {
        # Still away: no return began, so its mark goes (with the key, if this run made it); the next mount marks it
        # again. Only while this run holds the lease: after the wait, the key may be another run's.
        if ($mounted -and @(Get-VMHostAssignableDevice -LocationPath $LocationPath).Count -gt 0 -and (Test-Lease -Token $LeaseToken)) {
            if ($created) { Remove-Item -LiteralPath $record -Recurse -Force -Confirm:$false }
            else { Remove-ItemProperty -LiteralPath $record -Name 'ReturnPending' -Confirm:$false }
        }
        if ($null -ne $failure) { throw $failure }
        if (-not $mounted) {
            throw "$LocationPath is neither among the host's assignable devices nor present on the host as $InstanceId (waited $SettleSeconds seconds): there was nothing to mount, and Mount-VMHostAssignableDevice was not run."
        }
        throw "Mount-VMHostAssignableDevice reported success, but $LocationPath has not come back to the host within $SettleSeconds seconds."
    }
    Start-Sleep -Seconds 1
}
if ($null -ne $failure) {
    $warnings += "Mount-VMHostAssignableDevice reported an error, but $LocationPath is back on the host: $($failure.Exception.Message)"
}

$Ansible.Result = [ordered]@{
    location_path = $LocationPath
    state = 'disabled'
    warnings = @($warnings)
}
