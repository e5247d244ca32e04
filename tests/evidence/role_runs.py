"""The role's runs on one simulated host, and what each costs: round trips, mutating calls, VM shutdowns, and how
long the VM is down.

Shared by tests/evidence/test_round_trips.py (which holds each run to its target) and tools/bench.py
(which prints the table). A round trip is one script run: one win_powershell call on a real host.

The VM is down from the moment its guest is asked to shut down until it has booted again: its guest's shutdown, then
each script run after the one that shut it down, up to and including the one that starts it, then its guest's boot.
The simulator takes no time, so the seconds are figured: the guest's shutdown and boot times its snapshot gives
(``vms[].guest.shutdown_seconds``, ``boot_seconds``) and a stated cost per round trip. The count of script runs while
the VM is down is what a run controls, and is deterministic.
"""
import collections
import os

from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import mutating_calls

from fleet import Fleet

ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
        'nvme_passthrough_guest_credential': {'username': 'Administrator', 'password': 'example-only'},
        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}
TWO_DEVICES = dict(ROLE, nvme_passthrough_allow_mounted_volumes=True, nvme_passthrough_devices=[
    {'serial_number': 'S4EWNX0N123456'}, {'serial_number': 'PHLJ9120012A2P0BGN'}])
# A win_powershell round trip over WinRM, as assumed for the downtime in seconds (tools/bench.py --round-trip-seconds).
ROUND_TRIP_SECONDS = 2.0


def _static_memory(doc):
    doc['vms'][0]['dynamic_memory_enabled'] = False


# The downtime targets of issue 23: (run, role variables, change to two_nvme_server, script runs while the VM is down
# before issue 23, at most).
DOWNTIME_RUNS = (
    ('two devices to a running VM with dynamic memory', TWO_DEVICES, None, 9, 4),
    ('one device to a running VM with static memory', ROLE, _static_memory, 5, 2),
)

# (run, playbook, ansible-playbook options, round trips per host before issue 14, target), in the order they
# run: each starts from the host the one before left. A run that changes the host takes the host's lease and gives it
# back (issue 23: two round trips more than issue 14's targets, 10 and 6); a run with nothing to change takes none.
RUNS = (
    ('check mode on a fresh host', 'playbooks/nvme_passthrough.yml', ['--check'], 8, 2),
    ('fresh passthrough', 'playbooks/nvme_passthrough.yml', [], 17, 12),
    ('converged rerun', 'playbooks/nvme_passthrough.yml', [], 7, 2),
    ('converged rerun in check mode', 'playbooks/nvme_passthrough.yml', ['--check'], 7, 2),
    ('release', 'playbooks/nvme_release.yml', [], 11, 8),
)


def down_runs(calls):
    """The script runs while the VM is down: each after the one that shut it down (InitiateShutdown through
    Invoke-CimMethod, or Stop-VM), up to and including the one that started it (Start-VM)."""
    down, count = False, 0
    for call in calls:
        made = mutating_calls(call['calls'])
        if down:
            count += 1
        if 'Invoke-CimMethod' in made or 'Stop-VM' in made:
            down = True
        if 'Start-VM' in made:
            down = False
    return count


def downtime(runs, guest, round_trip_seconds=ROUND_TRIP_SECONDS):
    """Seconds the VM is down for ``runs`` script runs while it is off, with the guest's shutdown and boot times (its
    snapshot's ``guest``); 0 when the run never shut it down."""
    if not runs:
        return 0.0
    return guest['shutdown_seconds'] + runs * round_trip_seconds + guest['boot_seconds']


def side_effects(fleet, name, round_trip_seconds=ROUND_TRIP_SECONDS):
    calls = fleet.calls(name)
    cmdlets = [cmdlet for call in calls for cmdlet in call['calls']]
    mutating = collections.Counter(mutating_calls(cmdlets))
    # A shutdown is InitiateShutdown (Invoke-CimMethod), or Stop-VM -TurnOff where turning off is allowed.
    shutdowns = mutating['Invoke-CimMethod'] + mutating['Stop-VM']
    runs = down_runs(calls)
    return {'round trips': len(calls), 'scripts': [call['script'] for call in calls],
            'mutating calls': sum(mutating.values()), 'VM shutdowns': shutdowns,
            'per cmdlet': dict(sorted(mutating.items())), 'runs while down': runs,
            'downtime s': downtime(runs, fleet.hosts[name]['vms'][0]['guest'], round_trip_seconds)}


def measure(folder, role=None, round_trip_seconds=ROUND_TRIP_SECONDS):
    """[(run, before, target, side effects)] of the RUNS on a fresh copy of two_nvme_server (role: ROLE)."""
    fleet = Fleet(os.path.join(folder, 'role_runs'), {'hv01': 'two_nvme_server'}, {'hv01': role or ROLE})
    rows = []
    for run, playbook, options, before, target in RUNS:
        result = fleet.play(playbook, *options)
        assert result.returncode == 0, result.stdout
        rows.append((run, before, target, side_effects(fleet, 'hv01', round_trip_seconds)))
    fleet.cleanup()
    return rows


def measure_downtime(folder, round_trip_seconds=ROUND_TRIP_SECONDS):
    """[(run, before, target, side effects)] of a fresh passthrough for each of the DOWNTIME_RUNS."""
    rows = []
    for number, (run, role, change, before, target) in enumerate(DOWNTIME_RUNS):
        fleet = Fleet(os.path.join(folder, 'downtime_%d' % number),
                      {'hv01': ('two_nvme_server', change) if change else 'two_nvme_server'}, {'hv01': role})
        result = fleet.play('playbooks/nvme_passthrough.yml')
        assert result.returncode == 0, result.stdout
        rows.append((run, before, target, side_effects(fleet, 'hv01', round_trip_seconds)))
        fleet.cleanup()
    return rows
