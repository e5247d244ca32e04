"""Device planners as tables: observed state x requested state, in and out of check mode."""
import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import (
    host_device_plan, pnp_device_plan, vm_device_plan)
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError

from ddatest import load_example

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'
SELECT = {'location_path': SAMSUNG, 'instance_id': None, 'serial_number': None}


def host_with(device_state, vm_state='Off', stop='TurnOff', dynamic=False, assigned_to=None, **vm_extra):
    """two_nvme_server with the Samsung controller in device_state ('assigned' = dismounted + on sql01)."""
    doc = load_example('two_nvme_server')
    doc['devices'][0]['state'] = 'dismounted' if device_state == 'assigned' else device_state
    sql01 = doc['vms'][0]
    sql01.update(state=vm_state, automatic_stop_action=stop, dynamic_memory_enabled=dynamic, **vm_extra)
    if device_state == 'assigned':
        owner = next(vm for vm in doc['vms'] if vm['name'] == (assigned_to or 'sql01'))
        owner['assigned_devices'].append(SAMSUNG)
    return doc


def _outcome(planner, args, doc, check_mode):
    try:
        plan = planner(args, doc, check_mode)
    except PreconditionError as e:
        return 'fail', e.msg
    return [step.script for step in plan.steps], plan


PNP = [
    # observed, requested, check_mode, expected steps or 'fail', fragment of the message or warning
    ('enabled', 'disabled', False, ['set_pnp_device'], None),
    ('disabled', 'disabled', False, [], None),
    ('dismounted', 'disabled', False, [], None),
    ('assigned', 'disabled', False, [], None),
    ('enabled', 'enabled', False, [], None),
    ('disabled', 'enabled', False, ['set_pnp_device'], None),
    ('dismounted', 'enabled', False, 'fail', 'it is dismounted and assigned to no VM, and only a device on the host'),
    ('assigned', 'enabled', False, 'fail', "it is assigned to VM 'sql01'"),
    ('dismounted', 'enabled', True, ['set_pnp_device'], 'Mount it first'),
    ('assigned', 'enabled', True, ['set_pnp_device'], 'In check mode this assumes an earlier step'),
    ('enabled', 'disabled', True, ['set_pnp_device'], None),
]


@pytest.mark.parametrize('observed,requested,check_mode,expected,fragment', PNP)
def test_pnp_device_plan(observed, requested, check_mode, expected, fragment):
    args = dict(SELECT, state=requested, allow_mounted_volumes=False)
    steps, detail = _outcome(pnp_device_plan, args, host_with(observed), check_mode)
    if expected == 'fail':
        assert steps == 'fail' and fragment in detail
        return
    assert steps == expected
    assert detail.changed is bool(expected)
    if fragment:
        assert any(fragment in warning for warning in detail.warnings)
    else:
        assert detail.warnings == []
    if expected:
        expected_parameters = {'InstanceId': host_with(observed)['devices'][0]['instance_id'],
                               'Enabled': requested == 'enabled'}
        if requested == 'disabled':
            # the script reads the host again before disabling, and acts only while these disks are behind it
            expected_parameters.update(AllowMountedVolumes=False, DiskNumber=[1])
            # and records the MMIO the device needs, which it cannot survey once disabled
            expected_parameters.update(LocationPath=SAMSUNG, MmioMb=1)
        else:
            expected_parameters['LocationPath'] = SAMSUNG  # the key of the record whose mark of a return it clears
        assert detail.steps[0].parameters == expected_parameters
        assert detail.result['device']['state'] == requested
        assert detail.diff == {'before': {'state': observed if observed != 'assigned' else 'dismounted'},
                               'after': {'state': requested}}


@pytest.mark.parametrize('observed,requested,expected', [
    ('disabled', 'enabled', ['set_pnp_device']),   # a run mounted it and stopped before the enable
    ('enabled', 'enabled', ['set_pnp_device']),    # a run enabled it and stopped before clearing the mark
    ('disabled', 'disabled', []),                  # disabling keeps the mark: the device is still the collection's
])
def test_pnp_device_plan_finishes_a_return_the_collection_began(observed, requested, expected):
    doc = host_with(observed)
    doc['devices'][0]['return_pending'] = True
    plan = pnp_device_plan(dict(SELECT, state=requested, allow_mounted_volumes=False), doc, False)
    assert [step.script for step in plan.steps] == expected
    if expected:
        assert plan.steps[0].parameters == {'InstanceId': doc['devices'][0]['instance_id'], 'Enabled': True,
                                            'LocationPath': SAMSUNG}
    assert plan.diff == {'before': {'state': observed, 'return_pending': True},
                         'after': {'state': requested, 'return_pending': requested == 'disabled'}}


def test_pnp_disable_refuses_a_device_with_mounted_volumes_unless_allowed():
    args = {'location_path': INTEL, 'instance_id': None, 'serial_number': None, 'state': 'disabled',
            'allow_mounted_volumes': False}
    with pytest.raises(PreconditionError, match=r'Refusing to disable PCIROOT\(0\)#PCI\(0103\)#PCI\(0000\): Its disks '
                                                r'have mounted volumes \(E:\)'):
        pnp_device_plan(args, load_example('two_nvme_server'), True)
    args['allow_mounted_volumes'] = True
    assert pnp_device_plan(args, load_example('two_nvme_server'), False).changed


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('planner,args', [
    (pnp_device_plan, {'state': 'disabled', 'allow_mounted_volumes': True}),
    (host_device_plan, {'state': 'dismounted', 'force': True}),
    (vm_device_plan, {'state': 'present', 'vm_name': 'app01'}),
])
def test_host_critical_device_is_refused_whatever_the_options(planner, args, check_mode):
    doc = load_example('boot_nvme_server')
    args = dict(args, location_path='PCIROOT(0)#PCI(1D00)#PCI(0000)', instance_id=None, serial_number=None)
    with pytest.raises(PreconditionError) as raised:
        planner(args, doc, check_mode)
    assert "It backs the host's boot disk (disk 0)." in raised.value.msg
    assert 'whatever the options' in raised.value.msg


HOST = [
    ('enabled', 'dismounted', False, 'fail', 'it is enabled on the host, and Dismount-VMHostAssignableDevice needs it '
                                             'disabled. Disable it first (hyperv.dda.pnp_device_disable)'),
    ('enabled', 'dismounted', True, ['dismount_device'], 'Disable it first'),
    ('disabled', 'dismounted', False, ['dismount_device'], None),
    ('dismounted', 'dismounted', False, [], None),
    ('assigned', 'dismounted', False, [], None),
    ('enabled', 'mounted', False, [], None),
    ('disabled', 'mounted', False, [], None),
    ('dismounted', 'mounted', False, ['mount_device'], None),
    ('assigned', 'mounted', False, 'fail', "Cannot mount PCIROOT(0)#PCI(0102)#PCI(0000): it is assigned to VM 'sql01'. "
                                           "Remove it from the VM first"),
    ('assigned', 'mounted', True, ['mount_device'], 'Remove it from the VM first'),
]


@pytest.mark.parametrize('observed,requested,check_mode,expected,fragment', HOST)
def test_host_device_plan(observed, requested, check_mode, expected, fragment):
    args = dict(SELECT, state=requested, force=False)
    steps, detail = _outcome(host_device_plan, args, host_with(observed), check_mode)
    if expected == 'fail':
        assert steps == 'fail' and fragment in detail
        return
    assert steps == expected
    assert bool(fragment) == bool(detail.warnings)
    if fragment:
        assert fragment in detail.warnings[0]
    if expected == ['mount_device']:
        assert detail.steps[0].parameters == {'LocationPath': SAMSUNG, 'InstanceId': host_with(observed)['devices'][0]['instance_id']}
        assert detail.result['device']['state'] == 'disabled' and detail.result['device']['assigned_to'] is None
    if expected == ['dismount_device']:
        parameters = detail.steps[0].parameters
        assert parameters['LocationPath'] == SAMSUNG and parameters['Force'] is False
        assert '"adapter_serial_number": "S4EWNX0N123456"' in parameters['Disks']
        # the survey's MMIO figure of a working device, or what the collection recorded; -1 when unknown
        assert parameters['MmioMb'] == 1
        assert detail.result['device']['state'] == 'dismounted'


@pytest.mark.parametrize('survey,force,fragment', [
    ({'device_type': 'PciExpressTreatedAsPci'}, True, 'BIOS kept control of PCI Express'),
    ({'requires_reserved_memory_region': True}, True, 'BIOS-owned memory'),
    ({'interrupts': 'line'}, True, 'line-based'),
    ({'acs_compatible_up_hierarchy': 'NotSupported'}, False, 'force: true overrides only the ACS check'),
])
def test_dismount_refuses_surveydda_blockers(survey, force, fragment):
    doc = host_with('disabled')
    doc['devices'][0]['survey'].update(survey)
    with pytest.raises(PreconditionError, match=fragment.replace('(', r'\(').replace(')', r'\)')):
        host_device_plan(dict(SELECT, state='dismounted', force=force), doc, True)


def test_force_overrides_the_acs_check_and_is_passed_on():
    doc = host_with('disabled')
    doc['devices'][0]['survey']['acs_compatible_up_hierarchy'] = 'NotSupported'
    plan = host_device_plan(dict(SELECT, state='dismounted', force=True), doc, False)
    assert plan.steps[0].parameters['Force'] is True


READY = {'vm_state': 'Off', 'stop': 'TurnOff', 'dynamic': False}
VM_DEVICE = [
    # device state, VM settings, requested, check_mode, expected, fragment
    ('dismounted', READY, 'present', False, ['set_vm_device'], None),
    ('assigned', READY, 'present', False, [], None),
    ('enabled', READY, 'present', False, 'fail', 'it is enabled on the host, and Add-VMAssignableDevice needs it '
                                                 'dismounted'),
    ('enabled', READY, 'present', True, ['set_vm_device'], 'Dismount it first'),
    ('dismounted', dict(READY, vm_state='Running'), 'present', False, 'fail',
     "Cannot assign PCIROOT(0)#PCI(0102)#PCI(0000): VM 'sql01' is Running, and Add-VMAssignableDevice needs it Off. "
     "Stop it first (hyperv.dda.hyperv_vm_power state=off)."),
    ('dismounted', dict(READY, vm_state='Running'), 'present', True, ['set_vm_device'], 'Stop it first'),
    ('dismounted', dict(READY, stop='Save'), 'present', False, 'fail', 'has the automatic stop action Save'),
    ('dismounted', dict(READY, stop='Save'), 'present', True, ['set_vm_device'], 'Set it to TurnOff first'),
    ('dismounted', dict(READY, dynamic=True), 'present', False, 'fail', 'DDA needs static memory'),
    ('dismounted', dict(READY, dynamic=True), 'present', True, ['set_vm_device'], 'dynamic_memory=false'),
    ('dismounted', dict(READY, is_clustered=True), 'present', True, 'fail', "VM 'sql01' is clustered"),
    ('assigned', dict(READY, assigned_to='web01'), 'present', True, 'fail',
     "it is assigned to VM 'web01'. Remove it there first (hyperv.dda.vm_assignable_device vm_name=web01 "
     "state=absent)."),
    ('assigned', READY, 'absent', False, ['set_vm_device'], None),
    ('assigned', dict(READY, vm_state='Running'), 'absent', False, 'fail',
     "Cannot remove PCIROOT(0)#PCI(0102)#PCI(0000) from VM 'sql01': the VM is Running"),
    ('assigned', dict(READY, vm_state='Running'), 'absent', True, ['set_vm_device'], 'Stop it first'),
    ('dismounted', READY, 'absent', False, [], None),
    ('enabled', READY, 'absent', False, [], None),
    ('assigned', dict(READY, assigned_to='web01'), 'absent', False, [], None),
]


def _owner_after(device_state, vm, requested):
    if requested == 'present':
        return 'sql01'
    if device_state == 'assigned' and vm.get('assigned_to'):
        return vm['assigned_to']  # absent from sql01 leaves another VM's device where it is
    return None


@pytest.mark.parametrize('device_state,vm,requested,check_mode,expected,fragment', VM_DEVICE)
def test_vm_device_plan(device_state, vm, requested, check_mode, expected, fragment):
    doc = host_with(device_state, vm['vm_state'], vm['stop'], vm['dynamic'], vm.get('assigned_to'),
                    **({'is_clustered': True} if vm.get('is_clustered') else {}))
    args = dict(SELECT, vm_name='sql01', state=requested)
    steps, detail = _outcome(vm_device_plan, args, doc, check_mode)
    if expected == 'fail':
        assert steps == 'fail' and fragment in detail
        return
    assert steps == expected
    if fragment:
        assert any(fragment in warning for warning in detail.warnings)
    else:
        assert detail.warnings == []
    assert detail.result['device']['assigned_to'] == _owner_after(device_state, vm, requested)
    assert (SAMSUNG in detail.result['assigned_devices']) is (requested == 'present')


def test_absent_removes_only_the_selected_device():
    doc = host_with('assigned')
    doc['devices'][1]['state'] = 'dismounted'
    doc['vms'][0]['assigned_devices'].append(INTEL)
    plan = vm_device_plan(dict(SELECT, vm_name='sql01', state='absent'), doc, False)
    assert plan.steps[0].parameters == {'VMId': doc['vms'][0]['id'], 'LocationPath': SAMSUNG, 'Present': False,
                                        'RemoveStale': False}
    assert plan.result['assigned_devices'] == [INTEL]
    assert plan.diff == {'before': {'assigned_devices': [SAMSUNG, INTEL], 'stale_assignments': 0},
                         'after': {'assigned_devices': [INTEL], 'stale_assignments': 0}}


def test_assign_on_client_windows_warns_that_the_vm_will_not_start():
    doc = load_example('client_windows')
    doc['devices'][0]['state'] = 'dismounted'
    args = {'location_path': 'PCIROOT(0)#PCI(0104)#PCI(0000)', 'instance_id': None, 'serial_number': None,
            'vm_name': 'lab01', 'state': 'present'}
    plan = vm_device_plan(args, doc, False)
    assert [step.script for step in plan.steps] == ['set_vm_device']
    assert plan.warnings == ["Host WS-DEV07 runs client Windows: VM 'lab01' will not start with "
                             "PCIROOT(0)#PCI(0104)#PCI(0000) assigned (0xC035001E)."]


def test_selector_by_serial_finds_a_device_away_from_the_host():
    doc = load_example('passed_through')
    args = {'location_path': None, 'instance_id': None, 'serial_number': 's7khnj0w654321', 'vm_name': 'sql02',
            'state': 'present'}
    assert vm_device_plan(args, doc, False).changed is False


BIG = 'PCIROOT(0)#PCI(0401)#PCI(0000)'  # dda_blockers: needs 2048 MB of MMIO; VM tinymmio01 has 512 MB


def _big_dismounted(recorded):
    """dda_blockers with the big device dismounted as a real host's survey reports it (no SurveyDDA figures), with the
    MMIO need the collection recorded (None: none)."""
    doc = load_example('dda_blockers')
    device = doc['devices'][0]
    device.update(state='dismounted', survey=None, problem_code=None, recorded_mmio_mb=recorded)
    return doc


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('recorded,fragment', [
    (2048, "Cannot assign %s: VM 'tinymmio01' has 512 MB of high MMIO space, and its devices need 2048 MB: it would "
           "not start. Give it more, with the VM off: Set-VM -VMName 'tinymmio01' -HighMemoryMappedIoSpace 2560MB"
           % BIG),
    (None, "Cannot assign %s: VM 'tinymmio01' cannot be checked for the MMIO space its devices need: the MMIO space %s "
           "needs is unknown" % (BIG, BIG)),
])
def test_assign_refuses_a_vm_with_too_little_mmio_as_the_role_does(recorded, fragment, check_mode):
    """Issue 22: the module assigned what the role refuses (it did not check MMIO); no task fixes the MMIO space, so
    check mode refuses too."""
    args = {'location_path': BIG, 'instance_id': None, 'serial_number': None, 'vm_name': 'tinymmio01',
            'state': 'present'}
    steps, detail = _outcome(vm_device_plan, args, _big_dismounted(recorded), check_mode)
    assert steps == 'fail' and fragment in detail, detail
    assert [s.script for s in vm_device_plan(args, _big_dismounted(1), check_mode).steps] == ['set_vm_device']


@pytest.mark.parametrize('check_mode,expected', [(False, 'fail'), (True, ['set_vm_device'])])
def test_assign_refuses_a_vm_with_stale_assignments_as_the_role_does(check_mode, expected):
    """Issue 22: the module only warned; remove_stale in a task of its own (check mode: an earlier task) fixes it."""
    doc = host_with('dismounted', stale_assignments=2)
    steps, detail = _outcome(vm_device_plan, dict(SELECT, vm_name='sql01', state='present'), doc, check_mode)
    assert steps == expected
    message = detail if expected == 'fail' else ' '.join(detail.warnings)
    assert "Cannot assign %s: VM 'sql01' has 2 stale assignment(s)" % SAMSUNG in message
    assert 'hyperv.dda.vm_assignable_device remove_stale=true, in a task of its own' in message
