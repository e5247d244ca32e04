#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Start a VM, or shut it down gracefully within a timeout.

.DESCRIPTION
running: Off or Saved -> Start-VM (a Saved VM resumes its saved state); Paused -> Resume-VM.
off: Running -> graceful shutdown through the guest (Stop-VM without -TurnOff). If the guest has
not shut down after ShutdownTimeout seconds, the VM is turned off when TurnOffOnTimeout is set,
and otherwise the script fails and leaves the VM running.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][ValidateSet('running', 'off')][string]$State,
    [int]$ShutdownTimeout = 300,
    [bool]$TurnOffOnTimeout = $false
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$vm = Get-VM -Id $VMId
$previous = [string]$vm.State
$turnedOff = $false

if ($State -eq 'running' -and $previous -ne 'Running') {
    if ($previous -eq 'Paused') { Resume-VM -VM $vm } else { Start-VM -VM $vm }
    $Ansible.Changed = $true
}
elseif ($State -eq 'off' -and $previous -eq 'Running') {
    # -Force: shut down even if the guest has applications with unsaved data (it gets its usual
    # grace period) instead of prompting, which a non-interactive session cannot answer.
    $job = Stop-VM -VM $vm -Force -AsJob
    $done = Wait-Job -Job $job -Timeout $ShutdownTimeout
    if ($null -ne $done) {
        Receive-Job -Job $job
    }
    else {
        Stop-Job -Job $job
        if (-not $TurnOffOnTimeout) {
            throw "VM '$($vm.Name)' did not shut down within $ShutdownTimeout seconds and is still running. Raise shutdown_timeout, check the guest, or set turn_off_on_timeout."
        }
        Stop-VM -VM $vm -TurnOff -Force
        $turnedOff = $true
    }
    Remove-Job -Job $job -Force
    $Ansible.Changed = $true
}

$now = [string](Get-VM -Id $VMId).State
$expected = if ($State -eq 'running') { 'Running' } else { 'Off' }
if ($now -ne $expected) {
    throw "VM '$($vm.Name)' is $now after the power change, not $expected."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    state = $now
    previous_state = $previous
    turned_off = $turnedOff
}
