"""Round trips per host of the nvme_passthrough role, held to the targets of issue 14.

Deterministic on the simulator: the same playbook on the same host makes the same script runs. Times are
measured by tools/bench.py, never asserted.
"""
from role_runs import ROLE, TWO_DEVICES, measure


def test_each_run_of_the_role_meets_its_round_trip_target_and_shuts_the_vm_down_only_when_it_must(tmp_path):
    rows = measure(str(tmp_path), ROLE)
    assert [row[0] for row in rows] == ['check mode on a fresh host', 'fresh passthrough', 'converged rerun',
                                        'converged rerun in check mode', 'release']
    for run, before, target, effects in rows:
        assert effects['round trips'] <= target, (run, effects['scripts'])
        assert effects['VM shutdowns'] == (1 if run in ('fresh passthrough', 'release') else 0), run


def test_a_run_that_changes_nothing_surveys_each_host_once(tmp_path):
    for run, before, target, effects in measure(str(tmp_path), TWO_DEVICES):
        if effects['mutating calls'] == 0:
            assert effects['scripts'] == ['survey_host'], run  # no guest step asked for, no guest survey
