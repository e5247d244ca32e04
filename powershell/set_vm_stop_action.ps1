#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Set a VM's automatic stop action (what the host does with the VM when the host shuts down).

.DESCRIPTION
The VM is found by Id, never by name: Get-VM -Name treats its value as a wildcard.
Previous 'remember' keeps the stop action from before the change (unless one is kept already) and the
one set, on the host; 'forget' drops the kept values.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][ValidateSet('TurnOff', 'Save', 'ShutDown')][string]$Action,
    [ValidateSet('', 'remember', 'forget')][string]$Previous = '',
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

# hyperv.dda include: remembered_settings.ps1

$vm = Get-VM -Id $VMId
$before = [string]$vm.AutomaticStopAction
if ($before -ne $Action) {
    if ($Action -eq 'Save' -and @(Get-VMAssignableDevice -VM $vm).Count -gt 0) {
        throw "Refusing to set the automatic stop action of VM '$($vm.Name)' to Save: it has assigned devices, and a VM with an assigned device cannot be saved."
    }
    if ($Previous -eq 'remember') { Save-Remembered -VMId ([string]$vm.Id) -Name 'AutomaticStopAction' -Value $before -Set $Action }
    Set-VM -VM $vm -AutomaticStopAction $Action -Confirm:$false
    $Ansible.Changed = $true
}
if ($Previous -eq 'forget') {
    if (Clear-Remembered -VMId ([string]$vm.Id) -Names @('AutomaticStopAction')) { $Ansible.Changed = $true }
}
$now = [string](Get-VM -Id $VMId).AutomaticStopAction
if ($now -ne $Action) {
    throw "Set-VM reported success, but the automatic stop action of VM '$($vm.Name)' is still $now."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    automatic_stop_action = $now
    previous_automatic_stop_action = $before
}
