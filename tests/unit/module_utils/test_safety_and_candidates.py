import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils import candidates as cand
from ansible_collections.hyperv.dda.plugins.plugin_utils.safety import (
    host_critical_reasons, mounted_volume_reason, mounted_volumes)

from ddatest import load_example


def _device(**disk):
    base = {'number': 5, 'serial_number': 'S', 'is_boot': False, 'is_system': False, 'has_pagefile': False,
            'storage_pool': None, 'partitions': []}
    base.update(disk)
    return {'disks': [base]}


@pytest.mark.parametrize('flags,expected', [
    ({}, []),
    ({'is_boot': True}, ["It backs the host's boot disk (disk 5)."]),
    ({'is_system': True}, ["It backs the host's system disk (disk 5)."]),
    ({'has_pagefile': True}, ["It backs a disk that holds the host's page file (disk 5)."]),
    ({'storage_pool': 'S2D'}, ["Its disk 5 is a member of storage pool 'S2D'; removing it would take capacity "
                               "and redundancy from the pool."]),
    ({'is_boot': None, 'number': None}, []),  # a device away from the host: flags unknown, nothing to protect
])
def test_host_critical_reasons(flags, expected):
    assert host_critical_reasons(_device(**flags)) == expected


def test_mounted_volumes_lists_letters_and_folders_of_volumes_only():
    device = _device(partitions=[
        {'drive_letter': 'E', 'access_paths': ['D:\\mnt\\data\\'], 'volume': {'file_system': 'NTFS'}},
        {'drive_letter': None, 'access_paths': [], 'volume': None},
        {'drive_letter': 'F', 'access_paths': [], 'volume': None},  # no file system: nothing mounted
    ])
    assert mounted_volumes(device) == ['E:', 'D:\\mnt\\data\\']
    assert 'allow_mounted_volumes: true' in mounted_volume_reason(device)
    assert mounted_volume_reason(_device()) is None


EXPECTED = {
    'two_nvme_server': [(True, []), (True, [])],
    'boot_nvme_server': [(False, ["boot disk (disk 0)", "system disk (disk 0)", "page file (disk 0)"])],
    'client_windows': [(False, ['client Windows (Microsoft Windows 11 Pro): the DDA cmdlets run, but a VM with '
                                'an assigned device fails to start (0xC035001E)'])],
    # No IOV support is a warning on each device, not a blocker (candidates.host_warnings).
    'pool_member': [(False, ["storage pool 'S2D on AZL-CL01'"]),
                    (False, ['no ACS up the hierarchy', 'BIOS kept control of PCI Express'])],
    'passed_through': [(True, [])],
}


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_candidates_of_the_examples(name):
    """One fragment per expected reason, in order: no reason missing, none extra."""
    found = cand.candidates(load_example(name))
    assert len(found) == len(EXPECTED[name])
    for entry, (assignable, fragments) in zip(found, EXPECTED[name]):
        assert entry['assignable'] is assignable
        assert len(entry['reasons']) == len(fragments)
        for reason, fragment in zip(entry['reasons'], fragments):
            assert fragment in reason
        # api.md's keys, and what issue 15 added: left-behind states, warnings, the MMIO the device needs.
        assert set(entry) == {'instance_id', 'location_path', 'friendly_name', 'state', 'assigned_to', 'disks',
                              'assignable', 'reasons', 'states', 'warnings', 'mmio_mb'}


def test_candidate_of_a_passed_through_device_says_where_it_is():
    entry = cand.candidates(load_example('passed_through'))[0]
    assert entry['state'] == 'dismounted'
    assert entry['assigned_to'] == 'sql02'
    assert entry['disks'] == [{'model': 'Samsung SSD 990 PRO 2TB', 'serial_number': '0025_3853_41A2_7C11.',
                               'adapter_serial_number': 'S7KHNJ0W654321', 'size': 2000398934016}]


@pytest.mark.parametrize('survey,fragment', [
    ({'requires_reserved_memory_region': True}, 'BIOS-owned memory'),
    ({'acs_compatible_up_hierarchy': 'NotSupported'}, 'redirected to other devices'),
    ({'device_type': 'LegacyEndpoint'}, 'Legacy, non-VGA PCI device'),
    ({'device_type': 'PciExpressTreatedAsPci'}, 'BIOS kept control of PCI Express'),
    ({'device_type': 'Other'}, 'Old-style PCI device'),
    ({'interrupts': 'line'}, 'line-based'),
])
def test_each_surveydda_blocker(survey, fragment):
    base = {'device_type': 'PciExpressEndpoint', 'acs_compatible_up_hierarchy': 'Supported',
            'requires_reserved_memory_region': False, 'interrupts': 'msi', 'mmio_mb': 1}
    base.update(survey)
    reasons = cand.survey_reasons(base)
    assert len(reasons) == 1 and fragment in reasons[0]


@pytest.mark.parametrize('survey', [
    None,  # disabled or dismounted: could not be read, so nothing is known to block it
    {'device_type': 'RootComplexIntegratedEndpoint', 'acs_compatible_up_hierarchy': 'SingleFunctionSupported',
     'requires_reserved_memory_region': None, 'interrupts': 'none', 'mmio_mb': 0},
])
def test_surveys_that_block_nothing(survey):
    assert cand.survey_reasons(survey) == []


def test_unknown_iov_support_blocks_nothing():
    host = {'product_type': 'server', 'iov_support': None, 'iov_support_reasons': []}
    assert cand.host_reasons(host) == [] and cand.host_warnings(host) == []


def test_no_iov_support_is_a_warning_with_the_reasons_never_a_blocker():
    """Get-VMHost IovSupport is the virtual switch's SR-IOV capability (decompiled VMHost.cs), which SurveyDDA calls only
    "mostly equivalent" to DDA support (dda-facts §11)."""
    reason = 'The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported.'
    host = {'product_type': 'server', 'iov_support': False, 'iov_support_reasons': [reason]}
    assert cand.host_reasons(host) == []
    warnings = cand.host_warnings(host)
    assert len(warnings) == 1 and 'no IOV support' in warnings[0] and '"mostly equivalent"' in warnings[0]
    assert reason.rstrip('.') in warnings[0] and 'VT-d or AMD-Vi' in warnings[0]
    doc = load_example('two_nvme_server')
    doc['host'].update(iov_support=False, iov_support_reasons=[reason])
    for entry in cand.candidates(doc):
        assert entry['assignable'] is True and entry['reasons'] == [] and entry['warnings'][0] == warnings[0]
    assert 'no reason given' in cand.host_warnings(dict(host, iov_support_reasons=[]))[0]
