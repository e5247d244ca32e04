"""Faults survived: a failure injected at every mutating cmdlet the role can call (fault_matrix.py).

After the failing run: it failed with the cmdlet's own message; the VM is in its previous power state
(Running), except when restoring it was the step that failed; the snapshot is consistent, so
hyperv_dda_info reports the truth. Then the same run without the fault converges, a third run changes
nothing, and the release playbook returns the device to the host.
"""
import pytest

from fault_matrix import PASSTHROUGH, RELEASE, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def rows(tmp_path_factory):
    found, prepared = run(str(tmp_path_factory.mktemp('faults')))
    assert prepared, 'the release hosts were passed through before their faults were injected'
    return found


def test_every_mutating_cmdlet_has_a_fault(rows):
    assert [r['cmdlet'] for r in rows] == PASSTHROUGH + RELEASE


@pytest.mark.parametrize('index', range(len(PASSTHROUGH) + len(RELEASE)))
def test_fault_is_survived(rows, index):
    row = rows[index]
    cmdlet = row['cmdlet']
    assert row['message'] and '(%s): Injected %s failure.' % (cmdlet, cmdlet) in row['message'], row
    assert row['vm_after'] == ('Off' if cmdlet == 'Start-VM' else 'Running'), row
    assert row['truthful'] and row['faults_left'] == [], row
    assert row['rerun_failed'] == 0 and row['converged'], ('the same run without the fault converges', row)
    assert row['third_changed'] == 0, ('a third run changes nothing', row)
    assert row['truthful_after_rerun'] and row['released'], ('the release returns the device to the host', row)
