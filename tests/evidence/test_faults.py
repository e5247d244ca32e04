"""Faults survived: a failure injected at every mutating cmdlet the role can call, one per host.

All hosts run in one ansible-playbook run (parallel forks), each with its own state file and one
fault (count 1). After the failing run: it failed with the cmdlet's own message; the VM is in its
previous power state; the snapshot is consistent, so hyperv_dda_info reports the truth. Then the
same run without the fault converges, a third run changes nothing, and the release playbook
returns the device to the host. docs/reliability.md is written from this suite.
"""
import json

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import dumps, parse
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import survey_host

from .fleet import Fleet

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
        'nvme_passthrough_guest_credential': {'username': 'Administrator', 'password': 'example-only'},
        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}
# The cmdlets of a passthrough, in the order the role reaches them (guest ones run in the guest).
PASSTHROUGH = ['Stop-VM', 'Set-VM', 'Set-VMMemory', 'Disable-PnpDevice', 'Set-ItemProperty',
               'Dismount-VMHostAssignableDevice', 'Add-VMAssignableDevice', 'Start-VM', 'Initialize-Disk',
               'New-Partition', 'Format-Volume']
RELEASE = ['Stop-VM', 'Remove-VMAssignableDevice', 'Mount-VMHostAssignableDevice', 'Enable-PnpDevice', 'Start-VM']


def _fault(cmdlet):
    return {'cmdlet': cmdlet, 'message': 'Injected %s failure.' % cmdlet, 'count': 1}


def _inject(fleet, name, cmdlet):
    doc = fleet.read(name)
    doc['faults'] = [_fault(cmdlet)]
    fleet.write(name, doc)


def _check_consistent(fleet, name):
    """The state is a valid snapshot, and the survey reports each device as the state holds it."""
    doc = parse(dumps(fleet.read(name)))
    reported, dummy = survey_host(SimulatedHost(doc), {})
    states = dict((d['location_paths'][0], d['state']) for d in reported['devices'])
    for device in doc['devices']:
        assert states[device['location_paths'][0]] == device['state']
    return doc


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    hosts = dict(('p%02d' % n, 'two_nvme_server') for n in range(len(PASSTHROUGH)))
    hosts.update(('r%02d' % n, 'two_nvme_server') for n in range(len(RELEASE)))
    fleet = Fleet(str(tmp_path_factory.mktemp('faults')), hosts, dict((name, ROLE) for name in hosts))
    for n, cmdlet in enumerate(PASSTHROUGH):
        _inject(fleet, 'p%02d' % n, cmdlet)
    yield fleet
    fleet.cleanup()


def test_every_fault_is_survived(fleet):
    first = fleet.play('playbooks/nvme_passthrough.yml')
    rows = []
    for n, cmdlet in enumerate(PASSTHROUGH):
        name = 'p%02d' % n
        message = first.failure(name)
        assert message and '(%s): Injected %s failure.' % (cmdlet, cmdlet) in message, (name, message)
        doc = _check_consistent(fleet, name)
        sql01 = doc['vms'][0]
        if cmdlet == 'Start-VM':
            assert sql01['state'] == 'Off', 'restoring the power state is the step that failed'
        else:
            assert sql01['state'] == 'Running', (cmdlet, 'the VM is back in its previous power state')
        assert doc['faults'] == []
        rows.append((cmdlet, sql01['state'], doc['devices'][0]['state']))
    for n in range(len(RELEASE)):
        assert first.recaps['r%02d' % n]['failed'] == 0, first.stdout

    # The release path: faults injected into hosts that were passed through.
    for n, cmdlet in enumerate(RELEASE):
        _inject(fleet, 'r%02d' % n, cmdlet)
    released = fleet.play('playbooks/nvme_release.yml', '--limit', 'r*')
    for n, cmdlet in enumerate(RELEASE):
        name = 'r%02d' % n
        message = released.failure(name)
        assert message and '(%s): Injected %s failure.' % (cmdlet, cmdlet) in message, (name, message)
        doc = _check_consistent(fleet, name)
        assert doc['vms'][0]['state'] == ('Off' if cmdlet == 'Start-VM' else 'Running'), cmdlet

    # Without the faults (each hit once), the runs converge, and then change nothing.
    again = fleet.play('playbooks/nvme_passthrough.yml', '--limit', 'p*')
    assert all(again.recaps['p%02d' % n]['failed'] == 0 for n in range(len(PASSTHROUGH))), again.stdout
    third = fleet.play('playbooks/nvme_passthrough.yml', '--limit', 'p*')
    assert all(recap['changed'] == 0 for recap in third.recaps.values()), third.stdout
    for n in range(len(PASSTHROUGH)):
        doc = _check_consistent(fleet, 'p%02d' % n)
        assert doc['vms'][0]['assigned_devices'] == [SAMSUNG] and doc['vms'][0]['state'] == 'Running'
        assert doc['devices'][0]['disks'][0]['partitions'][-1]['volume']['label'] == 'data'

    # And the release playbook returns every device to its host.
    back = fleet.play('playbooks/nvme_release.yml')
    assert all(recap['failed'] == 0 for recap in back.recaps.values()), back.stdout
    for name in fleet.hosts:
        doc = _check_consistent(fleet, name)
        assert doc['devices'][0]['state'] == 'enabled' and doc['vms'][0]['assigned_devices'] == []
