"""The role's plan (plan_run) as tables: what it refuses before any change, what it changes, in which order.

Every refusal a step would make is found by the plan; each step carries the host as expected before it,
and the step's own module planner, given that, reaches the same decision.
"""
import pytest

from ddatest import load_example

from ansible_collections.hyperv.dda.plugins.module_utils import guest_plans
from ansible_collections.hyperv.dda.plugins.plugin_utils import device_plans, vm_plans
from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'
CRED = {'username': 'Administrator', 'password': 'example-only'}
GUEST = {'disks': [{'number': 0, 'model': 'Msft Virtual Disk', 'serial_number': None, 'adapter_serial_number': None,
                    'unique_id': '60022480A1B2C3D4', 'size': 10 ** 11, 'bus_type': 'SCSI', 'is_boot': True,
                    'is_system': True, 'is_offline': False, 'is_read_only': False, 'partition_style': 'GPT',
                    'partitions': []}],
         'used_letters': ['C', 'D'], 'folders': []}
PLANNERS = {'hyperv_vm_power': vm_plans.power_plan, 'hyperv_vm_stop_action': vm_plans.stop_action_plan,
            'hyperv_vm_memory': vm_plans.memory_plan, 'pnp_device_disable': device_plans.pnp_device_plan,
            'vmhost_assignable_device': device_plans.host_device_plan,
            'vm_assignable_device': device_plans.vm_device_plan, 'guest_nvme_disk': guest_plans.guest_disk_plan}


def host(example='two_nvme_server', **sql01):
    doc = load_example(example)
    doc['vms'][0].update(sql01)
    return doc


def settings(**values):
    base = {'vm_name': 'sql01', 'devices': [{'location_path': SAMSUNG}], 'allow_vm_restart': True,
            'disable_dynamic_memory': True}
    base.update(values)
    return passthrough_settings(dict(('nvme_passthrough_' + key, value) for key, value in base.items()))


def keys(plan):
    return [step['key'] for step in plan['steps']]


def test_fresh_passthrough_of_a_running_vm():
    plan = plan_run(host(), settings())
    assert plan['errors'] == []
    # What needs no VM off runs while it still runs: the power window holds the memory, the assignment and the start.
    assert keys(plan) == ['stop_action', 'disable', 'dismount', 'shutdown', 'memory', 'assign', 'restart']
    assert plan['shutdown'] and plan['restart'] and not plan['start'] and plan['original_state'] == 'Running'
    label = 'Samsung NVMe Controller (S4EWNX0N123456) at %s' % SAMSUNG
    assert plan['changes'] == ["set the automatic stop action of VM 'sql01' from Save to TurnOff",
                               'disable %s on the host' % label, 'dismount %s from the host' % label,
                               "shut VM 'sql01' down", "turn dynamic memory of VM 'sql01' off",
                               "assign %s to VM 'sql01'" % label, "start VM 'sql01' again"]
    assert plan['devices'] == [{'location_path': SAMSUNG, 'label': label, 'guest': {}, 'found': 'enabled',
                                'planned': 'assigned'}]
    assert plan['vm']['found'] == {'state': 'Running', 'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True,
                                   'memory_startup_bytes': 8589934592}
    assert plan['vm']['planned'] == dict(plan['vm']['found'], automatic_stop_action='TurnOff',
                                         dynamic_memory_enabled=False)


def test_each_step_reaches_the_plans_decision_from_the_survey_it_is_handed():
    plan = plan_run(host(), settings(devices=[{'location_path': SAMSUNG, 'drive_letter': 'E', 'label': 'data'}],
                                     guest='powershell_direct', guest_credential=CRED), GUEST)
    assert plan['errors'] == [] and keys(plan)[-1] == 'guest'
    for step in plan['steps']:
        args = dict(step['args'])
        if step['module'] == 'guest_nvme_disk':
            args.update(guest_credential=CRED, partition_style='gpt')
        for key in ('instance_id', 'serial_number', 'startup_bytes'):
            args.setdefault(key, None)
        args.setdefault('turn_off_on_timeout', False)
        args.setdefault('shutdown_timeout', 300)
        decided = PLANNERS[step['module']](args, step['survey'], False)
        assert decided.changed and decided.warnings == [] or step['module'] == 'guest_nvme_disk', step['key']


def test_two_devices_need_one_shutdown_and_a_converged_host_nothing():
    plan = plan_run(host(), settings(devices=[{'location_path': SAMSUNG}, {'serial_number': 'PHLJ9120012A2P0BGN'}],
                                     allow_mounted_volumes=True))
    assert plan['errors'] == [] and keys(plan).count('shutdown') == 1 and keys(plan).count('assign') == 2
    done = load_example('passed_through')
    plan = plan_run(done, settings(vm_name='sql02', devices=[{'serial_number': 'S7KHNJ0W654321'}]))
    assert plan['errors'] == [] and plan['steps'] == [] and plan['changes'] == []


@pytest.mark.parametrize('sql01,values,fragment', [
    ({}, {'disable_dynamic_memory': False}, 'Set nvme_passthrough_disable_dynamic_memory: true'),
    ({'is_clustered': True}, {}, 'is clustered'),
    ({'state': 'Saved'}, {}, 'is Saved; the run needs it Off'),
    ({}, {'allow_vm_restart': False}, "VM 'sql01' is running, and the run needs it off to turn dynamic memory of "
                                      "VM 'sql01' off; assign Samsung NVMe Controller"),
    ({'guest_shutdown_available': False}, {}, 'its guest cannot be shut down gracefully'),
    ({'stale_assignments': 1}, {}, '1 stale assignment(s)'),
    ({}, {'devices': [{'location_path': SAMSUNG}, {'serial_number': 'S4EWNX0N123456'}]}, 'select the same device'),
    ({}, {'devices': [{'drive_letter': 'E'}]}, 'needs exactly one of'),
    ({}, {'devices': [{'location_path': '', 'serial_number': 'S4EWNX0N123456'}]}, 'got location_path, serial_number'),
    ({}, {'devices': [{'serial_number': 'nope'}]}, 'No device on host HV01 matches'),
    # The scratch volume E: of the Intel drive: the role's variable is named, before any change.
    ({}, {'devices': [{'location_path': INTEL}]}, 'set nvme_passthrough_allow_mounted_volumes: true'),
    ({'state': 'Off'}, {'allow_vm_restart': False, 'guest': 'powershell_direct', 'guest_credential': CRED,
                        'devices': [{'location_path': SAMSUNG, 'drive_letter': 'E'}]},
     'set nvme_passthrough_allow_vm_restart: true to let the role start it'),
    ({}, {'devices': [{'location_path': SAMSUNG, 'drive_letter': 'E', 'mount_point': '/srv/data'}]},
     'mixes Windows guest settings (drive_letter) with Linux ones (mount_point)'),
    ({}, {'guest': 'powershell_direct', 'guest_credential': CRED,
          'devices': [{'location_path': SAMSUNG, 'mount_point': '/srv/data'}]}, 'PowerShell Direct reaches Windows'),
    # Guest settings, checked before the passthrough.
    ({}, {'guest': 'powershell_direct', 'guest_credential': CRED,
          'devices': [{'location_path': SAMSUNG, 'drive_letter': 'EF'}]}, 'drive_letter must be one letter'),
    ({}, {'guest': 'powershell_direct', 'guest_credential': CRED,
          'devices': [{'location_path': SAMSUNG, 'drive_letter': 'D'}]}, 'Drive letter D is already in use'),
    ({}, {'guest': 'powershell_direct', 'guest_credential': CRED,
          'devices': [{'location_path': SAMSUNG, 'label': 'x' * 33}]}, 'label must be at most 32 characters'),
    ({}, {'guest': 'powershell_direct', 'guest_credential': CRED,
          'devices': [{'location_path': SAMSUNG, 'access_path': 'mnt\\data'}]}, 'access_path must be an absolute'),
])
def test_refusals_before_any_change(sql01, values, fragment):
    plan = plan_run(host(**sql01), settings(**values), GUEST)
    assert any(fragment in error for error in plan['errors']), plan['errors']
    assert plan['steps'] == [] and plan['changes'] == [] and not plan['shutdown']


def test_a_disk_holding_data_needs_the_roles_force_variable():
    def with_data(doc):
        doc['devices'][0]['disks'][0].update(partition_style='GPT', partitions=[
            {'number': 1, 'size': 10 ** 9, 'type': 'Basic', 'drive_letter': None, 'access_paths': [],
             'volume': {'file_system': 'NTFS', 'label': 'old', 'allocation_unit_size': 4096}}])
        return doc
    values = dict(guest='powershell_direct', guest_credential=CRED,
                  devices=[{'location_path': SAMSUNG, 'file_system': 'refs', 'drive_letter': 'E'}])
    plan = plan_run(with_data(host()), settings(**values), GUEST)
    assert any('Set nvme_passthrough_force_format: true to wipe it' in error for error in plan['errors'])
    assert plan_run(with_data(host()), settings(force_format=True, **values), GUEST)['errors'] == []


@pytest.mark.parametrize('disks,fragment', [(None, 'has unknown disks'), (2, 'has 2 disks')])
def test_the_guest_step_needs_exactly_one_known_disk(disks, fragment):
    doc = host('passed_through', state='Running')
    device = doc['devices'][0]
    device['disks'] = None if disks is None else device['disks'] * disks
    plan = plan_run(doc, settings(vm_name='sql02', devices=[{'location_path': SAMSUNG, 'drive_letter': 'E'}],
                                  guest='powershell_direct', guest_credential=CRED), GUEST)
    assert any(fragment in error for error in plan['errors']), plan['errors']


def test_a_device_given_to_another_vm_earlier_in_the_play_is_refused():
    plan = plan_run(host(), settings(), claims=[{'location_path': SAMSUNG, 'vm': 'web01'}])
    assert "is given to VM 'web01' by an earlier nvme_passthrough call in this play" in plan['errors'][0]


def test_an_empty_device_list_changes_nothing_unless_a_start_is_owed():
    assert plan_run(host(), settings(devices=[]))['steps'] == []
    owed = plan_run(host(state='Off', restart_pending=True, guest_shutdown_available=None), settings(devices=[]))
    assert keys(owed) == ['restart'] and owed['changes'] == ["start VM 'sql01' again"]


def test_a_run_that_died_after_the_shutdown_is_finished_by_the_next():
    doc = host(state='Off', restart_pending=True, guest_shutdown_available=None)
    plan = plan_run(doc, settings())
    assert plan['original_state'] == 'Running' and plan['errors'] == []
    assert keys(plan) == ['stop_action', 'disable', 'dismount', 'memory', 'assign', 'restart']


def test_release_gives_back_the_remembered_settings_when_the_last_device_leaves():
    doc = load_example('passed_through')
    doc['vms'][0]['remembered_settings'] = {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True,
                                            'memory_startup_bytes': 4 * 1024 ** 3}
    values = dict(vm_name='sql02', state='absent', devices=[{'serial_number': 'S7KHNJ0W654321'}])
    plan = plan_run(doc, settings(**values))
    # Only the removal (and the memory) need the VM off: the device goes back to the host once the VM runs again.
    assert keys(plan) == ['shutdown', 'remove', 'restart', 'mount', 'enable']
    plan = plan_run(doc, settings(restore_vm_settings=True, **values))
    assert keys(plan) == ['shutdown', 'remove', 'restore_memory', 'restart', 'mount', 'enable', 'restore_stop_action']
    # A record of an earlier version: the role never changes startup memory, so the VM keeps the 8 GB it has now.
    assert plan['steps'][2]['args'] == {'vm_name': 'sql02', 'dynamic_memory': True, 'startup_bytes': 8 * 1024 ** 3,
                                        'previous': 'forget'}


GIB = 1024 ** 3
RELEASE = dict(vm_name='sql02', state='absent', devices=[{'serial_number': 'S7KHNJ0W654321'}], restore_vm_settings=True)
# What a passthrough of a VM with dynamic memory and stop action Save records (issue 21): per setting it changed, the
# value it found and the value it set; startup memory it kept, so it is not in the record.
RECORD = {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True, 'memory_startup_bytes': None,
          'set': {'automatic_stop_action': 'TurnOff', 'dynamic_memory_enabled': False, 'memory_startup_bytes': None}}


def released(record, **sql02):
    doc = load_example('passed_through')
    doc['vms'][0].update(sql02, remembered_settings=record)
    return plan_run(doc, settings(**RELEASE))


def step(plan, key):
    return next(step for step in plan['steps'] if step['key'] == key)


def test_release_gives_back_only_the_settings_the_passthrough_changed():
    """Startup memory set to 16 GiB by hand after the passthrough stays 16 GiB; dynamic memory comes back."""
    plan = released(RECORD, memory_startup_bytes=16 * GIB)
    assert plan['errors'] == []
    assert keys(plan) == ['shutdown', 'remove', 'restore_memory', 'restart', 'mount', 'enable', 'restore_stop_action']
    assert step(plan, 'restore_memory')['args'] == {'vm_name': 'sql02', 'dynamic_memory': True,
                                                    'startup_bytes': 16 * GIB, 'previous': 'forget'}
    assert step(plan, 'restore_memory')['change'] == "give VM 'sql02' back dynamic memory on"
    assert step(plan, 'restore_stop_action')['args']['action'] == 'Save'
    assert step(plan, 'restore_stop_action')['change'] == \
        "give VM 'sql02' back its automatic stop action Save (the passthrough set TurnOff)"
    assert plan['notes'] == []


def test_release_leaves_a_setting_changed_since_the_passthrough_and_says_so():
    plan = released(RECORD, automatic_stop_action='ShutDown')
    assert plan['errors'] == []
    restore = step(plan, 'restore_stop_action')
    assert restore['args'] == {'vm_name': 'sql02', 'action': 'ShutDown', 'previous': 'forget'}, 'only forgets'
    assert restore['change'] == "forget the automatic stop action VM 'sql02' had before the passthrough (Save)"
    assert plan['notes'] == ["VM 'sql02' keeps its automatic stop action ShutDown: the passthrough set TurnOff, and it "
                             "was changed since, so the release does not give back Save."]
    assert step(plan, 'restore_memory')['args']['dynamic_memory'] is True


def test_release_with_a_record_of_an_earlier_version_assumes_the_roles_own_changes():
    """A record without set values (an earlier version of the collection): the role's passthrough wrote it, which sets the role's stop
    action, turns dynamic memory off and keeps startup memory."""
    legacy = {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True, 'memory_startup_bytes': 8 * GIB}
    plan = released(legacy, memory_startup_bytes=16 * GIB)
    assert plan['errors'] == []
    assert step(plan, 'restore_memory')['args'] == {'vm_name': 'sql02', 'dynamic_memory': True,
                                                    'startup_bytes': 16 * GIB, 'previous': 'forget'}
    assert step(plan, 'restore_stop_action')['args']['action'] == 'Save'
    assert plan['notes'] == ["VM 'sql02' keeps its startup memory 16384 MB: the passthrough left it at 8192 MB, and it "
                             "was changed since, so the release does not give back 8192 MB. (Its record was written by "
                             "an earlier version of the collection, which did not keep what it set: the role's own "
                             "change was assumed.)"]
    changed_by_hand = released(legacy, automatic_stop_action='ShutDown')
    assert step(changed_by_hand, 'restore_stop_action')['args']['action'] == 'ShutDown', \
        'not the stop action the role sets (TurnOff): left'


def test_check_mode_plans_the_guest_of_a_vm_that_is_off_from_the_hosts_view_of_the_disk():
    values = dict(guest='powershell_direct', guest_credential=CRED,
                  devices=[{'location_path': SAMSUNG, 'drive_letter': 'E'}])
    checked = plan_run(host(state='Off', guest_shutdown_available=None), settings(**values), check_mode=True)
    assert keys(checked) == ['stop_action', 'disable', 'dismount', 'memory', 'assign', 'start', 'guest']
    assert checked['steps'][-1]['survey']['disks'][0]['number'] is None
    assert any('cannot be asked before the run' in note for note in checked['notes'])
    real = plan_run(host(state='Off', guest_shutdown_available=None), settings(**values))
    assert keys(real) == keys(checked) and real['steps'][-1]['survey'] is None, 'the task asks the guest itself'


BIG = 'PCIROOT(0)#PCI(0401)#PCI(0000)'  # dda_blockers: needs 2048 MB of MMIO; VM tinymmio01 has 512 MB


def _away_from_the_host(state, recorded=None):
    """dda_blockers with the big device disabled or dismounted, as a real host's survey reports it (no SurveyDDA
    figures: a disabled or dismounted device cannot be surveyed), with the MMIO need the collection recorded."""
    def mutate(doc):
        device = next(d for d in doc['devices'] if d['location_paths'][0] == BIG)
        device.update(state=state, survey=None, problem_code=22 if state == 'disabled' else None)
        if recorded is not None:
            device['recorded_mmio_mb'] = recorded
        next(vm for vm in doc['vms'] if vm['name'] == 'tinymmio01').update(state='Running',
                                                                           guest_shutdown_available=True)
    doc = load_example('dda_blockers')
    mutate(doc)
    return doc


@pytest.mark.parametrize('state,recorded,fragment', [
    ('dismounted', 2048, "VM 'tinymmio01' has 512 MB of high MMIO space, and its devices need 2048 MB"),
    ('disabled', 2048, "VM 'tinymmio01' has 512 MB of high MMIO space, and its devices need 2048 MB"),
    ('dismounted', None, 'the MMIO space %s needs is unknown' % BIG),
    ('disabled', None, 'the MMIO space %s needs is unknown' % BIG),
])
def test_the_mmio_rule_holds_whatever_state_the_device_is_in(state, recorded, fragment):
    """Issue 21: an orphan (or a disabled device) skipped the MMIO check; its need comes from the collection's record,
    and an unknown need refuses."""
    plan = plan_run(_away_from_the_host(state, recorded),
                    settings(vm_name='tinymmio01', devices=[{'location_path': BIG}], disable_dynamic_memory=False))
    assert plan['steps'] == [] and any(fragment in error for error in plan['errors']), plan['errors']


def test_a_recorded_mmio_need_that_fits_lets_the_orphan_through():
    plan = plan_run(_away_from_the_host('dismounted', 1),
                    settings(vm_name='tinymmio01', devices=[{'location_path': BIG}], disable_dynamic_memory=False))
    assert plan['errors'] == [] and keys(plan) == ['shutdown', 'assign', 'restart']


def test_a_device_of_the_vm_with_an_unknown_need_refuses_a_new_one_saying_what_to_do():
    """A device the VM holds since an earlier version (no MMIO need recorded): a second device cannot be checked."""
    doc = _away_from_the_host('dismounted', 1)
    doc['devices'][1].update(state='dismounted', survey=None, problem_code=None)
    next(vm for vm in doc['vms'] if vm['name'] == 'tinymmio01')['assigned_devices'].append(
        doc['devices'][1]['location_paths'][0])
    plan = plan_run(doc, settings(vm_name='tinymmio01', devices=[{'location_path': BIG}], disable_dynamic_memory=False))
    assert plan['steps'] == [] and len(plan['errors']) == 1, plan['errors']
    assert "it is assigned to VM 'tinymmio01', where the host cannot survey it" in plan['errors'][0]
    assert 'Release it from the VM and pass it through again with the new device' in plan['errors'][0]
