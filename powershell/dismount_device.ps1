#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Record a device's identity on the host, then dismount it from the host (Dismount-VMHostAssignableDevice).

.DESCRIPTION
Once dismounted, the device's PCI\ node is gone from the host and with it the disks' serial numbers.
The record (HKLM:\SOFTWARE\hyperv.dda\Devices\<location path>) keeps them, so that selectors by
serial number and hyperv_dda_info keep working while the device is away. A record this run created
is removed again if the dismount fails. -Force is passed only when the user asked for it.
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
    [string]$Disks = '[]'
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$recordRoot = 'HKLM:\SOFTWARE\hyperv.dda\Devices'

function Test-Dismounted {
    param([string]$Path)
    @(Get-VMHostAssignableDevice -LocationPath $Path).Count -gt 0
}

if (-not (Test-Dismounted -Path $LocationPath)) {
    $key = Join-Path -Path $recordRoot -ChildPath $LocationPath
    $created = -not (Test-Path -LiteralPath $key)
    if ($created) { $null = New-Item -Path $key -Force }
    $identity = [ordered]@{ InstanceId = $InstanceId; FriendlyName = $FriendlyName; Class = $Class; Service = $Service; Disks = $Disks }
    foreach ($name in @($identity.Keys)) {
        Set-ItemProperty -LiteralPath $key -Name $name -Value $identity[$name]
    }
    try {
        if ($Force) {
            Dismount-VMHostAssignableDevice -LocationPath $LocationPath -Force
        }
        else {
            Dismount-VMHostAssignableDevice -LocationPath $LocationPath
        }
    }
    catch {
        if ($created) { Remove-Item -LiteralPath $key -Recurse -Force }
        throw
    }
    $Ansible.Changed = $true
}

# The new assignable device can take a moment to register (ExHyperV retries 5 x 500 ms).
$attempt = 0
while (-not (Test-Dismounted -Path $LocationPath)) {
    $attempt += 1
    if ($attempt -ge 5) {
        throw "Dismount-VMHostAssignableDevice reported success, but $LocationPath is not among the host's assignable devices."
    }
    Start-Sleep -Milliseconds 500
}

$Ansible.Result = [ordered]@{
    location_path = $LocationPath
    state = 'dismounted'
    identity_recorded = $true
}
