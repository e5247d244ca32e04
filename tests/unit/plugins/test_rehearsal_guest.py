"""A rehearsal works on what capture_snapshot captures (issue 24, item 1).

With the guest's credential, the capture keeps the role's VM's guest as PowerShell Direct shows it, and the rehearsal
runs the guest step too; without it, every VM of the snapshot says why it has no view of its guest, and the rehearsal
runs the host part and says plainly that the guest step is checked at run time, in check mode and for real. Only a
snapshot can say so: on the PowerShell backend (a real host) the guest is always asked.

The slow tests follow a user: the collection built with ansible-galaxy and installed into an empty collections path,
played by its fully qualified names from a folder outside the repository.
"""
import copy
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import parse, validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import GuestNotCaptured
from ansible_collections.hyperv.dda.plugins.plugin_utils.rehearsal import rehearsal_snapshot
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.guest import used_letters
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.guest_twins import survey_guest_disks
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.version import COLLECTION_VERSION

from ddatest import ROOT, PowerShellIntoSimulator, load_example, simulator_vars

BIN = os.path.dirname(sys.executable)
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
CREDENTIAL = {'username': 'Administrator', 'password': 'example-only'}
LEFT_OUT = 'checked at run time'


def _guest_survey(doc, vm_name):
    """What survey_guest_disks returns for a VM of a simulated host, as the plan hands it on."""
    survey, dummy = survey_guest_disks(SimulatedHost(copy.deepcopy(doc)), {'VMName': vm_name, 'Credential': CREDENTIAL,
                                                                           'AccessPaths': []})
    return json.loads(json.dumps(survey))


# --- the snapshot a capture writes ------------------------------------------------------------------------------------

def test_a_vm_has_a_view_of_its_guest_or_says_why_not_never_both():
    doc = load_example('two_nvme_server')
    doc['vms'][0]['guest_not_captured'] = 'no credential'
    assert any('guest_not_captured' in problem for problem in validate(doc))
    del doc['vms'][0]['guest']
    assert validate(doc) == []


def test_without_a_plan_every_vm_says_it_has_no_view_of_its_guest():
    doc = load_example('two_nvme_server')
    saved = rehearsal_snapshot(doc)
    assert all('guest' not in vm and 'no guest credential was given' in vm['guest_not_captured']
               for vm in saved['vms'])
    assert validate(saved) == []
    assert 'example-only' not in json.dumps(saved)


def test_the_captured_guest_keeps_no_credential_and_its_assigned_disks_go_to_their_device():
    """On passed_through, sql02 holds the Samsung drive, formatted E: in the guest. A real host reports the dismounted
    device's disk without contents; the guest's view of it goes to the device's disk record (contents travel with the
    device), not among the guest's own disks, and a DVD drive's letter stays in use."""
    real = load_example('passed_through')
    guest_view = _guest_survey(real, 'sql02')
    guest_view['used_letters'].append('Z')  # a DVD drive: a volume on no disk
    captured = copy.deepcopy(real)
    for vm in captured['vms']:
        vm.pop('guest', None)
    for device in captured['devices']:
        if device['state'] == 'dismounted':
            for disk in device['disks']:
                disk.update(partition_style=None, partitions=None, number=None)
    plan = {'vm': {'name': 'sql02'}, 'guest_survey': guest_view, 'guest_not_asked': None}
    saved = rehearsal_snapshot(captured, plan)
    assert validate(saved) == []
    sql02 = next(vm for vm in saved['vms'] if vm['name'] == 'sql02')
    assert sql02['guest']['captured'] is True and 'credential' not in sql02['guest']
    assert sql02['guest']['volume_letters'] == ['Z']
    assert [disk['bus_type'] for disk in sql02['guest']['disks']] == ['SCSI']
    device = next(device for device in saved['devices'] if device['state'] == 'dismounted')
    expected = next(device for device in real['devices'] if device['state'] == 'dismounted')
    assert device['disks'][0]['partitions'] == expected['disks'][0]['partitions']
    # The simulator answers for the captured guest as the guest answered, with any credential.
    host = SimulatedHost(saved)
    again, dummy = survey_guest_disks(host, {'VMName': 'sql02', 'Credential': {'username': 'x', 'password': 'y'},
                                             'AccessPaths': []})
    assert 'Z' in used_letters(host, sql02) and sorted(again['used_letters']) == sorted(guest_view['used_letters'])
    assert [disk['partitions'] for disk in again['disks']] == [disk['partitions'] for disk in guest_view['disks']]
    others = [vm for vm in saved['vms'] if vm['name'] != 'sql02']
    assert all('nvme_passthrough_vm_name' in vm['guest_not_captured'] for vm in others)


def test_a_guest_the_capture_could_not_ask_says_why():
    doc = load_example('two_nvme_server')
    saved = rehearsal_snapshot(doc, {'vm': {'name': 'SQL01'}, 'guest_survey': None,
                                     'guest_not_asked': "VM 'sql01' is Off, and a guest can be asked only while its "
                                                        "VM runs"})
    assert saved['vms'][0]['guest_not_captured'].startswith("the capture did not ask its guest: VM 'sql01' is Off")
    failed = rehearsal_snapshot(doc, {'failed': False, 'msg': 'nvme_passthrough_devices must be a list'})
    assert all('could not ask its guest: nvme_passthrough_devices' in vm['guest_not_captured']
               for vm in failed['vms'])


# --- the simulator and the backends -----------------------------------------------------------------------------------

def _not_captured(doc):
    del doc['vms'][0]['guest']
    doc['vms'][0]['guest_not_captured'] = 'no guest credential was given when it was captured'


def test_the_simulator_runs_no_guest_script_for_a_guest_it_has_no_view_of():
    doc = load_example('two_nvme_server')
    _not_captured(doc)
    with pytest.raises(GuestNotCaptured, match='checked at run time'):
        survey_guest_disks(SimulatedHost(doc), {'VMName': 'sql01', 'Credential': CREDENTIAL, 'AccessPaths': []})


@pytest.mark.parametrize('check_mode', [True, False])
def test_guest_nvme_disk_skips_a_guest_the_snapshot_has_no_view_of(runner, state_file, check_mode):
    state = state_file('passed_through', lambda doc: _not_captured_named(doc, 'sql02'))
    before = open(state).read()
    result = runner.run('guest_nvme_disk', {'vm_name': 'sql02', 'guest_credential': CREDENTIAL,
                                            'serial_number': 'S7KHNJ0W654321', 'drive_letter': 'F'},
                        simulator_vars(state), check_mode=check_mode)
    assert result.get('skipped') is True and not result.get('failed') and result['changed'] is False, result
    assert any(LEFT_OUT in warning for warning in result['warnings'])
    assert open(state).read() == before


def _not_captured_named(doc, name):
    vm = next(vm for vm in doc['vms'] if vm['name'] == name)
    del vm['guest']
    vm['guest_not_captured'] = 'no guest credential was given when it was captured'


def test_on_a_real_host_the_plan_always_asks_the_guest(state_file):
    """The PowerShell backend never reads the snapshot's marker: the guest is asked (a second round trip), and a guest
    that cannot be asked fails the plan as before."""
    state = state_file('two_nvme_server', lambda doc: doc['vms'][0]['guest'].update(os='linux'))
    host = PowerShellIntoSimulator(state)
    result = host.run('nvme_passthrough_plan', {
        'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'location_path': SAMSUNG,
                                                                           'drive_letter': 'E'}],
        'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True,
        'nvme_passthrough_guest': 'powershell_direct', 'nvme_passthrough_guest_credential': CREDENTIAL},
        check_mode=True)
    assert len(host.sent) == 2
    assert any("Cannot ask the guest of VM 'sql01' through PowerShell Direct" in error for error in result['errors'])
    assert result['guest_survey'] is None and result['guest_not_asked'].startswith('Cannot ask the guest')


# --- as a user: capture, then rehearse, with the installed artifact ---------------------------------------------------

@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The collection as a user has it: built by ansible-galaxy, installed into an empty collections path."""
    folder = tmp_path_factory.mktemp('installed')
    # With a collections path that already holds hyperv.dda (this checkout's), ansible-galaxy would skip the install.
    env = dict((key, value) for key, value in os.environ.items()
               if key not in ('ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_COLLECTIONS_PATHS'))
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(folder)],
                   check=True, capture_output=True, cwd=ROOT, env=env)
    collections = folder / 'collections'
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--no-deps', '--force', '-p',
                    str(collections), str(folder / ('hyperv-dda-%s.tar.gz' % COLLECTION_VERSION))], check=True,
                   capture_output=True, cwd=str(folder), env=env)
    return collections


def _user_folder(tmp_path, installed, credential):
    """A user's folder: one host (a simulated one standing for a real host: its state file is the "production"
    host), the role's PowerShell Direct guest step, with or without the guest's credential in the inventory."""
    work = tmp_path / 'work'
    (work / 'hosts').mkdir(parents=True)
    example = installed / 'ansible_collections' / 'hyperv' / 'dda' / 'examples' / 'snapshots' / 'two_nvme_server.json'
    (work / 'hosts' / 'hv01.json').write_text(example.read_text())
    host = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
            'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': str(work / 'hosts' / 'hv01.json'),
            'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
            'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
            'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}
    if credential:
        host['nvme_passthrough_guest_credential'] = CREDENTIAL
    (work / 'inventory.yml').write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': host}}}))
    # The credential the real run is given (from a vault, say), which the capture may not have had.
    (work / 'run.json').write_text(json.dumps({'nvme_passthrough_guest_credential': CREDENTIAL}))
    assert not str(work).startswith(ROOT)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_NOCOLOR='1', PWD=str(work))
    env.pop('ANSIBLE_CONFIG', None)

    def play(command):
        argv = shlex.split(command)
        done = subprocess.run([os.path.join(BIN, argv[0])] + argv[1:], check=False, capture_output=True, text=True,
                              env=env, cwd=str(work))
        return done.returncode, done.stdout + done.stderr
    return work, play


REHEARSE = ("ansible-playbook -i inventory.yml hyperv.dda.nvme_passthrough -l hv01 -e @run.json "
            "-e hyperv_dda_backend=simulator -e 'hyperv_dda_simulator_state=snapshots/{{ inventory_hostname }}.json'")


def _changed_tasks(output):
    """The tasks that reported a change, in order."""
    return [task for task, body in re.findall(r'^TASK \[(.*?)\] \*+\n(.*?)(?=^TASK |^PLAY RECAP)', output, re.M | re.S)
            if re.search(r'^changed: ', body, re.M)]


@pytest.mark.slow
@pytest.mark.parametrize('credential', [True, False], ids=['with-guest-credential', 'without'])
def test_capture_then_rehearse_in_check_mode_and_for_real(installed, tmp_path, credential):
    work, play = _user_folder(tmp_path, installed, credential)
    production = (work / 'hosts' / 'hv01.json').read_text()
    code, output = play('ansible-playbook -i inventory.yml hyperv.dda.capture_snapshot -e capture_snapshot_dir=snapshots')
    assert code == 0, output
    text = (work / 'snapshots' / 'hv01.json').read_text()
    assert 'example-only' not in text and '"credential"' not in text
    captured = parse(text)
    sql01, web01 = captured['vms']
    assert 'nvme_passthrough_vm_name' in web01['guest_not_captured']
    if credential:
        assert sql01['guest']['captured'] is True and 'guest_not_captured' not in sql01
        assert 'runs its guest step too' in output
    else:
        assert 'guest' not in sql01 and 'no guest credential was given' in sql01['guest_not_captured']
        assert LEFT_OUT in output

    code, checked = play(REHEARSE + ' --check')
    assert code == 0, checked
    assert (work / 'snapshots' / 'hv01.json').read_text() == text, 'check mode changes nothing'
    code, applied = play(REHEARSE)
    assert code == 0, applied
    assert (work / 'hosts' / 'hv01.json').read_text() == production, 'a rehearsal never touches the host'
    assert _changed_tasks(checked) == _changed_tasks(applied), 'check mode predicts the rehearsal, task for task'
    guest_task = 'hyperv.dda.nvme_passthrough : Bring each passed-through disk into use in the guest'
    after = json.loads((work / 'snapshots' / 'hv01.json').read_text())
    assert after['vms'][0]['assigned_devices'] == [SAMSUNG] and after['vms'][0]['state'] == 'Running'
    partitions = after['devices'][0]['disks'][0]['partitions']
    if credential:
        assert guest_task in _changed_tasks(applied)
        assert [(p['drive_letter'], p['volume']['label']) for p in partitions if p['volume']] == [('E', 'data')]
        assert LEFT_OUT not in checked + applied
    else:
        assert guest_task not in _changed_tasks(applied) and partitions == []
        for output in (checked, applied):
            assert re.search(r"\[WARNING\]: The snapshot has no view of the guest of VM 'sql01': no guest credential "
                             r"was given.*This rehearsal leaves out the guest step .*%s" % LEFT_OUT, output), output
        assert 'Cannot ask the guest' not in checked + applied
