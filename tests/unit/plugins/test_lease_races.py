"""Two playbooks on one host at once (issue 23 §3): one waits for the other's lease, or is refused, naming the holder;
nothing is lost, and the host ends in a state each run meant.

Each race is two ansible-playbook processes on one simulated host (one snapshot file). To make the second run meet
the first one's lease every time, the first run holds it through a barrier: it takes the lease itself
(hyperv.dda.hyperv_dda_lease), waits for the test before or after it runs the role under it, and gives the lease back
at its end; the test lets it go on (a file appears) once the second run has asked for the lease (its call log shows
it). The simulator's
clock is fixed in the snapshot, so no lease runs out meanwhile. A last race starts two role runs together without a
barrier, and holds only what any order gives.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from ddatest import ROOT
from truthful import playbook_problems, read_log

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'
NOW = '2026-05-01T12:00:00Z'
ROLE = {'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True,
        'nvme_passthrough_allow_mounted_volumes': True}


def _role(vm, path, state='present'):
    return dict(ROLE, nvme_passthrough_vm_name=vm, nvme_passthrough_devices=[{'location_path': path}],
                nvme_passthrough_state=state)


class Host(object):
    """One simulated Hyper-V host, and the playbooks run against it, each with its own call log."""

    def __init__(self, tmp_path, mutate=None):
        self.folder = tmp_path
        with open(os.path.join(ROOT, 'examples', 'snapshots', 'two_nvme_server.json'), encoding='utf-8') as handle:
            doc = json.load(handle)
        doc['clock'] = NOW
        if mutate:
            mutate(doc)
        self.state = str(tmp_path / 'hv01.json')
        with open(self.state, 'w', encoding='utf-8') as handle:
            json.dump(doc, handle)
        self.inventory = tmp_path / 'inventory.json'
        self.inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
            'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': self.state,
            'hyperv_dda_lease_timeout': 300}}}}))
        self.flag = tmp_path / 'give-the-lease-back'

    def doc(self):
        with open(self.state, encoding='utf-8') as handle:
            return json.load(handle)

    def start(self, name, tasks, *options, playbook=None):
        """Start ansible-playbook on a play of ``tasks`` (or on ``playbook``); returns the run (its process, output
        file, log)."""
        if playbook is None:
            playbook = self.folder / (name + '.yml')
            playbook.write_text(json.dumps([{'name': name, 'hosts': 'hyperv_hosts', 'gather_facts': False,
                                             'tasks': tasks}]))
        log = self.folder / (name + '.calls.jsonl')
        out = open(str(self.folder / (name + '.out')), 'w')
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'), ANSIBLE_NOCOLOR='1')
        process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
                                    str(self.inventory), str(playbook), '-e', 'hyperv_dda_simulator_log=%s' % log]
                                   + list(options), stdout=out, stderr=subprocess.STDOUT, env=env, text=True)
        return {'process': process, 'out': out, 'log': str(log), 'name': name}

    @staticmethod
    def finish(run):
        """(exit code, output) of a run, once it ended; its tasks' changed is what its log shows (truthful.py)."""
        code = run['process'].wait(timeout=600)
        run['out'].close()
        with open(run['out'].name, encoding='utf-8') as handle:
            stdout = handle.read()
        assert not playbook_problems(stdout, read_log(run['log']), 'hv01'), stdout
        return code, stdout

    @staticmethod
    def until(condition, run, what):
        """Wait (polling, the only wait these tests need) until ``condition()``; fail if ``run`` ends first."""
        deadline = time.monotonic() + 300
        while not condition():
            assert run['process'].poll() is None, 'run %s ended before %s' % (run['name'], what)
            assert time.monotonic() < deadline, 'gave up waiting until %s' % what
            time.sleep(0.2)


def _holder(role_vars, barrier_first):
    """Tasks that take the host's lease, run the role under it, and keep the lease until the test's file appears:
    before the role runs (``barrier_first``: the second run plans from the host as it was), or after."""
    role = {'name': 'The role, under the lease', 'ansible.builtin.include_role': {'name': 'hyperv.dda.nvme_passthrough'},
            'vars': role_vars}
    barrier = {'name': 'Keep the lease until the test lets go', 'ansible.builtin.wait_for': {
        'path': '{{ holder_flag }}', 'timeout': 300, 'sleep': 1}}
    return [{'name': 'Hold the lease through the barrier', 'vars': {
        'hyperv_dda_lease': '{{ holder__lease.lease | default(none) }}'}, 'block': [
        {'name': 'Take the host\'s lease', 'hyperv.dda.hyperv_dda_lease': {'duration': 1200},
         'register': 'holder__lease'},
    ] + ([barrier, role] if barrier_first else [role, barrier]),
        'always': [{'name': 'Give the lease back', 'hyperv.dda.hyperv_dda_lease': {'state': 'released'}}]}]


def _role_run(role_vars):
    return [{'name': 'The role', 'ansible.builtin.include_role': {'name': 'hyperv.dda.nvme_passthrough'},
             'vars': role_vars}]


def _race(host, first_vars, second_vars, barrier_first=True, second_playbook=None):
    """The first run holds the lease (through the barrier) while the second asks for it; then the first lets go."""
    first = host.start('holder', _holder(first_vars, barrier_first), '-e', 'holder_flag=%s' % host.flag)
    host.until(lambda: 'Keep the lease until' in open(first['out'].name).read(), first, 'the first run holds the lease')
    second = host.start('second', _role_run(second_vars), playbook=second_playbook)
    host.until(lambda: any(line['script'] == 'set_lease' for line in read_log(second['log'])), second,
               'the second run asked for the lease')
    host.flag.write_text('')
    return host.finish(first), host.finish(second), read_log(second['log'])


def _no_leftovers(doc):
    assert [vm.get('restart_pending') or False for vm in doc['vms']] == [False, False], 'no VM owed a start'
    for device in doc['devices']:
        assert device['state'] == 'enabled' or any(location in vm['assigned_devices'] for vm in doc['vms']
                                                   for location in device['location_paths']), device['state']
    lease = doc['host']['lease']
    assert lease['holder'] is None and lease['token'] is None, 'the lease is free again'


def _waited_for_the_holder(stdout):
    assert "Waited " in stdout and "for the host's lease, held by run pid " in stdout, stdout
    assert ' of holder.yml by ' in stdout, 'the holder is named: its run, playbook, user and controller'


def test_two_devices_for_the_same_vm_the_second_run_waits_then_plans_again_and_both_devices_arrive(tmp_path):
    host = Host(tmp_path)
    (code, first), (code2, second), calls = _race(host, _role('sql01', SAMSUNG), _role('sql01', INTEL))
    assert code == 0, first
    assert code2 == 0, second
    _waited_for_the_holder(second)
    assert 'Plan again from the host as the other run left it' in second
    doc = host.doc()
    assert doc['vms'][0]['assigned_devices'] == [SAMSUNG, INTEL] and doc['vms'][0]['state'] == 'Running'
    _no_leftovers(doc)
    # The second run planned from the host as the first left it: the stop action and memory were set already.
    assert [call['script'] for call in calls if call['script'] in ('set_vm_stop_action', 'set_vm_memory')] == []


def test_the_same_device_for_two_vms_the_second_run_waits_then_is_refused_before_any_change(tmp_path):
    host = Host(tmp_path)
    (code, first), (code2, second), calls = _race(host, _role('sql01', SAMSUNG), _role('web01', SAMSUNG))
    assert code == 0, first
    assert code2 != 0, second
    _waited_for_the_holder(second)
    assert "assigned to VM 'sql01'" in second or "VM sql01" in second, second
    assert [call['script'] for call in calls if call['changed']] == [], 'the loser changed nothing'
    assert 'set_vm_power' not in [call['script'] for call in calls], 'web01 was never shut down'
    doc = host.doc()
    assert doc['vms'][0]['assigned_devices'] == [SAMSUNG] and doc['vms'][1]['assigned_devices'] == []
    assert doc['vms'][1]['state'] == 'Running' and doc['vms'][1]['automatic_stop_action'] == 'ShutDown'
    _no_leftovers(doc)


def test_a_passthrough_racing_a_release_waits_then_takes_the_device_the_release_gave_back(tmp_path):
    def passed_through(doc):
        doc['devices'][0].update(state='dismounted', problem_code=None, identity_recorded=True, recorded_mmio_mb=1)
        doc['vms'][0].update(assigned_devices=[SAMSUNG], automatic_stop_action='TurnOff', dynamic_memory_enabled=False)
    host = Host(tmp_path, passed_through)
    # The release is done when the passthrough plans (the device is back on the host), and holds the lease after it.
    (code, first), (code2, second), calls = _race(host, _role('sql01', SAMSUNG, 'absent'), _role('web01', SAMSUNG),
                                                  barrier_first=False)
    assert code == 0, first
    assert code2 == 0, second
    _waited_for_the_holder(second)
    doc = host.doc()
    assert doc['vms'][0]['assigned_devices'] == [] and doc['vms'][1]['assigned_devices'] == [SAMSUNG]
    assert [vm['state'] for vm in doc['vms']] == ['Running', 'Running']
    _no_leftovers(doc)


def test_a_reclaim_waits_for_the_run_that_holds_the_lease_and_reclaims_nothing_that_run_finished(tmp_path):
    """sql01 is owed a start, as a running run's record says; the reclaim planned to start it, waits for that run's
    lease, plans again from the host as the run left it (sql01 started, by the role), and changes nothing."""
    def owed(doc):
        doc['vms'][0].update(state='Off', restart_pending=True, guest_shutdown_available=None)
    host = Host(tmp_path, owed)
    (code, first), (code2, second), calls = _race(host, _role('sql01', SAMSUNG), None,
                                                  second_playbook=os.path.join(ROOT, 'playbooks', 'dda_reclaim.yml'))
    assert code == 0, first
    assert code2 == 0, second
    _waited_for_the_holder(second)
    assert 'Survey the host and plan the reclaim again' in second and 'nothing to reclaim' in second
    assert [call['script'] for call in calls if call['script'] not in ('survey_host', 'set_lease')] == []
    doc = host.doc()
    assert doc['vms'][0]['assigned_devices'] == [SAMSUNG] and doc['vms'][0]['state'] == 'Running'
    _no_leftovers(doc)


def test_two_role_runs_started_together_end_with_both_devices_and_nothing_lost(tmp_path):
    """No barrier: whichever run takes the lease first, the other waits for it or finds it given back, and plans
    from the host as it is; every order ends the same."""
    host = Host(tmp_path)
    one = host.start('one', _role_run(_role('sql01', SAMSUNG)))
    two = host.start('two', _role_run(_role('sql01', INTEL)))
    (code, first), (code2, second) = host.finish(one), host.finish(two)
    assert (code, code2) == (0, 0), first + second
    doc = host.doc()
    assert sorted(doc['vms'][0]['assigned_devices']) == [SAMSUNG, INTEL] and doc['vms'][0]['state'] == 'Running'
    _no_leftovers(doc)


def _held_by(run_id, playbook, since, until, version, token):
    """A snapshot change: the host's lease held by ctl02's bob for that run, for 1800 seconds from ``since``."""
    def held(doc):
        doc['host']['lease'] = {'holder': {'controller': 'ctl02', 'user': 'bob', 'playbook': playbook,
                                           'run_id': run_id}, 'since': since, 'until': until, 'seconds': 1800,
                                'expired': False, 'version': version, 'token': token}
    return held


HELD_BY_A_RELEASE = _held_by('AWX job 78', 'nvme_release.yml', '2026-05-01T11:55:00Z', '2026-05-01T12:25:00Z', 3,
                             'their-token')


def test_a_dead_runs_lease_is_taken_over_once_run_out_and_the_role_finishes_what_it_left(tmp_path):
    def dead_run(doc):
        _held_by('AWX job 77', 'nvme_passthrough.yml', '2026-05-01T11:00:00Z', '2026-05-01T11:30:00Z', 9, 'dead-token')(doc)
        doc['vms'][0].update(state='Off', restart_pending=True, guest_shutdown_available=None,
                             automatic_stop_action='TurnOff', dynamic_memory_enabled=False)
    host = Host(tmp_path, dead_run)
    code, stdout = host.finish(host.start('taker', _role_run(_role('sql01', SAMSUNG))))
    assert code == 0, stdout
    assert "Took over the host's lease of run AWX job 77 of nvme_passthrough.yml by bob on controller ctl02, whose " \
           "time ran out at 2026-05-01T11:30:00Z" in stdout
    assert "VM 'sql01': the collection shut it down for a change and has not started it again" in stdout
    doc = host.doc()
    assert doc['vms'][0]['assigned_devices'] == [SAMSUNG] and doc['vms'][0]['state'] == 'Running'
    _no_leftovers(doc)


def test_check_mode_takes_no_lease_and_names_the_run_that_holds_it(tmp_path):
    host = Host(tmp_path, HELD_BY_A_RELEASE)
    before = open(host.state, 'rb').read()
    code, stdout = host.finish(host.start('checked', _role_run(_role('sql01', SAMSUNG)), '--check'))
    assert code == 0, stdout
    assert "The host's lease is held by run AWX job 78 of nvme_release.yml by bob on controller ctl02" in stdout
    assert open(host.state, 'rb').read() == before


def test_a_run_that_waits_longer_than_its_timeout_fails_before_any_change_naming_the_holder(tmp_path):
    host = Host(tmp_path, HELD_BY_A_RELEASE)
    before = open(host.state, 'rb').read()
    run = host.start('refused', _role_run(dict(_role('sql01', SAMSUNG), nvme_passthrough_lease_timeout=0)))
    code, stdout = host.finish(run)
    assert code != 0
    assert "The host's lease is held by run AWX job 78 of nvme_release.yml by bob on controller ctl02" in stdout
    assert 'changed nothing' in stdout
    assert [line['script'] for line in read_log(run['log'])] == ['survey_host', 'set_lease']
    assert open(host.state, 'rb').read() == before


def test_after_the_role_the_play_can_run_its_own_tasks_under_a_lease_of_its_own(tmp_path):
    """The role held its lease through a host fact (set_fact hyperv_dda_lease), which outranks a block's vars for the
    rest of the play: a block after the role that set hyperv_dda_lease to the lease it took found it null, and each
    of its tasks then waited for that very lease."""
    host = Host(tmp_path)
    tasks = [{'name': 'Pass the Samsung through', 'ansible.builtin.include_role': {'name': 'hyperv.dda.nvme_passthrough'},
              'vars': _role('sql01', SAMSUNG)},
             {'name': 'Change the host under one lease of the play', 'vars': {
                 'hyperv_dda_lease': '{{ dda_lease.lease | default(none) }}', 'hyperv_dda_lease_timeout': 0},
              'block': [
                  {'name': 'Take the lease', 'hyperv.dda.hyperv_dda_lease': {}, 'register': 'dda_lease'},
                  {'name': 'Set the stop action under it', 'hyperv.dda.hyperv_vm_stop_action': {
                      'vm_name': 'web01', 'action': 'TurnOff'}}],
              'always': [{'name': 'Give it back', 'hyperv.dda.hyperv_dda_lease': {'state': 'released'}}]}]
    code, stdout = host.finish(host.start('composed', tasks))
    assert code == 0, stdout
    doc = host.doc()
    assert doc['vms'][0]['assigned_devices'] == [SAMSUNG]
    assert next(vm for vm in doc['vms'] if vm['name'] == 'web01')['automatic_stop_action'] == 'TurnOff'
    assert doc['host']['lease']['holder'] is None
