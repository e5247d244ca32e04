"""The nvme_passthrough role by real ansible-playbook: several devices, several VMs, check first.

One play calls the role twice on one host: sql01 gets the Samsung drive, web01 the Intel drive
(which has a volume mounted on the host, so it needs nvme_passthrough_allow_mounted_volumes).
"""
import json
import sys

import pytest

from ddatest import run_playbook
from playbooks import ansible_playbook

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'
PLAY = [{
    'name': 'Two VMs, one role call each',
    'hosts': 'hyperv_hosts',
    'gather_facts': False,
    'tasks': [
        {'name': 'sql01', 'ansible.builtin.include_role': {'name': 'hyperv.dda.nvme_passthrough'},
         'vars': {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'location_path': SAMSUNG}],
                  'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True}},
        {'name': 'web01', 'ansible.builtin.include_role': {'name': 'hyperv.dda.nvme_passthrough'},
         'vars': {'nvme_passthrough_vm_name': 'web01', 'nvme_passthrough_devices': [{'serial_number': 'PHLJ9120012A2P0BGN'}],
                  'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_allow_mounted_volumes': True}},
    ],
}]


@pytest.fixture
def play(tmp_path, state_file):
    state = state_file('two_nvme_server')
    log = tmp_path / 'calls.jsonl'
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': state, 'hyperv_dda_simulator_log': str(log)}}}}))
    playbook = tmp_path / 'two_vms.yml'
    playbook.write_text(json.dumps(PLAY))

    def run(*options):
        return run_playbook(inventory, playbook, log, 'hv01', *options)
    run.state = state
    return run


def _cmdlets(calls):
    return [cmdlet for call in calls for cmdlet in call['calls']]


def test_two_vms_two_devices_check_apply_rerun(play):
    start = open(play.state, 'rb').read()
    checked, recap, calls = play('--check')
    assert recap['failed'] == 0, checked.stdout
    # sql01: power off, stop action, memory, disable, dismount, assign, start again; web01: the same less memory.
    # Check mode predicts the restart too.
    assert recap['changed'] == 13
    assert open(play.state, 'rb').read() == start
    assert {call['script'] for call in calls} == {'survey_host'}

    applied, recap, calls = play()
    assert recap['failed'] == 0, applied.stdout
    cmdlets = _cmdlets(calls)
    assert cmdlets.count('Invoke-CimMethod') == 2, 'each VM shut down exactly once (InitiateShutdown)'
    assert cmdlets.count('Stop-VM') == 0, 'and never turned off'
    assert cmdlets.count('Start-VM') == 2, 'and started again'
    for cmdlet in ('Disable-PnpDevice', 'Dismount-VMHostAssignableDevice', 'Add-VMAssignableDevice'):
        assert cmdlets.count(cmdlet) == 2, cmdlet
    assert cmdlets.count('Set-VMMemory') == 1
    doc = json.load(open(play.state))
    assert [vm['assigned_devices'] for vm in doc['vms']] == [[SAMSUNG], [INTEL]]
    assert [vm['state'] for vm in doc['vms']] == ['Running', 'Running']

    again, recap, calls = play()
    assert recap['changed'] == 0 and recap['failed'] == 0, again.stdout
    assert {call['script'] for call in calls} == {'survey_host'}, 'a converged rerun makes no mutating call'
    assert not {'Stop-VM', 'Invoke-CimMethod'} & set(_cmdlets(calls))


def test_guest_step_delegated_to_the_guest_inventory_host(tmp_path, state_file):
    """nvme_passthrough_guest: inventory runs guest_nvme_disk against the guest's own inventory host."""
    state = state_file('two_nvme_server')
    common = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
              'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': state}
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({
        'hyperv_hosts': {'hosts': {'hv01': dict(common)}},
        'guests': {'hosts': {'sql01.example.com': dict(common, hyperv_dda_simulator_vm='sql01')}},
    }))
    playbook = tmp_path / 'delegated.yml'
    playbook.write_text(json.dumps([{
        'hosts': 'hyperv_hosts', 'gather_facts': False,
        'roles': [{'role': 'hyperv.dda.nvme_passthrough', 'vars': {
            'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
            'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'inventory',
            'nvme_passthrough_guest_host': 'sql01.example.com',
            'nvme_passthrough_devices': [{'location_path': SAMSUNG, 'drive_letter': 'G', 'label': 'delegated'}]}}],
    }]))
    done = ansible_playbook(inventory, playbook)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'changed: [hv01 -> sql01.example.com]' in done.stdout
    volume = json.load(open(state))['devices'][0]['disks'][0]['partitions'][-1]
    assert volume['drive_letter'] == 'G' and volume['volume']['label'] == 'delegated'
