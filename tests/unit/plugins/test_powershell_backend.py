"""The PowerShell backend, with win_powershell replaced by recorded-shape results at one seam."""
import json
import os
import sys

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError, HostUnreachable
from ansible_collections.hyperv.dda.plugins.plugin_utils.powershell_backend import (
    PowerShellBackend, host_error, module_args)
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import script_path, script_text

from ddatest import ROOT, lease_reply, load_recorded, simulator_vars


def test_recorded_fixtures_are_what_the_generator_writes():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import make_recorded_fixtures
    finally:
        sys.path.pop(0)
    assert make_recorded_fixtures.main(check=True) == []


def test_info_on_the_powershell_backend_sends_the_constant_script(runner):
    runner.replies.append(load_recorded('survey_host_ok'))
    result = runner.run('hyperv_dda_info', {})  # powershell is the default backend
    assert not result.get('failed'), result.get('msg')
    assert len(runner.sent) == 1, 'one round trip'
    sent = runner.sent[0]
    assert sent['module_name'] == 'ansible.windows.win_powershell'
    assert sent['module_args']['script'] == script_text('survey_host')
    assert sent['module_args']['parameters'] == {}
    assert sent['module_args']['error_action'] == 'stop'
    assert sent['module_args']['depth'] >= 8, 'a snapshot nests 8 levels deep'
    assert result['candidates'] == candidates(result['snapshot'])
    assert [c['assignable'] for c in result['candidates']] == [True, True]


def test_powershell_and_simulator_report_the_same_host(runner, state_file):
    runner.replies.append(load_recorded('survey_host_ok'))
    remote = runner.run('hyperv_dda_info', {})
    simulated = runner.run('hyperv_dda_info', {}, simulator_vars(state_file('two_nvme_server')))
    assert remote == simulated


def test_result_carries_no_script_text_and_no_invocation_of_win_powershell(runner):
    runner.replies.append(load_recorded('survey_host_ok'))
    result = runner.run('hyperv_dda_info', {})
    text = json.dumps(result)
    assert '$Ansible' not in text and 'the script text' not in text
    assert 'invocation' not in result


def test_error_record_becomes_one_typed_error():
    error = host_error('assign_device', load_recorded('add_vmassignabledevice_error'))
    assert isinstance(error, HostCommandError)
    assert error.cmdlet == 'Add-VMAssignableDevice'
    assert error.message == 'The specified device was not found.'
    assert error.error_id == 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.AddVmAssignableDevice'
    assert error.category == 'InvalidArgument'
    assert error.msg == ('Script assign_device failed on the host (Add-VMAssignableDevice): '
                         'The specified device was not found.')


def test_failed_task_reports_the_cmdlet_message(runner):
    runner.replies.append(load_recorded('add_vmassignabledevice_error'))
    result = runner.run('hyperv_dda_info', {})
    assert result['failed'] is True
    assert result['msg'].endswith('(Add-VMAssignableDevice): The specified device was not found.')
    assert result['host_error']['error_id'].startswith('InvalidParameter,')


def test_module_failure_without_error_records_uses_its_msg(runner):
    runner.replies.append(load_recorded('module_failure'))
    result = runner.run('hyperv_dda_info', {})
    assert result['failed'] is True
    assert "The term 'Get-VMHost' is not recognized" in result['msg']
    assert result['host_error']['cmdlet'] is None


def test_unreachable_host_is_reported_unreachable(runner):
    runner.replies.append(load_recorded('unreachable'))
    result = runner.run('hyperv_dda_info', {})
    assert result['unreachable'] is True
    assert 'Max retries exceeded' in result['msg']
    assert not result.get('failed')


def test_a_result_that_is_not_an_object_is_refused():
    backend = PowerShellBackend(lambda **kw: {'changed': False, 'result': ['x']}, {})
    with pytest.raises(HostCommandError, match='returned list instead of an object'):
        backend.run('survey_host')


def test_backend_counts_round_trips_and_passes_values_only_as_parameters():
    calls = []

    def execute(**kwargs):
        calls.append(kwargs)
        return {'changed': True, 'result': {'ok': 1}}
    backend = PowerShellBackend(execute, {'inventory_hostname': 'hv01'})
    injection = "'; Remove-Item C:\\ -Recurse; '"
    assert backend.run('survey_host', {'VMName': injection}) == ({'ok': 1}, True)
    assert backend.round_trips == 1
    args = calls[0]['module_args']
    assert injection not in args['script']
    assert args['parameters'] == {'VMName': injection}
    assert calls[0]['task_vars'] == {'inventory_hostname': 'hv01'}


def test_unknown_script_name_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown script 'format_c'"):
        module_args('format_c', {})


def test_every_catalog_script_exists():
    from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG
    for name in CATALOG:
        assert os.path.isfile(script_path(name)), name


def test_unreachable_error_type():
    backend = PowerShellBackend(lambda **kw: {'unreachable': True}, {})
    with pytest.raises(HostUnreachable, match='The host is unreachable.'):
        backend.run('survey_host')


def _survey_reply(prepare):
    """A recorded-shape survey result for a host prepared from two_nvme_server."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host
    from ddatest import load_example
    doc = load_example('two_nvme_server')
    prepare(doc)
    reply = load_recorded('survey_host_ok')
    reply['result'] = emit(survey_host(SimulatedHost(doc), {})[0])
    return reply


def _ready_for_assign(doc):
    """The Samsung as the collection's dismount leaves it: its identity and MMIO need recorded."""
    doc['devices'][0]['state'] = 'dismounted'
    doc['devices'][0].update(identity_recorded=True, recorded_mmio_mb=doc['devices'][0]['survey']['mmio_mb'])
    doc['vms'][0].update(state='Off', automatic_stop_action='TurnOff', dynamic_memory_enabled=False)


def test_assign_on_the_powershell_backend_sends_values_only_as_parameters(runner):
    runner.replies.append(_survey_reply(_ready_for_assign))
    runner.replies.append(lease_reply())
    runner.replies.append({'changed': True, 'failed': False, 'error': [],
                           'result': {'vm_name': 'sql01', 'assigned_devices': ['PCIROOT(0)#PCI(0102)#PCI(0000)'],
                                      'stale_assignments': 0}})
    runner.replies.append(lease_reply(held=True, version=1))
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'serial_number': 'S4EWNX0N123456'})
    assert result['changed'] is True, result.get('msg')
    assert result['assigned_devices'] == ['PCIROOT(0)#PCI(0102)#PCI(0000)']
    survey, take, assign, give_back = runner.sent
    assert [take['module_args']['script'], give_back['module_args']['script']] == [script_text('set_lease')] * 2
    token = take['module_args']['parameters']['Token']
    assert take['module_args']['parameters']['Action'] == 'take' and give_back['module_args']['parameters'] == {
        'Action': 'release', 'Token': token}
    assert assign['module_args']['script'] == script_text('set_vm_device')
    assert assign['module_args']['parameters'] == {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10',
                                                   'LocationPath': 'PCIROOT(0)#PCI(0102)#PCI(0000)', 'Present': True,
                                                   'RemoveStale': False, 'LeaseToken': token}
    assert assign['module_args']['error_action'] == 'stop'


def test_assign_error_record_from_add_vmassignabledevice(runner):
    runner.replies.append(_survey_reply(_ready_for_assign))
    runner.replies.append(lease_reply())
    runner.replies.append(load_recorded('add_vmassignabledevice_error'))
    runner.replies.append(lease_reply(held=True, version=1))
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'})
    assert result['failed'] is True
    assert result['msg'] == ('Script set_vm_device failed on the host (Add-VMAssignableDevice): '
                             'The specified device was not found.')
    assert result['host_error']['category'] == 'InvalidArgument'
    assert len(runner.sent) == 4, 'the lease is given back after the failure too'


def test_converged_module_on_the_powershell_backend_is_one_round_trip(runner):
    def assigned(doc):
        _ready_for_assign(doc)
        doc['vms'][0]['assigned_devices'] = ['PCIROOT(0)#PCI(0102)#PCI(0000)']
    runner.replies.append(_survey_reply(assigned))
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'})
    assert result['changed'] is False
    assert [sent['module_args']['script'].count('Get-VMHostAssignableDevice') > 0 for sent in runner.sent] == [True]


def test_check_mode_on_the_powershell_backend_runs_only_the_probe(runner):
    runner.replies.append(_survey_reply(_ready_for_assign))
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'},
                        check_mode=True)
    assert result['changed'] is True
    assert len(runner.sent) == 1
