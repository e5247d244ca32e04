# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""One controller at a time on a host: the host's lease.

Ansible has no lock on a target (ansible/ansible#31096), so two runs of the collection (two job templates, a pipeline
and an operator) could change one host at once. A run that changes a host first takes the host's lease: a record on
the host (powershell/parts/lease.ps1) naming the run, since and until when. Every script that changes the host is
given the run's token (LeaseToken) and acts only while its run holds the lease, renewing it for as long again; a
run that no longer holds it (its lease ran out and another run took the host over) changes nothing. The run gives
the lease back at its end. A run that finds another run's lease waits up to its timeout, then fails before any change,
naming the holder; a lease whose holder stopped renewing it (the run died) is taken over once its time has run out,
and the new holder is told what that run left on the host. The lease is bookkeeping between controllers: taking,
renewing or giving it back never makes a task ``changed``.

Who may go on is decided here, from what set_lease.ps1 returns (the record as found, whether it wrote, the host's
time): the script only writes the record when it is free, run out, or this run's. Times are the host's clock, in .NET
ticks (100 ns since 0001-01-01 UTC), so that controllers whose clocks differ agree.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

from ansible import context

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import INT32_MAX
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path
from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import device_remedies, device_states
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_requirements import vm_requirements
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import lookup

LEASE_SCRIPT = 'set_lease'
# Seconds a run waits for another run's lease, unless told (hyperv_dda_lease_timeout): a role run takes minutes.
DEFAULT_TIMEOUT = 600
# Seconds a lease lasts after it is taken and after each step, beyond a step's own wait (a graceful shutdown): what a
# dead run keeps the host for.
MARGIN = 900
# A lease taken with hyperv_dda_lease's default duration covers a graceful shutdown of the collection's default
# shutdown_timeout (300 s: hyperv_vm_power, the role, the reclaim), besides the margin.
DEFAULT_DURATION = MARGIN + 300
TICKS_PER_SECOND = 10 ** 7
_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
# Seconds between two tries while another run holds the lease: each try is one round trip to the host.
_POLL = (1, 2, 4, 8, 10)
# The VM's requirements (vm_requirements.py) a stopped run leaves behind, as the host's records show them.
LEFT_BY_A_RUN = ('stale_assignments', 'restart_pending')


class LeaseBusy(DDAError):
    """Another run held the host's lease for longer than this run would wait."""


def from_ticks(ticks):
    """An ISO 8601 UTC time from .NET ticks (None for none)."""
    if not ticks:
        return None
    return (_EPOCH + timedelta(microseconds=int(ticks) // 10)).strftime('%Y-%m-%dT%H:%M:%SZ')


def to_ticks(text):
    """.NET ticks from an ISO 8601 UTC time as from_ticks writes it (or with a fraction of a second)."""
    if not text:
        return 0
    when = datetime.strptime(text.rstrip('Z').split('.')[0], '%Y-%m-%dT%H:%M:%S').replace(tzinfo=timezone.utc)
    return ((when - _EPOCH) // timedelta(microseconds=1)) * 10


def snapshot_lease(view, now):
    """host.lease of a snapshot, from the record's view (survey_host.ps1, set_lease.ps1) and the host's time then: who
    holds the lease, since and until when, whether its time had run out, and the record's version. None for a host
    whose lease no run ever took."""
    if not view or (not view.get('held') and not view.get('version')):
        return None
    held = bool(view.get('held'))
    return {
        'holder': dict((key, view.get(key) or '') for key in ('controller', 'user', 'playbook', 'run_id'))
        if held else None,
        'since': from_ticks(view.get('since')) if held else None,
        'until': from_ticks(view.get('until')) if held else None,
        'seconds': int(view.get('seconds') or 0) if held else None,
        'expired': held and int(view.get('until') or 0) <= int(now or 0),
        'version': int(view.get('version') or 0),
    }


def holder_words(holder):
    return 'run %s of %s by %s on controller %s' % (holder.get('run_id') or '?', holder.get('playbook') or '?',
                                                    holder.get('user') or '?', holder.get('controller') or '?')


def lease_words(lease):
    """Who holds the lease and until when, in words; None when no run holds it."""
    if not lease or not lease.get('holder'):
        return None
    text = '%s, since %s, until %s host time' % (holder_words(lease['holder']), lease['since'], lease['until'])
    if lease.get('expired'):
        text += ' (run out: that run stopped renewing it, so the next run takes it over)'
    return text


def is_mine(lease, mine):
    """Whether the lease a survey saw (host.lease) is the one this run holds (hyperv_dda_lease)."""
    holder = (lease or {}).get('holder')
    return bool(holder and mine) and lease.get('since') == mine.get('since') and all(
        holder.get(key) == mine.get(key) for key in ('controller', 'user', 'playbook', 'run_id'))


def held_warning(lease, mine=None):
    """What check mode and surveys say of a lease another run holds (None when none does, or this run does). A record
    the survey could not read fails closed: another run may hold the host."""
    if (lease or {}).get('error'):
        return ("The host's lease could not be read (%s): whether another run of the collection is changing this host "
                "is unknown. A run that changes the host reads it again when it takes the lease, and changes nothing "
                "while it cannot." % lease['error'])
    words = lease_words(lease)
    if not words or is_mine(lease, mine):
        return None
    return ("The host's lease is held by %s: another run of the collection is changing this host, or was. A run that "
            "changes the host waits for it (hyperv_dda_lease_timeout, or the role's nvme_passthrough_lease_timeout), "
            "then plans again from the host as that run leaves it; check mode and surveys take no lease." % words)


def replan_needed(seen, found):
    """Whether a plan made from a survey that saw the lease as ``seen`` (host.lease; None: no run ever took it) may be
    stale now that this run holds the lease, found as ``found`` just before: another run held it at the survey or
    since (its version moved). ``seen`` False: the survey's view is not known; a record the survey could not read
    (its error) is not known either."""
    if seen is False or (seen or {}).get('error'):
        return True
    seen_version = (seen or {}).get('version') or 0
    found_version = (found or {}).get('version') or 0
    return bool((seen or {}).get('holder')) or bool((found or {}).get('holder')) or seen_version != found_version


def lease_seconds(wait=0):
    """How long a lease lasts after each step: the margin beyond the longest wait of a step (seconds)."""
    return min(MARGIN + int(wait or 0), INT32_MAX)


def longest_wait(plan):
    """The longest wait (seconds) of the plan's steps: a graceful shutdown waits up to its ShutdownTimeout."""
    return max([int(step.parameters.get('ShutdownTimeout') or 0) for step in plan.steps
                if step.script == 'set_vm_power' and step.parameters.get('State') == 'off'] or [0])


def outlasts_lease(plan, lease):
    """Why the plan's longest wait does not fit in the lease the run holds (None when it fits): a step that waits
    longer than the lease's seconds less the MARGIN may find, after its wait, that its lease ran out and another run
    took the host over; its script then refuses the action that follows the wait."""
    return wait_outlasts_lease(longest_wait(plan), lease)


def wait_outlasts_lease(wait, lease):
    """outlasts_lease for a wait of ``wait`` seconds (None when it fits)."""
    wait = int(wait or 0)
    allowed = max(int(lease.get('seconds') or 0) - MARGIN, 0)
    if wait <= allowed:
        return None
    return ("This task would wait up to %d s for a guest to shut down (shutdown_timeout), but the host's lease it runs "
            "under lasts %d s after each step, which leaves %d s for a wait (%d s are kept for the step's own work). "
            "Nothing was changed. Take the lease with a duration of at least %d (hyperv.dda.hyperv_dda_lease duration; "
            "the role and the reclaim size it from their shutdown timeout), or lower shutdown_timeout to %d."
            % (wait, int(lease.get('seconds') or 0), allowed, MARGIN, lease_seconds(wait), allowed))


def identity(task_vars):
    """Who takes the lease: this controller, its user, the playbook and the run (AWX's job id, else the process id of
    ansible-playbook, whose workers Ansible forks)."""
    # The playbooks ansible-playbook was given (none when no command line parsed them: a test, a library caller).
    playbooks = [os.path.basename(path) for path in (context.CLIARGS.get('args') or ())]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the user (getpass: its environment, then the password database)
        user = str(os.getuid())
    job = task_vars.get('awx_job_id') or task_vars.get('tower_job_id')
    return {'controller': socket.gethostname(), 'user': user,
            'playbook': ', '.join(playbooks) or task_vars.get('ansible_play_name') or 'no playbook',
            'run_id': 'AWX job %s' % job if job else 'pid %d' % os.getppid()}


def _run(backend, parameters):
    result, dummy = backend.run(LEASE_SCRIPT, parameters)
    return result, snapshot_lease(result['found'], result['now'])


def take(backend, me, seconds, timeout, timeout_name='hyperv_dda_lease_timeout', clock=time.monotonic,
         sleep=time.sleep):
    """Take the host's lease for this run, waiting up to ``timeout`` seconds for another run's. Returns
    {lease: what every later script of the run is given (hyperv_dda_lease), found: the lease as found when taken,
    waited: seconds, waited_for: the lease this run waited for (None), took_over: the run-out lease it took over
    (None), abandoned: the warning when a try found the lease's mutex abandoned (None)}. LeaseBusy when another run
    held it all that time: nothing was changed."""
    token = uuid.uuid4().hex
    parameters = {'Action': 'take', 'Token': token, 'Controller': me['controller'], 'User': me['user'],
                  'Playbook': me['playbook'], 'RunId': me['run_id'], 'Seconds': seconds}
    started = clock()
    waited_for = None
    abandoned = False
    attempt = 0
    while True:
        result, found = _run(backend, parameters)
        if result['written']:
            now = int(result['now'])
            lease = dict(me, token=token, since=from_ticks(now), until=from_ticks(now + seconds * TICKS_PER_SECOND),
                         seconds=seconds)
            took_over = found if found and found.get('holder') and found.get('expired') else None
            return {'lease': lease, 'found': found, 'waited': round(clock() - started, 1),
                    'waited_for': waited_for, 'took_over': took_over,
                    'abandoned': abandoned_warning() if abandoned or result.get('abandoned') else None}
        abandoned = abandoned or bool(result.get('abandoned'))
        waited_for = found
        left = started + timeout - clock()
        if left <= 0:
            raise LeaseBusy("The host's lease is held by %s: another run of the collection is changing this host. This "
                            "run waited %d s for it (%s) and changed nothing. Wait for that run to end and run again, "
                            "or raise %s; a run that died keeps the lease until its time runs out, and the next run "
                            "then takes the host over." % (lease_words(found) or 'another run', round(clock() - started),
                                                           timeout_name, timeout_name), lease=found)
        sleep(min(_POLL[min(attempt, len(_POLL) - 1)], left))
        attempt += 1


def abandoned_warning():
    """What a run tells that found the lease's mutex abandoned (set_lease.ps1's abandoned)."""
    return ("The host's lease mutex (Global\\hyperv.dda.lease) was found abandoned: a script of the collection was "
            "stopped while it held it (its process killed, or the host's session ended). The lease record is one value "
            "written whole, so it was read as that script left it; look at what that run left on the host "
            "(hyperv.dda.hyperv_dda_info) if a run failed without saying why.")


def release(backend, lease):
    """Give the host's lease back: {released: whether it was this run's to give back, found: the lease as found,
    warning: what to tell when it was not, or when the lease's mutex was found abandoned (None)}."""
    result, found = _run(backend, {'Action': 'release', 'Token': lease['token']})
    if result['written']:
        return {'released': True, 'found': found,
                'warning': abandoned_warning() if result.get('abandoned') else None}
    holder = lease_words(found)
    return {'released': False, 'found': found, 'warning': (
        "This run's lease of the host had run out and was no longer its own to give back (%s): a step outlasted it, "
        "and another run may have changed the host since. Look at the host (hyperv.dda.hyperv_dda_info) before you "
        "run again." % ('now held by %s' % holder if holder else 'no run holds it now'))}


def waited_words(taken):
    """What a run that waited for another run's lease tells."""
    return "Waited %s s for the host's lease, held by %s; then took it, and planned again from the host as that run " \
        "left it." % (taken['waited'], lease_words(taken['waited_for']) or 'another run')


def took_over_warning(took_over, left):
    """What the run that took over a run-out lease tells: whose it was, and what that run left on the host."""
    whose = holder_words(took_over['holder'])
    text = ("Took over the host's lease of %s, whose time ran out at %s without the lease being given back: that run "
            "stopped (its controller died, or lost the host). " % (whose, took_over['until']))
    if left:
        return text + 'What it left on the host, which this run finishes where it can: ' + ' '.join(left)
    return text + 'It left nothing the collection records (no VM owed a start, no device half-way).'


def left_behind(snapshot):
    """What a run that stopped left on the host, as the host's records say (leftovers.py, and the VM's requirements
    of vm_requirements.py a run leaves behind): a sentence each."""
    said = []
    for device in snapshot.get('devices') or []:
        if device_states(snapshot, device):
            name = '%s %s' % (device.get('friendly_name') or 'device', location_path(device))
            said += ['%s: %s' % (name, remedy) for remedy in device_remedies(snapshot, device)]
    for vm in snapshot.get('vms') or []:
        said += ['%s %s' % (item['message'], item['remedy']) for item in vm_requirements(snapshot, vm)
                 if item['code'] in LEFT_BY_A_RUN]
    return said


def fenced(name, parameters):
    """Whether a script run with these parameters changes the host, and so runs only under the host's lease with its
    run's token: every mutating script of the host, and a guest's script run through the host (PowerShell Direct,
    VMName). A guest's script run in the guest itself has no host whose lease it could check."""
    script = lookup(name)
    return script.mutating and name != LEASE_SCRIPT and (not script.guest or bool((parameters or {}).get('VMName')))


class LeasedBackend(object):
    """A backend whose every script that changes the host carries the run's token (LeaseToken)."""

    def __init__(self, backend, token):
        self.backend = backend
        self.token = token

    def run(self, name, parameters=None, sensitive=None):
        if fenced(name, parameters):
            parameters = dict(parameters or {}, LeaseToken=self.token)
        return self.backend.run(name, parameters, sensitive=sensitive)

    def __getattr__(self, name):
        return getattr(self.backend, name)


def needs_lease(plan):
    """Whether applying the plan runs a script that changes the host (fenced: a guest's script run in the guest needs
    no host lease; one run through the host does)."""
    return any(fenced(step.script, step.parameters) for step in plan.steps)
