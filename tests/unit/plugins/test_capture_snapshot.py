"""playbooks/capture_snapshot.yml: a captured snapshot is valid, has no secrets, and rehearses."""
import json
import os

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import parse

from fleet import Fleet

pytestmark = pytest.mark.slow


def test_capture_then_rehearse(tmp_path):
    fleet = Fleet(str(tmp_path / 'fleet'), {'hv01': 'two_nvme_server', 'hv03': 'passed_through'})
    captured = tmp_path / 'snapshots'
    done = fleet.play('playbooks/capture_snapshot.yml', '-e', 'capture_snapshot_dir=%s' % captured)
    assert done.returncode == 0, done.stdout
    for name in ('hv01', 'hv03'):
        text = (captured / ('%s.json' % name)).read_text()
        snapshot = parse(text)
        assert 'example-only' not in text and 'faults' not in snapshot
        assert all('guest' not in vm for vm in snapshot['vms'])
    # A captured snapshot is a state file the simulator can rehearse against.
    rehearsal = fleet.play('playbooks/dda_audit.yml', '-e', 'hyperv_dda_simulator_state=%s/{{ inventory_hostname }}.json'
                           % captured, '-e', 'dda_audit_report_dir=%s' % (tmp_path / 'report'))
    assert rehearsal.returncode == 0, rehearsal.stdout
    assert os.path.exists(str(tmp_path / 'report' / 'dda_audit.html'))
    assert json.loads((captured / 'hv01.json').read_text())['host']['name'] == 'HV01'
