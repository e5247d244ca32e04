# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): the host's lease, by which one controller at a time changes the
# host. Used by set_lease.ps1 (take it, give it back), by every script that changes the host (Assert-Lease, before it
# acts) and by survey_host.ps1 (Read-LeaseRecord, to report it).
#
# The lease is a record, not a lock held open: a named mutex is abandoned when the thread that owns it ends ("Mutex
# Objects", win32 docs), so it lasts one script run, and a run of a playbook is many. The record is one registry value,
# HKLM:\SOFTWARE\hyperv.dda\Lease, Record: JSON with the holder's token, who it is, since and until when (UTC ticks of
# the host's clock) and a version that every write raises. The registry cannot lock a key for a read-modify-write
# ("Writing and Deleting Registry Data", win32 docs), so every write happens while the script owns the mutex
# Global\hyperv.dda.lease, which is one object for every session of the host ("Kernel object namespaces").

function Read-LeaseRecord {
    # The record as the key holds it (RegistryKey.GetValue answers $null for a value the key does not hold); a host
    # without one has no holder and version 0.
    param($Key)
    $record = @{ Token = ''; Controller = ''; User = ''; Playbook = ''; RunId = ''; Since = [long]0; Until = [long]0; Seconds = [long]0; Version = [long]0 }
    $text = $null
    if ($null -ne $Key) { $text = $Key.GetValue('Record') }
    if ($text) {
        $parsed = ConvertFrom-Json -InputObject ([string]$text)
        foreach ($name in @('Token', 'Controller', 'User', 'Playbook', 'RunId')) { $record[$name] = [string]$parsed.$name }
        foreach ($name in @('Since', 'Until', 'Seconds', 'Version')) { $record[$name] = [long]$parsed.$name }
    }
    $record
}

function Get-LeaseView {
    # The record as the controller may see it: everything but the token, which only its holder knows.
    param($Record)
    @{ held = [bool]$Record.Token; controller = $Record.Controller; user = $Record.User; playbook = $Record.Playbook; run_id = $Record.RunId; since = $Record.Since; until = $Record.Until; seconds = $Record.Seconds; version = $Record.Version }
}

function Update-Lease {
    # Owning the mutex: hand the record and the host's time (DateTime.UtcNow.Ticks) to $Change, and write the record it
    # returns (none: nothing is written). Returns the record as found (its view), whether it was written, and the time.
    # A mutex whose owner ended without releasing it is acquired with AbandonedMutexException (.NET "Mutexes"): the
    # record is then as that run left it, one value written by one call.
    param([scriptblock]$Change)
    $mutex = [System.Threading.Mutex]::new($false, 'Global\hyperv.dda.lease')
    try {
        try { $owned = $mutex.WaitOne(30000) } catch [System.Threading.AbandonedMutexException] { $owned = $true }
        if (-not $owned) {
            throw "Another process has held the mutex Global\hyperv.dda.lease for 30 seconds, so the host's lease could not be read; nothing was changed. Run again; if it persists, find the process holding it."
        }
        try {
            $key = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey('SOFTWARE\hyperv.dda\Lease')
            try {
                $found = Read-LeaseRecord -Key $key
                $now = [DateTime]::UtcNow.Ticks
                $new = & $Change $found.Clone() $now
                if ($null -ne $new) { $key.SetValue('Record', (ConvertTo-Json -InputObject $new -Compress)) }
            }
            finally { $key.Close() }
        }
        finally { $mutex.ReleaseMutex() }
    }
    finally { $mutex.Dispose() }
    @{ found = Get-LeaseView -Record $found; written = $null -ne $new; now = $now }
}

function Get-LeaseHolder {
    # Who holds the lease, in words.
    param($Record)
    if (-not $Record.Token) { return 'no run (it was given back)' }
    $until = [DateTime]::new($Record.Until, [DateTimeKind]::Utc).ToString('u')
    "run $($Record.RunId) of $($Record.Playbook) by $($Record.User) on $($Record.Controller), until $until host time"
}

function Assert-Lease {
    # Before a script changes the host: its run must still hold the host's lease, its token the record's ('' for a
    # caller that holds none, which may act only while no run holds it). A holder renews its lease for as long again.
    param([string]$Token)
    $null = Update-Lease {
        param($Record, $Now)
        if ($Record.Token -ne $Token) {
            throw "The host's lease is held by $(Get-LeaseHolder -Record $Record), not by this run: this script changed nothing. This run's lease ran out (a step outlasted it) and another run took the host over, or this run gave it back. Run again once the host is free."
        }
        if ($Token) {
            $Record.Until = $Now + $Record.Seconds * 10000000
            $Record.Version += 1
            $Record
        }
    }
}
