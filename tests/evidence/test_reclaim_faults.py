"""Faults and kills survived by the reclaim (reclaim_matrix.py): at every mutating cmdlet playbooks/dda_reclaim.yml
calls, a failure, and the controller killed while the call hangs.

After a failure the reclaim fails with the cmdlet's own message; after a kill the host is as the dead controller left
it. Either way the snapshot is consistent, the same reclaim without the fault converges (nothing of the run is left
half-way: a device the reclaim mounted and did not enable is enabled by the rerun, issue 21), a third run changes
nothing, and every task of every run said changed exactly when it made a mutating call.
"""
import pytest

from reclaim_matrix import POINTS, run

pytestmark = pytest.mark.slow
CASES = [(kind, point) for kind in ('fault', 'kill') for point in POINTS]


@pytest.fixture(scope='module')
def rows(tmp_path_factory):
    found = run(str(tmp_path_factory.mktemp('reclaim_faults')))
    return dict(((row['kind'], row['step']), row) for row in found)


def test_every_mutating_cmdlet_of_the_reclaim_has_a_fault_and_a_kill(rows):
    assert sorted(rows) == sorted((kind, point[0]) for kind, point in CASES)


@pytest.mark.parametrize('kind,point', CASES, ids=['%s-%s' % (kind, point[0]) for kind, point in CASES])
def test_survived(rows, kind, point):
    row = rows[(kind, point[0])]
    if kind == 'fault':
        cmdlet = point[1]
        assert row['message'] and '(%s): Injected %s failure.' % (cmdlet, cmdlet) in row['message'], row
        assert row['faults_left'] == [], ('the fault fired', row)
    else:
        assert row['hung'], 'every host reached its kill point'
    assert row['truthful'], row
    assert row['rerun_failed'] == 0 and row['converged'], ('the same reclaim without the fault converges', row)
    assert row['third_changed'] == 0, ('a third run changes nothing', row)
    assert row['truthful_after_rerun'], row
    assert row['untruthful'] == [], 'every task said changed exactly when it made a mutating call'
