"""The fault matrix: a failure at every mutating cmdlet the role calls, one per simulated host.

``run(folder)`` does the whole scenario and returns one row per fault with what was observed;
tests/evidence/test_faults.py asserts on the rows, tools/reliability.py publishes them.
"""
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import dumps, parse
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import survey_host

from fleet import Fleet

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
        'nvme_passthrough_guest_credential': {'username': 'Administrator', 'password': 'example-only'},
        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}
# The cmdlets of a passthrough, in the order the role reaches them (the last three run in the guest;
# Set-ItemProperty writes the device's identity record before the dismount).
PASSTHROUGH = ['Invoke-CimMethod', 'Set-VM', 'Set-VMMemory', 'Disable-PnpDevice', 'Set-ItemProperty',
               'Dismount-VMHostAssignableDevice', 'Add-VMAssignableDevice', 'Start-VM', 'Initialize-Disk',
               'New-Partition', 'Format-Volume']
RELEASE = ['Invoke-CimMethod', 'Remove-VMAssignableDevice', 'Mount-VMHostAssignableDevice', 'Enable-PnpDevice', 'Start-VM']


def _inject(fleet, name, cmdlet):
    doc = fleet.read(name)
    doc['faults'] = [{'cmdlet': cmdlet, 'message': 'Injected %s failure.' % cmdlet, 'count': 1}]
    fleet.write(name, doc)


def consistent(fleet, name):
    """Parse the state as a snapshot, and check the survey reports each device as the state holds it."""
    doc = parse(dumps(fleet.read(name)))
    reported, dummy = survey_host(SimulatedHost(doc), {})
    states = dict((d['location_paths'][0], d['state']) for d in reported['devices'])
    return doc, all(states[d['location_paths'][0]] == d['state'] for d in doc['devices'])


def _observe(fleet, name, path, cmdlet, result):
    doc, truthful = consistent(fleet, name)
    return {'path': path, 'host': name, 'cmdlet': cmdlet, 'message': result.failure(name),
            'vm_after': doc['vms'][0]['state'], 'device_after': doc['devices'][0]['state'],
            'assigned_after': doc['vms'][0]['assigned_devices'], 'truthful': truthful, 'faults_left': doc['faults']}


def run(folder):
    hosts = dict(('p%02d' % n, 'two_nvme_server') for n in range(len(PASSTHROUGH)))
    hosts.update(('r%02d' % n, 'two_nvme_server') for n in range(len(RELEASE)))
    fleet = Fleet(folder, hosts, dict((name, ROLE) for name in hosts))
    for n, cmdlet in enumerate(PASSTHROUGH):
        _inject(fleet, 'p%02d' % n, cmdlet)
    first = fleet.play('playbooks/nvme_passthrough.yml')
    rows = [_observe(fleet, 'p%02d' % n, 'passthrough', cmdlet, first) for n, cmdlet in enumerate(PASSTHROUGH)]
    prepared = [first.recaps['r%02d' % n]['failed'] == 0 for n in range(len(RELEASE))]
    for n, cmdlet in enumerate(RELEASE):
        _inject(fleet, 'r%02d' % n, cmdlet)
    released = fleet.play('playbooks/nvme_release.yml', '--limit', 'r*')
    rows += [_observe(fleet, 'r%02d' % n, 'release', cmdlet, released) for n, cmdlet in enumerate(RELEASE)]
    # Without the faults (each hit once): the same runs again, then once more, then a release of all.
    again = {'p': fleet.play('playbooks/nvme_passthrough.yml', '--limit', 'p*'),
             'r': fleet.play('playbooks/nvme_release.yml', '--limit', 'r*')}
    third = {'p': fleet.play('playbooks/nvme_passthrough.yml', '--limit', 'p*'),
             'r': fleet.play('playbooks/nvme_release.yml', '--limit', 'r*')}
    for row in rows:
        kind = row['host'][0]
        row['rerun_failed'] = again[kind].recaps[row['host']]['failed']
        row['third_changed'] = third[kind].recaps[row['host']]['changed']
        doc, row['truthful_after_rerun'] = consistent(fleet, row['host'])
        row['converged'] = (doc['vms'][0]['assigned_devices'] == [SAMSUNG] and doc['vms'][0]['state'] == 'Running')
        if kind == 'r':
            row['converged'] = doc['devices'][0]['state'] == 'enabled' and doc['vms'][0]['assigned_devices'] == []
    back = fleet.play('playbooks/nvme_release.yml')
    for row in rows:
        doc, dummy = consistent(fleet, row['host'])
        row['released'] = back.recaps[row['host']]['failed'] == 0 and doc['devices'][0]['state'] == 'enabled' \
            and doc['vms'][0]['assigned_devices'] == []
    return rows, all(prepared)
