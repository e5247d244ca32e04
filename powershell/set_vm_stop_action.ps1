#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Set a VM's automatic stop action (what the host does with the VM when the host shuts down).
The VM is found by Id, never by name: Get-VM -Name treats its value as a wildcard.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][ValidateSet('TurnOff', 'Save', 'ShutDown')][string]$Action
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$vm = Get-VM -Id $VMId
$previous = [string]$vm.AutomaticStopAction
if ($previous -ne $Action) {
    Set-VM -VM $vm -AutomaticStopAction $Action -Confirm:$false
    $Ansible.Changed = $true
}
$now = [string](Get-VM -Id $VMId).AutomaticStopAction
if ($now -ne $Action) {
    throw "Set-VM reported success, but the automatic stop action of VM '$($vm.Name)' is still $now."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    automatic_stop_action = $now
    previous_automatic_stop_action = $previous
}
