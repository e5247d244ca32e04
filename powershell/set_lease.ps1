#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Take the host's lease for a run of the collection, or give it back (parts/lease.ps1).

.DESCRIPTION
take: the lease goes to this run when no run holds it, when its holder's time has run out (the holder stopped
renewing it: its run ended without giving it back), or when this run holds it already (a retry); it lasts Seconds,
and every script this run runs renews it for as long again. Otherwise nothing is written.
release: the lease is given back when this run holds it; otherwise nothing is written.
Either way the result is the record as found (without its token), whether it was written, and the host's time. Which
run may go on, and what the controller tells its user, is decided on the controller (plugin_utils/lease.py).
The lease is bookkeeping between controllers, never a change of the host: $Ansible.Changed stays false.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateSet('take', 'release')][string]$Action,
    # The run's token: only its holder knows it, and every script the run runs passes it (LeaseToken).
    [Parameter(Mandatory = $true)][string]$Token,
    # Who takes the lease, as the controller names itself.
    [string]$Controller = '',
    [string]$User = '',
    [string]$Playbook = '',
    [string]$RunId = '',
    # How long the lease lasts after it is taken, and after each renewal.
    [long]$Seconds = 900
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

$outcome = Update-Lease {
    param($Record, $Now)
    $free = (-not $Record.Token) -or ($Record.Until -le $Now) -or ($Record.Token -eq $Token)
    if ($Action -eq 'take' -and $free) {
        @{ Token = $Token; Controller = $Controller; User = $User; Playbook = $Playbook; RunId = $RunId; Since = $Now; Until = $Now + $Seconds * 10000000; Seconds = $Seconds; Version = $Record.Version + 1 }
    }
    elseif ($Action -eq 'release' -and $Record.Token -and $Record.Token -eq $Token) {
        @{ Token = ''; Controller = ''; User = ''; Playbook = ''; RunId = ''; Since = [long]0; Until = [long]0; Seconds = [long]0; Version = $Record.Version + 1 }
    }
}

$Ansible.Result = [ordered]@{
    found = $outcome.found
    written = $outcome.written
    now = $outcome.now
}
