"""The guest password never appears in results, diffs, -vvv output, logs, reports or written snapshots.

The simulator's state file defines each guest's own account (vms[].guest.credential, a simulator
field that hyperv_dda_info never reports); apart from that definition, the password must appear
nowhere. A wrong password, which exists only in the user's input, must appear nowhere at all.
"""
import json
import os

import pytest

from fleet import Fleet

pytestmark = pytest.mark.slow
RIGHT, WRONG = 'example-only', 'Wr0ng-S3cret!'


def _role(password):
    return {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
            'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
            'nvme_passthrough_guest_credential': {'username': 'Administrator', 'password': password},
            'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}


def _without_guest_accounts(doc):
    for vm in doc['vms']:
        vm.get('guest', {}).pop('credential', None)
    return json.dumps(doc)


def test_password_appears_nowhere(tmp_path):
    fleet = Fleet(str(tmp_path / 'fleet'), {'right': 'two_nvme_server', 'wrong': 'two_nvme_server'},
                  {'right': dict(_role(RIGHT), dda_audit_report_dir=str(tmp_path / 'report')),
                   'wrong': dict(_role(WRONG), dda_audit_report_dir=str(tmp_path / 'report'))})
    runs = [fleet.play('playbooks/nvme_passthrough.yml', '-vvv', '--diff', '--check'),
            fleet.play('playbooks/nvme_passthrough.yml', '-vvv', '--diff'),
            fleet.play('playbooks/dda_audit.yml', '-vvv')]
    assert runs[1].recaps['right']['failed'] == 0 and runs[1].recaps['wrong']['failed'] == 1, runs[1].stdout
    assert 'The credential is invalid.' in runs[1].stdout  # -vvv prints results over several lines
    for run in runs:
        for text in (run.stdout, run.stderr):
            assert RIGHT not in text and WRONG not in text
    for name in ('right', 'wrong'):
        with open(fleet.log(name)) as handle:
            log = handle.read()
        assert RIGHT not in log and WRONG not in log
        state = fleet.read(name)
        assert WRONG not in json.dumps(state)
        assert RIGHT not in _without_guest_accounts(state)
    for report in os.listdir(str(tmp_path / 'report')):
        with open(str(tmp_path / 'report' / report)) as handle:
            text = handle.read()
        assert RIGHT not in text and WRONG not in text
