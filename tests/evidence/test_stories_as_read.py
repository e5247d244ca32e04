"""What a failed run says about the host is the host as read after the failure, never the plan (issue 21, items 3
and 8): the role's guest step, a failed start again (its item and its message), the reclaim's story; and a blocker's
remedy names only what the user can really do.

Each case is one simulated host, run by real ansible-playbook with faults in its state file.
"""
import json
import re

import pytest

from fleet import Fleet
from role_runs import ROLE

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
NO_ACS = 'PCIROOT(0)#PCI(0403)#PCI(0000)'


def _faults(*cmdlets, **vm_states):
    def mutate(doc):
        doc['faults'] = [{'cmdlet': cmdlet, 'message': 'Injected %s failure.' % cmdlet, 'count': 1}
                         for cmdlet in cmdlets]
        for vm in doc['vms']:
            vm.update(vm_states.get(vm['name'], {}))
    return mutate


def _failed_items(stdout, host):
    """The result of every failed loop item Ansible printed for the host, in order."""
    pattern = r'^failed: \[%s\] \(item=.*?\) => (\{.*\})$' % re.escape(host)
    return [json.loads(found) for found in re.findall(pattern, stdout, re.M)]


def _vm(survey, name):
    return [vm for vm in survey['vms'] if vm['name'] == name][0]


def test_a_failed_start_for_the_guest_step_says_the_vm_is_off(tmp_path):
    """Item 3: sql01 is Off, the role starts it for the guest step, and Start-VM fails."""
    fleet = Fleet(str(tmp_path), {'hv01': ('two_nvme_server', _faults('Start-VM', sql01={'state': 'Off'}))},
                  {'hv01': ROLE})
    result = fleet.play('playbooks/nvme_passthrough.yml')
    assert result.recaps['hv01']['failed'] == 1, result.stdout
    message = result.failure('hv01')
    assert 'Injected Start-VM failure.' in message, message
    assert fleet.read('hv01')['vms'][0]['state'] == 'Off'
    assert "VM 'sql01' is Off" in message and 'is running' not in message, message
    # The part of the host the run changed, as read: the device is assigned to the VM.
    assert "VM 'sql01' holds Samsung NVMe Controller (S4EWNX0N123456)" in message, message
    # The next run (the fault is spent) starts the VM and finishes the guest step.
    again = fleet.play('playbooks/nvme_passthrough.yml')
    assert again.recaps['hv01']['failed'] == 0, again.stdout
    assert fleet.read('hv01')['vms'][0]['state'] == 'Running'


def test_a_guest_step_that_fails_in_a_running_vm_still_says_it_runs(tmp_path):
    fleet = Fleet(str(tmp_path), {'hv01': ('two_nvme_server', _faults('Format-Volume'))}, {'hv01': ROLE})
    result = fleet.play('playbooks/nvme_passthrough.yml')
    message = result.failure('hv01')
    assert "The host's part of the run is done, and VM 'sql01' is running; run the role again once the guest is " \
           "put right." in message, message


def test_a_failed_start_again_after_a_failure_shows_the_host_as_read(tmp_path):
    """Item 8: the assignment failed, so the VM holds no device; the failed start again must not show the plan's
    host, where the device is assigned. (With nvme_passthrough_on_failure leave: the start is the plan's, handed the
    host as read; the default gives back first, below.)"""
    fleet = Fleet(str(tmp_path), {'hv01': ('two_nvme_server', _faults('Add-VMAssignableDevice', 'Start-VM'))},
                  {'hv01': dict(ROLE, nvme_passthrough_on_failure='leave')})
    result = fleet.play('playbooks/nvme_passthrough.yml')
    assert result.recaps['hv01']['failed'] == 1, result.stdout
    assert fleet.read('hv01')['vms'][0]['assigned_devices'] == []
    start = [item for item in _failed_items(result.stdout, 'hv01') if item['item']['key'] == 'restart']
    assert len(start) == 1, result.stdout
    item = start[0]['item']
    assert 'change' not in item, item
    assert _vm(item['survey'], 'sql01')['assigned_devices'] == [], 'the host as read, not as planned'
    assert item['label'] == "VM 'sql01', Off and owed a start as read after the failure", item
    message = result.failure('hv01')
    assert "Starting VM sql01 again: VM 'sql01', Off and owed a start as read after the failure: " in message, message
    assert message.endswith("VM 'sql01' is Off, and the host records that it is owed a start: the next run of the "
                            "role, the dda_reclaim playbook or hyperv.dda.hyperv_vm_power state=running starts it.")


def test_a_failed_start_after_giving_back_says_where_each_device_and_the_vm_are(tmp_path):
    """All or nothing (issue 23): the assignment failed, the run gave back the VM's memory, and its start failed too;
    the device is then given back to the host, the stop action to the VM, and the message says so, as read."""
    fleet = Fleet(str(tmp_path), {'hv01': ('two_nvme_server', _faults('Add-VMAssignableDevice', 'Start-VM'))},
                  {'hv01': ROLE})
    result = fleet.play('playbooks/nvme_passthrough.yml')
    assert result.recaps['hv01']['failed'] == 1, result.stdout
    doc = fleet.read('hv01')
    assert doc['vms'][0]['assigned_devices'] == [] and doc['devices'][0]['state'] == 'enabled'
    assert (doc['vms'][0]['automatic_stop_action'], doc['vms'][0]['dynamic_memory_enabled']) == ('Save', True)
    message = result.failure('hv01')
    assert message.startswith('Assign each device to the VM: '), message
    assert "Then: Starting VM sql01 again: VM 'sql01': Script set_vm_power failed on the host (Start-VM)" in message
    assert 'Given back: give VM \'sql01\' back its memory settings' in message, message
    assert '(S4EWNX0N123456) at %s is enabled on the host, as before the run.' % SAMSUNG in message, message
    assert message.endswith("VM 'sql01' is Off, and the host records that it is owed a start: the next run of the "
                            "role, the dda_reclaim playbook or hyperv.dda.hyperv_vm_power state=running starts it.")


def test_the_reclaim_tells_each_vm_as_read_after_a_failure(tmp_path):
    """Item 8, in the reclaim: the stale assignment stays, so starting sql03 fails; app02 is started."""
    running = {'state': 'Running', 'guest_shutdown_available': True}
    fleet = Fleet(str(tmp_path), {'hv04': ('left_behind', _faults('Remove-VMAssignableDevice', sql03=running))},
                  {'hv04': {'dda_reclaim_allow_vm_restart': True}})
    result = fleet.play('playbooks/dda_reclaim.yml')
    assert result.recaps['hv04']['failed'] == 1, result.stdout
    start = [item for item in _failed_items(result.stdout, 'hv04') if item['item']['key'] == 'restart']
    assert len(start) == 1, result.stdout
    item = start[0]['item']
    assert _vm(item['survey'], 'sql03')['stale_assignments'] == 1, 'the host as read, not as planned'
    assert item['label'] == "VM 'sql03', Off and owed a start as read after the failure", item
    message = result.failure('hv04')
    assert "VM 'sql03' is Off, and the host records that it is owed a start" in message, message
    assert "VM 'app02' is running." in message, message
    assert "VM 'sql03' is running" not in message and 'stays recorded' not in message, message


def test_the_acs_blocker_names_what_the_user_can_do_and_it_works(tmp_path):
    """Item 8: the role never forces; the remedy names the module that can, with its risk, and following it the role
    finishes the passthrough."""
    role = {'nvme_passthrough_vm_name': 'nested01', 'nvme_passthrough_devices': [{'location_path': NO_ACS}]}
    fleet = Fleet(str(tmp_path), {'hv01': 'dda_blockers'}, {'hv01': role})
    before = open(fleet.state('hv01'), 'rb').read()
    refused = fleet.play('playbooks/nvme_passthrough.yml')
    message = refused.failure('hv01')
    assert 'no ACS up the hierarchy' in message, refused.stdout
    assert 'without force' not in message, message
    assert 'hyperv.dda.vmhost_assignable_device force: true' in message and 'never forces' in message, message
    assert open(fleet.state('hv01'), 'rb').read() == before
    remedy = tmp_path / 'remedy.yml'
    remedy.write_text(json.dumps([{'hosts': 'hyperv_hosts', 'gather_facts': False, 'tasks': [
        {'hyperv.dda.pnp_device_disable': {'location_path': NO_ACS}},
        {'hyperv.dda.vmhost_assignable_device': {'location_path': NO_ACS, 'force': True}}]}]))
    assert fleet.play(str(remedy)).recaps['hv01']['failed'] == 0
    done = fleet.play('playbooks/nvme_passthrough.yml')
    assert done.recaps['hv01']['failed'] == 0, done.stdout
    assert _vm(fleet.read('hv01'), 'nested01')['assigned_devices'] == [NO_ACS]
