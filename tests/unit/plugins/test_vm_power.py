"""set_vm_power.ps1 and its twin (issue 20): the shutdown request, the restart record, the VM states.

The script is read statically (what it passes to InitiateShutdown, which return values it accepts); the twin runs
on the simulated host, alone and through the real action plugin.
"""
import json
import os
import sys

import pytest

from ddatest import ROOT, load_example, simulator_vars

sys.path.insert(0, os.path.join(ROOT, 'tests', 'pscheck'))
import pscheck  # noqa: E402

from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import script_text  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import host_twins  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS  # noqa: E402

pytestmark = pytest.mark.usefixtures('twins_under_lease')

SQL01 = '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10'
OFF = {'VMId': SQL01, 'State': 'off', 'ShutdownTimeout': 5, 'TurnOffOnTimeout': False, 'RecordRestart': True}
RUNNING = {'VMId': SQL01, 'State': 'running', 'ShutdownTimeout': 5, 'TurnOffOnTimeout': False}


class RecordingHost(SimulatedHost):
    """A simulated host that also keeps the values of each call's parameters."""

    def __init__(self, doc):
        super(RecordingHost, self).__init__(doc)
        self.values = []

    def invoke(self, cmdlet, pipeline=False, inputs=None, **parameters):
        self.values.append((cmdlet, parameters))
        return super(RecordingHost, self).invoke(cmdlet, pipeline, inputs, **parameters)


def _sql01(**values):
    doc = load_example('two_nvme_server')
    doc['vms'][0].update(values)
    return doc


def _guest(**values):
    doc = load_example('two_nvme_server')
    doc['vms'][0]['guest'].update(values)
    return doc


def _run(doc, parameters):
    host = RecordingHost(doc)
    return host, TWINS['set_vm_power'](host, dict(parameters))


def _fails(doc, parameters):
    host = RecordingHost(doc)
    with pytest.raises(CmdletError) as raised:
        TWINS['set_vm_power'](host, dict(parameters))
    return host, raised.value.message


# --- what the script passes and accepts -------------------------------------------------------------------------

def _script():
    return pscheck.Script(script_text('set_vm_power'))


def _shutdown_arguments(script):
    """The -Arguments hashtable of the script's Invoke-CimMethod call, as {key: value as written}."""
    calls = [call for call in script.calls() if call.name and call.name.lower() == 'invoke-cimmethod']
    assert len(calls) == 1
    entries = {}
    for table in script.nodes('hash_literal_expression', root=calls[0].node):
        for entry in script.nodes('hash_entry', root=table):
            key = next(c for c in entry.children if c.type == 'key_expression')
            value = next(c for c in entry.children if c.type == 'pipeline')
            entries[script.text(key)] = script.text(value)
    return entries


def _powershell_literal(value):
    if isinstance(value, bool):
        return '$true' if value else '$false'
    return "'%s'" % value


def test_the_script_asks_for_a_shutdown_without_force():
    # Force closes applications that hold unsaved data (InitiateShutdown docs).
    assert _shutdown_arguments(_script())['Force'] == '$false'


def test_the_twin_passes_the_arguments_the_script_writes():
    host, dummy = _run(_sql01(), OFF)
    passed = [parameters['Arguments'] for cmdlet, parameters in host.values if cmdlet == 'Invoke-CimMethod']
    assert passed == [host_twins.SHUTDOWN_ARGUMENTS]
    written = _shutdown_arguments(_script())
    assert dict((key, _powershell_literal(value)) for key, value in passed[0].items()) == written


def test_the_script_and_the_twin_accept_the_same_return_values():
    arrays = [_script().text(node) for node in _script().nodes('array_expression')]
    assert '@(0, 4096, 32782)' in arrays
    assert host_twins.SHUTDOWN_ACCEPTED == (0, 4096, 32782)


# --- the shutdown request -----------------------------------------------------------------------------------------

def test_a_shutdown_already_in_progress_is_accepted():
    host, (result, changed) = _run(_guest(shutdown_in_progress=True), OFF)
    assert changed is True
    assert result == {'vm_name': 'sql01', 'state': 'Off', 'previous_state': 'Running', 'turned_off': False,
                      'restart_pending': True}
    assert 'shutdown_in_progress' not in host.doc['vms'][0]['guest'], 'the guest is off, not shutting down'


def test_a_locked_guest_refuses_without_force_and_the_record_goes():
    host, message = _fails(_guest(locked=True), OFF)
    assert message.startswith("The guest of VM 'sql01' is locked and shuts down only when forced to close applications "
                              "that may hold unsaved data (InitiateShutdown returned 32781)")
    assert 'set turn_off_on_timeout: true to turn the VM off' in message
    vm = host.doc['vms'][0]
    assert vm['state'] == 'Running' and vm['restart_pending'] is False, 'nothing was shut down: no start is owed'
    assert host.calls.count('Remove-Item') == 1


def test_a_locked_guest_is_turned_off_where_turn_off_on_timeout_allows_never_forced():
    host, (result, changed) = _run(_guest(locked=True), dict(OFF, TurnOffOnTimeout=True))
    assert changed is True and result['state'] == 'Off' and result['turned_off'] is True
    assert result['restart_pending'] is True
    forced = [values for cmdlet, values in host.values if cmdlet == 'Invoke-CimMethod']
    assert forced and all(values['Arguments'].get('Force') is False for values in forced)


def test_a_restart_record_an_earlier_run_left_is_kept_as_it_is():
    # New-Item -Force would make the key anew; the record of the earlier run keeps its time and stays when this
    # shutdown is refused (it is not this run's to take back).
    host, message = _fails(_sql01(restart_pending=True, guest_shutdown_available=False), OFF)
    assert 'cannot be shut down gracefully' in message
    assert host.doc['vms'][0]['restart_pending'] is True
    assert 'New-Item' not in host.calls and 'Remove-Item' not in host.calls


def test_without_a_shutdown_service_and_not_turned_off_the_record_goes():
    host, message = _fails(_sql01(guest_shutdown_available=False), OFF)
    assert 'cannot be shut down gracefully' in message
    assert host.doc['vms'][0]['restart_pending'] is False


@pytest.mark.parametrize('guest', [{'ignores_shutdown': True}, {'shutdown_after_timeout': True}])
def test_an_accepted_shutdown_that_times_out_keeps_the_record(guest):
    host, message = _fails(_guest(**guest), OFF)
    assert message == ("VM 'sql01' did not shut down within 5 seconds and is still running, but its guest accepted the "
                       "shutdown and may still power off later. The host keeps the record that the VM is owed a start, "
                       "so a later run starts it again. Raise shutdown_timeout, check the guest, or set "
                       "turn_off_on_timeout.")
    vm = host.doc['vms'][0]
    assert vm['state'] == 'Running' and vm['restart_pending'] is True
    assert 'Remove-Item' not in host.calls


def test_without_record_restart_the_timeout_message_promises_no_later_start():
    dummy, message = _fails(_guest(ignores_shutdown=True), dict(OFF, RecordRestart=False))
    assert 'may still power off later. Raise shutdown_timeout' in message


def test_an_accepted_shutdown_turned_off_on_timeout_keeps_the_record():
    host, (result, dummy) = _run(_guest(shutdown_after_timeout=True), dict(OFF, TurnOffOnTimeout=True))
    assert result['turned_off'] is True and result['state'] == 'Off' and result['restart_pending'] is True


# --- the VM states --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state,cmdlet', [('Off', 'Start-VM'), ('Saved', 'Start-VM'), ('Paused', 'Resume-VM')])
def test_running_starts_or_resumes(state, cmdlet):
    host, (result, changed) = _run(_sql01(state=state, guest_shutdown_available=None), RUNNING)
    assert changed is True and result['state'] == 'Running' and result['previous_state'] == state
    assert cmdlet in host.calls


@pytest.mark.parametrize('state,wake', [('Saved', 'Start'), ('Paused', 'Resume')])
def test_off_refuses_a_saved_or_paused_vm_and_changes_nothing(state, wake):
    host, message = _fails(_sql01(state=state, guest_shutdown_available=None), OFF)
    assert message == ("VM 'sql01' is %s, so its guest cannot be asked to shut down, and it was left as it is. %s it "
                       "first (state=running) and shut it down then, turn it off yourself, or set turn_off_on_timeout: "
                       "true to turn it off (its memory state is lost)." % (state, wake))
    assert host.doc['vms'][0]['state'] == state
    assert not {'Stop-VM', 'Invoke-CimMethod', 'New-Item'} & set(host.calls)


@pytest.mark.parametrize('state', ['Saved', 'Paused'])
def test_off_turns_a_saved_or_paused_vm_off_with_turn_off_on_timeout(state):
    host, (result, changed) = _run(_sql01(state=state, guest_shutdown_available=None),
                                   dict(OFF, TurnOffOnTimeout=True))
    assert changed is True
    assert result == {'vm_name': 'sql01', 'state': 'Off', 'previous_state': state, 'turned_off': True,
                      'restart_pending': False}
    assert [parameters.get('TurnOff') for cmdlet, parameters in host.values if cmdlet == 'Stop-VM'] == [True]
    assert 'Invoke-CimMethod' not in host.calls


@pytest.mark.parametrize('state', ['Starting', 'Stopping', 'Saving', 'Pausing', 'Resuming', 'RunningCritical'])
@pytest.mark.parametrize('parameters', [OFF, RUNNING], ids=['off', 'running'])
def test_a_transition_or_critical_state_is_refused_before_any_change(state, parameters):
    host, message = _fails(_sql01(state=state, restart_pending=True), parameters)
    assert message == ("VM 'sql01' is %s, not Running, Off, Saved or Paused, and was left as it is. Wait until it has "
                       "settled (a state ending in Critical means Hyper-V reports a problem with the VM, such as its "
                       "storage), then run the task again." % state)
    # After the lease's check (its record read and renewed): nothing but the VM read.
    assert [call for call in host.calls if call not in ('ConvertFrom-Json', 'ConvertTo-Json')] == ['Get-VM', 'Join-Path']
    assert host.doc['vms'][0]['state'] == state and host.doc['vms'][0]['restart_pending'] is True


# --- through the module, run after run ------------------------------------------------------------------------

def test_a_late_power_off_is_started_again_by_the_next_run(runner, state_file):
    path = state_file('two_nvme_server', lambda doc: doc['vms'][0]['guest'].update(shutdown_after_timeout=True))
    host_vars = simulator_vars(path)
    failed = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': 5,
                                            'record_restart': True}, host_vars)
    assert failed['failed'] is True
    assert 'its guest accepted the shutdown and may still power off later' in failed['msg']
    assert 'a later run starts it again' in failed['msg']
    # The script ended with the guest still up, which powered off before the task gave the host's lease back (one more
    # script run); the record of the start it is owed stays.
    vm = json.load(open(path))['vms'][0]
    assert vm['state'] == 'Off' and vm['restart_pending'] is True
    # The next run reads it Off and owed a start.
    info = runner.run('hyperv_dda_info', {'vm_names': ['sql01']}, host_vars)
    assert info['snapshot']['vms'][0]['state'] == 'Off' and info['snapshot']['vms'][0]['restart_pending'] is True
    started = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'}, host_vars)
    assert started['changed'] is True
    assert (started['previous_state'], started['state'], started['restart_pending']) == ('Off', 'Running', False)
    vm = json.load(open(path))['vms'][0]
    assert vm['state'] == 'Running' and vm['restart_pending'] is False


def test_a_saved_vm_turned_off_warns_that_its_memory_state_was_discarded(runner, state_file):
    path = state_file('two_nvme_server', lambda doc: doc['vms'][0].update(state='Saved', guest_shutdown_available=None))
    refused = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}, simulator_vars(path))
    assert refused['failed'] is True and 'Start it first (state=running)' in refused['msg']
    turned = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'turn_off_on_timeout': True},
                        simulator_vars(path))
    assert turned['changed'] is True and turned['turned_off'] is True and turned['state'] == 'Off'
    assert turned['warnings'] == ["VM 'sql01' was turned off (turn_off_on_timeout): it was Saved, and its memory state "
                                  "was discarded. Unsaved work in the guest was lost."]
