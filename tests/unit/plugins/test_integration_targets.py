"""The hardware integration targets, rehearsed on the simulator (no lab here).

Each target runs as a role (as ansible-test runs it) against its own simulated lab host: the
example host two_nvme_server, its Samsung controller as the spare NVMe and web01 as the lab VM.
"""
import json
import os

import pytest

from ddatest import ROOT
from fleet import Fleet

pytestmark = pytest.mark.slow
TARGETS_DIR = os.path.join(ROOT, 'tests', 'integration', 'targets')
TARGETS = sorted(name for name in os.listdir(TARGETS_DIR) if name != 'setup_dda')
LAB = {'dda_test_vm': 'web01', 'dda_test_location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)',
       'dda_test_adapter_serial': 'S4EWNX0N123456', 'dda_test_shutdown_timeout': 30,
       'dda_test_guest_credential': {'username': 'Administrator', 'password': 'example-only'}}


def test_every_target_is_marked_for_hardware():
    for name in TARGETS:
        with open(os.path.join(TARGETS_DIR, name, 'aliases')) as handle:
            aliases = handle.read().split()
        assert 'windows' in aliases and 'unsupported' in aliases, name
    modules = sorted(n[:-3] for n in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if n.endswith('.py'))
    assert sorted(set(modules) | {'nvme_passthrough'}) == TARGETS, 'one target per module, plus the role'


def test_targets_pass_on_the_simulator(tmp_path):
    fleet = Fleet(str(tmp_path / 'lab'), dict((name, 'two_nvme_server') for name in TARGETS),
                  dict((name, dict(LAB, dda_test_target=os.path.join(TARGETS_DIR, name))) for name in TARGETS))
    playbook = tmp_path / 'targets.yml'
    playbook.write_text(json.dumps([{'hosts': 'hyperv_hosts', 'gather_facts': False, 'tasks': [
        {'name': 'Run this host\'s target', 'ansible.builtin.include_role': {'name': '{{ dda_test_target }}'}}]}]))
    result = fleet.play(str(playbook))
    for name in TARGETS:
        assert result.recaps[name]['failed'] == 0, (name, result.stdout[-3000:])
        assert result.recaps[name]['changed'] > 0 or name in ('hyperv_dda_info', 'hyperv_dda_lease',
                                                              'nvme_passthrough_plan'), name
        doc = fleet.read(name)
        assert doc['devices'][0]['state'] == 'enabled' and not doc['vms'][1]['assigned_devices'], \
            (name, 'every target returns the device to the host')
