"""All or nothing, planned (recovery_plan.py): after a run stopped before any of its steps, the recovery brings the host
back as the run found it, or, where that would take a second shutdown, as planned; never in between.

Table-driven on the plan's own effects: the host a run leaves when it stops before step k is the plan's steps up to k
applied to the host it found (the step that fails changes nothing). The recovery is planned from that host in two
parts, as the role runs it: inside the power window while the VM is off (what needs it off, then the start), then the
rest; each part's steps are applied in turn. The slow matrix (tests/evidence/test_all_or_nothing.py) does the same
through the role, with the simulator's faults.
"""
import copy

import pytest

from ddatest import load_example, surveyed, with_third_nvme

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings
from ansible_collections.hyperv.dda.plugins.plugin_utils.effects import apply_step
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import position, plan_run, vm_settings
from ansible_collections.hyperv.dda.plugins.plugin_utils.recovery_plan import NEEDS_OFF, plan_recovery
from ansible_collections.hyperv.dda.plugins.plugin_utils.role_story import failure_story

SERIALS = ('S4EWNX0N123456', 'PHLJ9120012A2P0BGN', 'S4EWNX0N654321')


def _settings(count, state='present', **values):
    base = {'vm_name': 'sql01', 'devices': [{'serial_number': serial} for serial in SERIALS[:count]],
            'allow_vm_restart': True, 'disable_dynamic_memory': True, 'allow_mounted_volumes': True,
            'restore_vm_settings': True, 'state': state}
    base.update(values)
    return passthrough_settings(dict(('nvme_passthrough_' + key, value) for key, value in base.items()))


def _apply(host, steps):
    for step in steps:
        apply_step(host, step['module'], step['args'])
    return host


def _where(plan, host):
    """Where the run's devices and the VM are: what all or nothing is about."""
    name = plan['vm']['name']
    devices = dict((device['location_path'], position(host, name, device['location_path']))
                   for device in plan['devices'])
    vm = vm_settings(host, name)
    vm['restart_pending'] = bool(next(each for each in host['vms'] if each['name'] == name).get('restart_pending'))
    return devices, vm


def _ends(plan):
    found = (dict((device['location_path'], device['found']) for device in plan['devices']),
             dict(plan['vm']['found'], restart_pending=False))
    planned = (dict((device['location_path'], device['planned']) for device in plan['devices']),
               dict(plan['vm']['planned'], restart_pending=False))
    return found, planned


def _recovered(plan, host):
    """The host once the role has run both parts of the recovery, as it does after a failure."""
    window = plan_recovery(plan, {'snapshot': host}, 'found', 'power_window')
    _apply(host, window['steps'])
    rest = plan_recovery(plan, {'snapshot': host}, 'found', 'after_window')
    _apply(host, rest['steps'])
    return window, rest


def _cases():
    cases = []
    start = surveyed(load_example('two_nvme_server'))
    with_third_nvme(start)
    for count in (1, 2, 3):
        passthrough = plan_run(copy.deepcopy(start), _settings(count))
        converged = _apply(copy.deepcopy(start), passthrough['steps'])
        release = plan_run(copy.deepcopy(converged), _settings(count, 'absent'))
        for name, plan, host in (('passthrough', passthrough, start), ('release', release, converged)):
            for stop in range(len(plan['steps'])):
                cases.append(pytest.param(plan, host, stop, id='%s-%d-before-%d-%s' % (
                    name, count, stop, plan['steps'][stop]['key'])))
    return cases


@pytest.mark.parametrize('plan,host,stop', _cases())
def test_a_run_that_stops_before_any_step_is_given_back_or_finished(plan, host, stop):
    assert plan['errors'] == []
    left = _apply(copy.deepcopy(host), plan['steps'][:stop])
    window, rest = _recovered(plan, left)
    assert window['left'] == [] and rest['left'] == [], (window['left'], rest['left'])
    found, planned = _ends(plan)
    assert _where(plan, left) in (found, planned)
    # Before the power window closes, going back costs no second shutdown: the host is as the run found it. After it
    # (a release whose devices are off the VM and the VM running), the run is finished instead.
    keys = [step['key'] for step in plan['steps']]
    closed = 'restart' in keys and stop > keys.index('restart')
    assert _where(plan, left) == (planned if closed else found), window['target']


def test_what_would_need_a_second_shutdown_is_left_and_said():
    start = surveyed(load_example('two_nvme_server'))
    plan = plan_run(copy.deepcopy(start), _settings(2))
    left = _apply(copy.deepcopy(start), plan['steps'])
    left['vms'][0]['dynamic_memory_enabled'] = True  # changed by hand after the run: neither end without the VM off
    rest = plan_recovery(plan, {'snapshot': left}, 'found', 'after_window')
    assert rest['steps'] == [] and any(NEEDS_OFF in item for item in rest['left']), rest


def test_nothing_is_planned_without_a_read_of_the_host():
    plan = plan_run(surveyed(load_example('two_nvme_server')), _settings(1))
    recovery = plan_recovery(plan, {'failed': True, 'msg': 'unreachable'}, 'found')
    assert recovery['read'] is False and recovery['steps'] == [] and 'could not be read' in recovery['left'][0]


def _story(plan, host, on_failure='restore'):
    plan = dict(plan, on_failure=on_failure, check_mode=False)
    return failure_story(plan, ['Dismount each device from the host: failed.'], {'snapshot': host}, host='hv01')


def test_the_story_tells_each_device_and_setting_and_how_to_finish_what_is_left():
    start = surveyed(load_example('two_nvme_server'))
    plan = plan_run(copy.deepcopy(start), _settings(2))
    keys = [step['key'] for step in plan['steps']]
    # Left with on_failure leave, after the first dismount: one device dismounted, one disabled.
    left = _apply(copy.deepcopy(start), plan['steps'][:keys.index('dismount') + 1])
    story = _story(plan, left, 'leave')
    assert 'nvme_passthrough_on_failure is leave: the run gave nothing back.' in story
    assert ('(S4EWNX0N123456) at PCIROOT(0)#PCI(0102)#PCI(0000) is dismounted from the host and held by no VM: neither as '
            "before the run (enabled on the host) nor as planned (assigned to VM 'sql01'). To finish: the dda_reclaim "
            'playbook mounts and enables it (ansible-playbook -i <your inventory> hyperv.dda.dda_reclaim --limit hv01), '
            'or run the role again to finish the run.') in story
    assert '(PHLJ9120012A2P0BGN) at PCIROOT(0)#PCI(0103)#PCI(0000) is disabled on the host: neither' in story
    assert 'enable it (hyperv.dda.pnp_device_disable with state=enabled' in story
    assert "VM 'sql01' has its automatic stop action TurnOff, as planned." in story
    assert "VM 'sql01' has its dynamic memory on, as before the run." in story
    assert story.endswith("VM 'sql01' is running, as before the run.")
    # Given back: every device and setting as before the run.
    window, rest = _recovered(plan, left)
    story = failure_story(dict(plan, check_mode=False), ['Dismount: failed.'], {'snapshot': left},
                          given_back=window['changes'] + rest['changes'], host='hv01')
    assert 'Given back: mount Samsung NVMe Controller' in story
    assert story.count('as before the run') == 5 and 'neither' not in story and 'as planned' not in story


def test_check_mode_says_only_that_nothing_changed():
    plan = plan_run(surveyed(load_example('two_nvme_server')), _settings(1), check_mode=True)
    assert failure_story(dict(plan, check_mode=True), ['Disable: failed.'], None).endswith(
        'Check mode: nothing was changed.')
