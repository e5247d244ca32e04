# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): the host's lease, by which one controller at a time changes the
# host. Used by set_lease.ps1 (take it, give it back), by every script that changes the host (Assert-Lease, before it
# acts, and again before an action that follows a wait) and by survey_host.ps1 (Read-LeaseRecord, to report it).
#
# The lease is a record, not a lock held open: a named mutex is abandoned when the thread that owns it ends ("Mutex
# Objects", win32 docs), so it lasts one script run, and a run of a playbook is many. The record is one registry value,
# HKLM:\SOFTWARE\hyperv.dda\Lease, Record: JSON with the holder's token, who it is, since and until when (UTC ticks of
# the host's clock) and a version that every write raises. The registry cannot lock a key for a read-modify-write
# ("Writing and Deleting Registry Data", win32 docs), so every write happens while the script owns the mutex
# Global\hyperv.dda.lease, which is one object for every session of the host ("Kernel object namespaces").
# Tokens compare with -ceq/-cne: PowerShell's -eq/-ne ignore case for strings (about_Comparison_Operators, 5.1).

function Read-LeaseRecord {
    # The record as the key holds it (RegistryKey.GetValue answers $null for a value the key does not hold); a host
    # without one has no holder and version 0. A record that is not the JSON object Update-Lease writes, or whose times
    # are not ticks a DateTime holds, is refused: who holds the host is then unknown, and no run may take it for free.
    param($Key)
    $ErrorActionPreference = 'Stop'  # a throw must stop the script whatever the caller's preference (about_Throw)
    $record = @{ Token = ''; Controller = ''; User = ''; Playbook = ''; RunId = ''; Since = [long]0; Until = [long]0; Seconds = [long]0; Version = [long]0 }
    $text = $null
    if ($null -ne $Key) { $text = $Key.GetValue('Record') }
    if ($null -eq $text) { return $record }
    try {
        # Update-Lease writes a string (REG_SZ); GetValue answers a REG_DWORD as an Int32 (RegistryKey.GetValue docs).
        if ($text -isnot [string]) { throw 'it is not a string value' }
        # ConvertFrom-Json makes a JSON object a PSCustomObject (ConvertFrom-Json, 5.1 reference).
        $parsed = ConvertFrom-Json -InputObject $text
        if ($parsed -isnot [System.Management.Automation.PSCustomObject]) { throw 'it is not a JSON object' }
        # A missing or null property would read as '' or 0 ([long]$null is 0): a partial record is refused, not taken as
        # free (PSObject.Properties[name] is null only for a missing property: PowerShell's MshMemberInfo.cs indexer).
        foreach ($name in @($record.Keys)) { if ($null -eq $parsed.PSObject.Properties[$name] -or $null -eq $parsed.$name) { throw "it has no $name" } }
        foreach ($name in @('Token', 'Controller', 'User', 'Playbook', 'RunId')) { $record[$name] = [string]$parsed.$name }
        foreach ($name in @('Since', 'Until', 'Seconds', 'Version')) { $record[$name] = [long]$parsed.$name }
        # new DateTime(ticks) takes 0 to DateTime.MaxValue.Ticks (.NET DateTime constructor); a lease lasts at most Int32 seconds.
        foreach ($name in @('Since', 'Until', 'Version')) { if ($record[$name] -lt 0 -or $record[$name] -gt [DateTime]::MaxValue.Ticks) { throw "its $name is out of range" } }
        if ($record.Seconds -lt 0 -or $record.Seconds -gt [int]::MaxValue) { throw 'its Seconds is out of range' }
        if ($record.Token -and $record.Seconds -lt 60) { throw 'it is held for less than 60 Seconds' }
    }
    catch {
        throw "The host's lease record (value Record of HKLM:\SOFTWARE\hyperv.dda\Lease) is unreadable ($($_.Exception.Message)), so whether another run holds the host is unknown; nothing was changed. If no run of the collection is changing this host, delete that value (Remove-ItemProperty -Path HKLM:\SOFTWARE\hyperv.dda\Lease -Name Record) and run again."
    }
    $record
}

function Get-LeaseView {
    # The record as the controller may see it: everything but the token. The token fences runs (each script of the
    # holder's run passes it); it is no secret: HKLM\SOFTWARE is readable by the host's accounts.
    param($Record)
    @{ held = [bool]$Record.Token; controller = $Record.Controller; user = $Record.User; playbook = $Record.Playbook; run_id = $Record.RunId; since = $Record.Since; until = $Record.Until; seconds = $Record.Seconds; version = $Record.Version }
}

function Update-Lease {
    # Owning the mutex: hand $Change the record, the host's time (DateTime.UtcNow.Ticks) and $With (what it decides
    # from, passed on explicitly), and write the record it returns (none: nothing is written). Returns the record as
    # found (its view), whether it was written, the time, and whether the mutex was found abandoned.
    param([scriptblock]$Change, [hashtable]$With = @{})
    $ErrorActionPreference = 'Stop'
    # A mutex another account made may refuse this one: the Mutex(Boolean, String) constructor throws
    # UnauthorizedAccessException when the named mutex exists with access control that does not grant it (.NET docs).
    try { $mutex = [System.Threading.Mutex]::new($false, 'Global\hyperv.dda.lease') }
    catch {
        throw "The mutex Global\hyperv.dda.lease, which guards the host's lease, could not be opened ($($_.Exception.Message)); nothing was changed. A process of another account holds it open with access that this account lacks: run the collection as a member of the host's Administrators, the same account as other runs, or wait for that process to end."
    }
    $abandoned = $false
    try {
        # A mutex whose owner ended without releasing it is acquired with AbandonedMutexException (.NET Mutex,
        # AbandonedMutexException docs); PowerShell matches the catch type against the .NET exception a method call
        # wraps (ExceptionHandlingOps.FindMatchingHandler). The record is then as that run left it, one value written by
        # one call; the caller reports the abandonment.
        try { $owned = $mutex.WaitOne(30000) } catch [System.Threading.AbandonedMutexException] { $owned = $true; $abandoned = $true }
        if (-not $owned) {
            throw "Another process has held the mutex Global\hyperv.dda.lease for 30 seconds, so the host's lease could not be read; nothing was changed. Run again; if it persists, find the process holding it."
        }
        try {
            # CreateSubKey returns null when the operation failed (.NET docs, RegistryKey.CreateSubKey, Returns).
            $key = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey('SOFTWARE\hyperv.dda\Lease')
            if ($null -eq $key) {
                throw "The registry key HKLM:\SOFTWARE\hyperv.dda\Lease, which holds the host's lease, could not be created or opened; nothing was changed. Run the collection as an account that may write HKLM:\SOFTWARE (a member of the host's Administrators)."
            }
            try {
                $found = Read-LeaseRecord -Key $key
                $now = [DateTime]::UtcNow.Ticks
                $new = & $Change $found.Clone() $now $With
                if ($null -ne $new) { $key.SetValue('Record', (ConvertTo-Json -InputObject $new -Compress)) }
            }
            finally { $key.Close() }
        }
        finally { $mutex.ReleaseMutex() }
    }
    finally { $mutex.Dispose() }
    @{ found = Get-LeaseView -Record $found; written = $null -ne $new; now = $now; abandoned = $abandoned }
}

function Get-LeaseHolder {
    # Who holds the lease, in words, and whether its time ran out by $Now.
    param($Record, [long]$Now)
    if (-not $Record.Token) { return 'no run (it was given back)' }
    $who = "run $($Record.RunId) of $($Record.Playbook) by $($Record.User) on $($Record.Controller)"
    if ($Record.Until -le 0) { return "$who, whose record gives no end time (Until 0), so its time counts as run out" }
    $until = [DateTime]::new($Record.Until, [DateTimeKind]::Utc).ToString('u')
    if ($Record.Until -le $Now) { return "$who, whose time ran out at $until host time (that run stopped renewing it)" }
    "$who, until $until host time"
}

function Assert-Lease {
    # Before a script changes the host, and again before an action that follows a wait: its run must still hold the
    # host's lease, its token the record's. A holder renews its lease for as long again.
    param([string]$Token)
    $ErrorActionPreference = 'Stop'
    if (-not $Token) {
        throw "This script was given no lease token (LeaseToken), so it cannot tell that its run holds the host's lease; it changed nothing. Run it through the collection's modules or role, which take the lease and pass its token."
    }
    $null = Update-Lease -With @{ Token = $Token } -Change {
        param($Record, $Now, $With)
        if ($Record.Token -cne $With.Token) {
            throw "The host's lease is held by $(Get-LeaseHolder -Record $Record -Now $Now), not by this run: this script changed nothing. This run's lease ran out (a step outlasted it) and another run took the host over, or this run gave it back. Run again once the host is free."
        }
        $Record.Until = $Now + $Record.Seconds * 10000000
        $Record.Version += 1
        $Record
    }
}

function Test-Lease {
    # Assert-Lease for a takeback after a wait (a record or mark this run made, undone after its change failed): $true
    # when its run still holds the lease (renewed), $false when not, or when the lease cannot be read. A run that lost
    # the lease undoes nothing (the record may be the next holder's by now) and keeps the failure it is cleaning up
    # after as its error.
    param([string]$Token)
    try { Assert-Lease -Token $Token; $true } catch { $false }
}
