#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Start a VM, or shut it down gracefully within a timeout; turn it off only when allowed.

.DESCRIPTION
running: Off or Saved -> Start-VM (a Saved VM resumes its saved state); Paused -> Resume-VM.
off: Running -> a clean shutdown of the guest OS through its Shutdown integration service, then the
VM's state is polled until it is Off. Stop-VM is not used for this: without a working Shutdown
service, Stop-VM -Force or -AsJob turns the VM off instead, and a forced shutdown that fails falls
back to turning it off (decompiled Commands/StopVM.cs). So the script checks the service first and
asks it to shut down (Msvm_ShutdownComponent.InitiateShutdown), which never turns anything off.
The VM is turned off (Stop-VM -TurnOff) only when TurnOffOnTimeout allows it: when the service is
not available, or when the guest has not shut down within ShutdownTimeout seconds. Otherwise the
script fails and the VM keeps running. turned_off says whether the VM was turned off.
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
# Msvm_ShutdownComponent: EnabledState 2 is Enabled, OperationalStatus 2 is OK (the module's own
# "available" test, decompiled VirtualMachine.IsShutdownComponentAvailable).
$enabled = 2
$operationalOk = 2

$vm = Get-VM -Id $VMId
$previous = [string]$vm.State
$turnedOff = $false

if ($State -eq 'running' -and $previous -ne 'Running') {
    if ($previous -eq 'Paused') { Resume-VM -VM $vm -Confirm:$false } else { Start-VM -VM $vm -Confirm:$false }
    $Ansible.Changed = $true
}
elseif ($State -eq 'off' -and $previous -eq 'Running') {
    $id = [string]$vm.Id
    $shutdown = Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_ShutdownComponent' |
        Where-Object { $_.SystemName -eq $id } | Select-Object -First 1
    $available = $null -ne $shutdown -and $shutdown.EnabledState -eq $enabled -and @($shutdown.OperationalStatus)[0] -eq $operationalOk
    if ($available) {
        $request = Invoke-CimMethod -InputObject $shutdown -MethodName 'InitiateShutdown' -Arguments @{ Force = $true; Reason = 'hyperv.dda: shut down for a device change' } -Confirm:$false
        if ($request.ReturnValue -ne 0 -and $request.ReturnValue -ne 4096) {
            throw "The guest of VM '$($vm.Name)' did not accept the shutdown request (InitiateShutdown returned $($request.ReturnValue)); the VM is still running."
        }
        $deadline = (Get-Date).AddSeconds($ShutdownTimeout)
        while ([string](Get-VM -Id $VMId -ErrorAction Stop).State -ne 'Off' -and (Get-Date) -lt $deadline) {
            Start-Sleep -Seconds 2
        }
    }
    if ([string](Get-VM -Id $VMId).State -ne 'Off') {
        if (-not $TurnOffOnTimeout) {
            if ($available) {
                throw "VM '$($vm.Name)' did not shut down within $ShutdownTimeout seconds and is still running. Raise shutdown_timeout, check the guest, or set turn_off_on_timeout."
            }
            throw "VM '$($vm.Name)' cannot be shut down gracefully: the Shutdown integration service of its guest is not available (disabled in the VM's settings, or not running in the guest), and it was not turned off. Enable the service, shut the guest down from inside, or set turn_off_on_timeout: true to turn the VM off."
        }
        Stop-VM -VM $vm -TurnOff -Confirm:$false
        $turnedOff = $true
    }
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
