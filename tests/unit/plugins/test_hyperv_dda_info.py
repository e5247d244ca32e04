"""hyperv_dda_info end to end through the real action plugin, on the simulator backend."""
import json

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils import snapshot
from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates

from ddatest import EXAMPLE_NAMES, load_example, simulator_vars


def _run(runner, path, args=None, check_mode=False, **extra):
    return runner.run('hyperv_dda_info', args, simulator_vars(path, **extra), check_mode=check_mode)


@pytest.mark.parametrize('name', EXAMPLE_NAMES)
def test_info_snapshot_round_trips_and_matches_candidates(runner, state_file, name):
    path = state_file(name)
    before = open(path, 'rb').read()
    result = _run(runner, path)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is False
    reported = result['snapshot']
    again = snapshot.parse(snapshot.dumps(reported))
    assert again == reported
    assert snapshot.parse(snapshot.dumps(again)) == again
    assert 'faults' not in reported and all('guest' not in vm for vm in reported['vms'])
    assert result['candidates'] == candidates(reported)
    assert open(path, 'rb').read() == before, 'a survey never writes the state file'
    assert runner.sent == [], 'the simulator never contacts the host'


@pytest.mark.parametrize('name,assignable', [
    ('two_nvme_server', [True, True]),
    ('boot_nvme_server', [False]),
    ('client_windows', [False]),
    ('pool_member', [False, False]),
])
def test_info_verdicts(runner, state_file, name, assignable):
    result = _run(runner, state_file(name))
    assert [c['assignable'] for c in result['candidates']] == assignable


def test_info_reports_a_device_away_from_the_host_as_a_real_host_would(runner, state_file):
    result = _run(runner, state_file('passed_through'))
    device = result['snapshot']['devices'][0]
    assert device['state'] == 'dismounted'
    assert device['location_paths'] == ['PCIROOT(0)#PCI(0102)#PCI(0000)']
    assert device['identity_recorded'] is True
    assert device['survey'] is None
    disk = device['disks'][0]
    assert disk['serial_number'] == '0025_3853_41A2_7C11.'
    assert disk['number'] is None and disk['partitions'] is None and disk['partition_style'] is None
    assert result['candidates'][0]['assigned_to'] == 'sql02'


def test_info_on_a_device_dismounted_by_other_means(runner, state_file):
    def unrecorded(doc):
        doc['devices'][0]['identity_recorded'] = False
    result = _run(runner, state_file('passed_through', unrecorded))
    device = result['snapshot']['devices'][0]
    # Without the collection's record nothing tells which disks it carries: unknown, not "none".
    assert device['disks'] is None and device['friendly_name'] is None
    assert device['instance_id'].startswith('PCI\\')


def test_info_hides_what_a_real_host_cannot_tell(runner, state_file):
    result = _run(runner, state_file('two_nvme_server'))
    for device in result['snapshot']['devices']:
        assert device['mitigation_driver'] is None


def test_info_survey_is_null_for_a_disabled_device(runner, state_file):
    def disable(doc):
        doc['devices'][0]['state'] = 'disabled'
    result = _run(runner, state_file('two_nvme_server', disable))
    assert result['snapshot']['devices'][0]['survey'] is None
    assert result['candidates'][0]['assignable'] is True


def test_info_vm_names_filters_the_vms_only(runner, state_file):
    result = _run(runner, state_file('passed_through'), {'vm_names': ['SQL02']})
    assert [vm['name'] for vm in result['snapshot']['vms']] == ['sql02']
    result = _run(runner, state_file('two_nvme_server'), {'vm_names': ['web01']})
    assert [vm['name'] for vm in result['snapshot']['vms']] == ['web01']
    assert len(result['candidates']) == 2


def test_info_vm_names_keeps_assignment_of_unlisted_vm(runner, state_file):
    def add_vm(doc):
        extra = json.loads(json.dumps(doc['vms'][0]))
        extra.update(name='other', id='7a1b2c3d-0000-4000-8000-0000000000aa', assigned_devices=[])  # a VM Id is unique
        doc['vms'].append(extra)
    result = _run(runner, state_file('passed_through', add_vm), {'vm_names': ['other']})
    assert result['candidates'][0]['assigned_to'] == 'sql02'


def test_info_unknown_vm_name_fails_listing_the_vms(runner, state_file):
    result = _run(runner, state_file('two_nvme_server'), {'vm_names': ['sql01', 'db9']})
    assert result['failed'] is True
    assert result['msg'] == "Hyper-V host HV01 has no VM named 'db9' (VMs: sql01, web01). Check vm_names."


def test_info_in_check_mode_is_the_same(runner, state_file):
    path = state_file('two_nvme_server')
    normal = _run(runner, path)
    checked = _run(runner, path, check_mode=True)
    assert checked == normal


def test_info_is_one_round_trip(runner, state_file, tmp_path):
    log = tmp_path / 'calls.jsonl'
    _run(runner, state_file('two_nvme_server'), hyperv_dda_simulator_log=str(log))
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 1
    assert lines[0]['script'] == 'survey_host' and lines[0]['failed'] is None
    assert 'Get-VMHostAssignableDevice' in lines[0]['calls']


@pytest.mark.parametrize('args,expected', [
    ({'vm_name': 'sql01'}, 'Unsupported parameters for (hyperv.dda.hyperv_dda_info) module: vm_name'),
    ({'vm_names': {'a': 1}}, "we were unable to convert to list"),
])
def test_info_bad_arguments_fail_before_any_round_trip(runner, state_file, tmp_path, args, expected):
    path = state_file('two_nvme_server')
    log = tmp_path / 'calls.jsonl'
    result = _run(runner, path, args, hyperv_dda_simulator_log=str(log))
    assert result['failed'] is True
    assert expected in result['msg']
    assert not log.exists()


def test_info_fault_on_a_read_cmdlet_fails_with_its_message_then_clears(runner, state_file):
    def fault(doc):
        doc['faults'] = [{'cmdlet': 'Get-VMHost', 'message': 'The RPC server is unavailable.', 'count': 1}]
    path = state_file('two_nvme_server', fault)
    failed = _run(runner, path)
    assert failed['failed'] is True
    assert failed['msg'] == 'Script survey_host failed on the host (Get-VMHost): The RPC server is unavailable.'
    assert failed['host_error'] == {
        'script': 'survey_host', 'cmdlet': 'Get-VMHost', 'message': 'The RPC server is unavailable.',
        'error_id': 'OperationFailed,Microsoft.HyperV.PowerShell.Commands.GetVMHost', 'category': 'NotSpecified'}
    assert json.load(open(path))['faults'] == [], 'the fault was consumed'
    assert not _run(runner, path).get('failed')


# --- configuration errors: one clear message, nothing changed -------------------------------

def test_missing_simulator_state_variable(runner):
    result = runner.run('hyperv_dda_info', {}, {'hyperv_dda_backend': 'simulator'})
    assert result['failed'] is True
    assert result['msg'].startswith("hyperv_dda_backend is 'simulator' but hyperv_dda_simulator_state is not set")


def test_unknown_backend(runner):
    result = runner.run('hyperv_dda_info', {}, {'hyperv_dda_backend': 'hyperv'})
    assert result['failed'] is True
    assert result['msg'] == ("Unknown hyperv_dda_backend 'hyperv': use 'powershell' (run on the Hyper-V host) "
                             "or 'simulator' (rehearse against a snapshot file).")
    assert runner.sent == []


def test_state_file_that_does_not_exist(runner, tmp_path):
    path = str(tmp_path / 'nope.json')
    result = _run(runner, path)
    assert result['failed'] is True
    assert result['msg'].startswith('The simulator state file %s does not exist.' % path)
    assert not (tmp_path / 'nope.json').exists()


@pytest.mark.parametrize('content,fragment', [
    ('{"schema": "hyperv.dda.snapshot/v1"', 'is not valid JSON'),
    ('{"schema": "hyperv.dda.snapshot/v1", "host": {}, "devices": [], "vms": []}', 'host.name: is missing'),
])
def test_malformed_state_file(runner, tmp_path, content, fragment):
    path = tmp_path / 'bad.json'
    path.write_text(content)
    result = _run(runner, str(path))
    assert result['failed'] is True
    assert result['msg'].startswith('The simulator state file %s is not' % path)
    assert fragment in result['msg']
    assert path.read_text() == content


def test_state_path_is_templated(runner, state_file):
    path = state_file('two_nvme_server')
    folder, name = path.rsplit('/', 1)
    try:
        from ansible.template import trust_as_template
    except ImportError:  # before ansible-core 2.19, every variable is a template
        def trust_as_template(text):
            return text
    variables = {'hyperv_dda_backend': 'simulator', 'snapshots': folder,
                 'hyperv_dda_simulator_state': trust_as_template('{{ snapshots }}/%s' % name)}
    result = runner.run('hyperv_dda_info', {}, variables)
    assert result['snapshot']['host']['name'] == 'HV01'


def test_simulator_rejects_a_document_that_the_survey_could_not_have_made(runner, state_file, monkeypatch):
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import twins

    def broken(host, parameters):
        result, changed = original(host, parameters)
        result['vms'][0]['Generation'] = 3
        return result, changed
    original = twins.TWINS['survey_host']
    monkeypatch.setitem(twins.TWINS, 'survey_host', broken)
    result = _run(runner, state_file('two_nvme_server'))
    assert result['failed'] is True
    assert 'not a valid snapshot (vms[0].generation: 3 is not one of 1, 2)' in result['msg']
    assert 'This is a bug in hyperv.dda' in result['msg']


def test_example_used_above_is_valid():
    assert load_example('two_nvme_server')['host']['name'] == 'HV01'
