import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.errors import SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import (
    device_selector, normalize_serial, select_device, select_vm)

from ddatest import load_example

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'

MATCHES = [
    ('location_path', SAMSUNG, SAMSUNG),
    ('location_path', 'ACPI(_SB_)#ACPI(PCI0)#ACPI(GPP3)', INTEL),
    ('instance_id', 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010', SAMSUNG),
    ('instance_id', 'pci\\ven_144d&dev_a808&subsys_a801144d&rev_00\\4&2f6a1b6b&0&0010', SAMSUNG),
    ('instance_id', 'PCIP\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010', SAMSUNG),
    ('serial_number', '0025_3852_21B3_4B17.', SAMSUNG),
    ('serial_number', '  0025_3852_21b3_4b17  ', SAMSUNG),
    ('serial_number', '0025_3852_21B3_4B17...', SAMSUNG),
    ('serial_number', 's4ewnx0n123456', SAMSUNG),
    ('serial_number', 'PHLJ9120012A2P0BGN', INTEL),
]


@pytest.mark.parametrize('key,value,expected', MATCHES)
def test_selector_matches(key, value, expected):
    device = select_device(load_example('two_nvme_server'), key, value)
    assert expected in device['location_paths']


@pytest.mark.parametrize('key,value', [
    ('location_path', 'pciroot(0)#pci(0102)#pci(0000)'),  # Hyper-V compares paths case-sensitively
    ('location_path', 'PCIROOT(0)#PCI(0102)'),
    ('instance_id', 'PCI\\VEN_144D&DEV_A808'),
    ('serial_number', '0025_3852'),
])
def test_selector_without_match_lists_candidates(key, value):
    with pytest.raises(SelectorError) as raised:
        select_device(load_example('two_nvme_server'), key, value)
    message = raised.value.msg
    assert 'No device on host HV01 matches %s' % key in message
    assert SAMSUNG in message and INTEL in message
    assert 'serial 0025_3852_21B3_4B17.' in message
    assert raised.value.result['candidates'] == [SAMSUNG, INTEL]


def test_ambiguous_selector_names_every_match():
    doc = load_example('two_nvme_server')
    doc['devices'][1]['disks'][0]['adapter_serial_number'] = 'S4EWNX0N123456'
    with pytest.raises(SelectorError) as raised:
        select_device(doc, 'serial_number', 'S4EWNX0N123456')
    assert 'matches 2 devices on host HV01' in raised.value.msg
    assert 'Select one of them by location_path' in raised.value.msg
    assert raised.value.result['candidates'] == [SAMSUNG, INTEL]


@pytest.mark.parametrize('args,expected', [
    ({'location_path': SAMSUNG}, ('location_path', SAMSUNG)),
    ({'location_path': None, 'serial_number': 'x'}, ('serial_number', 'x')),
])
def test_device_selector_picks_the_one_given(args, expected):
    assert device_selector(args) == expected


@pytest.mark.parametrize('args,named', [
    ({}, 'none'),
    ({'location_path': SAMSUNG, 'instance_id': 'PCI\\X'}, 'location_path, instance_id'),
])
def test_device_selector_needs_exactly_one(args, named):
    with pytest.raises(SelectorError, match='Give exactly one device selector .*got %s' % named):
        device_selector(args)


def test_unknown_selector_key():
    with pytest.raises(SelectorError, match="Unknown device selector 'model'"):
        select_device(load_example('two_nvme_server'), 'model', 'x')


@pytest.mark.parametrize('serial,expected', [
    ('0025_3852_21B3_4B17.', '0025_3852_21b3_4b17'),
    (' ABC. ', 'abc'),
    ('ABC. .', 'abc'),
])
def test_normalize_serial(serial, expected):
    assert normalize_serial(serial) == expected


def test_select_vm_case_insensitive_unknown_and_duplicate():
    doc = load_example('two_nvme_server')
    assert select_vm(doc, 'SQL01')['id'] == '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10'
    with pytest.raises(SelectorError, match=r"Hyper-V host HV01 has no VM named 'db9' \(VMs: sql01, web01\)"):
        select_vm(doc, 'db9')
    doc['vms'][1]['name'] = 'sql01'
    with pytest.raises(SelectorError, match="has 2 VMs named 'sql01' .*Rename one"):
        select_vm(doc, 'sql01')


@pytest.mark.parametrize('name,asked,same', [
    ('sql01', 'SQL01', True),
    ('Ölmühle', 'ÖLMÜHLE', True),
    # .NET ordinal-ignore-case upper-cases one UTF-16 unit at a time: no ß -> SS, no Kelvin sign -> k.
    ('straße', 'STRASSE', False),
    ('\u212aelvin', 'kelvin', False),
    ('\u212aelvin', 'KELVIN', False),
    ('sql*', 'sql01', False),  # a name is never a wildcard here
])
def test_vm_names_compare_as_hyper_v_compares_them(name, asked, same):
    doc = load_example('two_nvme_server')
    doc['vms'][0]['name'] = name
    if same:
        assert select_vm(doc, asked)['id'] == doc['vms'][0]['id']
    else:
        with pytest.raises(SelectorError, match='has no VM named'):
            select_vm(doc, asked)
