# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The host's lease in the simulator: twins of parts/lease.ps1 and set_lease.ps1 (see twins.py).

The record lives in the snapshot as ``host.lease`` (its token a *sim* field: a real host's survey never returns it).
The script owns a named mutex while it reads and writes the record; the simulator runs one script at a time on a
snapshot (its file lock), which is the same exclusion. Time is the simulated host's clock (``host_ticks``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import LEASE_DURATION
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import TICKS_PER_SECOND, from_ticks, to_ticks
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import reads
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError

# What a captured snapshot's holder is known by: its token stays on the real host, so no run of the rehearsal has it.
UNKNOWN_TOKEN = '(the token of a run on the real host)'
# parts/lease.ps1's own texts (its throw statements), word for word.
UNREADABLE = ("The host's lease record (value Record of HKLM:\\SOFTWARE\\hyperv.dda\\Lease) is unreadable (%s), so "
              "whether another run holds the host is unknown; nothing was changed. If no run of the collection is "
              "changing this host, delete that value (Remove-ItemProperty -Path HKLM:\\SOFTWARE\\hyperv.dda\\Lease "
              "-Name Record) and run again.")
NO_TOKEN = ("This script was given no lease token (LeaseToken), so it cannot tell that its run holds the host's lease; "
            "it changed nothing. Run it through the collection's modules or role, which take the lease and pass its "
            "token.")
NOT_HELD = ("The host's lease is held by %s, not by this run: this script changed nothing. This run's lease ran out (a "
            "step outlasted it) and another run took the host over, or this run gave it back. Run again once the host "
            "is free.")


def host_ticks(doc):
    """The host's clock, as [DateTime]::UtcNow.Ticks reads it: the snapshot's ``clock`` (a test sets the time), else
    the controller's own clock."""
    if doc.get('clock'):
        return to_ticks(doc['clock'])
    return to_ticks(datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))


def _record(host):
    """parts/lease.ps1 Read-LeaseRecord: the record as the host holds it. Its ConvertFrom-Json failing (a fault: the
    simulator's record is always whole) is the script's refusal of an unreadable record."""
    lease = host.doc['host'].get('lease')
    if lease:
        try:
            host.invoke('ConvertFrom-Json', InputObject='Record')
        except CmdletError as e:
            host.throw(UNREADABLE % e.message)
    record = {'Token': '', 'Controller': '', 'User': '', 'Playbook': '', 'RunId': '', 'Since': 0, 'Until': 0,
              'Seconds': 0, 'Version': 0}
    if not lease:
        return record
    record['Version'] = int(lease.get('version') or 0)
    holder = lease.get('holder')
    if holder:
        record.update(Token=lease.get('token') or UNKNOWN_TOKEN, Controller=holder.get('controller') or '',
                      User=holder.get('user') or '', Playbook=holder.get('playbook') or '',
                      RunId=holder.get('run_id') or '', Since=to_ticks(lease.get('since')),
                      Until=to_ticks(lease.get('until')), Seconds=int(lease.get('seconds') or 0))
    return record


def view(record):
    """parts/lease.ps1 Get-LeaseView: the record without its token."""
    return {'held': bool(record['Token']), 'controller': record['Controller'], 'user': record['User'],
            'playbook': record['Playbook'], 'run_id': record['RunId'], 'since': record['Since'],
            'until': record['Until'], 'seconds': record['Seconds'], 'version': record['Version']}


def _store(doc, record, now):
    """The record written, as the snapshot keeps it."""
    held = bool(record['Token'])
    doc['host']['lease'] = {
        'holder': {'controller': record['Controller'], 'user': record['User'], 'playbook': record['Playbook'],
                   'run_id': record['RunId']} if held else None,
        'since': from_ticks(record['Since']) if held else None,
        'until': from_ticks(record['Until']) if held else None,
        'seconds': record['Seconds'] if held else None,
        'expired': held and record['Until'] <= now,
        'version': record['Version'],
        'token': record['Token'] or None,
    }


def update_lease(host, change):
    """parts/lease.ps1 Update-Lease: ``change(record, now)`` returns the record to write, or None; the record as found
    (its view), whether it was written, and the host's time."""
    doc = host.doc
    found = _record(host)
    now = host_ticks(doc)
    new = change(dict(found), now)
    if new is not None:
        host.invoke('ConvertTo-Json', InputObject='Record', Compress=True)
        _store(doc, new, now)
    # The simulator runs one script at a time to its end, so no script leaves the mutex abandoned.
    return {'found': view(found), 'written': new is not None, 'now': now, 'abandoned': False}


def read_lease(host):
    """survey_host.ps1's read of the lease: Read-Rows around Read-LeaseRecord, without the mutex (a survey never
    waits; the record is one value, read whole). One row: the record's view."""
    def read():
        return [view(_record(host))]
    return reads.read_rows(read)


def holder_words(record, now):
    """parts/lease.ps1 Get-LeaseHolder: who holds the lease, and whether its time ran out by ``now``."""
    if not record['Token']:
        return 'no run (it was given back)'
    who = 'run %s of %s by %s on %s' % (record['RunId'], record['Playbook'], record['User'], record['Controller'])
    if record['Until'] <= 0:
        return '%s, whose record gives no end time (Until 0), so its time counts as run out' % who
    until = datetime.strptime(from_ticks(record['Until']), '%Y-%m-%dT%H:%M:%SZ').strftime('%Y-%m-%d %H:%M:%SZ')
    if record['Until'] <= now:
        return '%s, whose time ran out at %s host time (that run stopped renewing it)' % (who, until)
    return '%s, until %s host time' % (who, until)


def bound_token(host, parameters, script, name='LeaseToken'):
    """A [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()] token, as PowerShell's parameter binder takes it:
    missing or empty, the script does not run (the error names the script)."""
    if parameters.get(name) is None:
        host.fail(script, 'script_argument_missing', name=name)
    if parameters[name] == '':
        host.fail(script, 'script_argument_empty', name=name)
    return parameters[name]


def assert_lease(host, token):
    """parts/lease.ps1 Assert-Lease: the script's run must hold the host's lease (tokens compared exactly, as -cne
    does); a holder renews it."""
    if not token:
        host.throw(NO_TOKEN)

    def check(record, now):
        if record['Token'] != token:
            host.throw(NOT_HELD % holder_words(record, now))
        record.update(Until=now + record['Seconds'] * TICKS_PER_SECOND, Version=record['Version'] + 1)
        return record
    update_lease(host, check)


def test_lease(host, token):
    """parts/lease.ps1 Test-Lease: Assert-Lease for a takeback after a wait, whose failure is False, not an error."""
    try:
        assert_lease(host, token)
    except CmdletError:
        return False
    return True


def fence(host, parameters, script):
    """A script that changes the host: its LeaseToken as PowerShell binds it, then Assert-Lease."""
    assert_lease(host, bound_token(host, parameters, script))


def set_lease(host, parameters):
    """set_lease.ps1: take the lease when it is free, run out or this run's; give it back when it is this run's."""
    token = bound_token(host, parameters, 'set_lease', 'Token')
    seconds = int(parameters.get('Seconds', 900))
    if not LEASE_DURATION.low <= seconds <= LEASE_DURATION.high:
        if seconds < LEASE_DURATION.low:
            host.fail('set_lease', 'script_argument_too_small', name='Seconds', value=seconds, low=LEASE_DURATION.low)
        host.fail('set_lease', 'script_argument_too_big', name='Seconds', value=seconds, high=LEASE_DURATION.high)

    def change(record, now):
        free = not record['Token'] or record['Until'] <= now or record['Token'] == token
        if parameters['Action'] == 'take' and free:
            return {'Token': token, 'Controller': parameters.get('Controller', ''), 'User': parameters.get('User', ''),
                    'Playbook': parameters.get('Playbook', ''), 'RunId': parameters.get('RunId', ''), 'Since': now,
                    'Until': now + seconds * TICKS_PER_SECOND, 'Seconds': seconds, 'Version': record['Version'] + 1}
        if parameters['Action'] == 'release' and record['Token'] and record['Token'] == token:
            return {'Token': '', 'Controller': '', 'User': '', 'Playbook': '', 'RunId': '', 'Since': 0, 'Until': 0,
                    'Seconds': 0, 'Version': record['Version'] + 1}
        return None
    return update_lease(host, change), False
