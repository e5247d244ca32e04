"""Bad input refused: every case fails with a clear message and changes nothing.

For each case: on the simulator the task fails, its message names the problem, and the state file
is byte-for-byte unchanged; on the PowerShell backend nothing but the read-only probe is sent, its
script text is the constant script, and a user value appears (if anywhere) only in its parameters.
"""
import json

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import script_text
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.guest_twins import survey_guest_disks

from ddatest import load_example, load_recorded, simulator_vars

INJECT = "'; Remove-Item C:\\ -Recurse; '"
SUBEXPR = '$(Stop-Computer)'
TICK = '`whoami`'
LONG = 'x' * 300
UNICODE = 'Ünïcødé-VM-名前'
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
CRED = {'username': 'Administrator', 'password': 'example-only'}
GUEST = {'vm_name': 'sql01', 'guest_credential': CRED, 'serial_number': '0025_3852_21B3_4B17.'}
GUEST_BY_NUMBER = {'vm_name': 'sql01', 'guest_credential': CRED}

CASES = [
    # module, arguments, a fragment of the message
    ('hyperv_dda_info', {'vm_names': [INJECT]}, 'has no VM named'),
    ('hyperv_dda_info', {'vm_names': {'a': 1}}, 'unable to convert to list'),
    ('hyperv_dda_info', {'bogus': 1}, 'Unsupported parameters for (hyperv.dda.hyperv_dda_info) module: bogus'),
    ('hyperv_dda_info', {'vm_names': [SUBEXPR, 'sql01']}, "has no VM named '$(Stop-Computer)'"),
    ('hyperv_vm_stop_action', {}, 'missing required arguments: vm_name'),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01', 'action': 'Hibernate'}, 'value of action must be one of'),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01', 'action': 'save'}, 'value of action must be one of'),
    ('hyperv_vm_stop_action', {'vm_name': ''}, 'vm_name must not be empty'),
    ('hyperv_vm_stop_action', {'vm_name': INJECT}, 'has no VM named'),
    ('hyperv_vm_stop_action', {'vm_name': SUBEXPR}, 'has no VM named'),
    ('hyperv_vm_stop_action', {'vm_name': TICK}, 'has no VM named'),
    ('hyperv_vm_stop_action', {'vm_name': LONG}, 'has no VM named'),
    ('hyperv_vm_stop_action', {'vm_name': UNICODE}, 'has no VM named'),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01\nweb01'}, 'has no VM named'),
    ('hyperv_vm_stop_action', {'vm_name': 'sql*'}, "has no VM named 'sql*'"),
    ('hyperv_vm_memory', {'vm_name': 'sql01'}, 'missing required arguments: dynamic_memory'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': 'perhaps'}, 'dynamic_memory'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False, 'startup_bytes': -2097152}, 'positive multiple'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False, 'startup_bytes': 1000}, 'positive multiple'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False, 'startup_bytes': 'lots'}, 'startup_bytes'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False, 'startup_bytes': 0}, 'positive multiple'),
    ('hyperv_vm_power', {'vm_name': 'sql01'}, 'missing required arguments: state'),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'paused'}, 'value of state must be one of: running, off'),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': -5}, 'shutdown_timeout must be 0'),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': 'long'}, 'shutdown_timeout'),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'turn_off_on_timeout': 'maybe'}, 'turn_off_on_timeout'),
    ('hyperv_vm_power', {'vm_name': INJECT, 'state': 'off'}, 'has no VM named'),
    ('pnp_device_disable', {}, 'one of the following is required: location_path, instance_id, serial_number'),
    ('pnp_device_disable', {'location_path': SAMSUNG, 'instance_id': 'PCI\\X'}, 'mutually exclusive'),
    ('pnp_device_disable', {'location_path': ''}, 'location_path must not be empty'),
    ('pnp_device_disable', {'location_path': SAMSUNG.lower()}, 'No device on host HV01 matches location_path'),
    ('pnp_device_disable', {'location_path': 'PCIROOT(0)#PCI(0102)'}, 'No device on host HV01 matches'),
    ('pnp_device_disable', {'location_path': 'not a path'}, 'No device on host HV01 matches'),
    ('pnp_device_disable', {'location_path': INJECT}, 'No device on host HV01 matches'),
    ('pnp_device_disable', {'instance_id': SUBEXPR}, 'No device on host HV01 matches instance_id'),
    ('pnp_device_disable', {'instance_id': TICK}, 'No device on host HV01 matches instance_id'),
    ('pnp_device_disable', {'serial_number': '   '}, 'serial_number must not be empty'),
    ('pnp_device_disable', {'serial_number': UNICODE}, 'No device on host HV01 matches serial_number'),
    ('pnp_device_disable', {'location_path': SAMSUNG, 'state': 'off'}, 'value of state must be one of'),
    ('pnp_device_disable', {'location_path': SAMSUNG, 'allow_mounted_volumes': 'sure'}, 'allow_mounted_volumes'),
    ('pnp_device_disable', {'location_path': 'PCIROOT(0)#PCI(0103)#PCI(0000)'}, 'mounted volumes (E:)'),
    ('vmhost_assignable_device', {'location_path': SAMSUNG, 'state': 'removed'}, 'value of state must be one of'),
    ('vmhost_assignable_device', {'location_path': SAMSUNG, 'force': 'x'}, 'force'),
    ('vmhost_assignable_device', {'location_path': SAMSUNG, 'instance_id': 'a', 'serial_number': 'b'},
     'mutually exclusive'),
    ('vmhost_assignable_device', {'instance_id': ''}, 'instance_id must not be empty'),
    ('vmhost_assignable_device', {'location_path': SAMSUNG}, 'it is enabled on the host'),
    ('vmhost_assignable_device', {'location_path': LONG}, 'No device on host HV01 matches'),
    ('vm_assignable_device', {'location_path': SAMSUNG}, 'missing required arguments: vm_name'),
    ('vm_assignable_device', {'vm_name': 'sql01'}, 'Give exactly one device selector of location_path, instance_id, serial_number, or remove_stale: true'),
    ('vm_assignable_device', {'vm_name': 'db9', 'location_path': SAMSUNG}, "has no VM named 'db9'"),
    ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG, 'state': 'attached'},
     'value of state must be one of'),
    ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': INJECT}, 'No device on host HV01 matches'),
    ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}, 'needs it dismounted'),
    ('guest_nvme_disk', {'vm_name': 'sql01', 'guest_credential': CRED}, 'one of the following is required'),
    ('guest_nvme_disk', dict(GUEST, disk_number=1), 'mutually exclusive'),
    ('guest_nvme_disk', dict(GUEST, drive_letter='C'), 'Drive letter C is already in use'),
    ('guest_nvme_disk', dict(GUEST, drive_letter='EF'), 'drive_letter must be one letter'),
    ('guest_nvme_disk', dict(GUEST, drive_letter='1'), 'drive_letter must be one letter'),
    ('guest_nvme_disk', dict(GUEST, drive_letter=SUBEXPR), 'drive_letter must be one letter'),
    ('guest_nvme_disk', dict(GUEST, drive_letter='E', access_path='D:\\mnt'), 'mutually exclusive'),
    ('guest_nvme_disk', dict(GUEST, access_path='mnt\\data'), 'access_path must be an absolute folder path'),
    ('guest_nvme_disk', dict(GUEST, access_path='D:\\mnt\\..\\Windows'), 'access_path must be an absolute'),
    ('guest_nvme_disk', dict(GUEST, access_path=SUBEXPR), 'access_path must be an absolute folder path'),
    ('guest_nvme_disk', dict(GUEST, access_path='D:\\a\nb'), 'access_path must be an absolute folder path'),
    ('guest_nvme_disk', dict(GUEST, label='x' * 33), 'label must be at most 32 characters'),
    ('guest_nvme_disk', dict(GUEST, label='two\nlines'), 'label must be at most 32 characters'),
    ('guest_nvme_disk', dict(GUEST, allocation_unit_size=1000), 'allocation_unit_size must be a power of two'),
    ('guest_nvme_disk', dict(GUEST, allocation_unit_size=-4096), 'allocation_unit_size must be a power of two'),
    ('guest_nvme_disk', dict(GUEST_BY_NUMBER, disk_number=-1), 'No NVMe disk in the guest'),
    ('guest_nvme_disk', dict(GUEST_BY_NUMBER, disk_number=0), 'which is not an NVMe disk'),
    ('guest_nvme_disk', dict(GUEST, partition_style='apm'), 'value of partition_style must be one of'),
    ('guest_nvme_disk', dict(GUEST, file_system='fat32'), 'value of file_system must be one of'),
    ('guest_nvme_disk', {'vm_name': 'sql01', 'serial_number': 'x'}, 'parameters are required together'),
    ('guest_nvme_disk', dict(GUEST, guest_credential={'username': 'a'}), 'missing required arguments: password'),
    ('guest_nvme_disk', dict(GUEST, state='mounted'), 'value of state must be one of'),
    ('guest_nvme_disk', dict(GUEST, serial_number=''), 'serial_number must not be empty'),
    ('guest_nvme_disk', dict(GUEST, serial_number=INJECT), 'No NVMe disk in the guest'),
]


def _passed_through(doc):
    doc['devices'][0].update(state='dismounted', identity_recorded=True)
    doc['vms'][0].update(state='Running', automatic_stop_action='TurnOff', dynamic_memory_enabled=False,
                         assigned_devices=[SAMSUNG])


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize('module,args,fragment', CASES, ids=['%02d-%s' % (n, c[0]) for n, c in enumerate(CASES)])
def test_refused_on_the_simulator_and_nothing_changes(runner, state_file, tmp_path, module, args, fragment):
    path = state_file('two_nvme_server', _passed_through if module == 'guest_nvme_disk' else None)
    before = open(path, 'rb').read()
    result = runner.run(module, args, simulator_vars(path))
    assert result.get('failed') is True, result
    assert fragment in result['msg']
    assert result['msg'].rstrip().endswith(('.', ')', '?')), 'a whole sentence: %r' % result['msg']
    assert open(path, 'rb').read() == before


def _probe_reply(module):
    doc = load_example('two_nvme_server')
    reply = load_recorded('survey_host_ok')
    if module == 'guest_nvme_disk':
        _passed_through(doc)
        reply['result'] = survey_guest_disks(SimulatedHost(doc), {'VMName': 'sql01', 'Credential': CRED})[0]
    else:
        reply['result'] = emit(survey_host(SimulatedHost(doc), {})[0])
    return reply


@pytest.mark.parametrize('module,args,fragment', CASES, ids=['%02d-%s' % (n, c[0]) for n, c in enumerate(CASES)])
def test_refused_on_the_powershell_backend_with_constant_scripts(runner, module, args, fragment):
    # The task's scoped survey, and the whole host's for a plan that needs more of it (a VM or device the scope did not
    # find); every script sent must be a survey (below).
    runner.replies.extend([_probe_reply(module), _probe_reply(module)])
    result = runner.run(module, args)
    assert result.get('failed') is True and fragment in result['msg']
    for sent in runner.sent:
        module_args = sent['module_args']
        name = 'survey_guest_disks' if module == 'guest_nvme_disk' else 'survey_host'
        assert module_args['script'] == script_text(name)
        for value in (INJECT, SUBEXPR, TICK):
            assert value not in module_args['script']
        assert 'example-only' not in json.dumps(module_args['parameters'])


def test_an_injection_string_that_is_a_valid_label_travels_only_as_a_parameter(runner):
    runner.replies.append(_probe_reply('guest_nvme_disk'))
    runner.replies.append({'changed': True, 'error': [], 'result': {'disk': {}, 'volume': {'label': INJECT}}})
    assert len(INJECT) <= 32
    result = runner.run('guest_nvme_disk', dict(GUEST, label=INJECT, drive_letter='E'))
    assert result['changed'] is True, result.get('msg')
    apply = runner.sent[1]['module_args']
    assert apply['parameters']['Label'] == INJECT
    assert apply['script'] == script_text('format_guest_disk')
