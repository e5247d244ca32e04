"""All or nothing (issue 23): a fault at every mutating cmdlet call of a passthrough and of a release of one, two and
three devices, one simulated host each, and the controller killed at each of those calls.

The points are read from a run without faults (the simulator's call log): in each task, the first call of each
mutating cmdlet it makes, in the script run of its last item (for a task run once per device, the last device's,
the others having been through it). A fault fails that call once: it names the cmdlet and lets the earlier calls of the
same cmdlet through (``skip``), so it hits that very call. A release starts from one converged passthrough, copied.

``run(folder, counts, kinds)`` returns one row per host: what the run left (normalized: the collection's own records
on the host left out) against the host as the run found it and as the run without faults left it, and the failure's
message; for a kill, whether the rerun without the fault converged to the planned host and a third run changed
nothing. test_all_or_nothing.py asserts on the rows.
"""
import copy
import json
import os

from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import mutating_calls

from ddatest import with_third_nvme
from fault_matrix import HANG, _killed_run, _without_faults
from fleet import Fleet

SERIALS = ('S4EWNX0N123456', 'PHLJ9120012A2P0BGN', 'S4EWNX0N654321')
PLAYBOOKS = {'passthrough': 'playbooks/nvme_passthrough.yml', 'release': 'playbooks/nvme_release.yml'}
# What the collection keeps on the host for itself (its registry records), left out of the comparison: a release
# keeps a device's identity record by design. What a run owes (a start, a return) is compared.
RECORDS = {'vms': ('remembered_settings',), 'devices': ('identity_recorded', 'recorded_mmio_mb')}
PRELOAD = 'hyperv.dda.preload'  # the collection's code loaded once per run, not per task and host: a quicker matrix


def role(count):
    return {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
            'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_allow_mounted_volumes': True,
            'nvme_passthrough_restore_vm_settings': True,
            'nvme_passthrough_devices': [{'serial_number': serial} for serial in SERIALS[:count]]}


def normalized(doc):
    """The host without faults and without the collection's own records."""
    doc = copy.deepcopy(doc)
    doc.pop('faults', None)
    # The host's lease is the collection's record too (its version rises with every run); a run killed holding it is
    # past its time when the host is read (fault_matrix._without_faults moves the simulated clock).
    doc['host'].pop('lease', None)
    doc.pop('clock', None)
    for kind, keys in RECORDS.items():
        for item in doc[kind]:
            for key in keys:
                item.pop(key, None)
    for device in doc['devices']:
        device['return_pending'] = bool(device.get('return_pending'))
    for vm in doc['vms']:  # Hyper-V lists a VM's assignments in no promised order
        vm['assigned_devices'] = sorted(vm['assigned_devices'])
    return doc


def points(calls):
    """(what, cmdlet, fault) for the first call of each mutating cmdlet of each task of a log, in the script run of the
    task's last item: for a task that runs once per device, the last device's, when the others have been through
    the same step already (the first device's is the run of one device)."""
    found, seen = {}, {}
    for number, call in enumerate(calls):
        first = set()
        for cmdlet in call['calls']:
            if mutating_calls([cmdlet]) and cmdlet not in first:
                first.add(cmdlet)
                found[(call['task'], cmdlet)] = (number, '%s (%s)' % (call['task'], call['script']), cmdlet,
                                                 {'cmdlet': cmdlet, 'skip': seen.get(cmdlet, 0), 'count': 1})
            seen[cmdlet] = seen.get(cmdlet, 0) + 1
    return [point[1:] for point in sorted(found.values())]


def reference(folder, count):
    """(start, converged, the passthrough's points, released, the release's points) of a run without faults."""
    fleet = Fleet(os.path.join(folder, 'reference_%d' % count), {'ref': ('two_nvme_server', with_third_nvme)},
                  {'ref': role(count)})
    start = fleet.read('ref')
    result = fleet.play(PLAYBOOKS['passthrough'])
    assert result.returncode == 0 and not result.untruthful, result.stdout
    converged, passthrough = fleet.read('ref'), points(result.calls['ref'])
    result = fleet.play(PLAYBOOKS['release'])
    assert result.returncode == 0 and not result.untruthful, result.stdout
    released, release = fleet.read('ref'), points(result.calls['ref'])
    fleet.cleanup()
    return start, converged, passthrough, released, release


def run(folder, counts=(1, 2, 3), kinds=('fault',)):
    """One row per host: each count of devices, each run, each point, each kind (fault, kill)."""
    cases, hosts = {}, {}
    for count in counts:
        start, converged, passthrough, released, release = reference(folder, count)
        for run_name, found, planned, listed in (('passthrough', start, converged, passthrough),
                                                 ('release', converged, released, release)):
            for kind in kinds:
                for number, (what, cmdlet, fault) in enumerate(listed):
                    name = '%s%s%d_%02d' % (run_name[0], kind[0], count, number)
                    fault = dict(fault, **({'hang': HANG} if kind == 'kill' else
                                           {'message': 'Injected %s failure.' % cmdlet}))
                    doc = copy.deepcopy(found)
                    doc['faults'] = [fault]
                    cases[name] = {'count': count, 'run': run_name, 'kind': kind, 'step': what, 'cmdlet': cmdlet,
                                   'found': found, 'planned': planned, 'doc': doc}
                    hosts[name] = ('two_nvme_server', lambda target, doc=doc: target.update(copy.deepcopy(doc)))
    fleet = Fleet(os.path.join(folder, 'hosts'), hosts, dict((name, role(case['count'])) for name, case in cases.items()))
    rows = []
    for run_name, playbook in PLAYBOOKS.items():
        faulty = sorted(name for name, case in cases.items() if case['run'] == run_name and case['kind'] == 'fault')
        killed = sorted(name for name, case in cases.items() if case['run'] == run_name and case['kind'] == 'kill')
        if faulty:
            result = fleet.play(playbook, '--limit', ','.join(faulty), callbacks=PRELOAD)
            rows += [_row(fleet, name, cases[name], result) for name in faulty]
        if killed:
            hung = _killed_run(fleet, playbook, killed)
            left = dict((name, fleet.read(name)) for name in killed)
            for name in killed:
                _without_faults(fleet, name)
            again = fleet.play(playbook, '--limit', ','.join(killed), callbacks=PRELOAD)
            third = fleet.play(playbook, '--limit', ','.join(killed), callbacks=PRELOAD)
            for name in killed:
                row = _row(fleet, name, cases[name], again, left=left[name])
                row.update(hung=hung, rerun_failed=again.recaps[name]['failed'],
                           third_changed=third.recaps[name]['changed'],
                           untruthful=again.untruthful.get(name, []) + third.untruthful.get(name, []))
                rows.append(row)
    fleet.cleanup()
    return rows


def _row(fleet, name, case, result, left=None):
    doc = fleet.read(name)
    end = normalized(doc)
    return {'host': name, 'count': case['count'], 'run': case['run'], 'kind': case['kind'], 'step': case['step'],
            'cmdlet': case['cmdlet'], 'message': result.failure(name) if left is None else None,
            'failed': result.recaps[name]['failed'], 'as_found': end == normalized(case['found']),
            'as_planned': end == normalized(case['planned']), 'faults_left': doc.get('faults'),
            'untruthful': result.untruthful.get(name, []),
            'left_by_kill': json.dumps(normalized(left)['devices']) if left is not None else None,
            'serials': list(SERIALS[:case['count']])}
