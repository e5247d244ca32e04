"""PowerShell reads, Python decides (issue 20): the survey's reads as a host sends them, and what the controller
makes of them.

- A host whose controllers have one disk, none, or several: its survey goes through Windows PowerShell 5.1's output
  rules (ps51.emit) and the controller's reader, and the plan for each controller is right. The survey as the
  script used to build it (``disks = if (...) { @(...) }``) comes out bare and is refused: the output rules show the
  defect the old script had on every real host.
- A read a safety rule rests on that fails, or comes back silenced, makes the disks unknown, and disabling refuses.
- set_pnp_device acts only while the disks it was planned from are behind the controller, none of them boot,
  system, page file, pool member, passed through or mounted.
"""
import copy
import json

import pytest

from ddatest import load_example, surveyed

from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import pnp_device_plan
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError
from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import StorageMap, survey_snapshot
from ansible_collections.hyperv.dda.plugins.plugin_utils.ps_values import ScriptResultError, as_list, as_text
from ansible_collections.hyperv.dda.plugins.plugin_utils.safety import UNKNOWN_DISKS
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import reads
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import PSEnum, emit, statement
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS

pytestmark = pytest.mark.usefixtures('twins_under_lease')

GIB = 1024 ** 3


def _disk(number, serial, partitions=()):
    return {'number': number, 'model': 'NVMe %d' % number, 'serial_number': serial + '.',
            'adapter_serial_number': 'ASN-' + serial, 'unique_id': 'eui.%016X' % number, 'size': 960 * GIB,
            'is_boot': False, 'is_system': False, 'has_pagefile': False, 'storage_pool': None,
            'partition_style': 'GPT' if partitions else 'RAW', 'partitions': list(partitions)}


def _data_partition(letter):
    return {'number': 2, 'size': 900 * GIB, 'type': 'Basic', 'drive_letter': letter, 'access_paths': [],
            'volume': {'file_system': 'NTFS', 'label': 'data', 'allocation_unit_size': 4096}}


def _host():
    """two_nvme_server with three controllers: one disk, none, and three."""
    doc = load_example('two_nvme_server')
    one, other = doc['devices'][0], doc['devices'][1]
    other['disks'] = []
    several = copy.deepcopy(one)
    several.update(instance_id=one['instance_id'][:-4] + '0020', location_paths=['PCIROOT(0)#PCI(0104)#PCI(0000)'],
                   disks=[_disk(5, 'AAAA'), _disk(6, 'BBBB'), _disk(7, 'CCCC')])
    doc['devices'].append(several)
    for vm in doc['vms']:
        vm['assigned_devices'] = [path for path in vm['assigned_devices'] if path != location_path(other)]
    return doc


def _plan_disable(snapshot, device):
    args = {'location_path': location_path(device), 'instance_id': None, 'serial_number': None, 'state': 'disabled',
            'allow_mounted_volumes': False}
    return pnp_device_plan(args, snapshot, False)


def test_controllers_with_one_disk_none_and_several_are_read_and_planned_right():
    doc = _host()
    snapshot = surveyed(copy.deepcopy(doc))
    assert validate(snapshot) == []
    expected = {location_path(device): sorted(disk['number'] for disk in device['disks']) for device in doc['devices']}
    assert sorted(expected.values()) == [[], [1], [5, 6, 7]]
    for device in snapshot['devices']:
        assert [disk['number'] for disk in device['disks']] == expected[location_path(device)]
        plan = _plan_disable(snapshot, device)
        assert [step.parameters['DiskNumber'] for step in plan.steps] == [expected[location_path(device)]]


def test_the_old_survey_shape_comes_out_bare_and_is_refused():
    # survey_host.ps1 as it was: disks = if ($entry.Unknown) { $null } else { @(...) }, a statement used as a value.
    doc = _host()
    for device in doc['devices']:
        device['disks'] = statement(device['disks'])
    sent = emit(doc)
    shapes = sorted(type(device['disks']).__name__ for device in sent['devices'])
    assert shapes == ['NoneType', 'dict', 'list']  # none: $null; one: bare; several: a list
    assert any('disks' in problem for problem in validate(json.loads(json.dumps(sent))))


def test_a_one_element_list_from_a_statement_is_read_back_as_a_list():
    reads_sent = emit({'rows': statement([{'Index': 3}])})
    assert reads_sent == {'rows': {'Index': 3}}
    assert as_list(reads_sent['rows'], 'rows') == [{'Index': 3}]
    assert as_list(None, 'rows') == []


def test_what_powershell_may_send_for_a_field_is_normalised_or_refused_naming_it():
    assert as_text(emit(PSEnum('Microsoft.HyperV.PowerShell.VMState', 'Running', 2)), 'State') == 'Running'
    assert as_text('\x00', 'DriveLetter') is None
    with pytest.raises(ScriptResultError, match='storage.disks.rows.0..Size'):
        from ansible_collections.hyperv.dda.plugins.plugin_utils.ps_values import as_int
        as_int({'deep': 'System.Collections.Hashtable'}, 'storage.disks.rows[0].Size')


def test_below_the_result_depth_a_value_comes_out_as_its_text():
    deep = {'a': {'b': {'c': [1, 2]}}}
    assert emit(deep, depth=1) == {'a': {'b': 'System.Collections.Hashtable'}}
    assert emit(deep, depth=2) == {'a': {'b': {'c': '1 2'}}}


def _unknown(doc, parameters=None):
    snapshot = surveyed(doc, parameters)
    device = next(d for d in snapshot['devices'] if d['state'] == 'enabled')
    with pytest.raises(PreconditionError) as refused:
        _plan_disable(snapshot, device)
    assert UNKNOWN_DISKS in refused.value.msg
    return device


def test_a_failing_parent_controller_read_makes_the_disks_unknown_and_disabling_refused():
    doc = _host()
    doc['faults'] = [{'cmdlet': 'Get-PnpDeviceProperty', 'match': {'KeyName': 'DEVPKEY_Device_Parent'},
                      'message': 'The RPC server is unavailable.'}]
    assert _unknown(doc)['disks'] is None


@pytest.mark.parametrize('cmdlet', ['Win32_DiskDrive', 'Get-Disk', 'Get-PhysicalDisk', 'Get-Partition', 'Get-Volume',
                                    'Win32_PageFileUsage', 'Get-StoragePool', 'Get-VMHardDiskDrive'])
def test_any_failing_storage_read_makes_every_controllers_disks_unknown(cmdlet):
    doc = _host()
    fault = {'cmdlet': 'Get-CimInstance', 'match': {'ClassName': cmdlet}} if cmdlet.startswith('Win32') else \
        {'cmdlet': cmdlet}
    doc['faults'] = [dict(fault, message='Access is denied.')]
    snapshot = surveyed(doc)
    assert all(device['disks'] is None for device in snapshot['devices'] if device['state'] != 'dismounted')


def test_a_silenced_parent_read_still_leaves_the_disks_unknown():
    # What the old part did: -ErrorAction SilentlyContinue on the parent read. Under it the simulator, as Windows,
    # returns nothing and goes on; the controller's join then finds disk drives without a controller.
    host = SimulatedHost(_host())
    host.doc['faults'] = [{'cmdlet': 'Get-PnpDeviceProperty', 'message': 'The RPC server is unavailable.'}]
    assert host.invoke('Get-PnpDeviceProperty', InstanceId='x', KeyName='DEVPKEY_Device_Parent',
                       ErrorAction='SilentlyContinue') is False
    storage = reads.storage(host, host.doc['vms'])
    storage['drive_parents'] = {'ok': True, 'error': None, 'rows': []}
    joined = StorageMap(storage)
    assert joined.disks_of(host.doc['devices'][0]['instance_id']) is None
    assert 'could not be read' in joined.why_unknown(host.doc['devices'][0]['instance_id'])


def test_a_disk_number_seen_twice_makes_its_controller_unknown():
    doc = _host()
    doc['devices'][1]['disks'] = [_disk(5, 'DDDD')]  # the number of a disk behind the third controller
    disks = dict((location_path(device), device['disks']) for device in surveyed(doc)['devices'])
    assert disks[location_path(doc['devices'][1])] is None and disks[location_path(doc['devices'][2])] is None
    assert [disk['number'] for disk in disks[location_path(doc['devices'][0])]] == [1]


def test_a_disk_passed_through_to_a_vm_keeps_its_controller_on_the_host():
    doc = _host()
    doc['devices'][2]['disks'][1]['passed_through_to'] = 'web01'
    snapshot = surveyed(doc)
    with pytest.raises(PreconditionError, match="Its disk 6 is passed through to VM 'web01' as a physical hard disk"):
        _plan_disable(snapshot, snapshot['devices'][2])


def test_the_survey_reads_properties_under_check_mode():
    # win_powershell runs a probe under --check with -WhatIf; the reads say -WhatIf:$false.
    host = SimulatedHost(_host(), what_if=True)
    result, dummy = TWINS['survey_host'](host, {})
    assert all(row['KeyName'] for row in result['controller_properties']['rows'])
    assert result['controller_properties']['rows'] and result['storage']['drive_parents']['rows']
    assert host.invoke('Get-PnpDeviceProperty', InstanceId='x', KeyName='k') is False


def test_a_host_without_scsi_adapters_has_no_controllers():
    doc = _host()
    doc['faults'] = [{'cmdlet': 'Get-PnpDevice', 'message': 'x'}]
    assert reads.controllers(SimulatedHost(doc))['ok'] is False  # a failure is a failure ...
    nothing = SimulatedHost(dict(_host(), devices=[]))
    assert reads.controllers(nothing) == {'ok': True, 'error': None, 'rows': []}  # ... and none (ObjectNotFound) none


def test_a_failing_controller_read_refuses_the_survey_naming_the_read():
    doc = _host()
    doc['faults'] = [{'cmdlet': 'Get-PnpDevice', 'message': 'Access is denied.'}]
    with pytest.raises(ScriptResultError, match='could not read controllers: Access is denied'):
        surveyed(doc)


# --- set_pnp_device: the planned facts, read again ----------------------------------------------------------

def _disable(doc, change=None, **parameters):
    """Plan disabling the third controller from a survey, change the host, then run the step."""
    snapshot = surveyed(copy.deepcopy(doc))
    step = _plan_disable(snapshot, snapshot['devices'][2]).steps[0]
    if change:
        change(doc)
    step.parameters.update(parameters)
    return TWINS['set_pnp_device'](SimulatedHost(doc), step.parameters)


def test_disabling_acts_while_the_planned_disks_are_behind_the_controller():
    doc = _host()
    result, changed = _disable(doc)
    assert changed and result['state'] == 'disabled' and doc['devices'][2]['state'] == 'disabled'


@pytest.mark.parametrize('change, fragment', [
    (lambda doc: doc['devices'][2]['disks'].pop(), 'the disks behind it are now [5, 6], not [5, 6, 7] as planned'),
    (lambda doc: doc['devices'][2]['disks'][0].update(is_boot=True), "it backs the host's boot disk (disk 5)"),
    (lambda doc: doc['devices'][2]['disks'][0].update(is_system=True), "it backs the host's system disk (disk 5)"),
    (lambda doc: doc['devices'][2]['disks'][1].update(
        partition_style='GPT', partitions=[_data_partition('P')], has_pagefile=True),
     "it backs a disk that holds the host's page file (disk 6)"),
    (lambda doc: doc['devices'][2]['disks'][2].update(storage_pool='S2D'), "its disk 7 is a member of storage pool 'S2D'"),
    (lambda doc: doc['devices'][2]['disks'][2].update(passed_through_to='web01'),
     "its disk 7 is passed through to VM 'web01' as a physical hard disk"),
    (lambda doc: doc['devices'][2]['disks'][2].update(partition_style='GPT', partitions=[_data_partition('F')]),
     'its disk 7 has mounted volumes (F:)'),
    (lambda doc: doc.update(faults=[{'cmdlet': 'Get-Partition', 'message': 'The RPC server is unavailable.'}]),
     'which disks sit behind it is unknown (storage.partitions failed (The RPC server is unavailable.))'),
])
def test_disabling_refuses_when_the_host_is_not_as_planned(change, fragment):
    doc = _host()
    before = copy.deepcopy(doc['devices'][2])
    with pytest.raises(CmdletError) as refused:
        _disable(doc, change)
    assert fragment in refused.value.message and 'The host is not as it was surveyed' in refused.value.message
    assert doc['devices'][2]['state'] == before['state'] == 'enabled'


def test_reads_of_the_survey_and_of_the_check_are_the_same_reads():
    # One model of the storage reads (reads.storage), called by both twins as the scripts share parts/host_reads.ps1.
    host = SimulatedHost(_host())
    TWINS['survey_host'](host, {})
    surveyed_calls = [call for call in host.calls if call in ('Get-Disk', 'Get-PhysicalDisk', 'Get-Partition',
                                                              'Get-Volume', 'Get-StoragePool', 'Get-VMHardDiskDrive')]
    host = SimulatedHost(_host())
    snapshot = survey_snapshot(emit(TWINS['survey_host'](SimulatedHost(_host()), {})[0]))
    TWINS['set_pnp_device'](host, _plan_disable(snapshot, snapshot['devices'][2]).steps[0].parameters)
    checked_calls = [call for call in host.calls if call in ('Get-Disk', 'Get-PhysicalDisk', 'Get-Partition',
                                                             'Get-Volume', 'Get-StoragePool', 'Get-VMHardDiskDrive')]
    assert surveyed_calls == checked_calls


def test_a_vm_removed_between_listing_and_reading_it_does_not_fail_the_survey():
    doc = _host()
    doc['vms'][1]['removed_after_listing'] = True
    gone = doc['vms'][1]['name']
    host = SimulatedHost(doc)
    snapshot = survey_snapshot(emit(TWINS['survey_host'](host, {})[0]))
    assert validate(snapshot) == [] and gone not in [vm['name'] for vm in snapshot['vms']]
    assert host.calls.count('Get-VM') == 3  # listed, listed again after the failed read, and read once more
    assert [disk['number'] for disk in snapshot['devices'][2]['disks']] == [5, 6, 7]


def test_a_failed_read_with_the_same_vms_fails_the_survey():
    doc = _host()
    doc['faults'] = [{'cmdlet': 'Get-VMProcessor', 'message': 'The WMI provider failed.'}]
    host = SimulatedHost(doc)
    with pytest.raises(CmdletError, match='The WMI provider failed'):
        TWINS['survey_host'](host, {})
    assert host.calls.count('Get-VMProcessor') == 1


@pytest.mark.parametrize('record', [
    # Written now: the values found and set of what the passthrough changed.
    {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True, 'memory_startup_bytes': None,
     'set': {'automatic_stop_action': 'TurnOff', 'dynamic_memory_enabled': False, 'memory_startup_bytes': None}},
    # Written by an earlier version: found values only, the memory settings together.
    {'automatic_stop_action': 'ShutDown', 'dynamic_memory_enabled': False, 'memory_startup_bytes': 4 * GIB},
], ids=['found and set', 'of an earlier version'])
def test_a_vms_remembered_settings_are_read_back_as_recorded(record):
    doc = load_example('two_nvme_server')
    doc['vms'][0]['remembered_settings'] = record
    read = surveyed(doc)['vms'][0]['remembered_settings']
    assert read == dict({'set': dict.fromkeys(('automatic_stop_action', 'dynamic_memory_enabled',
                                               'memory_startup_bytes'))}, **record)
    assert validate(dict(doc, vms=[dict(doc['vms'][0], remembered_settings=read)])) == []
