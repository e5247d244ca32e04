"""Faults and kills survived (fault_matrix.py): at every mutating cmdlet the role calls, a failure, and the
controller killed before it.

After a failure: the run failed with the cmdlet's own message, where the device is and the VM's power state at the
end; the host is as the run found it or as planned (all or nothing, issue 23), the VM running and owed no start; the
snapshot is consistent. After a kill: the host is as the dead controller left it. Either way the same run
without the fault converges, with the VM in its original power state (running) and no start owed, a third
run changes nothing, and the release playbook returns the device to the host. In every run, each task's
changed is what the call log shows it did (truthful.py).
"""
import re

import pytest

from fault_matrix import PASSTHROUGH, RELEASE, run

pytestmark = pytest.mark.slow
GUEST_CMDLETS = ('Initialize-Disk', 'New-Partition', 'Format-Volume')
POINTS = [('passthrough', kind, point) for kind in ('fault', 'kill') for point in PASSTHROUGH] + \
    [('release', kind, point) for kind in ('fault', 'kill') for point in RELEASE]
# A kill while Format-Volume hangs leaves the partitions format_guest_disk made before it (the simulator keeps what a
# script wrote before the cmdlet that hangs, as a host does), and the rerun refuses the disk as holding a layout that
# does not match the request unless nvme_passthrough_force_format: a known gap of the guest step (issue 21 report).
KNOWN_GAPS = {('passthrough', 'kill', 'format'): 'the guest step does not resume the layout it made itself'}


@pytest.fixture(scope='module')
def rows(tmp_path_factory):
    found, prepared = run(str(tmp_path_factory.mktemp('faults')))
    assert prepared, 'the release hosts were passed through before their faults were injected'
    return dict(((row['run'], row['kind'], row['step']), row) for row in found)


def test_every_mutating_cmdlet_has_a_fault_and_a_kill(rows):
    assert sorted(rows) == sorted((run_name, kind, point[0]) for run_name, kind, point in POINTS)


CASES = [pytest.param(r, k, p, marks=pytest.mark.xfail(reason=KNOWN_GAPS[(r, k, p[0])], strict=True))
         if (r, k, p[0]) in KNOWN_GAPS else (r, k, p) for r, k, p in POINTS]


@pytest.mark.parametrize('run_name,kind,point', CASES, ids=['%s-%s-%s' % (r, k, p[0]) for r, k, p in POINTS])
def test_survived(rows, run_name, kind, point):
    row = rows[(run_name, kind, point[0])]
    cmdlet = point[1]
    if kind == 'fault':
        assert row['message'] and '(%s): Injected %s failure.' % (cmdlet, cmdlet) in row['message'], row
        # All or nothing (issue 23): the host as the run found it or as planned, the VM running and owed no start
        # (a failed start gives the VM back what it had, and starts it again).
        assert row['as_found'] or row['as_planned'], row
        assert row['owed_after'] is False and row['vm_after'] == 'Running', row
        # The message ends with where the device and the VM are, read after the failure.
        if cmdlet in GUEST_CMDLETS:
            assert "The host's part of the run is done, and VM 'sql01' is running" in row['message'], row
        else:
            assert re.search(r'\(S4EWNX0N123456\) at \S+ is [^.]*, as (before the run|planned)\.', row['message']), row
            assert 'is running, as before the run' in row['message'], row
        assert row['faults_left'] == [], row
    else:
        assert row['hung'], 'every host reached its kill point'
    assert row['truthful'], row
    assert row['rerun_failed'] == 0 and row['converged'], ('the same run without the fault converges', row)
    assert row['vm_after_rerun'] == 'Running' and not row['owed_after_rerun'], ('the original power state', row)
    assert row['third_changed'] == 0, ('a third run changes nothing', row)
    assert row['truthful_after_rerun'] and row['released'], ('the release returns the device to the host', row)
    assert row['untruthful'] == [], 'every task said changed exactly when it made a mutating call'
