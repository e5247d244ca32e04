"""role_story: a failed run's story tells the host as read after the failure, never as planned."""
import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.role_story import failure_story, reclaim_failure_story, \
    restart_steps

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
PLANNED = {'vms': [{'name': 'sql01', 'state': 'Off', 'assigned_devices': [SAMSUNG], 'restart_pending': True}]}
PLAN = {'check_mode': False, 'original_state': 'Running', 'vm': {'name': 'sql01'},
        'devices': [{'location_path': SAMSUNG, 'label': 'Samsung (S4)'}],
        'steps': [{'key': 'assign', 'module': 'vm_assignable_device', 'args': {}, 'survey': PLANNED, 'label': 'x',
                   'change': 'assign'},
                  {'key': 'restart', 'module': 'hyperv_vm_power', 'args': {'vm_name': 'sql01', 'state': 'running'},
                   'survey': PLANNED, 'label': "VM 'sql01'", 'change': "start VM 'sql01' again"}]}


def _read(state, assigned=(), pending=False):
    return {'snapshot': {'vms': [{'name': 'SQL01', 'state': state, 'assigned_devices': list(assigned),
                                  'restart_pending': pending}]}}


@pytest.mark.parametrize('after, told', [
    (_read('Running', [SAMSUNG]), "The host's part of the run is done, and VM 'sql01' is running; run the role again "
                                  "once the guest is put right."),
    (_read('Off', [SAMSUNG]), "VM 'sql01' holds Samsung (S4). VM 'sql01' is Off. The guest step needs it running: once "
                              "it can start, run the role again."),
    (_read('Running'), "VM 'sql01' does not hold Samsung (S4). VM 'sql01' is running. Run the role again once it is "
                       "put right."),
    ({'failed': True, 'msg': 'unreachable'}, "Where VM 'sql01' is now could not be read"),
])
def test_the_guest_story_is_the_host_as_read(after, told):
    story = failure_story(PLAN, ['Format: failed.'], after, guest=True)
    assert story.startswith('Format: failed. ' + told), story


def test_the_guest_story_in_check_mode_says_nothing_was_changed():
    story = failure_story(dict(PLAN, check_mode=True), ['Format: failed.'], None, guest=True)
    assert story == 'Format: failed. Check mode: nothing was changed; run the role again once the guest is put right.'


def test_the_host_story_joins_the_failures_and_tells_the_vm_as_read():
    story = failure_story(PLAN, ['Assign: failed.', 'Starting VM sql01 again: failed.'], _read('Off', pending=True))
    assert story.startswith('Assign: failed. Then: Starting VM sql01 again: failed. ')
    assert story.endswith("VM 'sql01' is Off, and the host records that it is owed a start: the next run of the role, "
                          "the dda_reclaim playbook or hyperv.dda.hyperv_vm_power state=running starts it.")


def test_without_a_failure_the_restart_steps_are_the_plans():
    assert restart_steps(PLAN) == [PLAN['steps'][1]]
    assert restart_steps(PLAN, {'skipped': True, 'changed': False}) == [PLAN['steps'][1]]


def test_after_a_failure_each_restart_step_gets_the_host_as_read_and_says_so():
    after = _read('Off', pending=True)
    step, = restart_steps(PLAN, after)
    assert step['survey'] is after['snapshot'] and 'change' not in step
    assert step['label'] == "VM 'sql01', Off and owed a start as read after the failure"
    step, = restart_steps(PLAN, {'failed': True, 'msg': 'unreachable'})
    assert step['survey'] is None and step['label'] == "VM 'sql01', not read after the failure"


def test_the_reclaim_story_tells_each_vm_it_restarts_as_read():
    plan = {'steps': [dict(PLAN['steps'][1]), dict(PLAN['steps'][1], args={'vm_name': 'app02'})]}
    after = {'snapshot': {'vms': [{'name': 'sql01', 'state': 'Off', 'restart_pending': True},
                                  {'name': 'app02', 'state': 'Running', 'restart_pending': False}]}}
    story = reclaim_failure_story(plan, ['Remove: failed.'], after)
    assert story.startswith("Remove: failed. VM 'sql01' is Off, and the host records that it is owed a start")
    assert story.endswith("VM 'app02' is running. Run the reclaim again once it is put right.")
    assert reclaim_failure_story({'steps': []}, ['Mount: failed.'], None) == \
        'Mount: failed. Run the reclaim again once it is put right.'
    assert "Where VMs 'sql01', 'app02' are now could not be read" in reclaim_failure_story(plan, ['x'], None)
