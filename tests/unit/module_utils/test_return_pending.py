"""A return the collection began and did not finish (issue 21, item 1).

mount_device.ps1 marks the device's record on the host before Mount-VMHostAssignableDevice, and set_pnp_device.ps1
clears the mark once the device is enabled; a dismount clears it too. A survey reports the mark
(``return_pending``); a device on the host with it is the collection's to enable (``leftovers.RETURN_PENDING``: the
reclaim and the release finish the job), one disabled without it is only reported, whatever limit names it. The
simulator's twins model the mark as the scripts write it, and a controller killed while a cmdlet hangs leaves what the
script wrote before that cmdlet.
"""
import copy

import pytest

from ddatest import load_example, surveyed

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings, reclaim_settings
from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.plugin_utils.fleet_report import build
from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import DISABLED_NOT_DISMOUNTED, ORPHAN, \
    RETURN_PENDING, device_states
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run
from ansible_collections.hyperv.dda.plugins.plugin_utils.reclaim_plan import plan_reclaim
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import host as simulated_host
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend

pytestmark = pytest.mark.usefixtures('twins_under_lease')

ORPHAN_PATH = 'PCIROOT(0)#PCI(0301)#PCI(0000)'
KIOXIA_PATH = 'PCIROOT(0)#PCI(0302)#PCI(0000)'
SAMSUNG_PATH = 'PCIROOT(0)#PCI(0102)#PCI(0000)'


def _device(doc, path):
    return next(device for device in doc['devices'] if device['location_paths'][0] == path)


def _mount_and_enable(doc, path, enable=True):
    """The twins of mount_device and set_pnp_device, as the back-to-host steps run them."""
    device = _device(doc, path)
    TWINS['mount_device'](SimulatedHost(doc), {'LocationPath': path, 'InstanceId': device['instance_id']})
    if enable:
        TWINS['set_pnp_device'](SimulatedHost(doc), {'InstanceId': device['instance_id'], 'Enabled': True,
                                                     'LocationPath': path})


def _left_mounted(doc=None):
    """left_behind after a reclaim that mounted the orphan and stopped before enabling it."""
    doc = doc or load_example('left_behind')
    _mount_and_enable(doc, ORPHAN_PATH, enable=False)
    return doc


# --- what the survey reports ------------------------------------------------------------------------------------

def test_a_survey_reports_the_mark_from_the_mount_until_the_enable():
    doc = _left_mounted()
    device = _device(surveyed(doc), ORPHAN_PATH)
    assert (device['state'], device['return_pending'], device['identity_recorded']) == ('disabled', True, True)
    _mount_and_enable(doc, ORPHAN_PATH)
    device = _device(surveyed(doc), ORPHAN_PATH)
    assert (device['state'], device['return_pending'], device['identity_recorded']) == ('enabled', False, True)
    assert 'return_pending' not in _device(doc, ORPHAN_PATH), 'the state file holds the mark only while it is set'


def test_a_device_dismounted_by_others_gets_a_key_with_the_mark_only_which_tells_no_identity():
    doc = load_example('left_behind')
    for key in ('identity_recorded', 'recorded_mmio_mb'):  # dismounted by others: no record of it on the host
        _device(doc, ORPHAN_PATH).pop(key, None)
    _device(doc, ORPHAN_PATH)['return_pending'] = True  # the mount marked it, then did not mount it
    device = _device(surveyed(doc), ORPHAN_PATH)
    assert device['state'] == 'dismounted' and device['return_pending'] is True
    assert device['identity_recorded'] is False and device['disks'] is None, 'no identity: its disks are unknown'
    assert device['friendly_name'] is None
    _mount_and_enable(doc, ORPHAN_PATH, enable=False)
    host = SimulatedHost(doc)
    TWINS['set_pnp_device'](host, {'InstanceId': _device(doc, ORPHAN_PATH)['instance_id'], 'Enabled': True,
                                   'LocationPath': ORPHAN_PATH})
    device = _device(doc, ORPHAN_PATH)
    assert 'return_pending' not in device and 'identity_recorded' not in device
    assert host.calls[-2:] == ['Get-Item', 'Remove-Item'], 'the key that held only the mark went with it'


def test_a_dismount_clears_the_mark():
    doc = load_example('two_nvme_server')
    samsung = _device(doc, SAMSUNG_PATH)
    samsung.update(state='disabled', problem_code=DISABLED_PROBLEM_CODE, identity_recorded=True, return_pending=True)
    result, changed = TWINS['dismount_device'](SimulatedHost(doc), {
        'InstanceId': samsung['instance_id'], 'LocationPath': SAMSUNG_PATH})
    assert changed and samsung['state'] == 'dismounted' and 'return_pending' not in samsung
    assert validate(doc) == []


def test_a_hand_disabled_device_is_not_marked():
    doc = load_example('left_behind')
    assert _device(surveyed(doc), KIOXIA_PATH)['return_pending'] is False


# --- the left-behind states ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('state,mark,expected', [
    ('disabled', True, [RETURN_PENDING]),
    ('enabled', True, [RETURN_PENDING]),        # enabled, but the run stopped before it cleared the mark
    ('disabled', False, [DISABLED_NOT_DISMOUNTED]),
    ('enabled', False, []),
    ('dismounted', True, [ORPHAN]),             # the mount never happened: still an orphan
])
def test_the_mark_names_the_state(state, mark, expected):
    doc = load_example('left_behind')
    device = _device(doc, ORPHAN_PATH)
    device.update(state=state, problem_code=None if state == 'dismounted' else DISABLED_PROBLEM_CODE
                  if state == 'disabled' else 0)
    if mark:
        device['return_pending'] = True
    assert device_states(doc, device) == expected


def test_the_audit_lists_a_return_pending_as_reclaimed():
    snapshot = surveyed(_left_mounted())
    report = build({'hv04': {'snapshot': snapshot, 'candidates': candidates(snapshot)}})
    rows = [row for row in report['left_behind'] if ORPHAN_PATH in row['what']]
    assert [(row['state'].split(':')[0], row['reclaimed']) for row in rows] == [('return pending', 'yes')]
    orphan = [c for c in candidates(snapshot) if c['location_path'] == ORPHAN_PATH][0]
    assert orphan['states'] == [RETURN_PENDING] and any('Reclaim it' in w for w in orphan['warnings'])


# --- the reclaim's plan -------------------------------------------------------------------------------------------

def _reclaim(snapshot, **values):
    return plan_reclaim(snapshot, reclaim_settings(dict(('dda_reclaim_' + key, value) for key, value in values.items())))


def test_the_reclaim_enables_a_device_whose_return_is_pending_and_leaves_a_hand_disabled_one():
    plan = _reclaim(surveyed(_left_mounted()))
    assert plan['errors'] == [] and [step['key'] for step in plan['steps']] == ['remove_stale', 'restart', 'enable']
    enable = plan['steps'][2]
    assert enable['args']['location_path'] == ORPHAN_PATH and enable['change'].startswith('enable Samsung')
    assert plan['return_pending'] == ['Samsung NVMe Controller at %s' % ORPHAN_PATH] and plan['orphans'] == []
    assert plan['disabled'] == ['KIOXIA NVMe Controller (Y4G0B0K2T2L8) at %s' % KIOXIA_PATH]


@pytest.mark.parametrize('limit,enabled,kept', [
    ([{'location_path': ORPHAN_PATH}], True, []),
    ([{'instance_id': 'PCIP\\VEN_144D&DEV_A80A&SUBSYS_A812144D&REV_00\\4&2C3D4E5F&0&0008'}], True, []),
    ([{'location_path': KIOXIA_PATH}], False, ['Samsung NVMe Controller at %s' % ORPHAN_PATH]),
])
def test_the_device_limit_reclaims_a_return_pending_it_names_and_never_a_hand_disabled_one(limit, enabled, kept):
    plan = _reclaim(surveyed(_left_mounted()), devices=limit)
    assert plan['errors'] == [] and plan['kept'] == kept
    assert ('enable' in [step['key'] for step in plan['steps']]) is enabled
    assert all(step['args'].get('location_path') != KIOXIA_PATH for step in plan['steps'])
    named = [warning for warning in plan['warnings'] if 'dda_reclaim_devices names KIOXIA' in warning]
    assert len(named) == (0 if enabled else 1), plan['warnings']


def test_an_enabled_device_with_the_mark_left_only_has_it_cleared():
    doc = _left_mounted()
    device = _device(doc, ORPHAN_PATH)
    device.update(state='enabled', problem_code=0)
    plan = _reclaim(surveyed(doc))
    enable = [step for step in plan['steps'] if step['key'] == 'enable']
    assert [step['change'] for step in enable] == [
        "clear the host's mark of the unfinished return of Samsung NVMe Controller at %s (it is enabled)" % ORPHAN_PATH]


def test_a_return_pending_with_another_problem_code_is_told_not_refused():
    doc = _left_mounted()
    _device(doc, ORPHAN_PATH).update(state='enabled', problem_code=10)
    plan = _reclaim(surveyed(doc))
    assert plan['errors'] == [] and 'enable' not in [step['key'] for step in plan['steps']]
    assert any('problem code 10' in warning for warning in plan['warnings'])


# --- the role's release --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state,change', [
    ('disabled', 'enable Samsung'),
    ('enabled', "clear the host's mark of the unfinished return of Samsung"),
])
def test_a_release_that_stopped_after_the_mount_is_finished_by_the_release_again(state, change):
    doc = load_example('two_nvme_server')
    _device(doc, SAMSUNG_PATH).update(state=state, problem_code=0 if state == 'enabled' else DISABLED_PROBLEM_CODE,
                                      identity_recorded=True, return_pending=True)
    settings = passthrough_settings({'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_state': 'absent',
                                     'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'}]})
    plan = plan_run(surveyed(doc), settings)
    assert plan['errors'] == [] and [step['key'] for step in plan['steps']] == ['enable']
    assert plan['steps'][0]['change'].startswith(change)


# --- a controller killed while a cmdlet hangs ---------------------------------------------------------------------

def test_a_kill_while_a_cmdlet_hangs_leaves_what_the_script_wrote_before_it(state_file, monkeypatch):
    def hang_at_mount(doc):
        _device(doc, ORPHAN_PATH)['state'] = 'dismounted'
        doc['faults'] = [{'cmdlet': 'Mount-VMHostAssignableDevice', 'hang': 900, 'count': 1}]
    path = state_file('left_behind', hang_at_mount)
    seen = []

    def killed(seconds):
        # The controller dies here: what the host file holds now is what a dead run leaves.
        with open(path, encoding='utf-8') as handle:
            seen.append(copy.deepcopy(handle.read()))
    monkeypatch.setattr(simulated_host.time, 'sleep', killed)
    device = _device(load_example('left_behind'), ORPHAN_PATH)
    SimulatorBackend(path).run('mount_device', {'LocationPath': ORPHAN_PATH, 'InstanceId': device['instance_id']})
    assert len(seen) == 1 and '"return_pending": true' in seen[0], 'the mark was written before the stuck mount'


# --- an after-effect fault on each registry call of the mark (issue 21, item 4's rule) ------------------------------

def _unrecorded_orphan(doc):
    for key in ('identity_recorded', 'recorded_mmio_mb'):
        _device(doc, ORPHAN_PATH).pop(key, None)


@pytest.mark.parametrize('script,cmdlet,match,prepare,mark_after,not_called', [
    ('mount_device', 'New-Item', {}, _unrecorded_orphan, None, 'Set-ItemProperty'),
    ('mount_device', 'Set-ItemProperty', {'Name': 'ReturnPending'}, None, True, 'Mount-VMHostAssignableDevice'),
    ('set_pnp_device', 'Remove-ItemProperty', {'Name': 'ReturnPending'}, None, None, None),
    ('set_pnp_device', 'Remove-Item', {}, _unrecorded_orphan, None, None),
])
def test_a_registry_call_of_the_mark_that_reports_an_error_after_its_work_fails_there(
        script, cmdlet, match, prepare, mark_after, not_called):
    doc = load_example('left_behind')
    if prepare:
        prepare(doc)
    device = _device(doc, ORPHAN_PATH)
    if script == 'set_pnp_device':
        device.update(state='disabled', problem_code=DISABLED_PROBLEM_CODE, return_pending=True)
    doc['faults'] = [{'cmdlet': cmdlet, 'match': match, 'message': 'x', 'count': 1, 'after_effect': True}]
    host = SimulatedHost(doc)
    parameters = {'LocationPath': ORPHAN_PATH, 'InstanceId': device['instance_id']}
    if script == 'set_pnp_device':
        parameters['Enabled'] = True
    with pytest.raises(simulated_host.CmdletError) as raised:
        TWINS[script](host, parameters)
    assert raised.value.cmdlet == cmdlet and host.unsettled() == []
    assert device.get('return_pending') is mark_after, 'the work was done before the error'
    assert not_called is None or not_called not in host.calls[host.calls.index(cmdlet) + 1:]


# --- review findings: what a failed or stopped step leaves -----------------------------------------------------------

def _faulted(doc, cmdlet):
    doc['faults'] = [{'cmdlet': cmdlet, 'message': 'x', 'count': 1}]
    return SimulatedHost(doc)


def test_a_mount_that_leaves_the_device_away_takes_its_mark_back():
    doc = load_example('left_behind')
    orphan = _device(doc, ORPHAN_PATH)
    with pytest.raises(simulated_host.CmdletError):
        TWINS['mount_device'](_faulted(doc, 'Mount-VMHostAssignableDevice'), {
            'LocationPath': ORPHAN_PATH, 'InstanceId': orphan['instance_id']})
    assert orphan['state'] == 'dismounted' and 'return_pending' not in orphan, \
        'no return began: a mark left here would outlive a later assignment'
    assert orphan['identity_recorded'], 'the identity recorded at the dismount stays'


def test_a_mount_that_leaves_a_device_dismounted_by_others_away_removes_the_key_it_made():
    doc = load_example('left_behind')
    orphan = _device(doc, ORPHAN_PATH)
    for key in ('identity_recorded', 'recorded_mmio_mb'):
        orphan.pop(key, None)
    host = _faulted(doc, 'Mount-VMHostAssignableDevice')
    with pytest.raises(simulated_host.CmdletError):
        TWINS['mount_device'](host, {'LocationPath': ORPHAN_PATH, 'InstanceId': orphan['instance_id']})
    assert not any(orphan.get(key) for key in ('return_pending', 'identity_recorded', 'recorded_mmio_mb'))
    assert 'Remove-Item' in host.calls


def test_a_failed_dismount_leaves_the_device_as_it_was_its_mark_included():
    doc = load_example('two_nvme_server')
    samsung = _device(doc, SAMSUNG_PATH)
    samsung.update(state='disabled', problem_code=DISABLED_PROBLEM_CODE, identity_recorded=True, return_pending=True)
    with pytest.raises(simulated_host.CmdletError):
        TWINS['dismount_device'](_faulted(doc, 'Dismount-VMHostAssignableDevice'), {
            'InstanceId': samsung['instance_id'], 'LocationPath': SAMSUNG_PATH})
    assert samsung['state'] == 'disabled' and samsung['return_pending'] is True
    assert device_states(surveyed(doc), _device(surveyed(doc), SAMSUNG_PATH)) == [RETURN_PENDING]


def test_a_forget_stopped_between_its_two_removals_leaves_what_a_release_forgets_again():
    doc = load_example('two_nvme_server')
    vm = next(vm for vm in doc['vms'] if vm['name'] == 'sql01')
    vm['remembered_settings'] = {'automatic_stop_action': 'Save', 'dynamic_memory_enabled': None,
                                 'memory_startup_bytes': None, 'set': {'automatic_stop_action': 'TurnOff'}}
    vm['automatic_stop_action'] = 'TurnOff'
    doc['faults'] = [{'cmdlet': 'Remove-ItemProperty', 'message': 'x', 'count': 1, 'after_effect': True}]
    with pytest.raises(simulated_host.CmdletError):
        TWINS['set_vm_stop_action'](SimulatedHost(doc), {'VMId': vm['id'], 'Action': 'Save', 'Previous': 'forget'})
    # The value set went first; the value found is still kept, so the record is still one a release forgets.
    left = next(v for v in surveyed(doc)['vms'] if v['name'] == 'sql01')['remembered_settings']
    assert left['automatic_stop_action'] == 'Save' and not (left.get('set') or {}).get('automatic_stop_action')
