"""Every known DDA blocker is named before it bites: a reason (certain to fail) or a warning (may fail) with its
remedy on the device's or VM's entry of hyperv_dda_info, a refusal or warning in the role's plan, and a known
failure text explained when it happens."""
import pytest

from ddatest import simulator_vars

from ansible_collections.hyperv.dda.plugins.plugin_utils.known_failures import KNOWN_FAILURES, explain
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError


def _info(runner, path):
    result = runner.run('hyperv_dda_info', {}, simulator_vars(path))
    assert not result.get('failed'), result
    return (dict((entry['location_path'], entry) for entry in result['candidates']),
            dict((entry['name'], entry) for entry in result['vms']))


@pytest.mark.parametrize('path, fragment', [
    ('PCIROOT(0)#PCI(0402)#PCI(0000)', 'remain attached to BIOS-owned memory'),
    ('PCIROOT(0)#PCI(0403)#PCI(0000)', 'no ACS up the hierarchy'),
    ('PCIROOT(0)#PCI(0404)#PCI(0000)', 'line-based'),
    ('PCIROOT(0)#PCI(0405)#PCI(0000)', 'Legacy, non-VGA PCI device'),
])
def test_each_surveydda_verdict_is_a_reason(runner, state_file, path, fragment):
    candidates, dummy = _info(runner, state_file('dda_blockers'))
    assert candidates[path]['assignable'] is False
    assert any(fragment in reason for reason in candidates[path]['reasons']), candidates[path]['reasons']


@pytest.mark.parametrize('vm, kind, fragment', [
    ('nested01', 'warnings', 'nested virtualization'),
    ('gpup01', 'warnings', 'GPU partition adapter'),
    ('legacy01', 'warnings', 'generation 1'),
])
def test_each_vm_setting_that_may_break_dda_is_a_warning(runner, state_file, vm, kind, fragment):
    dummy, vms = _info(runner, state_file('dda_blockers'))
    assert any(fragment in text for text in vms[vm][kind]), vms[vm]
    assert vms[vm]['reasons'] == []


def test_the_survey_reads_nested_virtualization_and_gpu_partitions(runner, state_file):
    dummy, vms = _info(runner, state_file('dda_blockers'))
    assert vms['nested01']['expose_virtualization_extensions'] is True
    assert vms['gpup01']['gpu_partition_adapters'] == 1 and vms['tinymmio01']['gpu_partition_adapters'] == 0


def test_a_host_without_the_gpu_partition_cmdlet_reports_unknown(runner, state_file):
    def older(doc):
        for vm in doc['vms']:
            vm['gpu_partition_adapters'] = None
    dummy, vms = _info(runner, state_file('dda_blockers', older))
    assert all(vm['gpu_partition_adapters'] is None for vm in vms.values())


def test_vm_reasons_name_each_blocker_with_its_remedy(runner, state_file):
    dummy, vms = _info(runner, state_file('two_nvme_server'))
    reasons = ' '.join(vms['sql01']['reasons'])
    assert 'dynamic memory' in reasons and 'stop action Save' in reasons
    candidates, vms = _info(runner, state_file('left_behind'))
    assert vms['sql03']['states'] == ['stale_assignment'] and 'dda_reclaim' in ' '.join(vms['sql03']['reasons'])
    assert vms['app02']['states'] == ['restart_pending'] and vms['app02']['warnings']
    assert candidates['PCIROOT(0)#PCI(0301)#PCI(0000)']['states'] == ['orphan']
    assert candidates['PCIROOT(0)#PCI(0302)#PCI(0000)']['states'] == ['disabled_not_dismounted']
    assert 'hyperv.dda.dda_reclaim' in ' '.join(candidates['PCIROOT(0)#PCI(0301)#PCI(0000)']['warnings'])


def test_data_a_device_holds_on_the_host_is_a_warning(runner, state_file):
    candidates, dummy = _info(runner, state_file('two_nvme_server'))
    warning = ' '.join(candidates['PCIROOT(0)#PCI(0103)#PCI(0000)']['warnings'])
    assert "E: 'scratch' (NTFS, 2000.4 GB)" in warning
    assert candidates['PCIROOT(0)#PCI(0102)#PCI(0000)']['warnings'] == []
    assert candidates['PCIROOT(0)#PCI(0102)#PCI(0000)']['mmio_mb'] == 1


ROLE = {'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0401)#PCI(0000)'}]}


def test_the_role_refuses_a_device_needing_more_mmio_than_the_vm_has(runner, state_file):
    path = state_file('dda_blockers')
    before = open(path, 'rb').read()
    plan = runner.run('nvme_passthrough_plan', dict(ROLE, nvme_passthrough_vm_name='tinymmio01'), simulator_vars(path))
    assert plan['steps'] == [] and 'has 512 MB of high MMIO space, and its devices need 2048 MB' in plan['msg'], plan
    assert '-HighMemoryMappedIoSpace 2560MB' in plan['msg']
    assert open(path, 'rb').read() == before


def test_the_role_warns_about_nested_virtualization_and_gpu_partitions(runner, state_file):
    path = state_file('dda_blockers', lambda doc: doc['devices'][0]['survey'].update(mmio_mb=1))
    for vm, fragment in (('nested01', 'nested virtualization'), ('gpup01', 'GPU partition')):
        plan = runner.run('nvme_passthrough_plan', dict(ROLE, nvme_passthrough_vm_name=vm), simulator_vars(path))
        assert not plan.get('failed') and any(fragment in text for text in plan['warnings']), plan


@pytest.mark.parametrize('known', KNOWN_FAILURES, ids=lambda known: known.fragment[:30])
def test_known_failure_texts_keep_the_original_and_add_cause_and_remedy(known):
    original = 'The operation failed. %s (and more)' % known.fragment.upper()
    error = HostCommandError('some_script', original, cmdlet=known.cmdlets[0])
    assert original in error.msg and ' Cause: ' in error.msg and ' Remedy: ' in error.msg
    assert explain('Get-VM', original) == ''


def test_start_vm_element_not_found_is_explained_when_it_happens(runner, state_file):
    path = state_file('left_behind')
    result = runner.run('hyperv_vm_power', {'vm_name': 'sql03', 'state': 'running'}, simulator_vars(path))
    assert result.get('failed') and 'Element not found' in result['msg'], result
    assert 'stale assignment' in result['msg'] and 'dda_reclaim' in result['msg']


def _assigned_to_tinymmio01(doc):
    """The device needing 2048 MB of MMIO assigned to tinymmio01 (512 MB high MMIO), as a by-hand Add-VMAssignableDevice
    leaves it: the simulator's state keeps what the hardware needs."""
    doc['devices'][0].update(state='dismounted', problem_code=None)
    next(vm for vm in doc['vms'] if vm['name'] == 'tinymmio01')['assigned_devices'].append(
        'PCIROOT(0)#PCI(0401)#PCI(0000)')


def test_start_vm_fails_when_the_mmio_gap_cannot_hold_the_assigned_devices(runner, state_file):
    """Issue 21: the simulator started such a VM; Windows does not."""
    path = state_file('dda_blockers', _assigned_to_tinymmio01)
    result = runner.run('hyperv_vm_power', {'vm_name': 'tinymmio01', 'state': 'running'}, simulator_vars(path))
    assert result.get('failed') and "'tinymmio01' failed to start." in result['msg'], result
    assert 'Start-VM' in result['msg']
    fits = state_file('dda_blockers', lambda doc: (_assigned_to_tinymmio01(doc), next(
        vm for vm in doc['vms'] if vm['name'] == 'tinymmio01').update(high_mmio_bytes=2560 * 1024 * 1024)))
    result = runner.run('hyperv_vm_power', {'vm_name': 'tinymmio01', 'state': 'running'}, simulator_vars(fits))
    assert not result.get('failed') and result['state'] == 'Running', result


@pytest.mark.parametrize('reason, fix', [
    ('To use SR-IOV on this system, the system BIOS must be updated to allow Windows to control PCI Express. Contact '
     'your system manufacturer for an update.', 'hands PCI Express control to Windows'),
    ('The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported.', 'VT-d or AMD-Vi'),
    ('The chipset on the system does not do interrupt remapping, without which SR-IOV cannot be supported.',
     'interrupt remapping in the firmware'),
    ('Something new Hyper-V says.', 'check the firmware settings'),
])
def test_each_iov_support_reason_gets_the_fix_a_person_can_apply(runner, state_file, reason, fix):
    """No IOV support warns, with each reason and its fix, and blocks nothing: SurveyDDA calls SR-IOV support only
    "mostly equivalent" to DDA support (dda-facts §11)."""
    def no_iov(doc):
        doc['host'].update(iov_support=False, iov_support_reasons=[reason])
    candidates, dummy = _info(runner, state_file('two_nvme_server', no_iov))
    for entry in candidates.values():
        text = ' '.join(entry['warnings'])
        assert reason.rstrip('.') in text and fix in text, text
        assert entry['assignable'] is True and entry['reasons'] == [], entry['reasons']


def test_the_role_warns_about_a_host_without_iov_support_and_goes_on(runner, state_file):
    reason = 'The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported.'
    path = state_file('two_nvme_server', lambda doc: doc['host'].update(iov_support=False, iov_support_reasons=[reason]))
    role = {'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'}],
            'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
            'nvme_passthrough_disable_dynamic_memory': True}
    plan = runner.run('nvme_passthrough_plan', role, simulator_vars(path))
    assert not plan.get('failed'), plan.get('msg')
    assert plan['steps'] and any('no IOV support' in text and reason.rstrip('.') in text for text in plan['warnings'])


def test_a_guest_that_cannot_be_shut_down_gracefully_is_a_warning(runner, state_file):
    def no_shutdown_service(doc):
        doc['vms'][0]['guest_shutdown_available'] = False
    dummy, vms = _info(runner, state_file('two_nvme_server', no_shutdown_service))
    assert vms['sql01']['state'] == 'Running'
    assert any('cannot be shut down gracefully' in text for text in vms['sql01']['warnings']), vms['sql01']
    assert not any('cannot be shut down gracefully' in text for text in vms['web01']['warnings'])
