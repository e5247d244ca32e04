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
Either way the result is the record as found (without its token), whether it was written, the host's time, and whether
the lease's mutex was found abandoned (a script killed while it owned it; the controller warns of it). Which
run may go on, and what the controller tells its user, is decided on the controller (plugin_utils/lease.py).
The lease is bookkeeping between controllers, never a change of the host: $Ansible.Changed stays false.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateSet('take', 'release')][string]$Action,
    # The run's token: every script the run runs passes it (LeaseToken), and the lease fences out any other.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$Token,
    # Who takes the lease, as the controller names itself.
    [string]$Controller = '',
    [string]$User = '',
    [string]$Playbook = '',
    [string]$RunId = '',
    # How long the lease lasts after it is taken, and after each renewal: a minute to Int32's largest, as
    # plugins/module_utils/bounds.py LEASE_DURATION. An [int], the type of the range's bounds: ValidateRange converts
    # the value to that type before comparing (about_Functions_Advanced_Parameters, 5.1, the note under ValidateRange).
    [ValidateRange(60, 2147483647)][int]$Seconds = 900
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Everything the change decides from is handed to it ($With), not read from this script's scope.
$given = @{ Action = $Action; Token = $Token; Controller = $Controller; User = $User; Playbook = $Playbook; RunId = $RunId; Seconds = $Seconds }
$outcome = Update-Lease -With $given -Change {
    param($Record, $Now, $With)
    $free = (-not $Record.Token) -or ($Record.Until -le $Now) -or ($Record.Token -ceq $With.Token)
    if ($With.Action -eq 'take' -and $free) {
        @{ Token = $With.Token; Controller = $With.Controller; User = $With.User; Playbook = $With.Playbook; RunId = $With.RunId; Since = $Now; Until = $Now + [long]$With.Seconds * 10000000; Seconds = $With.Seconds; Version = $Record.Version + 1 }
    }
    elseif ($With.Action -eq 'release' -and $Record.Token -and $Record.Token -ceq $With.Token) {
        @{ Token = ''; Controller = ''; User = ''; Playbook = ''; RunId = ''; Since = [long]0; Until = [long]0; Seconds = [long]0; Version = $Record.Version + 1 }
    }
}

$Ansible.Result = [ordered]@{
    found = $outcome.found
    written = $outcome.written
    now = $outcome.now
    abandoned = $outcome.abandoned
}
