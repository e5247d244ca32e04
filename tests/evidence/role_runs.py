"""The role's runs on one simulated host, and what each costs: round trips, mutating calls, VM shutdowns.

Shared by tests/evidence/test_round_trips.py (which holds each run to its target) and tools/bench.py
(which prints the table). A round trip is one script run: one win_powershell call on a real host.
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


def side_effects(fleet, name):
    calls = fleet.calls(name)
    cmdlets = [cmdlet for call in calls for cmdlet in call['calls']]
    mutating = collections.Counter(mutating_calls(cmdlets))
    # A shutdown is InitiateShutdown (Invoke-CimMethod), or Stop-VM -TurnOff where turning off is allowed.
    shutdowns = mutating['Invoke-CimMethod'] + mutating['Stop-VM']
    return {'round trips': len(calls), 'scripts': [call['script'] for call in calls],
            'mutating calls': sum(mutating.values()), 'VM shutdowns': shutdowns,
            'per cmdlet': dict(sorted(mutating.items()))}


def measure(folder, role=None):
    """[(run, before, target, side effects)] of the RUNS on a fresh copy of two_nvme_server (role: ROLE)."""
    fleet = Fleet(os.path.join(folder, 'role_runs'), {'hv01': 'two_nvme_server'}, {'hv01': role or ROLE})
    rows = []
    for run, playbook, options, before, target in RUNS:
        result = fleet.play(playbook, *options)
        assert result.returncode == 0, result.stdout
        rows.append((run, before, target, side_effects(fleet, 'hv01')))
    fleet.cleanup()
    return rows
