"""playbooks/dda_reclaim.yml on simulated hosts: what DDA left behind is found, reclaimed, and --check predicts it."""
import json
import os
import re
import sys

import pytest

from ddatest import ROOT, run_playbook

pytestmark = pytest.mark.slow
ORPHAN = 'PCIROOT(0)#PCI(0301)#PCI(0000)'
DISABLED = 'PCIROOT(0)#PCI(0302)#PCI(0000)'


@pytest.fixture
def reclaim(tmp_path, state_file):
    """Run dda_reclaim.yml on host hv04 (examples/snapshots/left_behind.json, or as mutate changes it)."""
    def make(mutate=None):
        state = state_file('left_behind', mutate)
        log = tmp_path / 'calls.jsonl'
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv04': {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'hyperv_dda_backend': 'simulator',
            'hyperv_dda_simulator_state': state, 'hyperv_dda_simulator_log': str(log)}}}}))

        def run(*options):
            return run_playbook(inventory, os.path.join(ROOT, 'playbooks', 'dda_reclaim.yml'), log, 'hv04', *options)
        run.state = state
        return run
    return make


def _host(path):
    with open(path) as handle:
        doc = json.load(handle)
    devices = dict((device['location_paths'][0], device['state']) for device in doc['devices'])
    vms = dict((vm['name'], (vm['state'], vm['stale_assignments'], vm['restart_pending'])) for vm in doc['vms'])
    return devices, vms


def _changed_tasks(stdout):
    return re.findall(r'TASK \[([^\]]+)\][^\n]*\n(?:[^\n]*\n)*?changed:', stdout)


def _mutating(calls):
    return [call['script'] for call in calls if not call['script'].startswith('survey')]


def test_check_names_everything_then_the_run_reclaims_it_and_a_rerun_changes_nothing(reclaim):
    run = reclaim()
    with open(run.state, 'rb') as handle:
        before = handle.read()
    checked, recap, calls = run('--check')
    assert recap['failed'] == 0 and recap['changed'] > 0, checked.stdout
    with open(run.state, 'rb') as handle:
        assert handle.read() == before  # --check changes nothing, byte for byte
    assert _mutating(calls) == []
    for shown in ('S64GNE0R712345', "sql03 (1)", 'app02', 'Y4G0B0K2T2L8', 'Disabled on the host but never dismounted'):
        assert shown in checked.stdout, shown

    applied, recap_applied, calls = run()
    assert recap_applied['failed'] == 0, applied.stdout
    assert recap_applied['changed'] == recap['changed']  # --check told the truth
    assert _changed_tasks(applied.stdout) == _changed_tasks(checked.stdout)
    devices, vms = _host(run.state)
    assert devices[ORPHAN] == 'enabled'                      # the orphan is back on the host
    assert devices[DISABLED] == 'disabled'                   # a disabled device is only reported
    assert vms['sql03'] == ('Off', 0, False)                 # its stale assignment is gone; it stays off
    assert vms['app02'] == ('Running', 0, False)             # the start it was owed
    assert vms['web02'][0] == 'Running'

    again, recap_again, calls = run()
    assert recap_again['changed'] == 0 and recap_again['failed'] == 0, again.stdout
    assert _mutating(calls) == [] and len(calls) == 1        # one survey, nothing else


def _running_with_stale(doc):
    doc['vms'][0]['state'] = 'Running'
    doc['vms'][0]['guest_shutdown_available'] = True


def test_a_running_vm_with_stale_assignments_is_refused_before_any_change(reclaim):
    run = reclaim(_running_with_stale)
    with open(run.state, 'rb') as handle:
        before = handle.read()
    for options in (['--check'], []):
        done, recap, calls = run(*options)
        assert recap['failed'] == 1 and 'dda_reclaim_allow_vm_restart: true' in done.stdout, done.stdout
        assert _mutating(calls) == []
        with open(run.state, 'rb') as handle:
            assert handle.read() == before


def test_with_restart_allowed_the_vm_is_shut_down_once_and_started_again(reclaim):
    run = reclaim(_running_with_stale)
    done, recap, calls = run('-e', 'dda_reclaim_allow_vm_restart=true')
    assert recap['failed'] == 0, done.stdout
    cmdlets = [cmdlet for call in calls for cmdlet in call['calls']]
    assert cmdlets.count('Start-VM') == 2 and _mutating(calls).count('set_vm_power') == 3  # sql03 off+on, app02 on
    devices, vms = _host(run.state)
    assert vms['sql03'] == ('Running', 0, False)


def test_the_device_limit_keeps_orphans_outside_it(reclaim):
    run = reclaim()
    limit = json.dumps({'dda_reclaim_devices': [{'location_path': DISABLED}]})
    done, recap, calls = run('-e', limit)
    assert recap['failed'] == 0, done.stdout
    devices, vms = _host(run.state)
    assert devices[ORPHAN] == 'dismounted' and 'kept_by_dda_reclaim_devices' in done.stdout
    assert vms['sql03'][1] == 0  # stale assignments and pending restarts are not limited by device


def test_a_limit_naming_no_device_fails_before_any_change(reclaim):
    run = reclaim()
    with open(run.state, 'rb') as handle:
        before = handle.read()
    done, recap, calls = run('-e', json.dumps({'dda_reclaim_devices': [{'serial_number': 'NO-SUCH-SERIAL'}]}))
    assert recap['failed'] == 1 and "matches serial_number 'NO-SUCH-SERIAL'" in done.stdout, done.stdout
    with open(run.state, 'rb') as handle:
        assert handle.read() == before


def test_a_failed_step_still_starts_the_vm_again_and_tells_the_failure(reclaim):
    def running_and_failing(doc):
        _running_with_stale(doc)
        doc['faults'] = [{'cmdlet': 'Remove-VMAssignableDevice', 'message': 'The operation failed.', 'count': 1}]
    run = reclaim(running_and_failing)
    done, recap, calls = run('-e', 'dda_reclaim_allow_vm_restart=true')
    assert recap['failed'] == 1, done.stdout
    # The whole story: the removal failed, then the start failed for the very assignment that stayed.
    assert 'Remove stale assignments: ' in done.stdout and 'The operation failed.' in done.stdout
    assert 'Then: Starting the VMs again: ' in done.stdout and 'Element not found' in done.stdout
    devices, vms = _host(run.state)
    assert vms['sql03'] == ('Off', 1, True)   # still owed its start, recorded on the host
    assert vms['app02'] == ('Running', 0, False)  # the other VM's start was not held up
    again, recap, calls = run('-e', 'dda_reclaim_allow_vm_restart=true')
    assert recap['failed'] == 0, again.stdout   # the fault is spent: the rerun finishes the job
    assert _host(run.state)[1]['sql03'] == ('Running', 0, False)


# --- a reclaim interrupted between the mount and the enable (issue 21, item 1) ---------------------------------------
ORPHAN_SERIAL = 'S64GNE0R712345'
ORPHAN_ID = 'PCI\\VEN_144D&DEV_A80A&SUBSYS_A812144D&REV_00\\4&2C3D4E5F&0&0008'


def _enable_fails_once(doc):
    doc['faults'] = [{'cmdlet': 'Enable-PnpDevice', 'message': 'x', 'count': 1}]


def _cmdlets(calls):
    return [cmdlet for call in calls for cmdlet in call['calls']]


def _stopped_after_the_mount(reclaim):
    """A reclaim of left_behind that failed at Enable-PnpDevice: the orphan is back on the host, disabled."""
    run = reclaim(_enable_fails_once)
    failed, recap, calls = run()
    assert recap['failed'] == 1 and 'Enable-PnpDevice' in failed.stdout, failed.stdout
    assert _host(run.state)[0][ORPHAN] == 'disabled'
    return run


def test_a_reclaim_stopped_between_mount_and_enable_is_finished_by_the_rerun(reclaim):
    run = _stopped_after_the_mount(reclaim)
    checked, recap, calls = run('--check')
    assert recap['failed'] == 0 and recap['changed'] == 1 and _mutating(calls) == [], checked.stdout
    assert re.search(r'"return_pending": \[\s*"Samsung NVMe Controller at %s"' % re.escape(ORPHAN), checked.stdout)
    assert 'changed: [hv04] => (item=Samsung NVMe Controller at %s)' % ORPHAN in checked.stdout
    again, recap, calls = run()
    assert recap['failed'] == 0, again.stdout
    assert _cmdlets(calls).count('Enable-PnpDevice') == 1
    devices, vms = _host(run.state)
    assert devices[ORPHAN] == 'enabled' and devices[DISABLED] == 'disabled'
    third, recap, calls = run()
    assert recap['changed'] == 0 and _mutating(calls) == [], third.stdout
    assert ORPHAN_SERIAL not in third.stdout  # nothing left of it to report


def test_the_device_limit_naming_a_device_left_mounted_reclaims_it(reclaim):
    run = _stopped_after_the_mount(reclaim)
    kept, recap, calls = run('-e', json.dumps({'dda_reclaim_devices': [{'location_path': DISABLED}]}))
    assert recap['failed'] == 0 and _mutating(calls) == [], kept.stdout
    assert _host(run.state)[0][ORPHAN] == 'disabled'
    assert re.search(r'"kept_by_dda_reclaim_devices": \[\s*"Samsung NVMe Controller at %s"' % re.escape(ORPHAN),
                     kept.stdout), kept.stdout
    # Back on the host and disabled, its disks are not read (a selector by serial number does not find it); its
    # location path and instance ID name it.
    named, recap, calls = run('-e', json.dumps({'dda_reclaim_devices': [{'instance_id': ORPHAN_ID}]}))
    assert recap['failed'] == 0, named.stdout
    devices, vms = _host(run.state)
    assert devices[ORPHAN] == 'enabled' and devices[DISABLED] == 'disabled'


def test_a_device_disabled_by_hand_is_only_reported_even_with_an_old_record_and_named(reclaim):
    # The KIOXIA was passed through once (its identity is recorded), given back, then disabled by hand.
    run = reclaim(lambda doc: doc['devices'][1].update(identity_recorded=True))
    limit = json.dumps({'dda_reclaim_devices': [{'location_path': DISABLED}, {'location_path': ORPHAN}]})
    for options in (['--check'], []):
        done, recap, calls = run('-e', limit, *options)
        assert recap['failed'] == 0 and 'Disabled on the host but never dismounted' in done.stdout, done.stdout
        assert 'enable KIOXIA' not in done.stdout
        assert 'dda_reclaim_devices names KIOXIA NVMe Controller (Y4G0B0K2T2L8) at %s: the reclaim enables only' % (
            DISABLED) in done.stdout, done.stdout
    assert _cmdlets(calls).count('Enable-PnpDevice') == 1  # the orphan's, after its mount
    devices, vms = _host(run.state)
    assert devices[DISABLED] == 'disabled' and devices[ORPHAN] == 'enabled'
