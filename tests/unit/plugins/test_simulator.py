"""The simulator's guarantees: shared state under many forks, atomic writes, faults, messages."""
import json
import multiprocessing
import os
import sys

import pytest

from ddatest import ROOT

from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import messages, store
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend

pytestmark = pytest.mark.usefixtures('twins_under_lease')

WORKERS = 8
UPDATES = 25


def _append_reasons(path, worker):
    # Each update reads, changes and writes back the whole document, as a script run does.
    for update in range(UPDATES):
        with store.transaction(path) as doc:
            doc['host']['iov_support_reasons'].append('%d-%d' % (worker, update))


def test_many_processes_sharing_one_state_file_lose_no_update(state_file):
    path = state_file('two_nvme_server')
    context = multiprocessing.get_context('fork')
    workers = [context.Process(target=_append_reasons, args=(path, n)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    reasons = json.load(open(path))['host']['iov_support_reasons']
    assert len(reasons) == WORKERS * UPDATES
    assert len(set(reasons)) == WORKERS * UPDATES


def test_write_is_atomic_and_keeps_permissions(state_file, tmp_path):
    path = state_file('two_nvme_server')
    os.chmod(path, 0o640)
    with store.transaction(path) as doc:
        doc['host']['os'] = 'changed'
    assert json.load(open(path))['host']['os'] == 'changed'
    assert os.stat(path).st_mode & 0o777 == 0o640
    leftovers = [name for name in os.listdir(str(tmp_path)) if name.startswith('.two_nvme_server')]
    assert leftovers == []


def test_no_write_when_nothing_changed_or_when_asked_not_to(state_file):
    path = state_file('two_nvme_server')
    with open(path, 'a') as handle:
        handle.write('\n\n')  # formatting the simulator would not produce
    before = open(path, 'rb').read()
    with store.transaction(path) as doc:
        doc['host']['os'] = doc['host']['os']
    with store.transaction(path, write=False) as doc:
        doc['host']['os'] = 'not written'
    assert open(path, 'rb').read() == before


def test_a_failure_inside_still_writes_what_changed(state_file):
    path = state_file('two_nvme_server')
    with pytest.raises(RuntimeError):
        with store.transaction(path) as doc:
            doc['host']['os'] = 'partly done'
            raise RuntimeError('cmdlet failed after an effect')
    assert json.load(open(path))['host']['os'] == 'partly done'


def _host(faults):
    return SimulatedHost({'faults': faults})


def test_fault_matches_cmdlet_case_insensitively_and_parameters_exactly():
    host = _host([{'cmdlet': 'dismount-vmhostassignabledevice', 'match': {'LocationPath': 'PCIROOT(0)#PCI(0102)'},
                   'message': 'The operation failed.', 'count': 2}])
    host.invoke('Dismount-VMHostAssignableDevice', LocationPath='pciroot(0)#pci(0102)')  # other case: no match
    host.invoke('Disable-PnpDevice', InstanceId='PCI\\VEN_144D', Confirm=False)
    with pytest.raises(CmdletError) as raised:
        host.invoke('Dismount-VMHostAssignableDevice', LocationPath='PCIROOT(0)#PCI(0102)', Force=False)
    assert raised.value.message == 'The operation failed.'
    assert raised.value.error_id == 'OperationFailed,Microsoft.HyperV.PowerShell.Commands.DismountVMHostAssignableDevice'
    assert raised.value.category == 'NotSpecified'
    assert host.doc['faults'][0]['count'] == 1
    with pytest.raises(CmdletError):
        host.invoke('Dismount-VMHostAssignableDevice', LocationPath='PCIROOT(0)#PCI(0102)')
    assert host.doc['faults'] == []
    host.invoke('Dismount-VMHostAssignableDevice', LocationPath='PCIROOT(0)#PCI(0102)')
    assert host.calls == ['Dismount-VMHostAssignableDevice', 'Disable-PnpDevice'] + \
        ['Dismount-VMHostAssignableDevice'] * 3


def test_a_fault_with_skip_lets_that_many_matching_calls_through_first():
    """The second device's Remove-VMAssignableDevice takes its object from the pipeline: skip picks that call."""
    host = _host([{'cmdlet': 'Remove-VMAssignableDevice', 'skip': 1, 'message': 'boom', 'count': 1}])
    host.invoke('Remove-VMAssignableDevice', pipeline=True, Confirm=False)
    assert host.doc['faults'][0]['skip'] == 0
    with pytest.raises(CmdletError, match='boom'):
        host.invoke('Remove-VMAssignableDevice', pipeline=True, Confirm=False)
    host.invoke('Remove-VMAssignableDevice', pipeline=True, Confirm=False)
    assert host.doc['faults'] == []


def test_fault_without_count_is_forever():
    host = _host([{'cmdlet': 'Get-VM', 'message': 'boom'}])
    for attempt in range(3):
        with pytest.raises(CmdletError, match='boom'):
            host.invoke('Get-VM')
    assert len(host.doc['faults']) == 1


def test_a_hanging_cmdlet_leaves_on_the_host_what_its_script_wrote_before_it(state_file, monkeypatch):
    # set_vm_power records that sql01 is owed a start, then asks its guest to shut down; that call hangs, and the
    # controller dies during the hang. The record is on the host already, as the registry value of a real host is.
    def hang_at_shutdown(doc):
        doc['faults'] = [{'cmdlet': 'Invoke-CimMethod', 'hang': 900, 'count': 1}]
    path = state_file('two_nvme_server', hang_at_shutdown)
    seen = []
    monkeypatch.setattr('ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host.time.sleep',
                        lambda seconds: seen.append(json.load(open(path))))
    SimulatorBackend(path).run('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'off',
                                                'RecordRestart': True})
    assert len(seen) == 1
    assert seen[0]['vms'][0]['restart_pending'] is True and seen[0]['vms'][0]['state'] == 'Running'


def test_fail_uses_the_messages_table():
    with pytest.raises(CmdletError) as raised:
        _host([]).fail('Get-VM', 'vm_id_not_found', vm='00000000-0000-0000-0000-000000000009')
    assert raised.value.message == 'Hyper-V was unable to find a virtual machine with id ' \
        '"00000000-0000-0000-0000-000000000009".'
    assert raised.value.error_id == 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVM'
    assert raised.value.category == 'ObjectNotFound'


def test_placeholders_are_flagged_and_real_texts_cite_their_source():
    placeholders = messages.placeholders()
    # Texts dda-facts.md marks [unknown] must never pass for captured Hyper-V output.
    for key in ('dismount_still_enabled', 'add_vm_running', 'add_stop_action_save', 'add_dynamic_memory',
                'mount_assigned', 'set_vm_running', 'powershell_direct_refused'):
        assert key in placeholders
    for key in ('vm_id_not_found', 'device_not_in_pool', 'no_mitigation_driver', 'client_sku_start',
                'dismounted_device_not_found', 'stop_vm_prompt'):
        assert key not in placeholders
    for key, message in messages.MESSAGES.items():
        assert message.mark in messages.MARKS and message.source, key
        if message.mark == 'placeholder':
            assert '[unknown]' in message.source, key


SIMULATOR = os.path.join(ROOT, 'plugins', 'plugin_utils', 'simulator')
# Functions of cmdlets.py and guest.py that model nothing of Windows (presentation, plumbing).
NOT_BEHAVIOURS = {'guest._partition_view', 'guest.GuestDisk', 'cmdlets.Assigned', 'cmdlets._off',
                  # the survey script's own logic, not Windows': its first cut of a scope, its rows, the result
                  'survey._named', 'survey._vm_row', 'survey._remembered_row', 'survey.survey_host', 'survey._host_reads',
                  'survey._vm_ids',
                  # plumbing of the read model: which devices are present, the names it gives drives and volumes
                  'reads.present_devices', 'reads._drive_id', 'reads._volume_path', 'reads._drives', 'reads._disks',
                  'reads.device_record_rows',
                  # the output rules' own types
                  'ps51.Statement', 'ps51.statement', 'ps51.PSEnum', 'ps51._text'}


def _functions(module):
    import inspect
    return {'%s.%s' % (module.__name__.rsplit('.', 1)[-1], name) for name, value in vars(module).items()
            if (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module.__name__}


def test_every_simulator_behaviour_names_its_source():
    import importlib
    import re
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import behaviours, cmdlets, guest, ps51, reads, \
        survey
    named = set()
    for row in behaviours.BEHAVIOURS:
        module, dummy, attribute = row.where.partition('.')
        target = importlib.import_module('ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.' + module)
        for part in attribute.split('.'):
            target = getattr(target, part)  # the row names code that exists
        named.add(row.where)
        assert row.mark in messages.MARKS and row.what and row.source, row
        for cited in re.findall(r'\b(S\d+|PS|WMI|DSC|JSON)\b', row.source):
            assert cited in behaviours.SOURCES, (row.where, cited)
    modelled = (_functions(cmdlets) | _functions(guest) | _functions(survey) | _functions(reads) |
                _functions(ps51)) - NOT_BEHAVIOURS
    assert modelled <= named, 'behaviours without a row in behaviours.py: %s' % sorted(modelled - named)


def test_every_error_text_is_used_and_every_use_has_a_text():
    import re
    used = set()
    for name in os.listdir(SIMULATOR):
        if name.endswith('.py'):
            with open(os.path.join(SIMULATOR, name), encoding='utf-8') as handle:
                used |= set(re.findall(r"\.fail\([^,]+, '([a-z_]+)'", handle.read()))
    assert used == set(messages.MESSAGES)


def test_behaviour_page_is_generated_and_the_readme_states_its_counts():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    import make_behaviour_table
    assert make_behaviour_table.main(check=True) == []
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        assert make_behaviour_table.summary_line() in ' '.join(handle.read().split())


def test_simulator_backend_refuses_a_mutating_script_in_check_mode(state_file, monkeypatch):
    from ansible_collections.hyperv.dda.plugins.plugin_utils import scripts
    from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
    monkeypatch.setitem(scripts.CATALOG, 'survey_host', scripts.Script('survey_host', mutating=True))
    backend = SimulatorBackend(state_file('two_nvme_server'), check_mode=True)
    with pytest.raises(DDAError, match='Internal error: mutating script survey_host was called in check mode'):
        backend.run('survey_host')


def test_simulator_backend_turns_cmdlet_errors_into_host_errors(state_file, tmp_path):
    def fault(doc):
        doc['faults'] = [{'cmdlet': 'Get-VMHost', 'message': 'Access is denied.'}]
    log = tmp_path / 'log.jsonl'
    backend = SimulatorBackend(state_file('two_nvme_server', fault), log_path=str(log))
    with pytest.raises(HostCommandError) as raised:
        backend.run('survey_host')
    assert raised.value.cmdlet == 'Get-VMHost'
    assert backend.round_trips == 1
    entry = json.loads(log.read_text())
    assert entry['failed'] == 'Get-VMHost' and entry['calls'][-1] == 'Get-VMHost'
