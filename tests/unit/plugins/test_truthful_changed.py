"""What a task reports as changed is what its scripts did (issue 21, item 2).

Each mutating script says whether it changed anything ($Ansible.Changed; its twin returns the same), and
the task reports that, not the plan's prediction: a host that reached the planned state by other means
between the task's plan and its script run gives changed=false, and the call log shows no mutating call.
In check mode the task still reports the plan's prediction.
"""
import copy

import pytest

from ddatest import load_example

from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import mutating_calls
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS

pytestmark = pytest.mark.usefixtures('twins_under_lease')

SQL01 = '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10'
KEPT = {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True, 'memory_startup_bytes': 8589934592}


@pytest.mark.parametrize('script,parameters', [
    ('set_vm_stop_action', {'VMId': SQL01, 'Action': 'Save', 'Previous': 'forget'}),
    ('set_vm_memory', {'VMId': SQL01, 'DynamicMemoryEnabled': True, 'StartupBytes': 8589934592, 'Previous': 'forget'}),
])
def test_forgetting_a_kept_setting_is_a_change(script, parameters):
    """Only the kept value is removed (the setting is as asked already): the script says it changed the host."""
    doc = load_example('two_nvme_server')
    doc['vms'][0].update(state='Off', remembered_settings=dict(KEPT))
    host = SimulatedHost(doc)
    result, changed = TWINS[script](host, parameters)
    assert changed is True and mutating_calls(host.calls), host.calls
    again = SimulatedHost(copy.deepcopy(host.doc))
    result, changed = TWINS[script](again, parameters)
    assert changed is False and not mutating_calls(again.calls), again.calls


def test_a_vm_that_went_off_by_other_means_before_it_was_asked_is_no_change(monkeypatch):
    """set_vm_power read the VM Running, but by the time it looked at the Shutdown service someone had turned it off
    (the service is then not available): the script asked nothing and turned nothing off."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets

    reads = cmdlets.shutdown_components

    def turned_off_meanwhile(host):
        host.doc['vms'][0].update(state='Off', guest_shutdown_available=None)
        return reads(host)
    monkeypatch.setattr(cmdlets, 'shutdown_components', turned_off_meanwhile)
    host = SimulatedHost(load_example('two_nvme_server'))
    result, changed = TWINS['set_vm_power'](host, {'VMId': SQL01, 'State': 'off'})
    assert (result['state'], changed, mutating_calls(host.calls)) == ('Off', False, [])


SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'


def _stale_survey(state_file, tmp_path):
    """A state file whose Samsung drive is disabled already, and a survey of the host from before that."""
    from ddatest import surveyed
    survey = surveyed(load_example('two_nvme_server'))
    path = state_file('two_nvme_server', lambda doc: doc['devices'][0].update(state='disabled', problem_code=22))
    return path, survey, tmp_path / 'calls.jsonl'


def test_a_host_that_reached_the_planned_state_meanwhile_reports_no_change(runner, state_file, tmp_path):
    from ddatest import simulator_vars
    from truthful import read_log, task_problems
    path, survey, log = _stale_survey(state_file, tmp_path)
    result = runner.run('pnp_device_disable', {'location_path': SAMSUNG, 'survey': survey},
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is False, 'the plan said disable; the script found it disabled and did nothing'
    lines = read_log(str(log))
    assert [(line['script'], mutating_calls(line['calls']), line['changed']) for line in lines] == \
        [('set_lease', [], False), ('set_pnp_device', [], False), ('set_lease', [], False)], \
        'the host\'s lease, taken and given back, is no change of the host'
    assert task_problems(result, lines) == []


def test_check_mode_still_reports_the_plans_prediction(runner, state_file, tmp_path):
    from ddatest import simulator_vars
    path, survey, log = _stale_survey(state_file, tmp_path)
    result = runner.run('pnp_device_disable', {'location_path': SAMSUNG, 'survey': survey},
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)), check_mode=True)
    assert result['changed'] is True and not log.exists()


@pytest.mark.parametrize('told', [True, False])
def test_the_powershell_backend_reports_what_win_powershell_says_the_script_did(runner, told):
    """$Ansible.Changed comes back as win_powershell's changed; the task reports it."""
    from ddatest import lease_reply, surveyed
    survey = surveyed(load_example('two_nvme_server'))
    runner.replies.append(lease_reply())
    runner.replies.append({'changed': told, 'failed': False, 'result': {
        'instance_id': survey['devices'][0]['instance_id'], 'state': 'disabled', 'problem_code': 22}})
    runner.replies.append(lease_reply(held=True, version=1))
    result = runner.run('pnp_device_disable', {'location_path': SAMSUNG, 'survey': survey})
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is told


STDOUT = '''
TASK [hyperv.dda.nvme_passthrough : Disable each device on the host] ***********
changed: [hv01] => (item=Samsung)
ok: [hv02] => (item=Samsung)

TASK [hyperv.dda.nvme_passthrough : Dismount each device from the host] ********
fatal: [hv01]: FAILED! => {"msg": "x"}
'''


def _line(task, calls, changed, check_mode=False):
    return {'task': 'hyperv.dda.nvme_passthrough : %s' % task, 'script': 'set_pnp_device', 'check_mode': check_mode,
            'calls': calls, 'failed': None, 'changed': changed}


def test_the_checker_finds_a_task_that_said_changed_without_a_mutating_call():
    from truthful import playbook_problems
    made = [_line('Disable each device on the host', ['Get-PnpDevice', 'Disable-PnpDevice'], True)]
    nothing = [_line('Disable each device on the host', ['Get-PnpDevice'], False)]
    assert playbook_problems(STDOUT, made, 'hv01') == []
    assert playbook_problems(STDOUT, nothing, 'hv02') == []
    assert playbook_problems(STDOUT, nothing, 'hv01') == [
        "task 'hyperv.dda.nvme_passthrough : Disable each device on the host' reported changed=True but the log shows "
        "no mutating call"]
    assert playbook_problems(STDOUT, made, 'hv02')  # ok, though it disabled the device
    # A failed task is told by its message; its script runs are still held to their own word.
    failed = [_line('Dismount each device from the host', ['Dismount-VMHostAssignableDevice'], None)]
    assert playbook_problems(STDOUT, failed, 'hv01') == []
    assert playbook_problems(STDOUT, [_line('Dismount each device from the host', ['Get-VM'], True)], 'hv01') == [
        "set_pnp_device (task 'hyperv.dda.nvme_passthrough : Dismount each device from the host') said changed=True "
        "but made no mutating call"]
    assert playbook_problems(STDOUT, [_line('Disable each device on the host', ['Disable-PnpDevice'], None,
                                            check_mode=True)], 'hv01')  # nothing mutates in check mode
