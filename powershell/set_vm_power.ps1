#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Start a VM, or shut it down gracefully within a timeout; turn it off only when allowed.

.DESCRIPTION
The VM must be Running, Off, Saved or Paused. In a transition (Starting, Stopping, Saving, Pausing, Resuming, ...)
or a *Critical state the script changes nothing and fails: run it again once the VM has settled.
running: Off or Saved -> Start-VM (a Saved VM resumes its saved state); Paused -> Resume-VM.
off: Running -> a clean shutdown of the guest OS through its Shutdown integration service, then the
VM's state is polled until it is Off. Stop-VM is not used for this: without a working Shutdown
service, Stop-VM -Force or -AsJob turns the VM off instead, and a forced shutdown that fails falls
back to turning it off (decompiled Commands/StopVM.cs). So the script checks the service first and
asks it to shut down (Msvm_ShutdownComponent.InitiateShutdown), which never turns anything off. It
passes Force = $false: Force closes applications that hold unsaved data (InitiateShutdown docs).
The return values 0 (done), 4096 (job started) and 32782 (a shutdown is already in progress) mean
the guest is going down; 32781 (locked: it would shut down only with Force) leads to a turn-off where
TurnOffOnTimeout allows it, and fails otherwise; any other is a refusal.
The VM is turned off (Stop-VM -TurnOff) only when TurnOffOnTimeout allows it: when the service is
not available, or when the guest has not shut down within ShutdownTimeout seconds. Otherwise the
script fails and the VM keeps running. turned_off says whether the VM was turned off.
off: Saved or Paused -> its guest cannot be asked to shut down. With TurnOffOnTimeout the VM is
turned off, discarding its memory state (Hyper-V turns off a Saved or Paused VM: decompiled
VirtualMachine.cs, the allowed states of Stop); without it the script changes nothing and fails.

RecordRestart: before the shutdown of a running VM, record on the host that the VM is to be started
again (HKLM:\SOFTWARE\hyperv.dda\RestartPending\<VM Id>), so that a later run finishes the job if
this one is interrupted. Once the guest has accepted the shutdown the record stays, also when the VM
still runs at the end of the wait: the guest may power off later. It goes again only when nothing
was shut down (the request refused, or no service and the VM not turned off). running clears it.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][ValidateSet('running', 'off')][string]$State,
    [int]$ShutdownTimeout = 300,
    [bool]$TurnOffOnTimeout = $false,
    [bool]$RecordRestart = $false,
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

# Msvm_ShutdownComponent: EnabledState 2 is Enabled, OperationalStatus 2 is OK (the module's own
# "available" test, decompiled VirtualMachine.IsShutdownComponentAvailable).
$enabled = 2
$operationalOk = 2

function Stop-Guest {
    # A clean shutdown through the Shutdown integration service, or a turn-off where allowed; $true when
    # the VM was turned off. $Progress.Accepted tells the caller that the guest accepted the shutdown, $Progress.Asked
    # that it was asked.
    param($VM, $Progress)
    $id = [string]$VM.Id
    $shutdown = Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_ShutdownComponent' |
        Where-Object { $_.SystemName -eq $id } | Select-Object -First 1
    $available = $null -ne $shutdown -and $shutdown.EnabledState -eq $enabled -and @($shutdown.OperationalStatus)[0] -eq $operationalOk
    if ($available) {
        $request = Invoke-CimMethod -InputObject $shutdown -MethodName 'InitiateShutdown' -Arguments @{ Force = $false; Reason = 'hyperv.dda: shut down for a device change' } -Confirm:$false
        $Progress.Asked = $true
        # 32781: the guest is locked and would shut down only with Force, which closes applications holding unsaved
        # data (InitiateShutdown method page); it is turned off where turn_off_on_timeout allows, never forced.
        $locked = $request.ReturnValue -eq 32781
        if ($locked -and -not $TurnOffOnTimeout) {
            throw "The guest of VM '$($VM.Name)' is locked and shuts down only when forced to close applications that may hold unsaved data (InitiateShutdown returned 32781); it was not shut down and is still running. Sign out of the guest's console session, shut the guest down from inside, or set turn_off_on_timeout: true to turn the VM off."
        }
        if (-not $locked -and @(0, 4096, 32782) -notcontains $request.ReturnValue) {
            throw "The guest of VM '$($VM.Name)' did not accept the shutdown request (InitiateShutdown returned $($request.ReturnValue)); the VM is still running."
        }
        if (-not $locked) {
            $Progress.Accepted = $true
            $deadline = (Get-Date).AddSeconds($ShutdownTimeout)
            while ([string](Get-VM -Id $id -ErrorAction Stop).State -ne 'Off' -and (Get-Date) -lt $deadline) {
                Start-Sleep -Seconds 2
            }
        }
    }
    if ([string](Get-VM -Id $id).State -eq 'Off') { return $false }
    if (-not $TurnOffOnTimeout) {
        if ($available) {
            $later = ''
            if ($RecordRestart) { $later = ' The host keeps the record that the VM is owed a start, so a later run starts it again.' }
            throw "VM '$($VM.Name)' did not shut down within $ShutdownTimeout seconds and is still running, but its guest accepted the shutdown and may still power off later.$later Raise shutdown_timeout, check the guest, or set turn_off_on_timeout."
        }
        throw "VM '$($VM.Name)' cannot be shut down gracefully: the Shutdown integration service of its guest is not available (disabled in the VM's settings, or not running in the guest), and it was not turned off. Enable the service, shut the guest down from inside, or set turn_off_on_timeout: true to turn the VM off."
    }
    # The wait may have outlasted this run's lease, and another run taken the host over: check it again first. The
    # check renews the lease for its Seconds (60 at least), and no other run may take it before that has passed
    # (set_lease.ps1), so the one cmdlet between is covered, unless the host's clock jumps that far.
    Assert-Lease -Token $LeaseToken
    Stop-VM -VM $VM -TurnOff -Confirm:$false
    $true
}

$vm = Get-VM -Id $VMId
$previous = [string]$vm.State
$turnedOff = $false
$pending = Join-Path -Path 'HKLM:\SOFTWARE\hyperv.dda\RestartPending' -ChildPath ([string]$vm.Id)

# Any other state is a transition or a *Critical one (Hyper-V reports a problem with the VM) (decompiled VMState.cs).
if (@('Running', 'Off', 'Saved', 'Paused') -notcontains $previous) {
    throw "VM '$($vm.Name)' is $previous, not Running, Off, Saved or Paused, and was left as it is. Wait until it has settled (a state ending in Critical means Hyper-V reports a problem with the VM, such as its storage), then run the task again."
}
if ($State -eq 'running' -and $previous -ne 'Running') {
    if ($previous -eq 'Paused') { Resume-VM -VM $vm -Confirm:$false } else { Start-VM -VM $vm -Confirm:$false }
    $Ansible.Changed = $true
}
elseif ($State -eq 'off' -and ($previous -eq 'Saved' -or $previous -eq 'Paused')) {
    if (-not $TurnOffOnTimeout) {
        $wake = 'Start'
        if ($previous -eq 'Paused') { $wake = 'Resume' }
        throw "VM '$($vm.Name)' is $previous, so its guest cannot be asked to shut down, and it was left as it is. $wake it first (state=running) and shut it down then, turn it off yourself, or set turn_off_on_timeout: true to turn it off (its memory state is lost)."
    }
    Stop-VM -VM $vm -TurnOff -Confirm:$false
    $turnedOff = $true
    $Ansible.Changed = $true
}
elseif ($State -eq 'off' -and $previous -eq 'Running') {
    # New-Item -Force on an existing registry key makes it anew (PowerShell's RegistryProvider NewItem): a record an
    # earlier run left keeps its own time, and only a record this run made is this run's to take back.
    $madeRecord = $false
    if ($RecordRestart -and -not (Test-Path -LiteralPath $pending)) {
        $null = New-Item -Path $pending -Force -Confirm:$false
        Set-ItemProperty -LiteralPath $pending -Name 'Since' -Value ((Get-Date).ToUniversalTime().ToString('o')) -Confirm:$false
        $madeRecord = $true
    }
    $progress = @{ Accepted = $false; Asked = $false }
    try {
        $turnedOff = Stop-Guest -VM $vm -Progress $progress
    }
    catch {
        # Nothing was shut down (the request refused, or no service and not turned off): no start is owed. A guest
        # that accepted may still power off later, so its record stays for the run that starts it again.
        # Only while this run holds the lease: the failure may be that it lost it.
        if ($madeRecord -and -not $progress.Accepted -and [string](Get-VM -Id $VMId).State -eq 'Running' -and (Test-Lease -Token $LeaseToken)) {
            Remove-Item -LiteralPath $pending -Recurse -Force -Confirm:$false
        }
        throw
    }
    # What this run did: a VM that went Off by other means before it was asked changed nothing here.
    $Ansible.Changed = $madeRecord -or $progress.Asked -or $turnedOff
}
if ($State -eq 'running' -and (Test-Path -LiteralPath $pending)) {
    # lease-ok: state running never waits (only the shutdown of a running VM does)
    Remove-Item -LiteralPath $pending -Recurse -Force -Confirm:$false
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
    restart_pending = [bool](Test-Path -LiteralPath $pending)
}
