"""playbooks/dda_audit.yml by real ansible-playbook on two simulated hosts: one report of the fleet, in every
format, with what was left behind and what the role would change, and nothing changed on either host."""
import json
import os
import sys

import pytest

from ddatest import ROOT, run_playbook

pytestmark = pytest.mark.slow


def test_the_audit_writes_one_fleet_report_and_changes_nothing(tmp_path, state_file):
    states = {'hv01': state_file('two_nvme_server'), 'hv04': state_file('left_behind')}
    before = dict((host, open(path, 'rb').read()) for host, path in states.items())
    log = tmp_path / 'calls.jsonl'
    hosts = dict((host, {'hyperv_dda_simulator_state': path}) for host, path in states.items())
    # hv01 carries the role's variables, so the report says what the role would do there.
    hosts['hv01'].update(nvme_passthrough_vm_name='sql01', nvme_passthrough_devices=[{'serial_number': 'S4EWNX0N123456'}],
                         nvme_passthrough_allow_vm_restart=True)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': hosts, 'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'hyperv_dda_backend': 'simulator',
        'hyperv_dda_simulator_log': str(log)}}}))
    report = tmp_path / 'report'

    done, recap, calls = run_playbook(inventory, os.path.join(ROOT, 'playbooks', 'dda_audit.yml'), log, 'hv04',
                                      '-e', 'dda_audit_report_dir=%s' % report)

    assert done.returncode == 0 and recap['failed'] == 0, done.stdout + done.stderr
    assert sorted(os.listdir(str(report))) == ['dda_audit.html', 'dda_audit.md', 'dda_audit_devices.csv',
                                               'dda_audit_vms.csv']
    markdown = (report / 'dda_audit.md').read_text()
    assert 'from 2 host(s): hv01, hv04.' in markdown
    assert 'Left behind' in markdown and 'PCIROOT(0)#PCI(0301)#PCI(0000)' in markdown
    assert 'would change' in markdown
    # One survey a host, and nothing else: the audit changes nothing, byte for byte.
    assert sorted(call['script'] for call in calls) == ['survey_host', 'survey_host']
    assert dict((host, open(path, 'rb').read()) for host, path in states.items()) == before
