"""The role's promises, tried as a user would (issue 13): every refusal before any change, check mode
that predicts every step, and the whole story of a failure.

Each case is one simulated host; the role runs by the real nvme_passthrough playbook, in check mode and
for real. A refusal leaves the state file byte for byte as it was, and only the surveys ran.
"""
import json
import os
import re

import pytest

from fleet import ROOT, Fleet

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'
CRED = {'username': 'Administrator', 'password': 'example-only'}
ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_devices': [{'location_path': SAMSUNG}]}
GUEST = dict(ROLE, nvme_passthrough_guest='powershell_direct', nvme_passthrough_guest_credential=CRED)


def _device(**values):
    return {'nvme_passthrough_devices': [dict({'location_path': SAMSUNG}, **values)]}


def _with_data(doc):
    doc['devices'][0]['disks'][0].update(partition_style='GPT', partitions=[
        {'number': 1, 'size': 10 ** 9, 'type': 'Basic', 'drive_letter': None, 'access_paths': [],
         'volume': {'file_system': 'NTFS', 'label': 'old', 'allocation_unit_size': 4096}}])


def _two_namespaces(doc):
    doc['devices'][0]['disks'].append(dict(doc['devices'][0]['disks'][0], number=5, serial_number='second'))


REFUSED = {
    # (the host, the role's variables, what the refusal says)
    'mounted-volume': (None, dict(ROLE, nvme_passthrough_devices=[{'location_path': INTEL}]),
                       'set nvme_passthrough_allow_mounted_volumes: true'),
    'quoted-false': (None, dict(ROLE, nvme_passthrough_disable_dynamic_memory='false'),
                     'Set nvme_passthrough_disable_dynamic_memory: true'),
    'two-letters': (None, dict(GUEST, **_device(drive_letter='EF')), 'drive_letter must be one letter'),
    'letter-in-use': (None, dict(GUEST, **_device(drive_letter='C')), 'Drive letter C is already in use'),
    'long-label': (None, dict(GUEST, **_device(label='x' * 33)), 'label must be at most 32 characters'),
    'relative-path': (None, dict(GUEST, **_device(access_path='mnt\\data')), 'access_path must be an absolute'),
    'wrong-password': (None, dict(GUEST, nvme_passthrough_guest_credential=dict(CRED, password='wrong'),
                                  **_device(drive_letter='E')),
                       "Cannot ask the guest of VM 'sql01' through PowerShell Direct before the run"),
    'two-namespaces': (_two_namespaces, dict(GUEST, **_device(drive_letter='E')), 'has 2 disks'),
    'unknown-disks': (lambda doc: doc['devices'][0].update(disks=None), ROLE, 'Which disks sit behind it is unknown'),
    'refs-on-data': (_with_data, dict(GUEST, **_device(file_system='refs', drive_letter='E')),
                     'Set nvme_passthrough_force_format: true to wipe it'),
    'no-shutdown-service': (lambda doc: doc['vms'][0].update(guest_shutdown_available=False), ROLE,
                            'its guest cannot be shut down gracefully'),
    'stale-assignment': (lambda doc: doc['vms'][0].update(stale_assignments=1), ROLE, '1 stale assignment(s)'),
}


def _fleet(folder, cases):
    hosts = dict((name, ('two_nvme_server', mutate) if mutate else 'two_nvme_server')
                 for name, (mutate, dummy, dummy) in cases.items())
    return Fleet(folder, hosts, dict((name, variables) for name, (dummy, variables, dummy) in cases.items()))


def changed_tasks(stdout):
    """{host: {task name}} of the tasks that reported a change, from ansible-playbook's output."""
    found, task = {}, None
    for line in stdout.splitlines():
        header = re.match(r'^TASK \[(?:[\w.]+ : )?(.*?)\] \*+$', line)
        if header:
            task = header.group(1)
            continue
        changed = re.match(r'^changed: \[([^\]\s]+)', line)
        if changed and task:
            found.setdefault(changed.group(1), set()).add(task)
    return found


@pytest.mark.parametrize('mode', ['--check', 'real'])
def test_every_refusal_comes_before_any_change(tmp_path, mode):
    fleet = _fleet(str(tmp_path), REFUSED)
    before = dict((name, open(fleet.state(name), 'rb').read()) for name in REFUSED)
    result = fleet.play('playbooks/nvme_passthrough.yml', *([mode] if mode != 'real' else []))
    for name, (dummy, dummy, fragment) in REFUSED.items():
        message = result.failure(name)
        assert result.recaps[name]['failed'] == 1 and message and fragment in message, (name, message)
        assert 'Nothing was changed.' in message, name
        assert open(fleet.state(name), 'rb').read() == before[name], name
        assert {call['script'] for call in fleet.calls(name)} <= {'survey_host', 'survey_guest_disks'}, name


def test_an_empty_device_list_changes_nothing_and_says_so(tmp_path):
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': dict(ROLE, nvme_passthrough_devices=[])})
    before = open(fleet.state('hv01'), 'rb').read()
    result = fleet.play('playbooks/nvme_passthrough.yml')
    assert result.recaps['hv01']['failed'] == 0 and result.recaps['hv01']['changed'] == 0, result.stdout
    assert 'Nothing to change: nvme_passthrough_devices is empty.' in result.stdout
    assert open(fleet.state('hv01'), 'rb').read() == before
    assert [call['script'] for call in fleet.calls('hv01')] == ['survey_host']


def test_check_mode_predicts_every_step_the_restart_and_the_guest_step_included(tmp_path):
    variables = dict(GUEST, nvme_passthrough_devices=[{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E',
                                                       'label': 'data'}])
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': variables})
    before = open(fleet.state('hv01'), 'rb').read()
    checked = fleet.play('playbooks/nvme_passthrough.yml', '--check')
    assert open(fleet.state('hv01'), 'rb').read() == before
    applied = fleet.play('playbooks/nvme_passthrough.yml')
    predicted, done = changed_tasks(checked.stdout)['hv01'], changed_tasks(applied.stdout)['hv01']
    assert predicted == done, (predicted ^ done)
    assert checked.untruthful == applied.untruthful == {}, 'each task said changed exactly when it made a mutating call'
    assert 'Start the VM again (it was running before the run, or an earlier run owed it a start)' in done
    assert 'Bring each passed-through disk into use in the guest' in done


def test_check_mode_from_the_task_is_check_mode(tmp_path):
    """include_role with apply: {check_mode: true}, inside a larger play: nothing runs for real."""
    variables = dict(GUEST, nvme_passthrough_devices=[{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E'}])
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': variables})
    before = open(fleet.state('hv01'), 'rb').read()
    playbook = tmp_path / 'apply_check.yml'
    playbook.write_text(json.dumps([{'hosts': 'hyperv_hosts', 'gather_facts': False, 'tasks': [
        {'name': 'The role in check mode', 'ansible.builtin.include_role': {
            'name': 'hyperv.dda.nvme_passthrough', 'apply': {'check_mode': True}}}]}]))
    result = fleet.play(str(playbook))
    assert result.recaps['hv01']['failed'] == 0, result.stdout
    assert 'Bring each passed-through disk into use in the guest' in changed_tasks(result.stdout)['hv01']
    assert open(fleet.state('hv01'), 'rb').read() == before
    assert {call['script'] for call in fleet.calls('hv01')} <= {'survey_host', 'survey_guest_disks'}


def test_one_device_for_two_vms_in_one_play_is_refused_in_check_mode(tmp_path):
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': {}})
    playbook = tmp_path / 'twice.yml'
    calls = [{'name': vm, 'ansible.builtin.include_role': {'name': 'hyperv.dda.nvme_passthrough'},
              'vars': dict(ROLE, nvme_passthrough_vm_name=vm)} for vm in ('sql01', 'web01')]
    playbook.write_text(json.dumps([{'hosts': 'hyperv_hosts', 'gather_facts': False, 'tasks': calls}]))
    result = fleet.play(str(playbook), '--check')
    assert result.recaps['hv01']['failed'] == 1
    assert "is given to VM 'sql01' by an earlier nvme_passthrough call in this play" in result.failure('hv01')


def test_two_faults_tell_the_whole_story_and_the_next_run_finishes_the_job(tmp_path):
    def faults(doc):
        doc['faults'] = [{'cmdlet': 'Add-VMAssignableDevice', 'message': 'Injected Add failure.', 'count': 1},
                         {'cmdlet': 'Start-VM', 'message': 'Injected Start failure.', 'count': 1}]
    fleet = Fleet(str(tmp_path), {'hv01': ('two_nvme_server', faults)}, {'hv01': ROLE})
    failed = fleet.play('playbooks/nvme_passthrough.yml')
    assert failed.untruthful == {}, 'each task said changed exactly when it made a mutating call'
    message = failed.failure('hv01')
    assert message.index('Injected Add failure.') < message.index('Then: Starting VM sql01 again') < \
        message.index('Injected Start failure.'), message
    assert message.endswith("VM 'sql01' is Off, and the host records that it is owed a start: the next run of the "
                            "role, the dda_reclaim playbook or hyperv.dda.hyperv_vm_power state=running starts it.")
    assert fleet.read('hv01')['vms'][0]['restart_pending'] is True
    again = fleet.play('playbooks/nvme_passthrough.yml')
    assert again.recaps['hv01']['failed'] == 0, again.stdout
    assert again.untruthful == {}
    vm = fleet.read('hv01')['vms'][0]
    assert vm['state'] == 'Running' and vm['restart_pending'] is False and vm['assigned_devices'] == [SAMSUNG]
    assert fleet.play('playbooks/nvme_passthrough.yml').recaps['hv01']['changed'] == 0


def test_release_gives_back_the_vm_settings_when_asked(tmp_path):
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': ROLE})
    start = fleet.read('hv01')['vms'][0]
    assert fleet.play('playbooks/nvme_passthrough.yml').recaps['hv01']['failed'] == 0
    remembered = fleet.read('hv01')['vms'][0]['remembered_settings']
    # Only what the passthrough changed, with the value it set: it kept the startup memory.
    assert remembered == {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True, 'memory_startup_bytes': None,
                          'set': {'automatic_stop_action': 'TurnOff', 'dynamic_memory_enabled': False,
                                  'memory_startup_bytes': None}}
    assert start['memory_startup_bytes'] == 8 * 1024 ** 3
    released = fleet.play('playbooks/nvme_release.yml', '-e', 'nvme_passthrough_restore_vm_settings=true')
    assert released.recaps['hv01']['failed'] == 0, released.stdout
    vm = fleet.read('hv01')['vms'][0]
    assert (vm['automatic_stop_action'], vm['dynamic_memory_enabled'], vm['remembered_settings']) == ('Save', True, None)
    assert vm['state'] == 'Running' and vm['assigned_devices'] == []


def test_release_gives_back_only_what_the_passthrough_changed_and_nobody_changed_since(tmp_path):
    """Issue 21: startup memory set to 16 GiB and the stop action to ShutDown by hand after the passthrough; a release
    with restore gives back dynamic memory only, and the plan says what it leaves and why."""
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': ROLE})
    assert fleet.play('playbooks/nvme_passthrough.yml').recaps['hv01']['failed'] == 0
    doc = fleet.read('hv01')
    doc['vms'][0].update(memory_startup_bytes=16 * 1024 ** 3, automatic_stop_action='ShutDown')
    fleet.write('hv01', doc)
    fleet.calls('hv01')
    released = fleet.play('playbooks/nvme_release.yml', '-e', 'nvme_passthrough_restore_vm_settings=true')
    assert released.recaps['hv01']['failed'] == 0, released.stdout
    vm = fleet.read('hv01')['vms'][0]
    assert (vm['automatic_stop_action'], vm['dynamic_memory_enabled'], vm['memory_startup_bytes']) == \
        ('ShutDown', True, 16 * 1024 ** 3)
    assert vm['remembered_settings'] is None and vm['state'] == 'Running' and vm['assigned_devices'] == []
    plan = released.stdout.split('TASK [hyperv.dda.nvme_passthrough : Show the plan]')[1].split('TASK')[0]
    assert "give VM 'sql01' back dynamic memory on" in plan
    assert "VM 'sql01' keeps its automatic stop action ShutDown: the passthrough set TurnOff, and it was changed " \
           "since, so the release does not give back Save." in plan
    assert [call['calls'].count('Set-VM') for call in fleet.calls('hv01') if call['script'] == 'set_vm_stop_action'] \
        == [0], 'the stop action was only forgotten'


def test_the_output_names_devices_as_people_know_them(tmp_path):
    fleet = Fleet(str(tmp_path), {'hv01': 'two_nvme_server'}, {'hv01': ROLE})
    result = fleet.play('playbooks/nvme_passthrough.yml', '--check')
    assert '(item=Samsung NVMe Controller (S4EWNX0N123456) at %s)' % SAMSUNG in result.stdout
    assert "{'" not in result.stdout.split('Show the plan')[1].split('TASK')[0], 'no Python repr in the plan'
    assert os.path.isdir(ROOT)
