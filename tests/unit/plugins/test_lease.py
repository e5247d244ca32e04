"""The host's lease (issue 23 §3): one controller at a time changes a host.

The simulator's clock is the snapshot's ``clock`` (a test sets it: no sleeps, no timed assertions); the controller's
wait for another run's lease is driven here by a fake clock.
"""
import json

import pytest

from ddatest import PowerShellIntoSimulator, load_example, simulator_vars, without_lease

from ansible_collections.hyperv.dda.plugins.plugin_utils import lease
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend

SQL01 = '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10'
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
SAMSUNG_ID = 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010'
NOW = '2026-05-01T12:00:00Z'
OTHER = {'controller': 'ctl02', 'user': 'bob', 'playbook': 'nvme_release.yml', 'run_id': 'AWX job 77'}
ME = {'controller': 'ctl01', 'user': 'alice', 'playbook': 'nvme_passthrough.yml', 'run_id': 'pid 4242'}


def _held(until='2026-05-01T12:10:00Z', token='their-token', version=5):
    """Mutate a snapshot: another run holds the host's lease (the clock at NOW)."""
    def mutate(doc):
        doc['clock'] = NOW
        doc['host']['lease'] = {'holder': dict(OTHER), 'since': '2026-05-01T11:50:00Z', 'until': until, 'seconds': 900,
                                'expired': False, 'version': version, 'token': token}
    return mutate


def _clocked(doc):
    doc['clock'] = NOW


class FakeClock(object):
    """time.monotonic and time.sleep for the controller's wait: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


# --- the scripts: a stale token changes nothing -----------------------------------------------------------------

@pytest.mark.parametrize('script,parameters', [
    ('set_vm_stop_action', {'VMId': SQL01, 'Action': 'TurnOff'}),
    ('set_vm_power', {'VMId': SQL01, 'State': 'off', 'RecordRestart': True}),
    ('set_pnp_device', {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                        'Enabled': False, 'DiskNumber': [1]}),
])
def test_a_script_called_with_a_stale_token_changes_nothing_and_names_the_holder(script, parameters):
    doc = load_example('two_nvme_server')
    _held()(doc)
    before = json.dumps(doc, sort_keys=True)
    host = SimulatedHost(doc)
    with pytest.raises(CmdletError) as refused:
        TWINS[script](host, dict(parameters, LeaseToken='my-old-token'))
    assert refused.value.message.startswith(
        "The host's lease is held by run AWX job 77 of nvme_release.yml by bob on ctl02, until 2026-05-01 12:10:00Z "
        "host time, not by this run: this script changed nothing.")
    assert json.dumps(doc, sort_keys=True) == before, 'not even the lease was renewed'
    assert [call for call in host.calls if call not in ('ConvertFrom-Json',)] == [], 'no cmdlet ran before the check'


@pytest.mark.parametrize('given,refusal', [
    ({}, 'missing mandatory parameters: LeaseToken'),
    ({'LeaseToken': ''}, "Cannot validate argument on parameter 'LeaseToken'. The argument is null or empty"),
])
@pytest.mark.parametrize('held', [False, True])
def test_a_script_without_a_token_is_refused_whether_or_not_a_run_holds_the_lease(given, refusal, held):
    # [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()]: PowerShell refuses the script before it runs.
    doc = load_example('two_nvme_server')
    if held:
        _held()(doc)
    before = json.dumps(doc, sort_keys=True)
    host = SimulatedHost(doc)
    with pytest.raises(CmdletError, match=refusal) as refused:
        TWINS['set_vm_stop_action'](host, dict({'VMId': SQL01, 'Action': 'TurnOff'}, **given))
    assert refused.value.error_id.endswith(',set_vm_stop_action')
    assert host.calls == [] and json.dumps(doc, sort_keys=True) == before


def test_assert_lease_refuses_an_empty_token_even_while_no_run_holds_the_lease():
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.lease_twins import assert_lease
    doc = load_example('two_nvme_server')
    with pytest.raises(CmdletError, match='given no lease token'):
        assert_lease(SimulatedHost(doc), '')
    assert doc['host'].get('lease') is None


def test_tokens_compare_exactly_as_ceq_does():
    doc = load_example('two_nvme_server')
    _held(token='Their-Token')(doc)
    with pytest.raises(CmdletError, match='not by this run'):
        TWINS['set_vm_stop_action'](SimulatedHost(doc), {'VMId': SQL01, 'Action': 'TurnOff', 'LeaseToken': 'their-token'})


class TakenOverDuringTheWait(SimulatedHost):
    """A host on which another run takes the lease over while the script waits (its poll of the VM's state): the
    run's own lease ran out during the wait."""

    def invoke(self, cmdlet, pipeline=False, inputs=None, **parameters):
        if cmdlet == 'Get-VM' and parameters.get('ErrorAction') == 'Stop':
            self.doc['host']['lease'].update(holder=dict(OTHER), token='their-token', until='2026-05-01T12:30:00Z')
        return super(TakenOverDuringTheWait, self).invoke(cmdlet, pipeline, inputs, **parameters)


def test_a_turn_off_after_the_shutdown_wait_checks_the_lease_again():
    doc = load_example('two_nvme_server')
    _held(token='mine')(doc)
    doc['vms'][0]['guest']['shutdown_after_timeout'] = True  # accepts, and is still running at the end of the wait
    host = TakenOverDuringTheWait(doc)
    with pytest.raises(CmdletError, match='held by run AWX job 77 .* until 2026-05-01 12:30:00Z host time, not by '
                                          'this run'):
        TWINS['set_vm_power'](host, {'VMId': SQL01, 'State': 'off', 'TurnOffOnTimeout': True, 'LeaseToken': 'mine'})
    assert 'Stop-VM' not in host.calls and doc['vms'][0]['state'] == 'Running', 'not turned off'


class TakenOverAt(SimulatedHost):
    """A host on which another run takes the lease over when the script calls ``cmdlet`` (say, the change that then
    fails), before the script's wait and its takeback."""

    def __init__(self, doc, cmdlet):
        super(TakenOverAt, self).__init__(doc)
        self.cmdlet = cmdlet

    def invoke(self, cmdlet, pipeline=False, inputs=None, **parameters):
        if cmdlet == self.cmdlet:
            self.doc['host']['lease'].update(holder=dict(OTHER), token='their-token', until='2026-05-01T12:30:00Z')
        return super(TakenOverAt, self).invoke(cmdlet, pipeline, inputs, **parameters)


def test_a_failed_dismount_whose_lease_was_taken_over_keeps_its_record_and_tells_its_own_failure():
    """Review of issue 23 §3: the takeback after the wait (the record this run made) ran with no lease check; the key
    may be the next holder's by then."""
    doc = load_example('two_nvme_server')
    _held(token='mine')(doc)
    doc['faults'] = [{'cmdlet': 'Dismount-VMHostAssignableDevice', 'message': 'Injected failure.'}]
    host = TakenOverAt(doc, 'Dismount-VMHostAssignableDevice')
    with pytest.raises(CmdletError, match='Injected failure.'):
        TWINS['dismount_device'](host, {'LocationPath': SAMSUNG, 'InstanceId': SAMSUNG_ID, 'LeaseToken': 'mine'})
    assert 'Remove-Item' not in host.calls and doc['devices'][0]['identity_recorded'] is True


def test_a_failed_dismount_still_holding_its_lease_takes_its_record_back():
    doc = load_example('two_nvme_server')
    _held(token='mine')(doc)
    doc['faults'] = [{'cmdlet': 'Dismount-VMHostAssignableDevice', 'message': 'Injected failure.'}]
    host = SimulatedHost(doc)
    with pytest.raises(CmdletError, match='Injected failure.'):
        TWINS['dismount_device'](host, {'LocationPath': SAMSUNG, 'InstanceId': SAMSUNG_ID, 'LeaseToken': 'mine'})
    assert 'Remove-Item' in host.calls and not doc['devices'][0].get('identity_recorded')


def test_a_pnp_change_after_the_settle_wait_checks_the_lease_again():
    doc = load_example('two_nvme_server')
    _held(token='mine')(doc)
    doc['devices'][0].update(state='disabled')
    host = SimulatedHost(doc)
    TWINS['set_pnp_device'](host, {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                                   'Enabled': True, 'LeaseToken': 'mine'})
    enable = host.calls.index('Enable-PnpDevice')
    assert host.calls[enable - 1] == 'ConvertTo-Json', 'the lease is renewed (checked) right before the change'
    assert host.calls.count('ConvertTo-Json') == 2


def test_a_corrupt_record_is_refused_saying_what_to_delete_and_the_survey_reports_it():
    doc = load_example('two_nvme_server')
    _held(token='mine')(doc)
    doc['faults'] = [{'cmdlet': 'ConvertFrom-Json', 'match': {'InputObject': 'Record'}, 'message': 'Invalid JSON primitive: x.'}]
    with pytest.raises(CmdletError, match=r'lease record \(value Record of HKLM:\\SOFTWARE\\hyperv.dda\\Lease\) is '
                                          r'unreadable \(Invalid JSON primitive: x.\).*nothing was changed.*'
                                          r'Remove-ItemProperty -Path HKLM:\\SOFTWARE\\hyperv.dda\\Lease -Name Record'):
        TWINS['set_vm_stop_action'](SimulatedHost(doc), {'VMId': SQL01, 'Action': 'Save', 'LeaseToken': 'mine'})
    doc['faults'] = [{'cmdlet': 'ConvertFrom-Json', 'match': {'InputObject': 'Record'}, 'message': 'Invalid JSON primitive: x.'}]
    from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import survey_snapshot
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
    reads, dummy = TWINS['survey_host'](SimulatedHost(doc), {})
    seen = survey_snapshot(emit(reads), {})['host']['lease']
    assert 'is unreadable (Invalid JSON primitive: x.)' in seen['error']
    # Fail closed: a run must not take the host for free.
    assert lease.replan_needed(seen, None) is True
    assert 'could not be read' in lease.held_warning(seen)


def test_who_holds_the_lease_says_when_its_time_ran_out():
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.lease_twins import holder_words
    record = {'Token': 't', 'RunId': 'AWX job 77', 'Playbook': 'p.yml', 'User': 'bob', 'Controller': 'ctl02',
              'Until': lease.to_ticks('2026-05-01T11:00:00Z')}
    ran_out = 'whose time ran out at 2026-05-01 11:00:00Z host time (that run stopped renewing it)'
    assert holder_words(record, lease.to_ticks(NOW)).endswith(ran_out)
    assert holder_words(record, lease.to_ticks('2026-05-01T10:00:00Z')).endswith('until 2026-05-01 11:00:00Z host time')
    assert 'no end time (Until 0)' in holder_words(dict(record, Until=0), lease.to_ticks(NOW))


@pytest.mark.parametrize('seconds,refusal', [(59, 'less than the minimum allowed range of 60'),
                                             (2 ** 31, 'greater than the maximum allowed range of 2147483647')])
def test_set_lease_refuses_a_duration_out_of_range(seconds, refusal):
    doc = load_example('two_nvme_server')
    with pytest.raises(CmdletError, match=refusal):
        TWINS['set_lease'](SimulatedHost(doc), {'Action': 'take', 'Token': 't', 'Seconds': seconds})
    with pytest.raises(CmdletError, match="parameter 'Token'. The argument is null or empty"):
        TWINS['set_lease'](SimulatedHost(doc), {'Action': 'take', 'Token': ''})
    assert doc['host'].get('lease') is None


class AbandonedOnce(object):
    """A backend whose set_lease finds the lease's mutex abandoned once."""

    def __init__(self, doc):
        self.doc = doc
        self.abandoned = True

    def run(self, name, parameters=None, sensitive=None):
        result, changed = TWINS[name](SimulatedHost(self.doc), parameters)
        result['abandoned'], self.abandoned = self.abandoned, False
        return result, changed


def test_an_abandoned_mutex_is_told_when_the_lease_is_taken_and_given_back():
    doc = load_example('two_nvme_server')
    _clocked(doc)
    backend = AbandonedOnce(doc)
    taken = lease.take(backend, ME, 900, 0)
    assert 'found abandoned' in taken['abandoned']
    backend.abandoned = True
    assert 'found abandoned' in lease.release(backend, taken['lease'])['warning']
    assert lease.take(backend, ME, 900, 0)['abandoned'] is None, 'told only when it was'


def test_a_wait_longer_than_the_lease_allows_is_refused_naming_both_and_what_to_set():
    from ansible_collections.hyperv.dda.plugins.module_utils.plan import Plan, Step
    plan = Plan([Step('set_vm_power', {'VMId': SQL01, 'State': 'off', 'ShutdownTimeout': 600})])
    said = lease.outlasts_lease(plan, {'seconds': 900})
    assert 'up to 600 s' in said and 'lasts 900 s' in said and 'duration of at least 1500' in said
    assert 'lower shutdown_timeout to 0' in said and 'Nothing was changed' in said
    assert lease.outlasts_lease(plan, {'seconds': 1500}) is None
    assert lease.outlasts_lease(Plan(), {'seconds': 60}) is None, 'no wait, any lease'


def test_a_guest_script_run_through_the_host_is_fenced_and_one_run_in_the_guest_is_not():
    assert lease.fenced('format_guest_disk', {'VMName': 'sql01', 'Actions': []})
    assert not lease.fenced('format_guest_disk', {'VMName': '', 'Actions': []})
    assert not lease.fenced('survey_guest_disks', {'VMName': 'sql01'})
    assert not lease.fenced('set_lease', {'Action': 'take'})
    seen = []

    class Recorder(object):
        def run(self, name, parameters=None, sensitive=None):
            seen.append(parameters)
            return {}, False
    leased = lease.LeasedBackend(Recorder(), 'tok')
    leased.run('format_guest_disk', {'VMName': 'sql01', 'Actions': []})
    leased.run('format_guest_disk', {'VMName': '', 'Actions': []})
    assert seen[0]['LeaseToken'] == 'tok' and 'LeaseToken' not in seen[1]
    doc = load_example('two_nvme_server')
    with pytest.raises(CmdletError, match='given no lease token'):
        TWINS['format_guest_disk'](SimulatedHost(doc), {'VMName': 'sql01', 'Actions': ['online']})


def test_the_holder_renews_its_lease_with_each_script_even_after_its_time_ran_out():
    doc = load_example('two_nvme_server')
    _held(until='2026-05-01T11:59:00Z', token='mine')(doc)  # ran out a minute ago, and nobody took the host over
    result, changed = TWINS['set_vm_stop_action'](SimulatedHost(doc), {'VMId': SQL01, 'Action': 'TurnOff',
                                                                       'LeaseToken': 'mine'})
    assert changed is True
    assert doc['host']['lease']['until'] == '2026-05-01T12:15:00Z' and doc['host']['lease']['version'] == 6


# --- taking and giving back ------------------------------------------------------------------------------------

def _backend(state_file, mutate=_clocked, log=None):
    path = state_file('two_nvme_server', mutate)
    return path, SimulatorBackend(path, log_path=log)


def test_a_free_lease_is_taken_and_given_back(state_file):
    path, backend = _backend(state_file)
    taken = lease.take(backend, ME, 900, 0)
    assert taken['waited_for'] is None and taken['took_over'] is None and taken['found'] is None
    assert taken['lease'] == dict(ME, token=taken['lease']['token'], since=NOW, until='2026-05-01T12:15:00Z',
                                  seconds=900)
    held = json.load(open(path))['host']['lease']
    assert (held['holder'], held['version'], held['token']) == (ME, 1, taken['lease']['token'])
    given = lease.release(backend, taken['lease'])
    assert given['released'] is True and given['warning'] is None
    assert json.load(open(path))['host']['lease'] == {'holder': None, 'since': None, 'until': None, 'seconds': None,
                                                      'expired': False, 'version': 2, 'token': None}


def test_a_run_waits_for_another_runs_lease_then_fails_naming_the_holder_and_changing_nothing(state_file):
    path, backend = _backend(state_file, _held())
    before = open(path, 'rb').read()
    clock = FakeClock()
    with pytest.raises(lease.LeaseBusy) as busy:
        lease.take(backend, ME, 900, 30, clock=clock, sleep=clock.sleep)
    assert busy.value.msg.startswith(
        "The host's lease is held by run AWX job 77 of nvme_release.yml by bob on controller ctl02, since "
        "2026-05-01T11:50:00Z, until 2026-05-01T12:10:00Z host time: another run of the collection is changing this "
        "host. This run waited 30 s for it (hyperv_dda_lease_timeout) and changed nothing.")
    assert clock.slept == [1, 2, 4, 8, 10, 5], 'it asked the host again, less often as it waited, up to the timeout'
    assert open(path, 'rb').read() == before


def test_a_run_that_waits_takes_the_lease_once_it_is_given_back(state_file):
    path, backend = _backend(state_file, _held())
    clock = FakeClock()

    def sleep(seconds):
        clock.sleep(seconds)
        if clock.now >= 3:  # the other run gives its lease back while this one waits
            lease.release(SimulatorBackend(path), {'token': 'their-token'})
    taken = lease.take(backend, ME, 900, 600, clock=clock, sleep=sleep)
    assert taken['waited'] == 3.0 and taken['waited_for']['holder'] == OTHER and taken['took_over'] is None
    assert lease.replan_needed({'holder': OTHER, 'version': 5}, taken['found'])
    assert 'Waited 3.0 s for the host\'s lease, held by run AWX job 77' in lease.waited_words(taken)


def test_a_lease_whose_time_ran_out_is_taken_over_and_the_new_holder_is_told_what_that_run_left(state_file):
    def dead_run(doc):
        _held(until='2026-05-01T11:55:00Z')(doc)
        doc['vms'][0].update(state='Off', restart_pending=True, guest_shutdown_available=None)
    path, backend = _backend(state_file, dead_run)
    taken = lease.take(backend, ME, 900, 0)
    assert taken['took_over']['holder'] == OTHER and taken['took_over']['expired'] is True
    told = lease.took_over_warning(taken['took_over'], lease.left_behind(json.load(open(path))))
    assert told.startswith("Took over the host's lease of run AWX job 77 of nvme_release.yml by bob on controller "
                           "ctl02, whose time ran out at 2026-05-01T11:55:00Z")
    assert "VM 'sql01': the collection shut it down for a change and has not started it again" in told


def test_giving_back_a_lease_that_was_taken_over_says_so(state_file):
    path, backend = _backend(state_file, _held(until='2026-05-01T11:55:00Z', token='mine'))
    lease.take(SimulatorBackend(path), OTHER, 900, 0)  # another run took the host over
    given = lease.release(backend, {'token': 'mine'})
    assert given['released'] is False and 'had run out and was no longer its own to give back' in given['warning']
    assert json.load(open(path))['host']['lease']['holder'] == OTHER, 'the other run keeps it'


@pytest.mark.parametrize('seen,found,replan', [
    (None, None, False),                                      # never taken, nobody since
    ({'holder': None, 'version': 4}, {'holder': None, 'version': 4}, False),  # given back before the survey
    ({'holder': None, 'version': 4}, {'holder': None, 'version': 6}, True),   # taken and given back since
    ({'holder': OTHER, 'version': 4}, {'holder': None, 'version': 5}, True),  # held at the survey
    (None, {'holder': OTHER, 'version': 1, 'expired': True}, True),          # taken over
    (False, None, True),                                      # the survey's view is not known
])
def test_a_plan_is_made_again_when_another_run_held_the_lease_since_its_survey(seen, found, replan):
    assert lease.replan_needed(seen, found) is replan


# --- a module task run on its own holds the lease for its changes ---------------------------------------------------

def test_a_module_task_takes_the_lease_for_its_changes_and_gives_it_back(runner, state_file, tmp_path):
    log = tmp_path / 'calls.jsonl'
    path = state_file('two_nvme_server', _clocked)
    result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01'},
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert result['changed'] is True and not result.get('warnings'), result
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line['script'] for line in lines] == ['survey_host', 'set_lease', 'set_vm_stop_action', 'set_lease']
    assert json.load(open(path))['host']['lease']['holder'] is None


def test_a_module_task_fails_before_any_change_naming_the_holder_when_another_run_keeps_the_lease(runner, state_file):
    path = state_file('two_nvme_server', _held())
    before = open(path, 'rb').read()
    result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01'},
                        simulator_vars(path, hyperv_dda_lease_timeout=0))
    assert result['failed'] is True
    assert "The host's lease is held by run AWX job 77 of nvme_release.yml by bob on controller ctl02" in result['msg']
    assert 'raise hyperv_dda_lease_timeout' in result['msg']
    assert open(path, 'rb').read() == before


def test_a_module_task_under_the_runs_lease_gives_its_scripts_the_token_and_takes_none(state_file):
    path = state_file('two_nvme_server', _held(token='mine'))
    runner = PowerShellIntoSimulator(path)
    result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01'},
                        {'hyperv_dda_lease': {'token': 'mine', 'since': '2026-05-01T11:50:00Z'}})
    assert result['changed'] is True, result.get('msg')
    assert [sent['module_args']['parameters'].get('LeaseToken') for sent in runner.sent] == [None, 'mine']
    assert json.load(open(path))['host']['lease']['holder'] == OTHER, 'renewed, kept'


def test_a_module_task_under_a_lease_it_lost_changes_nothing(runner, state_file):
    path = state_file('two_nvme_server', _held())
    before = open(path, 'rb').read()
    result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01'},
                        simulator_vars(path, hyperv_dda_lease={'token': 'my-old-token'}))
    assert result['failed'] is True and 'not by this run: this script changed nothing' in result['msg']
    assert open(path, 'rb').read() == before


def test_check_mode_takes_no_lease_and_says_who_holds_it(runner, state_file, tmp_path):
    log = tmp_path / 'calls.jsonl'
    path = state_file('two_nvme_server', _held())
    before = open(path, 'rb').read()
    result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01'},
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)), check_mode=True)
    assert result['changed'] is True
    assert any("The host's lease is held by run AWX job 77" in warning and 'A run that changes the host waits for it' in warning
               for warning in result['warnings'])
    assert [json.loads(line)['script'] for line in log.read_text().splitlines()] == ['survey_host']
    assert open(path, 'rb').read() == before


def test_a_module_task_that_takes_over_a_dead_runs_lease_says_what_it_left_and_plans_from_the_host(runner, state_file):
    def dead_run(doc):
        _held(until='2026-05-01T11:55:00Z')(doc)
        doc['vms'][0].update(state='Off', restart_pending=True, guest_shutdown_available=None)
    path = state_file('two_nvme_server', dead_run)
    result = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'}, simulator_vars(path))
    assert result['changed'] is True and result['state'] == 'Running'
    assert result['warnings'][0].startswith("Took over the host's lease of run AWX job 77")
    assert "VM 'sql01': the collection shut it down" in result['warnings'][0]
    assert json.load(open(path))['host']['lease']['holder'] is None


def test_a_module_task_plans_again_when_another_run_held_the_lease_since_the_survey_it_was_handed(runner, state_file):
    """The survey it is handed saw the lease at version 0; another run took and gave it back since, and changed the
    stop action meanwhile: the task surveys again and finds nothing to do."""
    from ddatest import surveyed
    survey = surveyed(load_example('two_nvme_server'))

    def other_run_was_here(doc):
        doc['vms'][0]['automatic_stop_action'] = 'TurnOff'
        doc['host']['lease'] = {'holder': None, 'since': None, 'until': None, 'seconds': None, 'expired': False,
                                'version': 2}
    path = state_file('two_nvme_server', other_run_was_here)
    result = runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01', 'survey': survey}, simulator_vars(path))
    assert result['changed'] is False and not result.get('failed'), result


def test_a_survey_reports_the_lease_and_who_holds_it(runner, state_file):
    path = state_file('two_nvme_server', _held(until='2026-05-01T11:55:00Z'))
    info = runner.run('hyperv_dda_info', {}, simulator_vars(path))
    assert info['snapshot']['host']['lease'] == {
        'holder': OTHER, 'since': '2026-05-01T11:50:00Z', 'until': '2026-05-01T11:55:00Z', 'seconds': 900,
        'expired': True, 'version': 5}, 'no token'
    assert 'run out: that run stopped renewing it' in info['warnings'][0]


def test_a_failed_task_leaves_nothing_but_the_leases_version(runner, state_file):
    def no_shutdown_service(doc):
        _clocked(doc)
        doc['vms'][0]['guest_shutdown_available'] = False
    path = state_file('two_nvme_server', no_shutdown_service)
    before = open(path, 'rb').read()
    result = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}, simulator_vars(path))
    assert result['failed'] is True
    assert without_lease(open(path, 'rb').read()) == without_lease(before)
    assert json.load(open(path))['host']['lease']['holder'] is None, 'given back after the failure'


def test_a_lease_record_that_cannot_be_read_is_reported_and_fails_the_take(state_file):
    path = state_file('two_nvme_server', lambda doc: (_held()(doc), doc.update(faults=[{
        'cmdlet': 'ConvertFrom-Json', 'match': {'InputObject': 'Record'}, 'message': 'Invalid JSON primitive.'}])))
    with pytest.raises(HostCommandError, match='Invalid JSON primitive'):
        lease.take(SimulatorBackend(path), ME, 900, 0)


# --- the module hyperv_dda_lease -----------------------------------------------------------------------------------

def test_the_lease_module_takes_the_lease_for_a_run_whose_tasks_then_run_under_it(runner, state_file, tmp_path):
    log = tmp_path / 'calls.jsonl'
    path = state_file('two_nvme_server', _clocked)
    host_vars = simulator_vars(path, hyperv_dda_simulator_log=str(log))
    taken = runner.run('hyperv_dda_lease', {'seen': {'holder': None, 'version': 0}}, host_vars)
    assert taken['changed'] is False and taken['taken'] is True and taken['replan'] is False, taken
    assert json.load(open(path))['host']['lease']['token'] == taken['lease']['token']
    under = dict(host_vars, hyperv_dda_lease=taken['lease'])
    again = runner.run('hyperv_dda_lease', {}, under)
    assert again['taken'] is False and again['lease'] == taken['lease'], 'held already: returned, nothing sent'
    info = runner.run('hyperv_dda_info', {}, under)
    assert info['snapshot']['host']['lease']['holder']['run_id'] == taken['lease']['run_id']
    assert not info.get('warnings'), 'its own lease is no warning'
    assert runner.run('hyperv_vm_stop_action', {'vm_name': 'sql01'}, under)['changed'] is True
    released = runner.run('hyperv_dda_lease', {'state': 'released'}, under)
    assert released == dict(released, changed=False, released=True, lease=None)
    scripts = [json.loads(line)['script'] for line in log.read_text().splitlines()]
    assert scripts == ['set_lease', 'survey_host', 'survey_host', 'set_vm_stop_action', 'set_lease']


def test_a_lease_taken_with_the_default_duration_covers_a_shutdown_with_the_default_timeout(runner, state_file):
    """A lease of 900 s, less the 900 s kept for a step's own work, left no time for any shutdown: every hyperv_vm_power
    state=off under a lease taken with the module's defaults was refused."""
    path = state_file('two_nvme_server', _clocked)
    taken = runner.run('hyperv_dda_lease', {}, simulator_vars(path))
    under = dict(simulator_vars(path), hyperv_dda_lease=taken['lease'])
    stopped = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}, under)
    assert stopped.get('failed') is not True and stopped['state'] == 'Off', stopped
    assert runner.run('hyperv_dda_lease', {'state': 'released'}, under)['released'] is True


def test_the_lease_module_says_a_plan_is_stale_when_another_run_held_the_lease_since_its_survey(runner, state_file):
    path = state_file('two_nvme_server', _held(until='2026-05-01T11:55:00Z'))
    taken = runner.run('hyperv_dda_lease', {'seen': {'holder': None, 'version': 3}}, simulator_vars(path))
    assert taken['replan'] is True and taken['took_over']['holder'] == OTHER
    assert taken['warnings'][0].startswith("Took over the host's lease of run AWX job 77")


def test_the_lease_module_in_check_mode_takes_nothing_and_names_the_holder(runner, state_file):
    path = state_file('two_nvme_server', _held())
    before = open(path, 'rb').read()
    checked = runner.run('hyperv_dda_lease', {}, simulator_vars(path), check_mode=True)
    assert checked['lease'] is None and checked['held_by']['holder'] == OTHER
    assert 'held by run AWX job 77' in checked['warnings'][0]
    assert open(path, 'rb').read() == before


def test_the_lease_module_waits_up_to_its_timeout_then_fails_naming_the_holder(runner, state_file):
    path = state_file('two_nvme_server', _held())
    failed = runner.run('hyperv_dda_lease', {'timeout': 0}, simulator_vars(path))
    assert failed['failed'] is True and 'held by run AWX job 77 of nvme_release.yml by bob' in failed['msg']
    assert 'raise timeout' in failed['msg']
