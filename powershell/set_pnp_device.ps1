#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Disable or enable a PnP device on the host, then wait until Windows reports the new state.
-Confirm:$false because both cmdlets prompt, and a remote session cannot answer a prompt.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$InstanceId,
    [Parameter(Mandatory = $true)][bool]$Enabled,
    [int]$SettleSeconds = 30
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Test-Disabled {
    param([string]$Id)
    $device = Get-PnpDevice -InstanceId $Id -PresentOnly
    @('22', 'CM_PROB_DISABLED') -contains [string]$device.ConfigManagerErrorCode
}

$disabled = Test-Disabled -Id $InstanceId
if ($Enabled -and $disabled) {
    Enable-PnpDevice -InstanceId $InstanceId -Confirm:$false
    $Ansible.Changed = $true
}
elseif (-not $Enabled -and -not $disabled) {
    Disable-PnpDevice -InstanceId $InstanceId -Confirm:$false
    $Ansible.Changed = $true
}

# The new state can take a moment to show (LISA polls after Enable-PnpDevice).
$deadline = (Get-Date).AddSeconds($SettleSeconds)
while ((Test-Disabled -Id $InstanceId) -eq $Enabled) {
    if ((Get-Date) -gt $deadline) {
        throw "Device $InstanceId did not become $(if ($Enabled) { 'enabled' } else { 'disabled' }) within $SettleSeconds seconds; a restart of the host may be needed."
    }
    Start-Sleep -Seconds 1
}

$Ansible.Result = [ordered]@{
    instance_id = $InstanceId
    state = if ($Enabled) { 'enabled' } else { 'disabled' }
}
