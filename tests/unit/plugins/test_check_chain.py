"""Check mode of a chain written by hand (issue 24, item 4): each task of the collection in check mode hands the next
the host as its change would leave it (a host fact), and the next task plans on that host as the real run will.

Each test runs the action plugins as ansible-playbook would (ActionRunner), with the fact handed on by hand, as
Ansible hands a task's facts to the next task of the play.
"""
import json

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.check_chain import FACT, Chain

from ddatest import load_example, simulator_vars

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
CREDENTIAL = {'username': 'Administrator', 'password': 'example-only'}


def _step(runner, state, module, args, facts=None, check_mode=True):
    """One task: its result, and the host facts the next task of the play sees."""
    host_vars = simulator_vars(state)
    if facts is not None:
        host_vars['ansible_facts'] = facts
    result = runner.run(module, args, host_vars, check_mode=check_mode)
    return result, dict(facts or {}, **(result.get('ansible_facts') or {}))


def _off(doc):
    doc['vms'][0].update(state='Off', guest_shutdown_available=None)


def test_the_first_task_of_a_chain_assumes_an_earlier_step_and_a_later_one_plans_as_the_real_run(runner, state_file):
    """Alone, a memory change on a running VM in check mode warns (an earlier step may stop it, as the contract says);
    after an earlier task of the play, it plans on the host as predicted, where nothing stopped the VM: it fails as the
    real run will."""
    state = state_file('two_nvme_server')
    alone, dummy = _step(runner, state, 'hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False})
    assert alone['changed'] and 'In check mode this assumes an earlier step' in alone['warnings'][0]
    first, facts = _step(runner, state, 'hyperv_vm_stop_action', {'vm_name': 'sql01'})
    assert first['changed'] and facts[FACT]['vms'][0]['automatic_stop_action'] == 'TurnOff'
    assert facts[FACT]['observed_states'] == {load_example('two_nvme_server')['vms'][0]['id']: 'Running'}
    after, dummy = _step(runner, state, 'hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False}, facts)
    assert after.get('failed') and after['msg'].startswith("Cannot change the memory of VM 'sql01': the VM is Running")
    real, dummy = _step(runner, state, 'hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False},
                        check_mode=False)
    assert real['msg'] == after['msg']


def test_each_step_plans_on_the_host_its_earlier_steps_leave(runner, state_file):
    state = state_file('two_nvme_server', _off)
    before = open(state).read()
    facts = {}
    for module, args in (('hyperv_vm_stop_action', {'vm_name': 'sql01'}),
                         ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False}),
                         ('pnp_device_disable', {'serial_number': 'S4EWNX0N123456'}),
                         ('vmhost_assignable_device', {'serial_number': 'S4EWNX0N123456'}),
                         ('vm_assignable_device', {'vm_name': 'sql01', 'serial_number': 'S4EWNX0N123456'}),
                         ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'})):
        result, facts = _step(runner, state, module, args, facts)
        assert result['changed'] and not result.get('failed') and not result.get('warnings'), (module, result)
    assert open(state).read() == before, 'check mode changes nothing'
    chain = Chain(facts[FACT]['run'], facts[FACT])
    assert chain.vm('SQL01')['state'] == 'Running' and chain.vm('sql01')['assigned_devices'] == [SAMSUNG]
    assert [device['state'] for device in chain.devices] == ['dismounted']
    assert not chain.really_running(chain.vm('sql01'))
    # A survey in check mode reports the host as the chain leaves it.
    info, dummy = _step(runner, state, 'hyperv_dda_info', {}, facts)
    candidate = next(c for c in info['candidates'] if c['location_path'] == SAMSUNG)
    assert candidate['assigned_to'] == 'sql01' and candidate['state'] == 'dismounted'


def test_the_guest_step_after_the_chain_plans_from_the_drive_the_chain_brings(runner, state_file):
    """The VM is off now, and the chain starts it: the guest cannot be asked, so the step plans from the host's view of
    the drive, with a warning naming what only the real run checks."""
    state = state_file('two_nvme_server', _off)
    facts = {}
    for module, args in (('hyperv_vm_stop_action', {'vm_name': 'sql01'}),
                         ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False}),
                         ('pnp_device_disable', {'location_path': SAMSUNG}),
                         ('vmhost_assignable_device', {'location_path': SAMSUNG}),
                         ('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}),
                         ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'})):
        result, facts = _step(runner, state, module, args, facts)
    guest, dummy = _step(runner, state, 'guest_nvme_disk', {'vm_name': 'sql01', 'guest_credential': CREDENTIAL,
                                                            'adapter_serial_number': 'S4EWNX0N123456',
                                                            'drive_letter': 'E'}, facts)
    assert guest['changed'] and not guest.get('failed'), guest
    assert guest['volume']['drive_letter'] == 'E' and guest['disk']['adapter_serial_number'] == 'S4EWNX0N123456'
    assert any("VM 'sql01' is Off on the host; an earlier task of this check-mode run starts it" in warning
               for warning in guest['warnings'])


def test_a_real_change_drops_the_prediction_the_host_no_longer_matches(runner, state_file):
    state = state_file('two_nvme_server')
    dummy, facts = _step(runner, state, 'hyperv_vm_stop_action', {'vm_name': 'sql01'})
    real, after = _step(runner, state, 'hyperv_vm_stop_action', {'vm_name': 'sql01'}, facts, check_mode=False)
    assert real['changed'] and after[FACT] is None
    unchanged, kept = _step(runner, state, 'hyperv_vm_stop_action', {'vm_name': 'sql01'}, facts, check_mode=False)
    assert not unchanged['changed'] and 'ansible_facts' not in unchanged


def test_the_overlay_lists_the_devices_the_chain_assigned_to_a_vm_of_a_scoped_survey():
    doc = load_example('two_nvme_server')
    chain = Chain('run')
    vm, device = json.loads(json.dumps(doc['vms'][0])), json.loads(json.dumps(doc['devices'][0]))
    vm['assigned_devices'] = [SAMSUNG]
    device['state'] = 'dismounted'
    chain.vms, chain.devices = [vm], [device]
    scoped = dict(doc, devices=[], vms=[doc['vms'][0]])
    chain.overlay(scoped)
    assert scoped['vms'][0]['assigned_devices'] == [SAMSUNG]
    assert [d['state'] for d in scoped['devices']] == ['dismounted']


@pytest.mark.parametrize('fact', [None, 'not a dict', {'run': 'an earlier run', 'vms': [], 'devices': []}])
def test_no_chain_without_a_fact_of_this_run(fact):
    """A fact cache may keep an earlier run's prediction: it is not this run's."""
    assert Chain.of({'ansible_facts': {FACT: fact}}, 'this run') is None
    assert Chain.of({}, 'this run') is None
    assert Chain.of({'ansible_facts': {FACT: {'run': 'this run'}}}, 'this run').vms == []


def test_a_run_is_told_by_the_random_part_of_its_task_ids():
    from ansible.playbook.task import Task
    from ansible_collections.hyperv.dda.plugins.plugin_utils.check_chain import run_id
    one, other = Task(), Task()
    assert one._uuid != other._uuid and run_id(one) == run_id(other) != ''
