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
import fault_matrix  # noqa: E402
import test_bad_input  # noqa: E402
import test_bad_role_input  # noqa: E402
import test_drift  # noqa: E402


def main():
    with tempfile.TemporaryDirectory() as work:
        rows, prepared = fault_matrix.run(work)
    lines = ['# Reliability', '',
             'Regenerate with `.venv/bin/python tools/reliability.py` (after `tools/setup.sh`); the same scenarios run '
             'with assertions in `tools/test.sh` (`tests/evidence/`). All on the simulator backend.', '',
             '## Faults survived', '',
             'One simulated host per fault (`examples/snapshots/two_nvme_server.json`, VM `sql01` running, the role '
             'with `nvme_passthrough_allow_vm_restart` and a guest step), the fault injected with `count: 1` at the '
             'named cmdlet, all hosts in one parallel run. Columns: the message the run failed with; the VM and the '
             'device right after; whether `hyperv_dda_info` reports the state truthfully; whether the same run '
             'without the fault converged and a third run changed nothing; whether the release playbook returned '
             'the device to the host.', '',
             '| run | cmdlet | failed with | VM after | device after | truthful | rerun converged | third run '
             'changed | released |', '|---|---|---|---|---|---|---|---|---|']
    for row in rows:
        message = (row['message'] or '').replace('|', '\\|')
        lines.append('| %s | %s | %s | %s | %s | %s | %s | %d | %s |' % (
            row['path'], row['cmdlet'], message, row['vm_after'], row['device_after'] + (
                ', assigned' if row['assigned_after'] else ''), 'yes' if row['truthful'] else 'NO',
            'yes' if row['rerun_failed'] == 0 and row['converged'] else 'NO', row['third_changed'],
            'yes' if row['released'] else 'NO'))
    lines += ['', 'When `Start-VM` fails while restoring the power state, the VM stays Off: that is the step that '
              'failed, and the message says so only by naming it. On a passthrough, the rerun starts the VM for the '
              'guest step (`nvme_passthrough_allow_vm_restart` allows it); after a release nothing needs the VM, so '
              'it stays Off until someone starts it.', '',
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
              'as the other administrator left it.' % len(test_drift.CASES), '']
    text = '\n'.join(lines)
    print(text)
    with open(os.path.join(ROOT, 'docs', 'reliability.md'), 'w') as handle:
        handle.write(text)
    return 0 if prepared and all(r['released'] for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
