"""Another admin acts between the probe and the apply: the apply notices and fails clearly, or, where the admin
brought the host to the planned state, does nothing and says so.

The simulator backend is wrapped so that right after the survey (the probe) the state file is
changed as another administrator would change the host. The mutating script then meets the host
as it is, not as it was planned, and fails with the cmdlet's own message instead of acting; or finds
nothing left to do, and the task reports changed=false (issue 21). Every task's changed is what the
call log shows it did (truthful.py).
"""
import json

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils import simulator_backend
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import mutating_calls

from ddatest import simulator_vars, without_lease
from truthful import read_log, task_problems

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'


@pytest.fixture
def meddle(monkeypatch):
    """Apply a change to the state file right after the first survey of each task."""
    seen = {}

    def install(change):
        original = simulator_backend.SimulatorBackend.run

        def run(self, name, parameters=None, sensitive=None):
            outcome = original(self, name, parameters, sensitive)
            if name == 'survey_host':
                with open(self.state_path) as handle:
                    doc = json.load(handle)
                change(doc)
                with open(self.state_path, 'w') as handle:
                    json.dump(doc, handle)
                seen['after_change'] = doc
            return outcome
        monkeypatch.setattr(simulator_backend.SimulatorBackend, 'run', run)
        return seen
    return install


def _ready(doc):
    """The Samsung dismounted by the collection (its MMIO need recorded), sql01 ready for it."""
    doc['devices'][0].update(state='dismounted', recorded_mmio_mb=1)
    doc['vms'][0].update(state='Off', automatic_stop_action='TurnOff', dynamic_memory_enabled=False)


CASES = [
    ('the VM was started', _ready, lambda doc: doc['vms'][0].update(state='Running'),
     'vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG},
     "'sql01' failed to add device 'PCI Express Port'."),
    ('the device was re-enabled', lambda doc: doc['devices'][0].update(state='disabled'),
     lambda doc: doc['devices'][0].update(state='enabled'),
     'vmhost_assignable_device', {'location_path': SAMSUNG}, 'The device is enabled on the host.'),
    ('the device was dismounted by hand', None, lambda doc: doc['devices'][0].update(state='dismounted'),
     'pnp_device_disable', {'location_path': SAMSUNG}, 'is not present on the host. If it was dismounted, mount it first'),
    ('the VM was deleted and recreated', None, lambda doc: doc['vms'][0].update(id='00000000-0000-0000-0000-000000000001'),
     'hyperv_vm_stop_action', {'vm_name': 'sql01'}, 'Hyper-V was unable to find a virtual machine'),
    ('a volume was mounted on the device', None,
     lambda doc: doc['devices'][0]['disks'][0].update(partition_style='GPT', partitions=[
         {'number': 1, 'size': 10 ** 9, 'type': 'Basic', 'drive_letter': 'F', 'access_paths': [],
          'volume': {'file_system': 'NTFS', 'label': 'new', 'allocation_unit_size': 4096}}]),
     'pnp_device_disable', {'location_path': SAMSUNG},
     'Refusing to disable PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010: its disk 1 has mounted volumes (F:)'),
    ('the device was assigned elsewhere', _ready,
     lambda doc: doc['vms'][1]['assigned_devices'].append(SAMSUNG),
     'vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}, "already assigned to virtual machine 'web01'"),
]


@pytest.mark.parametrize('label,prepare,change,module,args,fragment', CASES, ids=[c[0] for c in CASES])
def test_apply_notices_a_change_after_the_probe(runner, state_file, meddle, tmp_path, label, prepare, change, module,
                                                args, fragment):
    path = state_file('two_nvme_server', prepare)
    seen = meddle(change)
    log = tmp_path / 'calls.jsonl'
    result = runner.run(module, args, simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert result.get('failed') is True, result
    assert fragment in result['msg']
    # Refused on the host, by the cmdlet or by the script's own check of the host as it is.
    assert result['host_error']['script'], 'the apply refused; nothing acted on stale facts'
    # ... but for the host's lease, which the task took for its change and gave back.
    assert without_lease(open(path).read()) == without_lease(json.dumps(seen['after_change'])), \
        'the host is as the other admin left it'
    assert task_problems(result, read_log(str(log))) == []


def _disabled(doc):
    doc['devices'][0].update(state='disabled', problem_code=22)


def _dismounted(doc):
    doc['devices'][0].update(state='dismounted', problem_code=None, identity_recorded=True)


def _assigned(doc):
    _ready(doc)
    doc['vms'][0]['assigned_devices'].append(SAMSUNG)


REACHED = [
    # (what the other admin did, the host before, their change after the probe, module, args)
    ('disabled the device', None, _disabled, 'pnp_device_disable', {'location_path': SAMSUNG}),
    ('enabled the device', _disabled, lambda doc: doc['devices'][0].update(state='enabled', problem_code=0),
     'pnp_device_disable', {'location_path': SAMSUNG, 'state': 'enabled'}),
    ('dismounted the device', _disabled, _dismounted, 'vmhost_assignable_device', {'location_path': SAMSUNG}),
    ('mounted the device', _dismounted, _disabled, 'vmhost_assignable_device',
     {'location_path': SAMSUNG, 'state': 'mounted'}),
    ('assigned the device', _ready, lambda doc: doc['vms'][0]['assigned_devices'].append(SAMSUNG),
     'vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}),
    ('removed the device', _assigned, lambda doc: doc['vms'][0].update(assigned_devices=[]), 'vm_assignable_device',
     {'vm_name': 'sql01', 'location_path': SAMSUNG, 'state': 'absent'}),
    ('set the stop action', None, lambda doc: doc['vms'][0].update(automatic_stop_action='TurnOff'),
     'hyperv_vm_stop_action', {'vm_name': 'sql01'}),
    ('turned dynamic memory off', lambda doc: doc['vms'][0].update(state='Off'),
     lambda doc: doc['vms'][0].update(dynamic_memory_enabled=False), 'hyperv_vm_memory',
     {'vm_name': 'sql01', 'dynamic_memory': False}),
    ('shut the VM down', None, lambda doc: doc['vms'][0].update(state='Off', guest_shutdown_available=None),
     'hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}),
    ('started the VM', lambda doc: doc['vms'][0].update(state='Off', guest_shutdown_available=None),
     lambda doc: doc['vms'][0].update(state='Running', guest_shutdown_available=True), 'hyperv_vm_power',
     {'vm_name': 'sql01', 'state': 'running'}),
]


@pytest.mark.parametrize('label,prepare,change,module,args', REACHED, ids=[c[0] for c in REACHED])
def test_a_host_the_other_admin_brought_to_the_planned_state_reports_no_change(runner, state_file, meddle, tmp_path,
                                                                               label, prepare, change, module, args):
    path = state_file('two_nvme_server', prepare)
    seen = meddle(change)
    log = tmp_path / 'calls.jsonl'
    result = runner.run(module, args, simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert not result.get('failed'), result.get('msg')
    logged = read_log(str(log))
    # The task took the host's lease for its step and gave it back (bookkeeping, no change of the host).
    lines = [line for line in logged if line['script'] != 'set_lease']
    assert [line['script'] for line in lines][0] == 'survey_host' and len(lines) == 2, 'the plan had a step to run'
    assert result['changed'] is False, 'the script found nothing to do'
    assert mutating_calls(lines[1]['calls']) == [], lines[1]['calls']
    assert task_problems(result, logged) == []
    # ... but for the host's lease, which the task took for its change and gave back.
    assert without_lease(open(path).read()) == without_lease(json.dumps(seen['after_change'])), \
        'the host is as the other admin left it'
