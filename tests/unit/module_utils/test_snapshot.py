import copy
import json
import os
import sys

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils import snapshot
from ansible_collections.hyperv.dda.plugins.module_utils.errors import SnapshotError

from ddatest import EXAMPLE_NAMES, ROOT, load_example


@pytest.mark.parametrize('name', EXAMPLE_NAMES)
def test_examples_round_trip(name):
    doc = load_example(name)
    text = snapshot.dumps(doc)
    again = snapshot.parse(text)
    assert again == doc
    assert snapshot.dumps(again) == text


def test_examples_are_what_the_generator_writes():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import make_example_snapshots
    finally:
        sys.path.pop(0)
    assert make_example_snapshots.main(check=True) == []


def _set(path, value):
    def mutate(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return mutate


def _assign_twice(doc):
    doc['devices'][0]['state'] = 'dismounted'
    doc['vms'][0]['assigned_devices'] = ['PCIROOT(0)#PCI(0102)#PCI(0000)']
    doc['vms'][1]['assigned_devices'] = ['PCIROOT(0)#PCI(0102)#PCI(0000)']


MALFORMED = [
    ('missing host name', _set(('host', 'name'), KeyError), 'host.name: is missing'),
    ('size is text', _set(('devices', 0, 'disks', 0, 'size'), 'abc'),
     'devices[0].disks[0].size: expected an integer, got "abc"'),
    ('size is a boolean', _set(('devices', 0, 'disks', 0, 'size'), True),
     'devices[0].disks[0].size: expected an integer, got true'),
    ('negative size', _set(('devices', 1, 'disks', 0, 'size'), -1), 'devices[1].disks[0].size: must not be negative'),
    ('unknown state', _set(('devices', 0, 'state'), 'gone'),
     'devices[0].state: "gone" is not one of enabled, disabled, dismounted'),
    ('wrong schema', _set(('schema',), 'hyperv.dda.snapshot/v2'), 'schema: "hyperv.dda.snapshot/v2" is not one of'),
    ('null where not allowed', _set(('vms', 0, 'name'), None), 'vms[0].name: must not be null'),
    ('bad stop action', _set(('vms', 1, 'automatic_stop_action'), 'Hibernate'),
     'vms[1].automatic_stop_action: "Hibernate" is not one of TurnOff, Save, ShutDown'),
    ('partition volume is a list', _set(('devices', 1, 'disks', 0, 'partitions', 1, 'volume'), []),
     'devices[1].disks[0].partitions[1].volume: expected an object'),
    ('no PCIROOT path', _set(('devices', 0, 'location_paths'), ['ACPI(_SB_)#ACPI(PCI0)']),
     'devices[0].location_paths: has no entry that starts with PCIROOT('),
    ('duplicate location path', _set(('devices', 1, 'location_paths'), ['PCIROOT(0)#PCI(0102)#PCI(0000)']),
     'devices[1].location_paths: PCIROOT(0)#PCI(0102)#PCI(0000) is also the location path of devices[0]'),
    ('bad instance id', _set(('devices', 0, 'instance_id'), 'USB\\VID_1234'),
     'devices[0].instance_id: "USB\\\\VID_1234" does not start with PCI\\ or PCIP\\'),
    ('assigned path unknown', _set(('vms', 0, 'assigned_devices'), ['PCIROOT(9)#PCI(0000)']),
     'vms[0].assigned_devices[0]: no device in devices[] has location path PCIROOT(9)#PCI(0000)'),
    ('assigned but enabled', _set(('vms', 0, 'assigned_devices'), ['PCIROOT(0)#PCI(0102)#PCI(0000)']),
     'is assigned, so its device must be in state dismounted'),
    ('assigned to two VMs', _assign_twice, 'is already assigned to VM "sql01"'),
]


@pytest.mark.parametrize('label,mutate,expected', MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_snapshots_name_the_field(label, mutate, expected):
    doc = load_example('two_nvme_server')
    mutate(doc)
    with pytest.raises(SnapshotError) as raised:
        snapshot.parse(json.dumps(doc), source='state.json')
    assert expected in raised.value.msg
    assert raised.value.msg.startswith('state.json is not a valid hyperv.dda.snapshot/v1 snapshot: ')


@pytest.mark.parametrize('text,expected', [
    ('{"schema": ', 'state.json is not valid JSON'),
    ('[1, 2]', 'the document must be a JSON object, got list'),
])
def test_not_a_snapshot_at_all(text, expected):
    with pytest.raises(SnapshotError) as raised:
        snapshot.parse(text, source='state.json')
    assert expected in raised.value.msg


def test_many_problems_are_counted_not_all_printed():
    doc = load_example('two_nvme_server')
    for vm in doc['vms']:
        for key in ('id', 'state', 'generation', 'is_clustered', 'assigned_devices', 'memory_startup_bytes'):
            del vm[key]
    with pytest.raises(SnapshotError) as raised:
        snapshot.parse(json.dumps(doc))
    assert '(and 2 more)' in raised.value.msg
    assert len(raised.value.result['problems']) == 12


def test_extra_fields_are_kept():
    doc = load_example('two_nvme_server')
    doc['host']['cluster'] = 'CL01'
    assert snapshot.parse(snapshot.dumps(doc))['host']['cluster'] == 'CL01'


def test_without_sim_fields_drops_guest_faults_and_guest_flags():
    doc = load_example('two_nvme_server')
    doc['faults'] = [{'cmdlet': 'Get-VM', 'message': 'x'}]
    doc['devices'][0]['disks'][0]['is_offline'] = True
    original = copy.deepcopy(doc)
    stripped = snapshot.without_sim_fields(doc)
    assert doc == original, 'the input is not modified'
    assert 'faults' not in stripped
    assert all('guest' not in vm for vm in stripped['vms'])
    assert 'is_offline' not in stripped['devices'][0]['disks'][0]
    assert stripped['vms'][0]['name'] == 'sql01'


def test_location_path_is_the_first_pciroot_entry():
    device = {'location_paths': ['ACPI(_SB_)#ACPI(PCI0)', 'PCIROOT(0)#PCI(0102)', 'PCIROOT(1)#PCI(0000)']}
    assert snapshot.location_path(device) == 'PCIROOT(0)#PCI(0102)'
    assert snapshot.location_path({'location_paths': []}) is None
