"""VM planners as tables: observed state x requested state, in and out of check mode."""
import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError, SelectorError
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_plans import memory_plan, power_plan, stop_action_plan

from ddatest import load_example

GIB = 1024 ** 3


def host(**sql01):
    doc = load_example('two_nvme_server')
    doc['vms'][0].update(sql01)
    return doc


@pytest.mark.parametrize('current,wanted,steps', [
    ('Save', 'TurnOff', ['set_vm_stop_action']),
    ('TurnOff', 'TurnOff', []),
    ('ShutDown', 'TurnOff', ['set_vm_stop_action']),
    ('TurnOff', 'Save', ['set_vm_stop_action']),
])
def test_stop_action_plan(current, wanted, steps):
    plan = stop_action_plan({'vm_name': 'sql01', 'action': wanted}, host(automatic_stop_action=current), False)
    assert [step.script for step in plan.steps] == steps
    assert plan.result == {'vm_name': 'sql01', 'automatic_stop_action': wanted,
                           'previous_automatic_stop_action': current}
    assert plan.diff == {'before': {'automatic_stop_action': current}, 'after': {'automatic_stop_action': wanted}}


def test_stop_action_save_is_refused_with_assigned_devices():
    doc = load_example('passed_through')
    with pytest.raises(PreconditionError, match="to Save: it has assigned devices \\(PCIROOT\\(0\\)#PCI\\(0102\\)"):
        stop_action_plan({'vm_name': 'sql02', 'action': 'Save'}, doc, True)


@pytest.mark.parametrize('sql01,args,check_mode,expected,fragment', [
    ({'state': 'Off', 'dynamic_memory_enabled': True}, {'dynamic_memory': False}, False, ['set_vm_memory'], None),
    ({'state': 'Off', 'dynamic_memory_enabled': False}, {'dynamic_memory': False}, False, [], None),
    ({'state': 'Running', 'dynamic_memory_enabled': False}, {'dynamic_memory': False}, False, [], None),
    ({'state': 'Running', 'dynamic_memory_enabled': True}, {'dynamic_memory': False}, False, 'fail',
     "Cannot change the memory of VM 'sql01': the VM is Running and Set-VMMemory needs it Off. Stop it first "
     "(hyperv.dda.hyperv_vm_power state=off)."),
    ({'state': 'Running', 'dynamic_memory_enabled': True}, {'dynamic_memory': False}, True, ['set_vm_memory'],
     'In check mode this assumes an earlier step'),
    ({'state': 'Off', 'dynamic_memory_enabled': False}, {'dynamic_memory': False, 'startup_bytes': 16 * GIB}, False,
     ['set_vm_memory'], None),
    ({'state': 'Off'}, {'dynamic_memory': False, 'startup_bytes': 1000}, True, 'fail',
     'startup_bytes must be a whole number of bytes from 2097152 to 263882790666240 that is a multiple of 2097152; '
     'got 1000.'),
    ({'state': 'Off'}, {'dynamic_memory': False, 'startup_bytes': -2097152}, True, 'fail', 'got -2097152'),
])
def test_memory_plan(sql01, args, check_mode, expected, fragment):
    args = dict({'vm_name': 'sql01', 'startup_bytes': None}, **args)
    try:
        plan = memory_plan(args, host(**sql01), check_mode)
    except PreconditionError as e:
        assert expected == 'fail' and fragment in e.msg
        return
    assert [step.script for step in plan.steps] == expected
    assert bool(plan.warnings) == bool(fragment)
    wanted_startup = args['startup_bytes'] or 8 * GIB
    assert plan.result == {'vm_name': 'sql01', 'dynamic_memory_enabled': False, 'memory_startup_bytes': wanted_startup}
    if expected:
        assert plan.steps[0].parameters == {'VMId': host()['vms'][0]['id'], 'DynamicMemoryEnabled': False,
                                            'StartupBytes': wanted_startup}


def test_memory_dynamic_on_is_refused_with_assigned_devices():
    doc = load_example('passed_through')
    doc['vms'][0]['state'] = 'Off'
    with pytest.raises(PreconditionError, match='DDA needs static memory'):
        memory_plan({'vm_name': 'sql02', 'dynamic_memory': True, 'startup_bytes': None}, doc, True)


POWER = [
    ('Running', 'off', ['set_vm_power'], None),
    ('Off', 'off', [], None),
    ('Off', 'running', ['set_vm_power'], None),
    ('Running', 'running', [], None),
    ('Saved', 'running', ['set_vm_power'], None),
    ('Paused', 'running', ['set_vm_power'], None),
    ('Saved', 'off', 'fail', "VM 'sql01' is Saved, so its guest cannot be asked to shut down, and it was left as it "
     "is. Start it first (state=running) and shut it down then, turn it off yourself, or set "
     "turn_off_on_timeout: true"),
    ('Paused', 'off', 'fail', "VM 'sql01' is Paused, so its guest cannot be asked to shut down, and it was left as it "
     "is. Resume it first (state=running)"),
    ('Starting', 'off', 'fail', "VM 'sql01' is Starting, not Running, Off, Saved or Paused, and was left as it is. "
     "Wait until it has settled"),
    ('Stopping', 'running', 'fail', "VM 'sql01' is Stopping, not Running, Off, Saved or Paused"),
    ('Resuming', 'running', 'fail', "VM 'sql01' is Resuming, not Running, Off, Saved or Paused"),
    ('FastSaved', 'running', 'fail', "VM 'sql01' is FastSaved, not Running, Off, Saved or Paused"),
    ('RunningCritical', 'running', 'fail', 'is RunningCritical, not Running, Off, Saved or Paused, and was left as it '
     'is. Wait until it has settled (a state ending in Critical means Hyper-V reports a problem with the VM'),
    ('OffCritical', 'off', 'fail', 'is OffCritical, not Running'),
]


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('current,wanted,expected,fragment', POWER)
def test_power_plan(current, wanted, expected, fragment, check_mode):
    args = {'vm_name': 'sql01', 'state': wanted, 'shutdown_timeout': 300, 'turn_off_on_timeout': False}
    try:
        plan = power_plan(args, host(state=current), check_mode)
    except PreconditionError as e:
        assert expected == 'fail' and fragment in e.msg
        return
    assert [step.script for step in plan.steps] == expected
    assert plan.result == {'vm_name': 'sql01', 'state': 'Running' if wanted == 'running' else 'Off',
                           'previous_state': current, 'restart_pending': False}
    if expected:
        assert plan.steps[0].parameters['State'] == wanted


@pytest.mark.parametrize('current,wanted,record,pending,steps,after', [
    # A shutdown recorded on the host is owed a start; starting the VM, or finding it running, clears it.
    ('Running', 'off', True, False, ['set_vm_power'], True),
    ('Running', 'off', False, False, ['set_vm_power'], False),
    ('Off', 'off', True, False, [], False),
    ('Off', 'off', False, True, [], True),
    ('Off', 'running', False, True, ['set_vm_power'], False),
    ('Running', 'running', False, True, ['set_vm_power'], False),
    ('Running', 'running', False, False, [], False),
])
def test_power_plan_owes_and_pays_a_restart(current, wanted, record, pending, steps, after):
    args = {'vm_name': 'sql01', 'state': wanted, 'shutdown_timeout': 300, 'turn_off_on_timeout': False,
            'record_restart': record}
    plan = power_plan(args, host(state=current, restart_pending=pending), False)
    assert [step.script for step in plan.steps] == steps
    assert plan.result['restart_pending'] is after
    if steps and wanted == 'off':
        assert plan.steps[0].parameters.get('RecordRestart', False) is record


@pytest.mark.parametrize('current', ['Saved', 'Paused'])
def test_power_off_turns_a_saved_or_paused_vm_off_only_with_turn_off_on_timeout(current):
    args = {'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': 300, 'turn_off_on_timeout': True,
            'record_restart': True}
    plan = power_plan(args, host(state=current), False)
    assert [step.script for step in plan.steps] == ['set_vm_power']
    # Turned off, not shut down from Running: no start is owed.
    assert plan.steps[0].parameters == {'VMId': host()['vms'][0]['id'], 'State': 'off', 'ShutdownTimeout': 300,
                                        'TurnOffOnTimeout': True}
    assert plan.result == {'vm_name': 'sql01', 'state': 'Off', 'previous_state': current, 'restart_pending': False}


def test_power_refuses_to_start_a_vm_with_devices_on_client_windows():
    doc = load_example('passed_through')
    doc['host']['product_type'] = 'workstation'
    doc['vms'][0]['state'] = 'Off'
    with pytest.raises(PreconditionError, match='0xC035001E'):
        power_plan({'vm_name': 'sql02', 'state': 'running', 'shutdown_timeout': 300, 'turn_off_on_timeout': False},
                   doc, True)


def test_power_negative_timeout():
    with pytest.raises(PreconditionError, match='shutdown_timeout must be a whole number of seconds from 0 to '
                                                '2147483647; got -1.'):
        power_plan({'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': -1, 'turn_off_on_timeout': False},
                   host(), False)


@pytest.mark.parametrize('planner,args', [
    (stop_action_plan, {'action': 'TurnOff'}),
    (memory_plan, {'dynamic_memory': False, 'startup_bytes': None}),
    (power_plan, {'state': 'off', 'shutdown_timeout': 300, 'turn_off_on_timeout': False}),
])
def test_unknown_duplicate_and_empty_vm_names(planner, args):
    doc = host()
    with pytest.raises(SelectorError, match="has no VM named 'nope'"):
        planner(dict(args, vm_name='nope'), doc, True)
    with pytest.raises(SelectorError, match='vm_name must not be empty'):
        planner(dict(args, vm_name='  '), doc, True)
    doc['vms'][1]['name'] = 'SQL01'
    with pytest.raises(SelectorError, match="has 2 VMs named 'sql01'"):
        planner(dict(args, vm_name='sql01'), doc, True)
