"""The reclaim's fault matrix: a failure at every mutating cmdlet playbooks/dda_reclaim.yml calls, and the controller
killed at each of those points (the call hangs, then the whole ansible-playbook process group gets SIGKILL), one
simulated host each, as fault_matrix.py does for the role.

The host is examples/snapshots/left_behind.json with VM sql03 running, so that the reclaim (with
dda_reclaim_allow_vm_restart) shuts it down to remove its stale assignment and starts it again; for the points of a
device key the reclaim makes itself, the orphan has no identity record (it was dismounted by others). Then the same
reclaim without the fault must converge: the orphan enabled, with no mark of an unfinished return on the host, no
stale assignment, every VM running and owed no start, the KIOXIA disabled by hand left disabled; and a third run
changes nothing. Every task of every run that played to its end said changed exactly when the call log shows it
made a mutating call (truthful.py): ``untruthful`` lists what did not.
"""
from fault_matrix import _fault, _killed_run, _without_faults, consistent
from fleet import Fleet

PLAYBOOK = 'playbooks/dda_reclaim.yml'
ORPHAN = 'PCIROOT(0)#PCI(0301)#PCI(0000)'
DISABLED = 'PCIROOT(0)#PCI(0302)#PCI(0000)'
DEVICE_KEY = 'HKLM:\\SOFTWARE\\hyperv.dda\\Devices\\' + ORPHAN
PENDING = 'HKLM:\\SOFTWARE\\hyperv.dda\\RestartPending'
MARK = 'ReturnPending'
# Every mutating call of the reclaim, in the order it reaches them: (what it does, the cmdlet, the parameters that
# pick that call, whether the orphan has the collection's identity record).
POINTS = [
    ('record the start owed', 'New-Item', {'Path': PENDING}, True),
    ('record since when', 'Set-ItemProperty', {'Name': 'Since'}, True),
    ('shut down', 'Invoke-CimMethod', {}, True),
    ('remove the stale assignment', 'Remove-VMAssignableDevice', {}, True),
    ('make the device key', 'New-Item', {'Path': DEVICE_KEY}, False),
    ('mark the return', 'Set-ItemProperty', {'Name': MARK}, True),
    ('mount', 'Mount-VMHostAssignableDevice', {}, True),
    ('enable', 'Enable-PnpDevice', {}, True),
    ('clear the mark', 'Remove-ItemProperty', {'Name': MARK}, True),
    ('remove the emptied device key', 'Remove-Item', {'LiteralPath': DEVICE_KEY}, False),
    ('start sql03 again', 'Start-VM', {'VM': 'sql03'}, True),
    ('clear the start owed', 'Remove-Item', {'LiteralPath': PENDING}, True),
    ('start app02', 'Start-VM', {'VM': 'app02'}, True),
]
VARIABLES = {'dda_reclaim_allow_vm_restart': True}


def _host(recorded):
    def mutate(doc):
        sql03 = next(vm for vm in doc['vms'] if vm['name'] == 'sql03')
        sql03.update(state='Running', guest_shutdown_available=True)
        if not recorded:  # dismounted by others: the collection keeps nothing of it on the host
            for key in ('identity_recorded', 'recorded_mmio_mb'):
                doc['devices'][0].pop(key, None)
    return 'left_behind', mutate


def _devices(doc):
    return dict((device['location_paths'][0], device) for device in doc['devices'])


def _observe(fleet, name, kind, point, result=None):
    doc, truthful = consistent(fleet, name)
    orphan = _devices(doc)[ORPHAN]
    return {'run': 'reclaim', 'kind': kind, 'host': name, 'step': point[0], 'cmdlet': point[1],
            'message': result.failure(name) if result is not None else None, 'truthful': truthful,
            'device_after': orphan['state'] + (', return pending' if orphan.get('return_pending') else ''),
            'vms_after': dict((vm['name'], vm['state'] + (', owed a start' if vm.get('restart_pending') else ''))
                              for vm in doc['vms']),
            'faults_left': doc['faults']}


def _converged(doc):
    devices = _devices(doc)
    return devices[ORPHAN]['state'] == 'enabled' and not devices[ORPHAN].get('return_pending') and \
        devices[DISABLED]['state'] == 'disabled' and \
        all(vm['state'] == 'Running' and not vm.get('restart_pending') and not vm.get('stale_assignments')
            for vm in doc['vms'])


def run(folder):
    faulty = dict(('rf%02d' % n, point) for n, point in enumerate(POINTS))
    killed = dict(('rk%02d' % n, point) for n, point in enumerate(POINTS))
    hosts = dict((name, _host(point[3])) for name, point in list(faulty.items()) + list(killed.items()))
    fleet = Fleet(folder, hosts, dict((name, VARIABLES) for name in hosts))
    for names, hang in ((faulty, False), (killed, True)):
        for name, point in names.items():
            doc = fleet.read(name)
            doc['faults'] = [_fault(point[:3], hang=hang)]
            fleet.write(name, doc)
    untruthful = {}

    def told(result):
        for name, problems in result.untruthful.items():
            untruthful.setdefault(name, []).extend(problems)
        return result
    failed = told(fleet.play(PLAYBOOK, '--limit', ','.join(faulty)))
    rows = [_observe(fleet, name, 'fault', point, failed) for name, point in faulty.items()]
    hung = _killed_run(fleet, PLAYBOOK, list(killed))
    rows += [dict(_observe(fleet, name, 'kill', point), hung=hung) for name, point in killed.items()]
    for name in hosts:
        _without_faults(fleet, name)
    again = told(fleet.play(PLAYBOOK, '--limit', ','.join(hosts)))
    third = told(fleet.play(PLAYBOOK, '--limit', ','.join(hosts)))
    for row in rows:
        row['untruthful'] = untruthful.get(row['host'], [])
        row['rerun_failed'] = again.recaps[row['host']]['failed']
        row['third_changed'] = third.recaps[row['host']]['changed']
        doc, row['truthful_after_rerun'] = consistent(fleet, row['host'])
        row['converged'] = _converged(doc)
    return rows
