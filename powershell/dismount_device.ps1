#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Record a device's identity on the host, then dismount it from the host (Dismount-VMHostAssignableDevice).

.DESCRIPTION
Once dismounted, the device's PCI\ node is gone from the host and with it the disks' serial numbers.
The record (HKLM:\SOFTWARE\hyperv.dda\Devices\<location path>) keeps them, so that selectors by
serial number and hyperv_dda_info keep working while the device is away, and the MMIO space the
device needs (-MmioMb), for the MMIO check. Writing it also clears the mark of a return the collection
had begun (mount_device.ps1): the device is leaving the host again.

Whether the dismount worked is decided by what the host shows, not by the cmdlet's error: the cmdlet
looks up the new PCIP\ assignable device at once and throws "Cannot find dismounted assignable device."
when it is not registered yet, after the device has already left the host (decompiled
VMHostAssignableDevice.Dismount). So after any error the script waits for the device among the
host's assignable devices; it removes a record it created only when the device is provably still on
the host (its PCI\ node is present). -Force is passed only when the user asked for it.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$InstanceId,
    [Parameter(Mandatory = $true)][string]$LocationPath,
    [bool]$Force = $false,
    [string]$FriendlyName = '',
    [string]$Class = '',
    [string]$Service = '',
    # The identity of the disks behind the device, as JSON (model, serials, unique_id, size).
    [string]$Disks = '[]',
    # The MMIO space the device needs, in MB (-1: unknown, not recorded): away from the host it cannot be surveyed.
    [int]$MmioMb = -1,
    # How long a late registration of the dismounted device is waited for (ExHyperV retries 5 x 500 ms).
    [int]$SettleSeconds = 10,
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

$recordRoot = 'HKLM:\SOFTWARE\hyperv.dda\Devices'
$warnings = @()

# hyperv.dda include: present_device.ps1

function Test-Dismounted {
    param([string]$Path)
    @(Get-VMHostAssignableDevice -LocationPath $Path).Count -gt 0
}

function Wait-Dismounted {
    param([string]$Path, [int]$Seconds)
    $deadline = (Get-Date).AddSeconds($Seconds)
    while (-not (Test-Dismounted -Path $Path)) {
        if ((Get-Date) -gt $deadline) { return $false }
        Start-Sleep -Milliseconds 500
    }
    $true
}

if (-not (Test-Dismounted -Path $LocationPath)) {
    $key = Join-Path -Path $recordRoot -ChildPath $LocationPath
    $created = -not (Test-Path -LiteralPath $key)
    if ($created) { $null = New-Item -Path $key -Force -Confirm:$false }
    $identity = [ordered]@{ InstanceId = $InstanceId; FriendlyName = $FriendlyName; Class = $Class; Service = $Service; Disks = $Disks }
    if ($MmioMb -ge 0) { $identity['MmioMb'] = [string]$MmioMb }
    foreach ($name in @($identity.Keys)) {
        Set-ItemProperty -LiteralPath $key -Name $name -Value $identity[$name] -Confirm:$false
    }
    $failure = $null
    try {
        if ($Force) {
            Dismount-VMHostAssignableDevice -LocationPath $LocationPath -Force -Confirm:$false
        }
        else {
            Dismount-VMHostAssignableDevice -LocationPath $LocationPath -Confirm:$false
        }
    }
    catch {
        $failure = $_
    }
    $Ansible.Changed = $true
    if ($null -ne $failure) {
        if (Wait-Dismounted -Path $LocationPath -Seconds $SettleSeconds) {
            $warnings += "Dismount-VMHostAssignableDevice reported an error, but $LocationPath did leave the host and is among its assignable devices: $($failure.Exception.Message)"
        }
        else {
            $onHost = $null -ne (Get-PresentDevice -Id $InstanceId)
            # Takes back the record this run made, the device still on the host; only while this run holds the lease:
            # after the wait, the key may be another run's.
            if ($onHost -and $created -and (Test-Lease -Token $LeaseToken)) { Remove-Item -LiteralPath $key -Recurse -Force -Confirm:$false }
            if ($onHost) { throw $failure }
            throw "Dismount-VMHostAssignableDevice failed ($($failure.Exception.Message)), and $LocationPath is neither on the host nor among its assignable devices after $SettleSeconds seconds. Its identity record is kept; look at the device in Device Manager and run the task again."
        }
    }
    # The device has left the host: a return of it that had begun is over. Not before: a failed dismount leaves the
    # device as it was, its mark included.
    # lease-ok: the dismount is done (the lease checked before it); the device's leaving ends the return
    if ($null -ne (Get-Item -LiteralPath $key).GetValue('ReturnPending')) { Remove-ItemProperty -LiteralPath $key -Name 'ReturnPending' -Confirm:$false }
}

if (-not (Wait-Dismounted -Path $LocationPath -Seconds $SettleSeconds)) {
    throw "Dismount-VMHostAssignableDevice reported success, but $LocationPath is not among the host's assignable devices."
}

$Ansible.Result = [ordered]@{
    location_path = $LocationPath
    state = 'dismounted'
    identity_recorded = $true
    warnings = @($warnings)
}
