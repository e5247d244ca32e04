"""examples/playbooks: the manual procedure with plain module tasks, run by real ansible-playbook.

On a fresh copy of a host whose VM is off: --check reports every step changed and fails none;
the real run passes the NVMe through; a rerun changes nothing and makes no mutating call; the
release playbook leaves the device enabled on the host and the snapshot where it started, apart
from the recorded identity and the two VM settings DDA needed (stop action, static memory).
"""
import json
import os
import re
import subprocess
import sys

import pytest

from ddatest import ROOT

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
pytestmark = pytest.mark.slow


@pytest.fixture
def host(tmp_path, state_file):
    def fresh(doc):
        doc['vms'][0].update(state='Off', guest_shutdown_available=None)  # sql01: stop action Save, dynamic memory on, as new VMs are
    state = state_file('two_nvme_server', fresh)
    log = tmp_path / 'calls.jsonl'
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': state,
        'hyperv_dda_simulator_log': str(log)}}}}))

    def play(name, *options):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
                   os.path.join(ROOT, 'examples', 'playbooks', name), '-e', 'dda_vm_name=sql01',
                   '-e', 'dda_location_path=%s' % SAMSUNG] + list(options)
        done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=ROOT)
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        log.write_text('')
        return done, calls
    play.state = state
    return play


def _recap(output):
    match = re.search(r'hv01\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', output)
    assert match, output
    return dict(zip(('ok', 'changed', 'unreachable', 'failed'), map(int, match.groups())))


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
    assert 'In check mode this assumes an earlier step' in checked.stderr + checked.stdout

    released, calls = host('release_by_hand.yml')
    assert released.returncode == 0, released.stdout + released.stderr
    assert _recap(released.stdout)['changed'] == 4
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
