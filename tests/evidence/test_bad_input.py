"""Bad input refused: every case fails with a clear message and changes nothing.

For each case: on the simulator the task fails, its message names the problem, and the state file
is byte-for-byte unchanged; on the PowerShell backend nothing but the read-only probe is sent, its
script text is the constant script, and a user value appears (if anywhere) only in its parameters.

Every number a user gives a module (NUMBERS, which a test holds to every int option of every module, and the
simulator's lock timeout) is tried with every kind of bad value (ddatest.bad_numbers): refused once, naming the
option and its range, before anything reaches the host.
"""
import importlib
import json
import os

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import ALLOCATION_UNIT_SIZE, DISK_NUMBER, \
    LEASE_DURATION, LEASE_TIMEOUT, LOCK_TIMEOUT, SHUTDOWN_TIMEOUT, STARTUP_BYTES
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import script_text
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.guest_twins import survey_guest_disks

from ddatest import ROOT, bad_numbers, lease_reply, load_example, load_recorded, simulator_vars

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
    # A list where a string belongs is not its text (a VM named "['sql01']").
    ('hyperv_vm_stop_action', {'vm_name': ['sql01']}, "vm_name must be a string; got a list, ['sql01']."),
    ('pnp_device_disable', {'location_path': [SAMSUNG]}, 'location_path must be a string; got a list'),
    ('nvme_passthrough_plan', {'nvme_passthrough_vm_name': ['sql01'], 'nvme_passthrough_devices': [
        {'location_path': SAMSUNG}]}, "nvme_passthrough_vm_name must be a string; got a list, ['sql01']."),
    ('nvme_passthrough_plan', {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [
        {'location_path': {'a': 1}}]}, 'nvme_passthrough_devices[0].location_path must be a string; got a dict.'),
    ('hyperv_vm_memory', {'vm_name': 'sql01'}, 'missing required arguments: dynamic_memory'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': 'perhaps'}, 'dynamic_memory'),
    ('hyperv_vm_power', {'vm_name': 'sql01'}, 'missing required arguments: state'),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'paused'}, 'value of state must be one of: running, off'),
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
    ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG, 'remove_stale': True},
     'remove_stale: true removes the VM\'s stale assignments and nothing else, so it takes no device selector; got '
     'location_path.'),
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
    ('guest_nvme_disk', dict(GUEST_BY_NUMBER, disk_number=0), 'which is not an NVMe disk'),
    ('guest_nvme_disk', dict(GUEST, partition_style='apm'), 'value of partition_style must be one of'),
    ('guest_nvme_disk', dict(GUEST, file_system='fat32'), 'value of file_system must be one of'),
    ('guest_nvme_disk', {'vm_name': 'sql01', 'serial_number': 'x'}, 'parameters are required together'),
    ('guest_nvme_disk', dict(GUEST, guest_credential={'username': 'a'}), 'missing required arguments: password'),
    ('guest_nvme_disk', dict(GUEST, state='mounted'), 'value of state must be one of'),
    ('guest_nvme_disk', dict(GUEST, serial_number=''), 'serial_number must not be empty'),
    ('guest_nvme_disk', dict(GUEST, serial_number=INJECT), 'No NVMe disk in the guest'),
]


# module, its other arguments, the number's option (a hyperv_dda_ name: a host variable), its range, a valid value.
NUMBER_OPTIONS = [
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}, 'shutdown_timeout', SHUTDOWN_TIMEOUT, 300),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False}, 'startup_bytes', STARTUP_BYTES, 8 * 1024 ** 3),
    ('guest_nvme_disk', GUEST, 'allocation_unit_size', ALLOCATION_UNIT_SIZE, 4096),
    ('guest_nvme_disk', GUEST_BY_NUMBER, 'disk_number', DISK_NUMBER, 1),
    ('nvme_passthrough_plan', {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [
        {'location_path': SAMSUNG}], 'nvme_passthrough_allow_vm_restart': True},
     'nvme_passthrough_shutdown_timeout', SHUTDOWN_TIMEOUT, 300),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01'}, 'hyperv_dda_simulator_lock_timeout', LOCK_TIMEOUT, 60),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01'}, 'hyperv_dda_lease_timeout', LEASE_TIMEOUT, 600),
    ('nvme_passthrough_plan', {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [
        {'location_path': SAMSUNG}], 'nvme_passthrough_allow_vm_restart': True},
     'nvme_passthrough_lease_timeout', LEASE_TIMEOUT, 600),
    ('hyperv_dda_lease', {}, 'timeout', LEASE_TIMEOUT, 600),
    ('hyperv_dda_lease', {}, 'duration', LEASE_DURATION, 900),
]
NUMBER_CASES = [(module, args, name, bound, kind, value) for module, args, name, bound, valid in NUMBER_OPTIONS
                for kind, value in bad_numbers(bound, valid)]
NUMBER_IDS = ['%s-%s-%s' % (case[0], case[2], case[4]) for case in NUMBER_CASES]


def _with_number(args, name, value, path=None):
    """The task's arguments and host variables with the number set where the user sets it."""
    if name.startswith('hyperv_dda_'):
        return dict(args), simulator_vars(path, **{name: value}) if path else {name: value}
    return dict(args, **{name: value}), simulator_vars(path) if path else {}


def _refused_once(result, name, bound):
    """The task failed with one refusal (no follow-on), naming the option as the user set it and its range."""
    assert result.get('failed') is True and not result.get('changed'), result
    assert '%s must be %s; got ' % (name, bound.describe()) in result['msg'], result['msg']
    assert result['msg'].count(' must be ') == 1, result['msg']


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
    runner.replies.append(lease_reply())  # through the host, the change runs under the host's lease
    runner.replies.append({'changed': True, 'error': [], 'result': {'disk': {}, 'volume': {'label': INJECT}}})
    runner.replies.append(lease_reply())
    assert len(INJECT) <= 32
    result = runner.run('guest_nvme_disk', dict(GUEST, label=INJECT, drive_letter='E'))
    assert result['changed'] is True, result.get('msg')
    apply = runner.sent[2]['module_args']
    assert apply['parameters']['Label'] == INJECT
    assert apply['script'] == script_text('format_guest_disk')


@pytest.mark.parametrize('module,args,name,bound,kind,value', NUMBER_CASES, ids=NUMBER_IDS)
def test_a_bad_number_is_refused_once_naming_it_and_nothing_changes(runner, state_file, module, args, name, bound,
                                                                    kind, value):
    path = state_file('two_nvme_server', _passed_through if module == 'guest_nvme_disk' else None)
    before = open(path, 'rb').read()
    task_args, host_vars = _with_number(args, name, value, path)
    result = runner.run(module, task_args, host_vars)
    _refused_once(result, name, bound)
    assert open(path, 'rb').read() == before


@pytest.mark.parametrize('module,args,name,bound,kind,value',
                         [case for case in NUMBER_CASES if not case[2].startswith('hyperv_dda_')],
                         ids=[id for id, case in zip(NUMBER_IDS, NUMBER_CASES) if not case[2].startswith('hyperv_dda_')])
def test_a_bad_number_never_reaches_the_host(runner, module, args, name, bound, kind, value):
    task_args, host_vars = _with_number(args, name, value)
    result = runner.run(module, task_args, host_vars)
    _refused_once(result, name, bound)
    assert runner.sent == []


def test_every_number_option_of_every_module_is_in_the_table():
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'action')) if name.endswith('.py'))
    numbers = set()
    for module in modules:
        spec = importlib.import_module('ansible_collections.hyperv.dda.plugins.action.%s' % module).ActionModule
        numbers |= set((module, name) for name, option in spec.ARGUMENT_SPEC.items() if option.get('type') == 'int')
    assert numbers and numbers <= set((case[0], case[2]) for case in NUMBER_OPTIONS)
