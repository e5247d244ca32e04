"""examples/playbooks: the manual procedure with plain module tasks, run by real ansible-playbook.

On a fresh copy of a host whose VM is off: --check reports every step changed and fails none;
the real run passes the NVMe through; a rerun changes nothing and makes no mutating call; the
release playbook leaves the device enabled on the host and the snapshot where it started, apart
from the recorded identity and the two VM settings DDA needed (stop action, static memory).

--check of a chain predicts the real run (issue 24, item 4): the same tasks change, and a chain that cannot work
fails at the same task, with the same words where the host's own words are not needed (a running VM at the memory
step, after the stop action; a guest step whose VM the chain leaves off).
"""
import json
import os
import re
import sys

import pytest

from ddatest import ROOT
from playbooks import ansible_playbook, recap

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
pytestmark = pytest.mark.slow


def _simulated_host(tmp_path, state):
    """play(playbook, *options) on one simulated host hv01 with that state file: (the run, its simulator calls)."""
    log = tmp_path / 'calls.jsonl'
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': state,
        'hyperv_dda_simulator_log': str(log)}}}}))

    def play(name, *options):
        playbook = name if os.path.isabs(name) else os.path.join(ROOT, 'examples', 'playbooks', name)
        done = ansible_playbook(inventory, playbook, '-e', 'dda_vm_name=sql01', '-e', 'dda_location_path=%s' % SAMSUNG,
                                *options, env={'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg')}, cwd=ROOT)
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        log.write_text('')
        return done, calls
    play.state = state
    return play


@pytest.fixture
def host(tmp_path, state_file):
    def fresh(doc):
        doc['vms'][0].update(state='Off', guest_shutdown_available=None)  # sql01: stop action Save, dynamic memory on, as new VMs are
    return _simulated_host(tmp_path, state_file('two_nvme_server', fresh))


def _recap(output):
    return recap(output, 'hv01')


def test_manual_procedure_check_apply_rerun_release(host):
    start = json.load(open(host.state))

    checked, calls = host('passthrough_by_hand.yml', '--check')
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # every module task reports a change (the survey and the assert report none)
    assert _recap(checked.stdout) == {'ok': 8, 'changed': 6, 'unreachable': 0, 'failed': 0}
    assert json.load(open(host.state)) == start
    assert {call['script'] for call in calls} == {'survey_host'}

    applied, calls = host('passthrough_by_hand.yml')
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert _recap(applied.stdout)['changed'] == 6
    mutating = [call['script'] for call in calls if call['script'] not in ('survey_host', 'set_lease')]
    assert mutating == ['set_vm_stop_action', 'set_vm_memory', 'set_pnp_device', 'dismount_device', 'set_vm_device',
                        'set_vm_power'], 'each mutating step of the procedure runs exactly once'
    # Each task on its own holds the host's lease for its change: taken before it, given back after it.
    leased = [call['script'] for call in calls if call['script'] != 'survey_host']
    assert leased == [name for step in mutating for name in ('set_lease', step, 'set_lease')]
    now = json.load(open(host.state))
    assert now['vms'][0]['assigned_devices'] == [SAMSUNG] and now['vms'][0]['state'] == 'Running'

    again, calls = host('passthrough_by_hand.yml')
    assert _recap(again.stdout)['changed'] == 0
    assert {call['script'] for call in calls} == {'survey_host'}, 'a rerun makes no mutating call'
    assert len(calls) == 7, 'one round trip per module task'

    checked, calls = host('release_by_hand.yml', '--check')
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _recap(checked.stdout) == {'ok': 4, 'changed': 4, 'unreachable': 0, 'failed': 0}
    # Each step plans on the host as the steps before it leave it: nothing needs assuming.
    assert 'In check mode this assumes an earlier step' not in checked.stderr + checked.stdout

    released, calls = host('release_by_hand.yml')
    assert released.returncode == 0, released.stdout + released.stderr
    assert _recap(released.stdout)['changed'] == 4
    assert _changed(checked.stdout) == _changed(released.stdout)
    end = json.load(open(host.state))
    assert end['host'].pop('lease')['holder'] is None, 'every task gave the lease back'
    assert end['devices'][0]['state'] == 'enabled'
    assert end['devices'][0].pop('identity_recorded') is True
    # The record keeps the MMIO need too (recorded at disable and dismount), for the MMIO check of a device away.
    assert end['devices'][0].pop('recorded_mmio_mb') == start['devices'][0]['survey']['mmio_mb']
    assert (end['vms'][0].pop('automatic_stop_action'), end['vms'][0].pop('dynamic_memory_enabled')) == ('TurnOff', False)
    del start['vms'][0]['automatic_stop_action'], start['vms'][0]['dynamic_memory_enabled']
    assert end == start

    again, calls = host('release_by_hand.yml')
    assert _recap(again.stdout)['changed'] == 0


def _changed(output):
    """The tasks that reported a change, in order."""
    return [task for task, body in _tasks(output) if re.search(r'^changed: ', body, re.M)]


def _failed(output):
    """(the task that failed, its message), or None."""
    for task, body in _tasks(output):
        found = re.search(r'^fatal: \[hv01\]: FAILED! => (\{.*\})$', body, re.M)
        if found:
            return task, json.loads(found.group(1))['msg']
    return None


def _tasks(output):
    return re.findall(r'^TASK \[(.*?)\] \*+\n(.*?)(?=^TASK |^PLAY RECAP)', output, re.M | re.S)


GUEST = ['-e', json.dumps({'dda_guest_credential': {'username': 'Administrator', 'password': 'example-only'}})]


@pytest.fixture
def running_host(tmp_path, state_file):
    """sql01 running, as two_nvme_server has it."""
    return _simulated_host(tmp_path, state_file('two_nvme_server'))


def test_check_mode_of_the_procedure_on_a_running_vm_fails_where_the_real_run_fails(running_host):
    """The procedure never shuts the VM down: the memory step fails for real, after the stop action changed. Check
    mode says so at the same step, instead of assuming an earlier step turns the VM off."""
    start = open(running_host.state).read()
    checked, dummy = running_host('passthrough_by_hand.yml', '--check')
    assert checked.returncode != 0
    assert open(running_host.state).read() == start
    applied, dummy = running_host('passthrough_by_hand.yml')
    assert applied.returncode != 0
    assert _changed(checked.stdout) == _changed(applied.stdout) == [
        '1. Let the host turn the VM off when it shuts down (a VM with a device cannot be saved)']
    assert _failed(checked.stdout) == _failed(applied.stdout) == (
        'Give the VM static memory (DDA needs it)',
        "Cannot change the memory of VM 'sql01': the VM is Running and Set-VMMemory needs it Off. Stop it first "
        "(hyperv.dda.hyperv_vm_power state=off).")


def test_check_mode_of_the_procedure_with_the_guest_step_predicts_every_step(host):
    """The VM is off: check mode cannot ask its guest, which the chain starts; the guest step is planned from the
    host's view of the drive, and reported as the real run then does it."""
    start = open(host.state).read()
    checked, calls = host('passthrough_by_hand.yml', '--check', *GUEST)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert open(host.state).read() == start
    assert {call['script'] for call in calls} == {'survey_host'}, 'the guest of a VM that is off is not asked'
    said = checked.stdout + checked.stderr
    assert "VM 'sql01' is Off on the host; an earlier task of this check-mode run starts it" in said
    assert 'In check mode this assumes' not in said
    applied, calls = host('passthrough_by_hand.yml', *GUEST)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert _changed(checked.stdout) == _changed(applied.stdout)
    assert _changed(applied.stdout)[-1] == '7. Bring the drive into use in the guest, through PowerShell Direct'
    disk = json.load(open(host.state))['devices'][0]['disks'][0]
    assert [p['drive_letter'] for p in disk['partitions'] if p['volume']] == ['E']


CHAIN = """
- hosts: hyperv_hosts
  gather_facts: false
  tasks:
    - {name: shut down, hyperv.dda.hyperv_vm_power: {vm_name: sql01, state: "off"}}
    - {name: stop action, hyperv.dda.hyperv_vm_stop_action: {vm_name: sql01}}
    - {name: memory, hyperv.dda.hyperv_vm_memory: {vm_name: sql01, dynamic_memory: false}}
    - {name: disable, hyperv.dda.pnp_device_disable: {serial_number: S4EWNX0N123456}}
    - {name: dismount, hyperv.dda.vmhost_assignable_device: {serial_number: S4EWNX0N123456}}
    - {name: assign, hyperv.dda.vm_assignable_device: {vm_name: sql01, serial_number: S4EWNX0N123456}}
    - {name: start, hyperv.dda.hyperv_vm_power: {vm_name: sql01, state: running}, when: start | bool}
    - name: guest
      hyperv.dda.guest_nvme_disk:
        vm_name: sql01
        guest_credential: {username: Administrator, password: example-only}
        adapter_serial_number: S4EWNX0N123456
        drive_letter: F
"""


@pytest.mark.parametrize('start', [True, False], ids=['started', 'left-off'])
def test_check_mode_of_a_chain_on_a_running_vm_predicts_the_guest_step(running_host, tmp_path, start):
    """A chain that shuts the running VM down and starts it again: check mode asks the running guest, and the drive
    the chain passes through joins what the guest shows. A chain that leaves the VM off fails at the guest step,
    in check mode and for real."""
    playbook = tmp_path / 'chain.yml'
    playbook.write_text(CHAIN)
    switch = ['-e', 'start=%s' % start]
    checked, dummy = running_host(str(playbook), '--check', *switch)
    applied, dummy = running_host(str(playbook), *switch)
    assert _changed(checked.stdout) == _changed(applied.stdout)
    if start:
        assert checked.returncode == 0 and applied.returncode == 0, checked.stdout + applied.stdout
        assert _changed(applied.stdout) == ['shut down', 'stop action', 'memory', 'disable', 'dismount', 'assign',
                                            'start', 'guest']
        assert 'is not in the guest yet: an earlier task of this check-mode run passes its device through' in \
            checked.stdout + checked.stderr
    else:
        assert _failed(checked.stdout)[0] == _failed(applied.stdout)[0] == 'guest'
        assert "the VM will be Off at this step" in _failed(checked.stdout)[1]
