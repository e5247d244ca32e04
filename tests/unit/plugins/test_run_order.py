"""The plan's order is the run's order (issue 22): the role runs the plan's steps in the plan's order, and each task
meets the host its step expects (its ``survey``), with two and with three devices, passthrough and release.

The role runs by ansible-playbook on a simulated host, with the simulator's call log. The same steps are then run
again, in the plan's order, on a copy of the host the role started from, by the same action plugins with the same
arguments (ActionRunner): before each step the copy is read as a survey reads it and compared with the step's expected
host, and after the last the replay's call log (every script, every cmdlet, in order) and its host must be the
role's. The simulator is deterministic, so the hosts the replay met before each step are the hosts the role's tasks
met. A device away from the host is surveyed from the collection's record of it, with fewer fields than the plan
carries forward; the comparison holds what the tasks decide on: each device's state, problem code and the collection's
records, every VM setting, and the step planner's own decision (the scripts and their parameters).
"""
import json
import os
import shutil
import sys

import pytest
import yaml

from ddatest import ROOT, ActionRunner, run_playbook, simulator_vars, surveyed, with_third_nvme

from ansible_collections.hyperv.dda.plugins.module_utils import guest_plans
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path
from ansible_collections.hyperv.dda.plugins.plugin_utils import device_plans, vm_plans
from ansible_collections.hyperv.dda.plugins.plugin_utils.effects import scoped
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import PHASES, RUN_ORDER
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import mutating_calls

pytestmark = pytest.mark.slow
TASKS = os.path.join(ROOT, 'roles', 'nvme_passthrough', 'tasks')
PLANNERS = {'hyperv_vm_power': vm_plans.power_plan, 'hyperv_vm_stop_action': vm_plans.stop_action_plan,
            'hyperv_vm_memory': vm_plans.memory_plan, 'pnp_device_disable': device_plans.pnp_device_plan,
            'vmhost_assignable_device': device_plans.host_device_plan,
            'vm_assignable_device': device_plans.vm_device_plan, 'guest_nvme_disk': guest_plans.guest_disk_plan}
SERIALS = ('S4EWNX0N123456', 'PHLJ9120012A2P0BGN', 'S4EWNX0N654321')
# What of a device a task decides on, beside what its planner decides from it (compared below).
DEVICE_FACTS = ('state', 'problem_code', 'identity_recorded', 'recorded_mmio_mb', 'return_pending')


def _role(count, state):
    return {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_state': state,
            'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True,
            'nvme_passthrough_allow_mounted_volumes': True, 'nvme_passthrough_restore_vm_settings': True,
            'nvme_passthrough_devices': [{'serial_number': serial} for serial in SERIALS[:count]]}


def _facts(snapshot):
    devices = dict((location_path(device), tuple(device.get(key) or None for key in DEVICE_FACTS))
                   for device in snapshot['devices'])
    return devices, snapshot['vms']


def _decision(step, survey):
    args = dict(step['args'], _option_names={})
    for key in ('instance_id', 'serial_number', 'startup_bytes'):
        args.setdefault(key, None)
    args.setdefault('turn_off_on_timeout', False)
    decided = PLANNERS[step['module']](args, survey, False)
    return [(each.script, each.parameters) for each in decided.steps], decided.warnings


def _mutating(lines):
    return [(line['script'], line['calls']) for line in lines if mutating_calls(line['calls'])]


def _lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        lines = [json.loads(line) for line in handle.read().splitlines()]
    open(path, 'w').close()
    return lines


def _replay(plan, state, log):
    """Run the plan's steps in order on ``state``; before each, compare the host with the step's expected host."""
    for number, step in enumerate(plan['steps']):
        expected = step['survey']
        paths = [location_path(device) for device in expected['devices']]
        vm_name = step['args'].get('vm_name') or plan['vm']['name']
        with open(state, encoding='utf-8') as handle:
            real = scoped(surveyed(json.load(handle)), vm_name, paths)
        where = 'step %d (%s, %s)' % (number, step['key'], step['label'])
        assert _facts(real) == _facts(expected), where
        assert _decision(step, real) == _decision(step, expected), where
        args = dict((key, value) for key, value in step['args'].items() if value is not None)
        result = ActionRunner().run(step['module'], dict(args, survey=expected),
                                    simulator_vars(state, hyperv_dda_simulator_log=log))
        assert result.get('changed') and not result.get('failed'), (where, result)


@pytest.mark.parametrize('count', [2, 3])
def test_each_task_meets_the_host_its_step_expects(tmp_path, state_file, count):
    state = state_file('two_nvme_server', with_third_nvme)
    log, replay_log = str(tmp_path / 'role.jsonl'), str(tmp_path / 'replay.jsonl')
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'hyperv_dda_backend': 'simulator',
        'hyperv_dda_simulator_state': state, 'hyperv_dda_simulator_log': log}}}}))
    for run in ('present', 'absent'):
        replayed = str(tmp_path / ('replay_%s.json' % run))
        shutil.copy(state, replayed)
        plan = ActionRunner().run('nvme_passthrough_plan', _role(count, run), simulator_vars(replayed))
        keys = [step['key'] for step in plan['steps']]
        assert plan['errors'] == [] and keys == sorted(keys, key=RUN_ORDER.index), keys
        assert keys.count('shutdown') == 1 and keys.count('restart') == 1
        playbook = tmp_path / ('%s.yml' % run)
        playbook.write_text(json.dumps([{'hosts': 'hyperv_hosts', 'gather_facts': False,
                                         'roles': [{'role': 'hyperv.dda.nvme_passthrough', 'vars': _role(count, run)}]}]))
        done, recap, calls = run_playbook(inventory, playbook, tmp_path / 'role.jsonl', 'hv01')
        assert recap['failed'] == 0, done.stdout
        _lines(replay_log)
        _replay(plan, replayed, replay_log)
        role_calls = _mutating(calls)
        assert len(role_calls) == len(plan['steps'])
        assert role_calls == _mutating(_lines(replay_log)), 'the role ran the plan\'s steps in the plan\'s order'
        with open(state, encoding='utf-8') as mine, open(replayed, encoding='utf-8') as theirs:
            mine, theirs = json.load(mine), json.load(theirs)
        # The role holds one lease for its run, each replayed task one of its own: the lease's version differs.
        assert mine['host'].pop('lease')['holder'] is None and theirs['host'].pop('lease')['holder'] is None
        assert mine == theirs


def _tasks(name):
    """The tasks of a tasks file in the order they run, the files it includes in place (each once: window_close.yml
    runs again only after a failed start)."""
    with open(os.path.join(TASKS, name), encoding='utf-8') as handle:
        tasks = yaml.safe_load(handle.read())
    flat, included = [], set()
    for task in tasks:
        for each in task.get('block', []) + task.get('rescue', []) + task.get('always', []) if 'block' in task \
                else [task]:
            child = each.get('ansible.builtin.include_tasks')
            if child and child not in included and 'nvme_passthrough__run' not in each.get('vars', {}):
                included.add(child)
                flat.extend(_tasks(child))
            elif not child:
                flat.append(each)
    return flat


def _keys_in(name):
    """The step keys a tasks file runs, in its order (the power window's start: its restart steps)."""
    keys = []
    for task in _tasks(name):
        loop = str(task.get('loop', ''))
        if "selectattr('key', 'equalto', '" in loop:
            keys.append(loop.split("selectattr('key', 'equalto', '")[1].split("'")[0])
        elif 'hyperv.dda.restart_steps' in loop:
            keys.append('restart')
    return keys


def test_the_role_s_tasks_files_run_the_keys_in_the_plans_order():
    """Each phase's tasks file runs its keys in RUN_ORDER, and run.yml runs the phases in order."""
    for phase, keys in PHASES:
        assert tuple(_keys_in(phase + '.yml')) == keys, phase
    with open(os.path.join(TASKS, 'run.yml'), encoding='utf-8') as handle:
        run = handle.read()
    assert [run.index("'%s' in nvme_passthrough__plan.phases" % phase) for phase, dummy in PHASES] == sorted(
        run.index("'%s' in nvme_passthrough__plan.phases" % phase) for phase, dummy in PHASES)
