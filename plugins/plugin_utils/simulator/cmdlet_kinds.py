# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Which cmdlets of the scripts change the host: the one classification.

The simulator (an ``after_effect`` fault on a cmdlet that changes the host lets it do its work first),
the static checker (such a cmdlet that can prompt gets -Confirm:$false), and every reader of the
simulator's call log (benchmarks, the tests that hold ``changed`` to the calls made) share it.
"""

from __future__ import annotations

# Verbs whose cmdlets only read (or compute); every other cmdlet changes something.
READ_VERBS = ('get', 'test', 'join', 'select', 'where', 'foreach', 'convertfrom', 'convertto', 'wait', 'receive',
              'measure', 'sort')
# Cmdlets that only compute in the script's own process: they read nothing from the host and change nothing
# (New-Object builds an object, Start-Sleep waits), whatever their verb says.
LOCAL_CMDLETS = frozenset(('Join-Path', 'ConvertFrom-Json', 'ConvertTo-Json', 'Select-Object', 'Where-Object',
                           'ForEach-Object', 'New-Object', 'Start-Sleep', 'Sort-Object', 'Get-Date'))
# Cmdlets that run a script block elsewhere (PowerShell Direct): what changes the guest is the script block's own
# cmdlets, each classified by itself.
SCRIPT_BLOCK_RUNNERS = frozenset(('Invoke-Command',))


_NOT_CHANGING = frozenset(name.lower() for name in LOCAL_CMDLETS | SCRIPT_BLOCK_RUNNERS)


def changes_host(cmdlet):
    """Whether a call of this cmdlet (a name as PowerShell takes it: any case) changes the host, or the guest it
    runs in."""
    lower = (cmdlet or '').lower()
    if not lower or lower in _NOT_CHANGING:
        return False
    return lower.split('-')[0] not in READ_VERBS


def mutating_calls(calls):
    """The calls of a simulator log line (its ``calls``) that change the host, in order."""
    return [cmdlet for cmdlet in calls or [] if changes_host(cmdlet)]
