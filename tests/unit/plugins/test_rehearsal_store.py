"""The simulator's snapshot file is a user's file: read it as Windows saves it, and say what is wrong with it."""
import codecs
import json
import os

import pytest

from ddatest import EXAMPLES, simulator_vars

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend

pytestmark = pytest.mark.usefixtures('twins_under_lease')


def _example_text():
    with open(os.path.join(EXAMPLES, 'two_nvme_server.json'), encoding='utf-8') as handle:
        return handle.read()


@pytest.mark.parametrize('encoding, bom', [('utf-8', b''), ('utf-8', codecs.BOM_UTF8),
                                           ('utf-16-le', codecs.BOM_UTF16_LE), ('utf-16-be', codecs.BOM_UTF16_BE)])
def test_snapshots_saved_by_windows_powershell_are_read(tmp_path, encoding, bom):
    path = tmp_path / 'hv01.json'
    path.write_bytes(bom + _example_text().encode(encoding))
    reads, changed = SimulatorBackend(str(path), check_mode=True).run('survey_host')
    assert reads['computer_name'] == 'HV01' and changed is False


@pytest.mark.parametrize('content, fragment', [
    (b'\x89PNG\r\n\x1a\n\x00\x00\xff\xfe', 'is not a text snapshot'),
    (_example_text().encode()[:200], 'is not valid JSON'),
    (b'[' * 100000 + b']' * 100000, 'nested too deeply'),
    (_example_text().replace('hyperv.dda.snapshot/v1', 'hyperv.dda.snapshot/v2').encode(), 'schema'),
])
def test_an_unreadable_snapshot_is_refused_naming_the_file(tmp_path, content, fragment):
    path = tmp_path / 'hv01.json'
    path.write_bytes(content)
    with pytest.raises(DDAError) as caught:
        SimulatorBackend(str(path), check_mode=True).run('survey_host')
    assert str(path) in caught.value.msg and fragment in caught.value.msg, caught.value.msg


def test_a_directory_is_refused_naming_it(tmp_path):
    with pytest.raises(DDAError) as caught:
        SimulatorBackend(str(tmp_path), check_mode=True).run('survey_host')
    assert str(tmp_path) in caught.value.msg


def _state(tmp_path):
    path = tmp_path / 'hv01.json'
    path.write_text(_example_text(), encoding='utf-8')
    return path


STOP_ACTION = {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'Action': 'TurnOff'}


def test_a_read_only_snapshot_is_never_rewritten(tmp_path):
    path = _state(tmp_path)
    before = path.read_bytes()
    os.chmod(path, 0o444)
    try:
        with pytest.raises(DDAError) as caught:
            SimulatorBackend(str(path)).run('set_vm_stop_action', STOP_ACTION)
        assert str(path) in caught.value.msg and 'read-only' in caught.value.msg
        SimulatorBackend(str(path)).run('survey_host')  # a survey still reads it
        assert path.read_bytes() == before
    finally:
        os.chmod(path, 0o644)


def test_a_symlinked_snapshot_updates_the_file_it_points_to(tmp_path):
    target = _state(tmp_path)
    link = tmp_path / 'link.json'
    link.symlink_to(target)
    SimulatorBackend(str(link)).run('set_vm_stop_action', STOP_ACTION)
    assert link.is_symlink() and '"TurnOff"' in target.read_text(encoding='utf-8')


def test_a_log_that_cannot_be_written_fails_before_the_change(tmp_path):
    path = _state(tmp_path)
    before = path.read_bytes()
    backend = SimulatorBackend(str(path), log_path=str(tmp_path / 'missing' / 'calls.jsonl'))
    with pytest.raises(DDAError) as caught:
        backend.run('set_vm_stop_action', STOP_ACTION)
    assert 'calls.jsonl' in caught.value.msg and path.read_bytes() == before


@pytest.mark.parametrize('fault, fragment', [
    ({'cmdlet': 'Dismount-VMHostAssignabelDevice', 'message': 'x'}, 'no script of the collection calls'),
    ({'cmdlet': 'Dismount-VMHostAssignableDevice', 'match': {'Path': 'PCIROOT(0)'}, 'message': 'x'},
     'Path is not a parameter of Dismount-VMHostAssignableDevice'),
    ({'cmdlet': 'Dismount-VMHostAssignableDevice', 'count': 0, 'message': 'x'}, 'never fires'),
])
def test_a_fault_that_can_never_fire_is_refused_when_the_snapshot_is_read(tmp_path, fault, fragment):
    path = tmp_path / 'hv01.json'
    doc = json.loads(_example_text())
    doc['faults'] = [fault]
    path.write_text(json.dumps(doc), encoding='utf-8')
    before = path.read_bytes()
    with pytest.raises(DDAError) as caught:
        SimulatorBackend(str(path)).run('survey_host')
    assert str(path) in caught.value.msg and fragment in caught.value.msg, caught.value.msg
    assert path.read_bytes() == before


def _hold_lock(state):
    import fcntl
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.store import lock_path
    holder = open(lock_path(str(state)), 'a')
    fcntl.flock(holder.fileno(), fcntl.LOCK_EX)  # another run, stuck: flock is per open file, also in one process
    return holder


def test_waiting_for_another_runs_lock_gives_up_naming_the_file_and_the_lock(tmp_path, runner):
    path = _state(tmp_path)
    before = path.read_bytes()
    with _hold_lock(path):
        result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01', 'action': 'TurnOff'},
                            simulator_vars(str(path), hyperv_dda_simulator_lock_timeout='0.2'))
    assert result.get('failed') and not result.get('changed'), result
    assert str(path) in result['msg'] and str(path) + '.lock' in result['msg'] and '0.2 s' in result['msg']
    assert 'hyperv_dda_simulator_lock_timeout' in result['msg']
    assert path.read_bytes() == before
    # Once the other run is done, the same task runs.
    done = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01', 'action': 'TurnOff'},
                      simulator_vars(str(path), hyperv_dda_simulator_lock_timeout='0.2'))
    assert done.get('changed') and not done.get('failed'), done


@pytest.mark.parametrize('timeout', ['soon', -1, True, 'nan'])
def test_a_lock_timeout_that_is_not_seconds_is_refused(tmp_path, runner, timeout):
    path = _state(tmp_path)
    result = runner.run('hyperv_dda_info', {}, simulator_vars(str(path), hyperv_dda_simulator_lock_timeout=timeout))
    assert result.get('failed') and 'hyperv_dda_simulator_lock_timeout must be a number of seconds' in result['msg']


def test_two_links_to_one_snapshot_share_one_lock(tmp_path):
    target = _state(tmp_path)
    link = tmp_path / 'link.json'
    link.symlink_to(target)
    with _hold_lock(target):
        with pytest.raises(DDAError) as caught:
            SimulatorBackend(str(link), lock_timeout=0.1).run('set_vm_stop_action', STOP_ACTION)
    assert str(link) in caught.value.msg and str(target) + '.lock' in caught.value.msg
