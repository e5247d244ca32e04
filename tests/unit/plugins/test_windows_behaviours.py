"""What Windows really does where the scripts rely on it, each end to end: removing an assigned device (no -VM on
Remove-VMAssignableDevice), shutting a VM down (Stop-VM -Force turns off one without the shutdown service),
dismount and mount that report errors yet act, enabling a device (problem code 0), stale assignments, PowerShell
Direct by VM id, folder mounts and drive letters, disk numbers that change, and the guest script's refusals.

Every test here failed on the collection before the fix: the simulator now binds each cmdlet call as
PowerShell does and models the cmdlets' own behaviour (behaviours.py), and the PowerShell-backend
tests send exactly what the action sends to win_powershell into the simulator (PowerShellIntoSimulator).
"""
import copy
import json

import pytest

from ddatest import PowerShellIntoSimulator, load_example, simulator_vars, without_lease

from ansible_collections.hyperv.dda.plugins.module_utils import guest_plans
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets, guest
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS

pytestmark = pytest.mark.usefixtures('twins_under_lease')

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
SAMSUNG_ID = 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010'
CRED = {'username': 'Administrator', 'password': 'example-only'}


def _assigned_and_off(doc):
    doc['vms'][0].update(state='Off', automatic_stop_action='TurnOff', dynamic_memory_enabled=False,
                         assigned_devices=[SAMSUNG], guest_shutdown_available=None)
    doc['devices'][0].update(state='dismounted', problem_code=None, identity_recorded=True)


# --- 1. Remove-VMAssignableDevice has no -VM ------------------------------------------------------

def test_the_old_removal_does_not_bind():
    host = SimulatedHost(load_example('two_nvme_server'))
    with pytest.raises(CmdletError) as raised:
        host.invoke('Remove-VMAssignableDevice', VM='sql01', LocationPath=SAMSUNG)
    assert raised.value.message == ("Parameter cannot be processed because the parameter name 'VM' is ambiguous. "
                                    "Possible matches include: -VMAssignableDevice -VMName.")
    assert raised.value.error_id == 'AmbiguousParameter,Microsoft.HyperV.PowerShell.Commands.RemoveVMAssignableDevice'
    assert raised.value.category == 'InvalidArgument'


def test_removal_works_through_the_powershell_backend(state_file):
    path = state_file('two_nvme_server', _assigned_and_off)
    runner = PowerShellIntoSimulator(path)
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG, 'state': 'absent'})
    assert result.get('failed') is not True, result.get('msg')
    assert result['changed'] is True and result['assigned_devices'] == []
    assert json.load(open(path))['vms'][0]['assigned_devices'] == []
    assert runner.sent[-2]['module_args']['parameters'] == {
        'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'LocationPath': SAMSUNG, 'Present': False,
        'RemoveStale': False, 'LeaseToken': runner.sent[-1]['module_args']['parameters']['Token']}
    again = PowerShellIntoSimulator(path).run('vm_assignable_device',
                                              {'vm_name': 'sql01', 'location_path': SAMSUNG, 'state': 'absent'})
    assert again['changed'] is False


# --- 2. a graceful shutdown never pulls the power --------------------------------------------------

def _no_shutdown_service(doc):
    doc['vms'][0]['guest_shutdown_available'] = False


def test_stop_vm_force_turns_off_a_vm_without_shutdown_service():
    """What the old script relied on: Stop-VM -Force answers "turn off instead?" with yes (StopVM.cs)."""
    doc = load_example('two_nvme_server')
    _no_shutdown_service(doc)
    host = SimulatedHost(doc)
    cmdlets.stop_vm(host, doc['vms'][0], force=True, as_job=True)
    assert doc['vms'][0]['state'] == 'Off'
    doc = load_example('two_nvme_server')
    _no_shutdown_service(doc)
    with pytest.raises(CmdletError, match='does not support user interaction'):
        cmdlets.stop_vm(SimulatedHost(doc), doc['vms'][0])


@pytest.mark.parametrize('backend', ['simulator', 'powershell'])
def test_power_off_refuses_to_turn_off_without_shutdown_service(state_file, runner, backend):
    path = state_file('two_nvme_server', _no_shutdown_service)
    before = open(path, 'rb').read()
    args = {'vm_name': 'sql01', 'state': 'off'}
    if backend == 'simulator':
        result = runner.run('hyperv_vm_power', args, simulator_vars(path))
    else:
        result = PowerShellIntoSimulator(path).run('hyperv_vm_power', args)
    assert result['failed'] is True
    assert "VM 'sql01' cannot be shut down gracefully: the Shutdown integration service" in result['msg']
    assert 'set turn_off_on_timeout: true' in result['msg']
    assert without_lease(open(path, 'rb').read()) == without_lease(before), 'still running, nothing changed'


def test_power_off_turns_off_only_when_allowed_and_says_so(state_file, runner):
    path = state_file('two_nvme_server', _no_shutdown_service)
    result = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'turn_off_on_timeout': True},
                        simulator_vars(path))
    assert result['changed'] is True and result.get('turned_off') is True, result
    assert any('was turned off' in warning for warning in result['warnings'])
    assert json.load(open(path))['vms'][0]['state'] == 'Off'


def test_a_guest_that_shuts_down_is_never_turned_off(state_file, tmp_path, runner):
    path = state_file('two_nvme_server')
    log = tmp_path / 'calls.jsonl'
    result = runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off', 'turn_off_on_timeout': True},
                        simulator_vars(path, hyperv_dda_simulator_log=str(log)))
    assert result['changed'] is True and not result.get('turned_off')
    calls = [cmdlet for line in log.read_text().splitlines() for cmdlet in json.loads(line)['calls']]
    assert 'Invoke-CimMethod' in calls and 'Stop-VM' not in calls


# --- 4. a dismount reported as failed although the device left the host ---------------------------

def _disabled(doc, **sim):
    doc['devices'][0].update(state='disabled', problem_code=22, survey=None, **sim)


@pytest.mark.parametrize('backend', ['simulator', 'powershell'])
def test_dismount_that_reports_a_late_device_still_succeeds(state_file, runner, backend):
    path = state_file('two_nvme_server', lambda doc: _disabled(doc, registration_lag=3))
    args = {'location_path': SAMSUNG}
    if backend == 'simulator':
        result = runner.run('vmhost_assignable_device', args, simulator_vars(path))
    else:
        result = PowerShellIntoSimulator(path).run('vmhost_assignable_device', args)
    assert result.get('failed') is not True, result.get('msg')
    assert result['changed'] is True
    assert any('Cannot find dismounted assignable device.' in warning and 'did leave the host' in warning
               for warning in result['warnings'])
    device = json.load(open(path))['devices'][0]
    assert device['state'] == 'dismounted' and device['identity_recorded'] is True, 'the record is kept'


def test_dismount_that_failed_with_the_device_on_the_host_removes_its_record(state_file, runner):
    def prepare(doc):
        _disabled(doc)
        doc['faults'] = [{'cmdlet': 'Dismount-VMHostAssignableDevice', 'message': 'The operation failed.'}]
    path = state_file('two_nvme_server', prepare)
    result = runner.run('vmhost_assignable_device', {'location_path': SAMSUNG}, simulator_vars(path))
    assert result['failed'] is True and 'The operation failed.' in result['msg']
    assert 'identity_recorded' not in json.load(open(path))['devices'][0]


# --- 5. unknown disks are never "no disks" ----------------------------------------------------------

def _unknown_disks(doc):
    doc['devices'][1]['disks'] = None


def test_unknown_disks_are_reported_and_refused(state_file, runner):
    path = state_file('two_nvme_server', _unknown_disks)
    before = open(path, 'rb').read()
    info = runner.run('hyperv_dda_info', {}, simulator_vars(path))
    intel = info['candidates'][1]
    assert info['snapshot']['devices'][1]['disks'] is None and intel['disks'] is None
    assert intel['assignable'] is False and 'Which disks sit behind it is unknown' in intel['reasons'][0]
    for module, args in (('pnp_device_disable', {'allow_mounted_volumes': True}), ('vmhost_assignable_device', {})):
        result = runner.run(module, dict(args, location_path='PCIROOT(0)#PCI(0103)#PCI(0000)'), simulator_vars(path))
        assert result['failed'] is True and 'Which disks sit behind it is unknown' in result['msg'], module
    assert open(path, 'rb').read() == before


# --- 6. mount and enable decide by what the host shows ---------------------------------------------

def _dismounted(doc, **sim):
    doc['devices'][0].update(state='dismounted', problem_code=None, survey=None, identity_recorded=True, **sim)


@pytest.mark.parametrize('backend', ['simulator', 'powershell'])
def test_mount_that_reports_an_error_but_brings_the_device_back(state_file, runner, backend):
    def prepare(doc):
        _dismounted(doc, mount_reappear_lag=3)
        doc['faults'] = [{'cmdlet': 'Mount-VMHostAssignableDevice', 'message': 'Mounting an assignable device failed.',
                          'after_effect': True, 'count': 1}]
    path = state_file('two_nvme_server', prepare)
    args = {'location_path': SAMSUNG, 'state': 'mounted'}
    if backend == 'simulator':
        result = runner.run('vmhost_assignable_device', args, simulator_vars(path))
    else:
        result = PowerShellIntoSimulator(path).run('vmhost_assignable_device', args)
    assert result.get('failed') is not True, result.get('msg')
    assert any('reported an error, but' in warning and 'is back on the host' in warning for warning in result['warnings'])
    assert json.load(open(path))['devices'][0]['state'] == 'disabled'


@pytest.mark.parametrize('gone', [
    lambda doc: doc['devices'].pop(0),  # removed from the host
    lambda doc: _dismounted(doc, registration_lag=100),  # dismounted, but never registered as assignable
], ids=['removed', 'unregistered'])
def test_mount_that_never_ran_does_not_claim_it_reported_success(gone):
    """issue 20: with the device neither among the assignable devices nor on the host, mount_device.ps1 never calls
    Mount-VMHostAssignableDevice, and says that instead of "Mount ... reported success, but ..."."""
    doc = load_example('two_nvme_server')
    gone(doc)
    host = SimulatedHost(doc)
    with pytest.raises(CmdletError) as raised:
        TWINS['mount_device'](host, {'LocationPath': SAMSUNG, 'InstanceId': SAMSUNG_ID, 'SettleSeconds': 2})
    assert 'Mount-VMHostAssignableDevice' not in host.calls
    assert 'reported success' not in raised.value.message
    assert raised.value.message == (
        "%s is neither among the host's assignable devices nor present on the host as %s (waited 2 seconds): there "
        "was nothing to mount, and Mount-VMHostAssignableDevice was not run." % (SAMSUNG, SAMSUNG_ID))


def test_enable_waits_for_a_reappearing_node(state_file, runner):
    path = state_file('two_nvme_server', lambda doc: _disabled(doc, reappear_lag=2))
    result = runner.run('pnp_device_disable', {'location_path': SAMSUNG, 'state': 'enabled'}, simulator_vars(path))
    assert result.get('failed') is not True, result.get('msg')
    assert json.load(open(path))['devices'][0]['problem_code'] == 0


def test_enabled_means_problem_code_zero(state_file, runner):
    path = state_file('two_nvme_server', lambda doc: doc['devices'][0].update(problem_code=10))
    info = runner.run('hyperv_dda_info', {}, simulator_vars(path))
    samsung = info['candidates'][0]
    assert info['snapshot']['devices'][0]['problem_code'] == 10
    assert samsung['assignable'] is False and 'problem code 10' in samsung['reasons'][0]
    result = runner.run('pnp_device_disable', {'location_path': SAMSUNG, 'state': 'enabled'}, simulator_vars(path))
    assert result['failed'] is True and 'Plug and Play problem code 10' in result['msg']


# --- 7. stale assignments ----------------------------------------------------------------------------

def _stale(doc):
    doc['vms'][0].update(state='Off', stale_assignments=2, guest_shutdown_available=None)


@pytest.mark.parametrize('backend', ['simulator', 'powershell'])
def test_stale_assignments_are_reported_and_removed(state_file, runner, backend):
    path = state_file('two_nvme_server', _stale)

    def run(module, args, **options):
        if backend == 'simulator':
            return runner.run(module, args, simulator_vars(path), **options)
        return PowerShellIntoSimulator(path).run(module, args, **options)
    info = run('hyperv_dda_info', {})
    assert info['snapshot']['vms'][0]['stale_assignments'] == 2
    started = run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'})
    assert started['failed'] is True and 'Element not found' in started['msg']
    checked = run('vm_assignable_device', {'vm_name': 'sql01', 'remove_stale': True}, check_mode=True, diff=True)
    assert checked['changed'] is True and checked['diff']['after']['stale_assignments'] == 0
    removed = run('vm_assignable_device', {'vm_name': 'sql01', 'remove_stale': True})
    assert removed['changed'] is True and removed['stale_assignments'] == 0, removed.get('msg')
    assert run('vm_assignable_device', {'vm_name': 'sql01', 'remove_stale': True})['changed'] is False
    assert run('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'})['changed'] is True


def test_a_vm_with_stale_assignments_refuses_an_assignment_as_the_role_does(state_file, runner):
    """Issue 22: the module assigned with a warning, to a VM that cannot start; the role refused."""
    def prepare(doc):
        _stale(doc)
        _disabled(doc)
        doc['devices'][0].update(state='dismounted', problem_code=None, recorded_mmio_mb=1)
        doc['vms'][0].update(automatic_stop_action='TurnOff', dynamic_memory_enabled=False)
    path = state_file('two_nvme_server', prepare)
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}, simulator_vars(path))
    assert result['failed'] is True and '2 stale assignment(s)' in result['msg'], result
    assert 'hyperv.dda.vm_assignable_device remove_stale=true, in a task of its own' in result['msg']
    removed = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'remove_stale': True}, simulator_vars(path))
    assert removed['changed'] is True
    result = runner.run('vm_assignable_device', {'vm_name': 'sql01', 'location_path': SAMSUNG}, simulator_vars(path))
    assert result['changed'] is True and not result.get('warnings'), result


# --- 8. PowerShell Direct by Id ------------------------------------------------------------------------

def _guest_ready(doc):
    _assigned_and_off(doc)
    doc['vms'][0].update(state='Running', guest_shutdown_available=True)


def test_powershell_direct_connects_by_id_to_the_one_vm_of_that_name(state_file, runner):
    path = state_file('two_nvme_server', _guest_ready)
    survey, dummy = TWINS['survey_guest_disks'](SimulatedHost(json.load(open(path))),
                                                {'VMName': 'SQL01', 'AccessPaths': [], 'Credential': CRED})
    assert [disk['serial_number'] for disk in survey['disks']] == [None, '0025_3852_21B3_4B17.']

    def twins(doc):
        _guest_ready(doc)
        doc['vms'][1]['name'] = 'Sql01'
    path = state_file('two_nvme_server', twins)
    result = runner.run('guest_nvme_disk', {'vm_name': 'sql01', 'guest_credential': CRED,
                                            'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E'},
                        simulator_vars(path))
    assert result['failed'] is True
    assert "PowerShell Direct needs exactly one VM named 'sql01' on this host; found 2." in result['msg']


# --- 9. folder mounts keep to their folder ----------------------------------------------------------

def test_a_folder_mount_gains_no_letter_when_the_vm_starts_again(state_file, runner):
    def prepare(doc):
        _guest_ready(doc)
        doc['vms'][0]['guest']['folders'] = {'D:\\mnt\\data': 0}
    path = state_file('two_nvme_server', prepare)
    args = {'vm_name': 'sql01', 'guest_credential': CRED, 'adapter_serial_number': 'S4EWNX0N123456',
            'access_path': 'D:\\mnt\\data', 'label': 'data'}
    formatted = runner.run('guest_nvme_disk', args, simulator_vars(path))
    assert formatted.get('changed') is True, formatted
    for state in ('off', 'running'):
        assert runner.run('hyperv_vm_power', {'vm_name': 'sql01', 'state': state}, simulator_vars(path))['changed']
    again = runner.run('guest_nvme_disk', args, simulator_vars(path))
    assert again['changed'] is False, again.get('msg')
    assert again['volume']['drive_letter'] is None and again['volume']['access_path'] == 'D:\\mnt\\data\\'


def test_without_no_default_drive_letter_windows_gives_a_folder_mount_a_letter():
    """The behaviour the fix guards against (dsccommunity/StorageDsc#145), as the simulator models it."""
    doc = load_example('two_nvme_server')
    _assigned_and_off(doc)
    doc['devices'][0]['disks'][0].update(partition_style='GPT', partitions=[
        {'number': 1, 'size': 16 * 1024 ** 2, 'type': 'Reserved', 'drive_letter': None, 'access_paths': [],
         'volume': None},
        {'number': 2, 'size': 10 ** 12, 'type': 'Basic', 'drive_letter': None, 'access_paths': ['D:\\mnt\\data'],
         'volume': {'file_system': 'NTFS', 'label': 'data', 'allocation_unit_size': 4096}}])
    host = SimulatedHost(doc)
    cmdlets.start_vm(host, doc['vms'][0])
    letter = doc['devices'][0]['disks'][0]['partitions'][1]['drive_letter']
    assert letter is not None and letter not in ('C',)
    assert letter == guest.used_letters(host, doc['vms'][0])[-1]


# --- 10. a disk chosen by number is still the disk planned from (issue 20) -------------------------------

INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'
FORMAT = {'serial_number': None, 'adapter_serial_number': 'S4EWNX0N123456', 'unique_id': None, 'disk_number': None,
          'partition_style': 'gpt', 'file_system': 'ntfs', 'label': 'data', 'drive_letter': 'E', 'access_path': None,
          'allocation_unit_size': None, 'state': 'formatted', 'force': False, 'vm_name': 'sql01',
          'guest_credential': CRED}


def _both_in_sql01(doc):
    """Both NVMe devices assigned to sql01, which runs; both disks RAW, so only their identity tells them apart."""
    for device in doc['devices']:
        device.update(state='dismounted', problem_code=None, identity_recorded=True)
    doc['devices'][1]['disks'][0].update(partition_style='RAW', partitions=[])
    doc['vms'][0].update(state='Running', automatic_stop_action='TurnOff', dynamic_memory_enabled=False,
                         assigned_devices=[SAMSUNG, INTEL])


def test_a_disk_whose_number_changed_since_the_plan_is_left_alone():
    """Disk numbers change across reboots (StorageDsc about_Disk): the guest numbers its disks the other way round
    between plan and run, and the script refuses the disk that now has the planned number, changing nothing."""
    doc = load_example('two_nvme_server')
    _both_in_sql01(doc)
    survey, dummy = TWINS['survey_guest_disks'](SimulatedHost(doc), {'VMName': 'sql01', 'AccessPaths': [],
                                                                     'Credential': CRED})
    step = guest_plans.guest_disk_plan(dict(FORMAT), survey, False).steps[0]
    assert (step.parameters['DiskNumber'], step.parameters['SerialNumber'], step.parameters['UniqueId']) == \
        (1, '0025_3852_21B3_4B17.', 'eui.0025385221B34B17')
    doc['vms'][0]['assigned_devices'].reverse()  # the guest restarted: the Intel disk is disk 1 now
    before = copy.deepcopy(doc['devices'])
    host = SimulatedHost(doc)
    with pytest.raises(CmdletError) as raised:
        TWINS['format_guest_disk'](host, dict(step.parameters, Credential=CRED))
    assert raised.value.message.startswith(
        "Disk 1 in the guest is not the disk planned from: it has serial number '5CD2_E4A3_1F09_0100.' and unique ID "
        "'eui.5CD2E4A31F090100', not '0025_3852_21B3_4B17.' and 'eui.0025385221B34B17'")
    assert doc['devices'] == before
    assert not {'Clear-Disk', 'Initialize-Disk', 'New-Partition', 'Format-Volume'} & set(host.calls)
    doc['vms'][0]['assigned_devices'].reverse()  # numbered as planned: the same step goes through
    TWINS['format_guest_disk'](SimulatedHost(doc), dict(step.parameters, Credential=CRED))
    assert doc['devices'][0]['disks'][0]['partition_style'] == 'GPT'
    assert doc['devices'][1]['disks'][0]['partition_style'] == 'RAW'


@pytest.mark.parametrize('identity, fragment', [
    ({'SerialNumber': '', 'UniqueId': '60022480A1B2C3D4'},
     'Disk 0 in the guest is its boot or system disk; nothing was changed.'),
    ({'SerialNumber': '', 'UniqueId': ''}, 'Disk 0 in the guest was planned without a serial number or unique ID'),
])
def test_the_script_refuses_a_boot_disk_or_a_disk_it_cannot_identify(identity, fragment):
    doc = load_example('two_nvme_server')
    _both_in_sql01(doc)
    before = copy.deepcopy(doc['vms'][0]['guest'])
    host = SimulatedHost(doc)
    parameters = dict(identity, VMName='sql01', Credential=CRED, DiskNumber=0, Actions=['clear', 'initialize'],
                      PartitionStyle='GPT', ExpectedPartitionStyle='GPT', ExpectedPartitions=3)
    with pytest.raises(CmdletError, match=fragment):
        TWINS['format_guest_disk'](host, parameters)
    assert doc['vms'][0]['guest'] == before and 'Clear-Disk' not in host.calls
