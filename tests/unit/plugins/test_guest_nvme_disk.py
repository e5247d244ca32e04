"""guest_nvme_disk end to end on the simulator: through PowerShell Direct and against the guest."""
import json

import pytest

from ddatest import lease_reply, load_recorded, simulator_vars

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
PASSWORD = 'example-only'
CREDENTIAL = {'username': 'Administrator', 'password': PASSWORD}
DIRECT = {'vm_name': 'sql01', 'guest_credential': CREDENTIAL, 'serial_number': '0025_3852_21B3_4B17.',
          'drive_letter': 'E', 'label': 'data'}


def passed_through(doc):
    """two_nvme_server after the host-side chain: the Samsung assigned to sql01, which runs."""
    doc['devices'][0].update(state='dismounted', identity_recorded=True)
    doc['vms'][0].update(state='Running', automatic_stop_action='TurnOff', dynamic_memory_enabled=False,
                         assigned_devices=[SAMSUNG])


@pytest.fixture
def host(state_file, tmp_path):
    path = state_file('two_nvme_server', passed_through)
    log = tmp_path / 'calls.jsonl'
    return path, simulator_vars(path, hyperv_dda_simulator_log=str(log)), log


def _scripts(log):
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    log.write_text('')
    return [line['script'] for line in lines]


def test_format_relabel_refuse_and_survive_a_release(runner, host):
    path, host_vars, log = host
    start = open(path, 'rb').read()

    checked = runner.run('guest_nvme_disk', DIRECT, host_vars, check_mode=True, diff=True)
    assert checked['changed'] is True, checked.get('msg')
    assert checked['volume'] == {'drive_letter': 'E', 'access_path': None, 'file_system': 'NTFS', 'label': 'data',
                                 'size': None}
    assert open(path, 'rb').read() == start

    formatted = runner.run('guest_nvme_disk', DIRECT, host_vars, diff=True)
    assert formatted['changed'] is True, formatted.get('msg')
    assert formatted['disk']['partition_style'] == 'GPT'
    assert formatted['volume']['drive_letter'] == 'E' and formatted['volume']['label'] == 'data'
    assert formatted['volume']['size'] > 990 * 10 ** 9
    # Through PowerShell Direct the change goes through the host: it runs under the host's lease, taken and given back.
    assert _scripts(log) == ['survey_guest_disks', 'survey_guest_disks', 'set_lease', 'format_guest_disk', 'set_lease']

    again = runner.run('guest_nvme_disk', DIRECT, host_vars)
    assert again['changed'] is False and again['volume'] == formatted['volume']
    assert _scripts(log) == ['survey_guest_disks'], 'a rerun makes no mutating call'

    before = json.load(open(path))['devices'][0]['disks'][0]['partitions']
    relabel = runner.run('guest_nvme_disk', dict(DIRECT, label='logs'), host_vars, diff=True)
    assert relabel['changed'] is True and relabel['volume']['label'] == 'logs'
    assert relabel['diff']['before']['volume']['label'] == 'data'
    after = json.load(open(path))['devices'][0]['disks'][0]['partitions']
    assert [p['size'] for p in after] == [p['size'] for p in before], 'relabelled in place, not reformatted'
    assert json.loads(log.read_text().splitlines()[-1])['calls'].count('Format-Volume') == 0

    refused = runner.run('guest_nvme_disk', dict(DIRECT, label='logs', file_system='refs'), host_vars)
    assert refused['failed'] is True
    assert "holds GPT with partition 1 (Reserved" in refused['msg'] and "NTFS 'logs', E:" in refused['msg']
    assert 'Set force: true' in refused['msg']

    # Return the device to the host and pass it through again: the volume comes back with it.
    for module, args in [('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}),
                         ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG, 'state': 'absent'}),
                         ('vmhost_assignable_device', {'location_path': SAMSUNG, 'state': 'mounted'}),
                         ('pnp_device_disable', {'location_path': SAMSUNG, 'state': 'enabled'}),
                         ('pnp_device_disable', {'location_path': SAMSUNG, 'allow_mounted_volumes': True}),
                         ('vmhost_assignable_device', {'location_path': SAMSUNG}),
                         ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}),
                         ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'})]:
        step = runner.run(module, args, host_vars)
        assert step['changed'] is True and not step.get('failed'), (module, step.get('msg'))
    back = runner.run('guest_nvme_disk', dict(DIRECT, label='logs'), host_vars)
    assert back['changed'] is False, back.get('msg')
    assert back['volume'] == relabel['volume'], 'the data came back with the device'


def test_against_the_guest_itself(runner, host):
    path, host_vars, log = host
    args = {'adapter_serial_number': 'S4EWNX0N123456', 'drive_letter': 'F', 'label': 'direct'}
    missing = runner.run('guest_nvme_disk', args, host_vars)
    assert missing['failed'] is True and 'set hyperv_dda_simulator_vm for this host' in missing['msg']
    guest_vars = dict(host_vars, hyperv_dda_simulator_vm='sql01')
    done = runner.run('guest_nvme_disk', args, guest_vars)
    assert done['changed'] is True and done['volume']['drive_letter'] == 'F', done.get('msg')
    assert runner.run('guest_nvme_disk', args, guest_vars)['changed'] is False
    assert 'Invoke-Command' not in log.read_text(), 'no PowerShell Direct when the task runs in the guest'


def test_wrong_credential_is_refused_and_never_echoed(runner, host):
    path, host_vars, log = host
    wrong = dict(DIRECT, guest_credential={'username': 'Administrator', 'password': 'wrong-secret'})
    result = runner.run('guest_nvme_disk', wrong, host_vars)
    assert result['failed'] is True
    assert result['msg'] == 'Script survey_guest_disks failed on the host (Invoke-Command): The credential is invalid.'
    assert 'wrong-secret' not in json.dumps(result)


def test_vm_that_is_off(runner, state_file):
    def off(doc):
        passed_through(doc)
        doc['vms'][0]['state'] = 'Off'
    result = runner.run('guest_nvme_disk', DIRECT, simulator_vars(state_file('two_nvme_server', off)))
    assert result['failed'] is True
    assert 'does not resolve to a single running virtual machine' in result['msg']


def test_device_not_passed_through_lists_what_the_guest_sees(runner, state_file):
    result = runner.run('guest_nvme_disk', DIRECT, simulator_vars(state_file('two_nvme_server')))
    assert result['failed'] is True
    assert "No NVMe disk in the guest of VM 'sql01' matches serial_number" in result['msg']
    assert 'disk 0 (Msft Virtual Disk' in result['msg']


def test_password_appears_nowhere(runner, host):
    path, host_vars, log = host
    results = [runner.run('guest_nvme_disk', DIRECT, host_vars, check_mode=True, diff=True),
               runner.run('guest_nvme_disk', DIRECT, host_vars, diff=True),
               runner.run('guest_nvme_disk', dict(DIRECT, file_system='refs'), host_vars, diff=True)]
    for result in results:
        assert PASSWORD not in json.dumps(result)
    assert PASSWORD not in log.read_text()
    state = json.load(open(path))
    for vm in state['vms']:
        vm['guest'].pop('credential')  # the snapshot's own record of each guest account (a sim field)
    assert PASSWORD not in json.dumps(state)


@pytest.mark.parametrize('args,fragment', [
    (dict(DIRECT, drive_letter='EF'), 'drive_letter must be one letter'),
    (dict(DIRECT, access_path='D:\\mnt'), 'parameters are mutually exclusive: drive_letter|access_path'),
    ({k: v for k, v in DIRECT.items() if k != 'guest_credential'},
     'parameters are required together: vm_name, guest_credential'),
    (dict(DIRECT, guest_credential={'username': 'a'}), 'missing required arguments: password'),
    (dict(DIRECT, disk_number=1), 'parameters are mutually exclusive'),
])
def test_bad_arguments_make_no_round_trip(runner, host, args, fragment):
    path, host_vars, log = host
    result = runner.run('guest_nvme_disk', args, host_vars)
    assert result['failed'] is True and fragment in result['msg']
    assert not log.exists() or log.read_text() == ''
    assert PASSWORD not in json.dumps(result)


def test_powershell_direct_on_the_powershell_backend_sends_the_credential_only_as_sensitive(runner, state_file):
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.guest_twins import survey_guest_disks
    from ddatest import load_example
    doc = load_example('two_nvme_server')
    passed_through(doc)
    reply = load_recorded('survey_host_ok')
    reply['result'] = survey_guest_disks(SimulatedHost(doc), {'VMName': 'sql01', 'Credential': CREDENTIAL})[0]
    runner.replies.append(reply)
    runner.replies.append(lease_reply())  # through the host, the change runs under the host's lease
    runner.replies.append({'changed': True, 'error': [], 'result': {
        'disk': {'number': 1, 'serial_number': '0025_3852_21B3_4B17.', 'adapter_serial_number': 'S4EWNX0N123456',
                 'size': 1000204886016, 'partition_style': 'GPT'},
        'volume': {'drive_letter': 'E', 'access_path': None, 'file_system': 'NTFS', 'label': 'data',
                   'size': 1000185937920}}})
    runner.replies.append(lease_reply())
    result = runner.run('guest_nvme_disk', DIRECT)
    assert result['changed'] is True and result['volume']['size'] == 1000185937920
    guest_calls = [sent for sent in runner.sent if 'LeaseToken' in sent['module_args']['parameters']
                   or 'Credential' in json.dumps(sent['module_args'].get('sensitive_parameters'))]
    assert [sent['module_args']['parameters'].get('LeaseToken') is not None for sent in guest_calls] == [False, True]
    for sent in guest_calls:
        module_args = sent['module_args']
        assert module_args['sensitive_parameters'] == [{'name': 'Credential', 'username': 'Administrator',
                                                        'password': PASSWORD}]
        assert PASSWORD not in json.dumps(module_args['parameters']) and PASSWORD not in module_args['script']
    assert guest_calls[1]['module_args']['parameters']['Actions'] == ['initialize', 'partition', 'format']
    assert PASSWORD not in json.dumps(result)


def test_an_undo_that_fails_too_is_told_with_the_step_that_failed():
    from ansible_collections.hyperv.dda.plugins.module_utils import guest_plans
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.guest_twins import format_guest_disk, \
        survey_guest_disks
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost
    from ddatest import load_example
    doc = load_example('two_nvme_server')
    doc['devices'][0].update(state='dismounted', identity_recorded=True)
    doc['vms'][0].update(state='Running', automatic_stop_action='TurnOff', dynamic_memory_enabled=False,
                         assigned_devices=['PCIROOT(0)#PCI(0102)#PCI(0000)'])
    credential = {'Credential': {'username': 'Administrator', 'password': 'example-only'}}
    args = {'serial_number': '0025_3852_21B3_4B17.', 'adapter_serial_number': None, 'unique_id': None,
            'disk_number': None, 'partition_style': 'gpt', 'file_system': 'ntfs', 'label': 'data', 'drive_letter': 'E',
            'access_path': None, 'allocation_unit_size': None, 'state': 'formatted', 'force': False, 'vm_name': 'sql01'}
    survey = survey_guest_disks(SimulatedHost(doc), dict({'VMName': 'sql01', 'AccessPaths': []}, **credential))[0]
    step = guest_plans.guest_disk_plan(args, survey, False).steps[0]
    doc['faults'] = [{'cmdlet': 'New-Partition', 'message': 'The disk is full.'},
                     {'cmdlet': 'Clear-Disk', 'message': 'Access is denied.'}]
    doc['host']['lease'] = {'holder': {'controller': 'c', 'user': 'u', 'playbook': 'p', 'run_id': 'r'},
                            'since': '2026-01-01T00:00:00Z', 'until': '2999-01-01T00:00:00Z', 'seconds': 900,
                            'expired': False, 'version': 1, 'token': 'mine'}
    with pytest.raises(CmdletError) as failed:
        format_guest_disk(SimulatedHost(doc), dict(step.parameters, LeaseToken='mine', **credential))
    assert failed.value.message.startswith('The disk is full. Undoing')
    assert failed.value.message.endswith('failed as well: Access is denied.')
