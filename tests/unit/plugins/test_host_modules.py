"""The host-side modules end to end on the simulator: check, apply, idempotent rerun, reverse.

Each case runs the real action plugin four times against a state file: in check mode (nothing
written, changed reported), for real (changed), again (no change and no mutating script: the call
log shows only the survey), and in the reverse direction (back to where it started).
"""
import json

import pytest

from ddatest import simulator_vars

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
SELECT = {'location_path': SAMSUNG}


def _sql01(**values):
    def mutate(doc):
        doc['vms'][0].update(values)
    return mutate


def _samsung(device_state, **sql01):
    """The Samsung in device_state as the collection leaves it: away from the host, its MMIO need recorded (the disable
    records it), for the MMIO check of the assignment."""
    def mutate(doc):
        doc['devices'][0]['state'] = device_state
        if device_state != 'enabled':
            doc['devices'][0]['recorded_mmio_mb'] = doc['devices'][0]['survey']['mmio_mb']
        doc['vms'][0].update(sql01)
    return mutate


READY = dict(state='Off', automatic_stop_action='TurnOff', dynamic_memory_enabled=False)

CASES = [
    # module, prepare, forward args, reverse args, (key, forward value) in the result
    ('hyperv_vm_stop_action', None, {'vm_name': 'sql01'}, {'vm_name': 'sql01', 'action': 'Save'},
     ('automatic_stop_action', 'TurnOff')),
    ('hyperv_vm_memory', _sql01(state='Off'), {'vm_name': 'sql01', 'dynamic_memory': False},
     {'vm_name': 'sql01', 'dynamic_memory': True}, ('dynamic_memory_enabled', False)),
    ('hyperv_vm_power', None, {'vm_name': 'sql01', 'state': 'off'}, {'vm_name': 'sql01', 'state': 'running'},
     ('state', 'Off')),
    ('pnp_device_disable', None, SELECT, dict(SELECT, state='enabled'), ('device', 'disabled')),
    ('vmhost_assignable_device', _samsung('disabled'), SELECT, dict(SELECT, state='mounted'),
     ('device', 'dismounted')),
    ('vm_assignable_device', _samsung('dismounted', **READY), dict(SELECT, vm_name='sql01'),
     dict(SELECT, vm_name='sql01', state='absent'), ('assigned_devices', [SAMSUNG])),
]


def _calls(log):
    lines = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    log.write_text('')
    return [line['script'] for line in lines]


def _value(result, key):
    return result[key]['state'] if key == 'device' else result[key]


@pytest.mark.parametrize('module,prepare,forward,reverse,expected', CASES, ids=[c[0] for c in CASES])
def test_check_apply_rerun_reverse(runner, state_file, tmp_path, module, prepare, forward, reverse, expected):
    path = state_file('two_nvme_server', prepare)
    log = tmp_path / 'calls.jsonl'
    host_vars = simulator_vars(path, hyperv_dda_simulator_log=str(log))
    start = open(path, 'rb').read()
    key, value = expected

    checked = runner.run(module, forward, host_vars, check_mode=True, diff=True)
    assert not checked.get('failed'), checked.get('msg')
    assert checked['changed'] is True
    assert _value(checked, key) == value
    assert checked['diff']['before'] != checked['diff']['after']
    assert open(path, 'rb').read() == start, 'check mode wrote the state file'
    assert _calls(log) == ['survey_host']

    applied = runner.run(module, forward, host_vars, diff=True)
    assert not applied.get('failed'), applied.get('msg')
    assert applied['changed'] is True
    assert _value(applied, key) == value
    # In check mode a task also hands on its prediction to the next (check_chain.py), as a fact.
    assert {k: v for k, v in applied.items() if k != 'diff'} == \
        {k: v for k, v in checked.items() if k not in ('diff', 'ansible_facts')}, \
        'check mode reported exactly what the real run did'
    calls = _calls(log)
    assert calls[:2] == ['survey_host', 'set_lease'] and calls[3:] == ['set_lease'] and len(calls) == 4, \
        'one probe, then one mutating script under the host\'s lease, taken and given back'
    assert json.load(open(path))['host']['lease']['holder'] is None, 'the lease is given back'

    again = runner.run(module, forward, host_vars)
    assert again['changed'] is False and not again.get('failed'), again.get('msg')
    assert _value(again, key) == value
    assert _calls(log) == ['survey_host'], 'a converged rerun makes no mutating call'

    back = runner.run(module, reverse, host_vars)
    assert back['changed'] is True and not back.get('failed'), back.get('msg')
    assert runner.run(module, reverse, host_vars)['changed'] is False
    assert runner.sent == [], 'the simulator never contacts the host'


def test_reverse_of_dismount_leaves_the_device_disabled_on_the_host(runner, state_file):
    path = state_file('two_nvme_server', _samsung('disabled'))
    runner.run('vmhost_assignable_device', SELECT, simulator_vars(path))
    mounted = runner.run('vmhost_assignable_device', dict(SELECT, state='mounted'), simulator_vars(path))
    assert mounted['device']['state'] == 'disabled'
    doc = json.load(open(path))
    assert doc['devices'][0]['state'] == 'disabled'
    assert doc['devices'][0]['identity_recorded'] is True, 'the record outlives the dismount'


def test_selector_by_serial_keeps_working_while_the_device_is_away(runner, state_file):
    path = state_file('two_nvme_server', _samsung('disabled', **READY))
    host_vars = simulator_vars(path)
    runner.run('vmhost_assignable_device', {'serial_number': 'S4EWNX0N123456'}, host_vars)
    info = runner.run('hyperv_dda_info', {}, host_vars)
    away = info['snapshot']['devices'][-1]
    assert away['state'] == 'dismounted' and away['disks'][0]['adapter_serial_number'] == 'S4EWNX0N123456'
    assigned = runner.run('vm_assignable_device', {'serial_number': '0025_3852_21b3_4b17', 'vm_name': 'sql01'},
                          host_vars)
    assert assigned['changed'] is True and assigned['device']['assigned_to'] == 'sql01'


def test_failed_precondition_changes_nothing_and_names_the_remedy(runner, state_file, tmp_path):
    path = state_file('two_nvme_server', _samsung('dismounted'))
    log = tmp_path / 'calls.jsonl'
    start = open(path, 'rb').read()
    result = runner.run('vm_assignable_device', dict(SELECT, vm_name='sql01'),
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert result['failed'] is True
    # sql01 runs, with dynamic memory and the stop action Save, as new VMs are: every refusal at once, each with its fix
    assert result['msg'] == (
        "Cannot assign PCIROOT(0)#PCI(0102)#PCI(0000): VM 'sql01' uses dynamic memory, and DDA needs static memory. "
        "Turn it off with the VM off (hyperv.dda.hyperv_vm_memory dynamic_memory=false; the role nvme_passthrough does "
        "it with nvme_passthrough_disable_dynamic_memory: true). VM 'sql01' has the automatic stop action Save, and a "
        "VM with an assigned device cannot be saved. Set it to TurnOff first (hyperv.dda.hyperv_vm_stop_action "
        "action=TurnOff; the role nvme_passthrough does it). VM 'sql01' is Running, and Add-VMAssignableDevice needs "
        "it Off. Stop it first (hyperv.dda.hyperv_vm_power state=off).")
    assert open(path, 'rb').read() == start
    assert _calls(log) == ['survey_host']


BIG = 'PCIROOT(0)#PCI(0401)#PCI(0000)'  # dda_blockers: needs 2048 MB of MMIO; VM tinymmio01 has 512 MB


@pytest.mark.parametrize('check_mode', [False, True])
def test_assign_refuses_a_vm_whose_mmio_space_cannot_hold_the_device(runner, state_file, tmp_path, check_mode):
    """Issue 22: the role refused it and the module assigned it (the VM would then not start)."""
    def dismounted_by_the_collection(doc):
        doc['devices'][0].update(state='dismounted', survey=None, problem_code=None, recorded_mmio_mb=2048,
                                 identity_recorded=True)
    path = state_file('dda_blockers', dismounted_by_the_collection)
    log = tmp_path / 'calls.jsonl'
    start = open(path, 'rb').read()
    result = runner.run('vm_assignable_device', {'vm_name': 'tinymmio01', 'location_path': BIG},
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)), check_mode=check_mode)
    assert result['failed'] is True, result
    assert result['msg'].startswith("Cannot assign %s: VM 'tinymmio01' has 512 MB of high MMIO space, and its devices "
                                    "need 2048 MB: it would not start." % BIG), result['msg']
    assert "Set-VM -VMName 'tinymmio01' -HighMemoryMappedIoSpace 2560MB" in result['msg']
    assert open(path, 'rb').read() == start and _calls(log) == ['survey_host']


def test_a_cmdlet_failure_at_apply_reports_the_cmdlet_message_and_leaves_state(runner, state_file):
    def fault(doc):
        doc['devices'][0]['state'] = 'disabled'  # by hand: no record of the collection's yet
        doc['faults'] = [{'cmdlet': 'Dismount-VMHostAssignableDevice', 'match': {'LocationPath': SAMSUNG},
                          'message': 'The operation failed.', 'count': 1}]
    path = state_file('two_nvme_server', fault)
    result = runner.run('vmhost_assignable_device', SELECT, simulator_vars(path))
    assert result['failed'] is True
    assert result['msg'] == ('Script dismount_device failed on the host (Dismount-VMHostAssignableDevice): '
                             'The operation failed.')
    doc = json.load(open(path))
    assert doc['devices'][0]['state'] == 'disabled'
    assert not doc['devices'][0].get('identity_recorded'), 'the record made for this dismount was removed again'
    assert doc['faults'] == []
    assert runner.run('vmhost_assignable_device', SELECT, simulator_vars(path))['changed'] is True


def test_power_off_times_out_and_fails_or_turns_off(runner, state_file):
    def deaf(doc):
        doc['vms'][0]['guest']['ignores_shutdown'] = True
    path = state_file('two_nvme_server', deaf)
    args = {'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': 5}
    failed = runner.run('hyperv_vm_power', args, simulator_vars(path))
    assert failed['failed'] is True
    assert "did not shut down within 5 seconds and is still running" in failed['msg']
    assert json.load(open(path))['vms'][0]['state'] == 'Running'
    forced = runner.run('hyperv_vm_power', dict(args, turn_off_on_timeout=True), simulator_vars(path))
    assert forced['changed'] is True and forced['state'] == 'Off'
    assert 'was turned off (turn_off_on_timeout)' in forced['warnings'][0]


def test_client_windows_assign_warns(runner, state_file):
    def ready(doc):
        doc['devices'][0].update(state='dismounted', recorded_mmio_mb=doc['devices'][0]['survey']['mmio_mb'])
    path = state_file('client_windows', ready)
    result = runner.run('vm_assignable_device', {'vm_name': 'lab01', 'location_path': 'PCIROOT(0)#PCI(0104)#PCI(0000)'},
                        simulator_vars(path))
    assert result['changed'] is True
    assert 'will not start' in result['warnings'][0]


@pytest.mark.parametrize('module,args,fragment', [
    ('pnp_device_disable', {}, 'one of the following is required: location_path, instance_id, serial_number'),
    ('pnp_device_disable', {'location_path': SAMSUNG, 'serial_number': 'x'},
     'parameters are mutually exclusive: location_path|instance_id|serial_number'),
    ('vm_assignable_device', SELECT, 'missing required arguments: vm_name'),
    ('hyperv_vm_power', {'vm_name': 'sql01'}, 'missing required arguments: state'),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'stopped'}, 'value of state must be one of: running, off'),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01', 'action': 'turnoff'}, 'value of action must be one of'),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': 'maybe'}, "dynamic_memory"),
    ('vmhost_assignable_device', dict(SELECT, force='yes please'), 'force'),
])
def test_bad_arguments_fail_before_any_round_trip(runner, state_file, tmp_path, module, args, fragment):
    path = state_file('two_nvme_server')
    log = tmp_path / 'calls.jsonl'
    result = runner.run(module, args, simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert result['failed'] is True
    assert fragment in result['msg']
    assert not log.exists()
