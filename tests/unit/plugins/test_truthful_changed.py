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
