"""MMIO space, whatever state the device is in (issue 21): an orphan needing more MMIO than its VM has is refused by
the audit and by the role before any change, as the same device on the host is; and a VM whose MMIO gap cannot hold
its devices does not start on the simulator, as on Windows.

One simulated host (examples/snapshots/dda_blockers.json): PCIROOT(0)#PCI(0401)#PCI(0000) needs 2048 MB of MMIO,
VM tinymmio01 has the default 512 MB of high MMIO space.
"""
import os
import re

import pytest

from fleet import Fleet

pytestmark = pytest.mark.slow
BIG = 'PCIROOT(0)#PCI(0401)#PCI(0000)'
ROLE = {'nvme_passthrough_vm_name': 'tinymmio01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_devices': [{'location_path': BIG}]}


def _host(state, recorded):
    def mutate(doc):
        device = next(d for d in doc['devices'] if d['location_paths'][0] == BIG)
        device.update(state=state, problem_code={'enabled': 0, 'disabled': 22}.get(state))
        if recorded:
            # What a passthrough of this version leaves on the host: the identity and the MMIO need, recorded
            # before the device left it.
            device.update(identity_recorded=True, recorded_mmio_mb=2048)
        next(vm for vm in doc['vms'] if vm['name'] == 'tinymmio01').update(state='Running',
                                                                           guest_shutdown_available=True)
    return mutate


CASES = {
    # (the device's state, whether the collection recorded its MMIO need, what the refusal says)
    'on-the-host': ('enabled', False, "VM 'tinymmio01' has 512 MB of high MMIO space, and its devices need 2048 MB"),
    'orphan': ('dismounted', True, "VM 'tinymmio01' has 512 MB of high MMIO space, and its devices need 2048 MB"),
    'orphan-unrecorded': ('dismounted', False, 'the MMIO space %s needs is unknown' % BIG),
    'disabled-unrecorded': ('disabled', False, 'the MMIO space %s needs is unknown' % BIG),
}


def test_the_audit_and_the_role_refuse_a_device_the_vm_has_no_mmio_space_for(tmp_path):
    fleet = Fleet(str(tmp_path), dict((name, ('dda_blockers', _host(state, recorded)))
                                      for name, (state, recorded, dummy) in CASES.items()),
                  dict((name, ROLE) for name in CASES))
    before = dict((name, open(fleet.state(name), 'rb').read()) for name in CASES)
    report = str(tmp_path / 'report')
    audit = fleet.play('playbooks/dda_audit.yml', '-e', 'dda_audit_report_dir=%s' % report)
    assert audit.returncode == 0, audit.stdout
    with open(os.path.join(report, 'dda_audit.md'), encoding='utf-8') as handle:
        drift = handle.read().split('## Drift')[1].split('\n## ')[0]
    for name, (dummy, dummy, fragment) in CASES.items():
        row = re.search(r'^\| %s \| tinymmio01 \|.*$' % re.escape(name), drift, re.M).group(0)
        assert '| would refuse |' in row and fragment in row, row
    run = fleet.play('playbooks/nvme_passthrough.yml')
    for name, (dummy, dummy, fragment) in CASES.items():
        message = run.failure(name)
        assert run.recaps[name]['failed'] == 1 and message and fragment in message, (name, message)
        assert 'Nothing was changed.' in message, name
        assert open(fleet.state(name), 'rb').read() == before[name], name
        assert {call['script'] for call in fleet.calls(name)} == {'survey_host'}, name


def test_a_vm_started_with_devices_its_mmio_gap_cannot_hold_fails_to_start(tmp_path):
    """The assignment made by hand, behind the role's back: the role's start of the VM fails as Windows does, and the
    run tells it."""
    def assigned(doc):
        _host('dismounted', False)(doc)
        vm = next(vm for vm in doc['vms'] if vm['name'] == 'tinymmio01')
        vm.update(state='Off', guest_shutdown_available=None, restart_pending=True, assigned_devices=[BIG])
    fleet = Fleet(str(tmp_path), {'hv': ('dda_blockers', assigned)}, {'hv': dict(ROLE, nvme_passthrough_devices=[])})
    run = fleet.play('playbooks/nvme_passthrough.yml')
    message = run.failure('hv')
    assert run.recaps['hv']['failed'] == 1 and "'tinymmio01' failed to start." in message, run.stdout
    assert next(vm for vm in fleet.read('hv')['vms'] if vm['name'] == 'tinymmio01')['state'] == 'Off'
