"""Runs the evidence suites' fault matrix and writes docs/reliability.md from what it observed.

    .venv/bin/python tools/reliability.py

The figures of the other evidence suites (bad input, drift, property tests) are counted from
their case tables; tools/test.sh runs all of them with their assertions.
"""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, 'tests', 'evidence'), os.path.join(ROOT, 'tests', 'unit')]
# conftest installs the collection finder, so the imports below resolve as they do in the tests.
import conftest  # noqa: E402,F401  pylint: disable=unused-import
import all_or_nothing  # noqa: E402
import fault_matrix  # noqa: E402
import reclaim_matrix  # noqa: E402
import test_bad_input  # noqa: E402
import test_bad_role_input  # noqa: E402
import test_drift  # noqa: E402
import test_role_promises  # noqa: E402


def _reclaim_lines(reclaimed):
    """The section of the reclaim's fault matrix (tests/evidence/reclaim_matrix.py)."""
    lines = ['## Faults and kills survived by the reclaim', '',
             'One simulated host per row (`examples/snapshots/left_behind.json` with `sql03` running, '
             '`dda_reclaim_allow_vm_restart`; for the device-key rows the orphan has no identity record), the '
             'playbook `hyperv.dda.dda_reclaim`, faults and kills as above. The host records a return before '
             '`Mount-VMHostAssignableDevice` and clears it once the device is enabled, so a device the reclaim '
             'mounted and did not enable is enabled by the next run. Columns: the message (a fault), the orphan and '
             'the VMs right after, whether the survey reports the state truthfully, whether the same reclaim without '
             'the fault converged (the orphan enabled with no return pending, the KIOXIA disabled by hand left '
             'disabled, every VM running and owed no start, no stale assignment), what a third run changed, and whether '
             'every task of every run said changed exactly when the call log shows a mutating call.', '',
             '| step | cmdlet | fault or kill | failed with | orphan after | VMs after | truthful | rerun converged '
             '| third run changed | changed as done |', '|---|---|---|---|---|---|---|---|---|---|']
    for row in reclaimed:
        message = (row['message'] or ('killed' if row['kind'] == 'kill' else '')).replace('|', '\\|')
        vms = ', '.join('%s %s' % item for item in sorted(row['vms_after'].items()))
        lines.append('| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |' % (
            row['step'], row['cmdlet'], row['kind'], message.replace('\n', ' '), row['device_after'], vms,
            'yes' if row['truthful'] else 'NO', 'yes' if row['rerun_failed'] == 0 and row['converged'] else 'NO',
            row['third_changed'], 'NO' if row['untruthful'] else 'yes'))
    return lines + ['']


def _all_or_nothing_lines(rows):
    """The section of the all-or-nothing matrix of two and three devices (tests/evidence/all_or_nothing.py)."""
    lines = ['## All or nothing, with two and three devices', '',
             'One simulated host per row (`two_nvme_server.json` with a third NVMe controller, `sql01` running with '
             'dynamic memory and stop action Save; the role with `nvme_passthrough_restore_vm_settings`, no guest '
             'step), the points read from a run without faults: in each task, the first call of each mutating cmdlet, '
             'for a task run once per device the last device\'s. A release starts from a copy of one converged '
             'passthrough. Columns: how the host was left, compared with the host as the run found it and as the run '
             'without faults left it (the collection\'s own records on the host left out), then, for a kill, whether '
             'the same run again converged and what a third run changed, and whether each task said changed exactly '
             'when it made a mutating call.', '',
             '| devices | run | step | cmdlet | fault or kill | host left | rerun converged | third run changed | '
             'changed as done |', '|---|---|---|---|---|---|---|---|---|']
    for row in rows:
        left = 'as found' if row['as_found'] else 'as planned' if row['as_planned'] else 'IN BETWEEN'
        if row['kind'] == 'kill':
            left = 'killed'
        lines.append('| %d | %s | %s | %s | %s | %s | %s | %s | %s |' % (
            row['count'], row['run'], row['step'], row['cmdlet'], row['kind'], left,
            '-' if row['kind'] == 'fault' else 'yes' if not row['rerun_failed'] and row['as_planned'] else 'NO',
            '-' if row['kind'] == 'fault' else row['third_changed'], 'NO' if row['untruthful'] else 'yes'))
    return lines + ['']


def main():
    with tempfile.TemporaryDirectory() as work:
        every = all_or_nothing.run(work, counts=(2,), kinds=('fault', 'kill'))
        every += all_or_nothing.run(os.path.join(work, 'three'), counts=(3,), kinds=('fault',))
    with tempfile.TemporaryDirectory() as work:
        rows, prepared = fault_matrix.run(work)
    with tempfile.TemporaryDirectory() as work:
        reclaimed = reclaim_matrix.run(work)
    lines = ['# Reliability', '',
             'Regenerate with `.venv/bin/python tools/reliability.py` (after `tools/setup.sh`); the same scenarios run '
             'with assertions in `tools/test.sh` (`tests/evidence/`). All on the simulator backend.', '',
             '## Faults and kills survived', '',
             'One simulated host per row (`examples/snapshots/two_nvme_server.json`, VM `sql01` running, the role '
             'with `nvme_passthrough_allow_vm_restart` and a guest step through PowerShell Direct). **fault**: the '
             'named call fails once. **kill**: the named call hangs, and the controller (the whole ansible-playbook '
             'process group) is killed with SIGKILL before it returns, so no rescue or always runs; it keeps the host\'s '
             'lease until its time runs out, so the rerun comes after that (the simulated clock is moved past it), '
             'takes the lease over and is told what the killed run left. Columns: the '
             'message the run failed with (a fault), the VM and the device right after, whether the host then owes '
             'the VM a start (recorded before the shutdown), whether `hyperv_dda_info` reports the state truthfully; '
             'whether the same run without the fault converged with the VM running and no start owed, what a third '
             'run changed, whether the device went back to the host, and whether in every run on the host each task '
             'that did not fail reported changed exactly when the simulator\'s call log shows it made a mutating call '
             '(`tests/unit/truthful.py`).', '',
             '| run | step | cmdlet | fault or kill | failed with | VM after | device after | start owed | truthful '
             '| rerun converged, VM running | third run changed | released | changed as done |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for row in rows:
        message = (row['message'] or ('killed' if row['kind'] == 'kill' else '')).replace('|', '\\|')
        lines.append('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s |' % (
            row['run'], row['step'], row['cmdlet'], row['kind'], message, row['vm_after'], row['device_after'] + (
                ', assigned' if row['assigned_after'] else ''), 'yes' if row['owed_after'] else 'no',
            'yes' if row['truthful'] else 'NO',
            'yes' if row['rerun_failed'] == 0 and row['converged'] and not row['owed_after_rerun'] else 'NO',
            row['third_changed'], 'yes' if row['released'] else 'NO', 'NO' if row['untruthful'] else 'yes'))
    lines += ['', 'A failed run is all or nothing (issue 23): it gives back what it changed, so the host is as the run '
              'found it (where `Start-VM` fails, the VM gets back what it had, and is started again), or, for a '
              'release whose device has left the VM already, it finishes it, since going back would shut the VM down '
              'a second time. A failed run says every step that failed, in order, then where the device and each '
              'setting the run meant to change are, and where the VM is. Where the controller dies after the '
              'shutdown, the VM is left Off, and the host records that it is owed a start; the next identical run '
              'starts it (so do `hyperv.dda.hyperv_vm_power state=running` and the dda_reclaim playbook). A killed '
              'controller leaves what the script wrote before the cmdlet that hangs: a controller killed while '
              '`Format-Volume` hangs leaves the partitions the guest step made, which the rerun refuses as a layout '
              'that does not match the request (unless `nvme_passthrough_force_format`): the guest step does not '
              'resume its own layout yet.', '']
    lines += _all_or_nothing_lines(every)
    lines += _reclaim_lines(reclaimed)
    lines += ['## Every refusal before any change', '',
              '%d role runs that must be refused (`tests/evidence/test_role_promises.py`): a drive with a volume '
              'mounted on the host, a quoted `\"false\"`, guest settings the guest would refuse (two letters, a letter '
              'in use, a label too long, a relative folder, a wrong guest password, a controller with two namespaces, '
              'ReFS on a disk holding data), unknown disks, a guest without a Shutdown service, a stale assignment. In '
              'check mode and for real, each fails naming the role\'s variable to set, the state file is byte-for-byte '
              'unchanged, and only the surveys ran. `test_role_properties.py` drives random hosts and role variables '
              'through `--check` and the real run: the same tasks report a change, and a third run changes nothing.'
              % len(test_role_promises.REFUSED), '',
              '## Bad input refused', '',
              '%d module inputs (`tests/evidence/test_bad_input.py`: wrong types, unknown options, conflicting or empty '
              'selectors, malformed location paths, unknown and wildcard VM names, very long and non-ASCII names, '
              'drive letters, access paths, sizes, and PowerShell injection strings in string options) and %d role '
              'variable sets (`test_bad_role_input.py`). Each fails with a whole-sentence message, the state file is '
              'byte-for-byte unchanged, and on the PowerShell backend only the constant probe script is sent (a value '
              'appears only in `parameters`).' % (len(test_bad_input.CASES), len(test_bad_role_input.CASES)), '',
              '## The host changed between probe and apply', '',
              '%d cases (`test_drift.py`): another administrator starts the VM, re-enables the device, dismounts it '
              'by hand, recreates the VM or assigns the device elsewhere after the task surveyed the host. The '
              'mutating script meets the host as it is, the cmdlet refuses with its own message, and the host stays '
              'as the other administrator left it. In %d more, the other administrator brought the host to the '
              'planned state (disabled, enabled, dismounted, mounted, assigned or removed the device, set the stop '
              'action or the memory, shut the VM down or started it): the script finds nothing to do, makes no '
              'mutating call, and the task reports changed=false.' % (len(test_drift.CASES), len(test_drift.REACHED)),
              '']
    text = '\n'.join(lines)
    print(text)
    with open(os.path.join(ROOT, 'docs', 'reliability.md'), 'w') as handle:
        handle.write(text)
    return 0 if prepared and all(r['released'] for r in rows) and all(
        r['rerun_failed'] == 0 and r['converged'] for r in reclaimed) and all(
        r['as_found'] or r['as_planned'] for r in every) else 1


if __name__ == '__main__':
    sys.exit(main())
