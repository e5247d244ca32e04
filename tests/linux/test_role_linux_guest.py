"""The nvme_passthrough role with nvme_passthrough_guest: inventory and a Linux guest host.

The Hyper-V host is the simulator (two_nvme_server); the guest is this machine, reached over a
local connection, where the Samsung drive of the snapshot is a loop device behind the fixture
sysfs tree (same controller serial and EUI-64 as the snapshot records). ansible-playbook runs
--check, then the passthrough, then again: the second run changes nothing, host or guest.
"""
import json
import os
import sys

import pytest

from linuxguest import COLLECTIONS, blkid, sh
from playbooks import ansible_playbook, recap

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'


def test_role_finishes_the_passthrough_inside_a_linux_guest(guest, state_file, tmp_path):
    disk = guest.disk()  # adapter serial S4EWNX0N123456, EUI-64 0025_3852_21B3_4B17. as in the snapshot
    state = state_file('two_nvme_server')
    mount_point = guest.path('sql')
    inventory = tmp_path / 'inventory.json'
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    inventory.write_text(json.dumps({
        'hyperv_hosts': {'hosts': {'hv01': dict(local, hyperv_dda_backend='simulator',
                                                hyperv_dda_simulator_state=state)}},
        'guests': {'hosts': {'sql01-linux': local}}}))
    playbook = tmp_path / 'passthrough.yml'
    playbook.write_text(json.dumps([{
        'name': 'Passthrough with the disk brought into use in the Linux guest', 'hosts': 'hyperv_hosts',
        'gather_facts': False,
        # The guest's fstab is the test's own file (the module's fstab option).
        'module_defaults': {'hyperv.dda.guest_nvme_disk': {'fstab': guest.fstab}},
        'roles': [{'role': 'hyperv.dda.nvme_passthrough', 'vars': {
            'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
            'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'inventory',
            'nvme_passthrough_guest_host': 'sql01-linux',
            'nvme_passthrough_devices': [{'location_path': SAMSUNG, 'mount_point': mount_point, 'label': 'sql',
                                          'file_system': 'xfs', 'mount_options': 'noatime'}]}}],
    }]))

    def play(*options):
        done = ansible_playbook(inventory, playbook, *options, env=guest.env())
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        return recap(done.stdout, 'hv01')['changed'], done.stdout

    changed, out = play('--check')
    assert changed > 0 and blkid(disk.node) == {}, 'check mode leaves the guest disk alone'
    assert json.load(open(state))['vms'][0]['assigned_devices'] == []

    changed, out = play()
    assert changed > 0
    assert json.load(open(state))['vms'][0]['assigned_devices'] == [SAMSUNG]
    probe = blkid(disk.part())
    assert probe['TYPE'] == 'xfs' and probe['LABEL'] == 'sql'
    assert sh('findmnt', '-n', '-o', 'SOURCE', mount_point).stdout.strip() == disk.part()
    assert 'UUID=%s %s xfs noatime,nofail 0 0' % (probe['UUID'], mount_point) in guest.read_fstab()

    changed, out = play()
    assert changed == 0, out[-3000:]
    assert os.path.isdir(COLLECTIONS)
