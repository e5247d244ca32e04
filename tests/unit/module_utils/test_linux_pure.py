"""The pure parts of the Linux guest support: fstab text, sysfs and mount-table parsing, namespace IDs."""
import os

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils import fstab
from ansible_collections.hyperv.dda.plugins.module_utils.linux_block import Kernel, hex_id, mountinfo, namespaces, swaps

FSTAB = """# /etc/fstab
UUID=aaaa-1111 /            ext4 errors=remount-ro 0 1
LABEL=old      /srv/old     ext4 defaults          0 2
/dev/nvme0n1p1 /srv/by\\040path xfs defaults        0 0
"""


@pytest.mark.parametrize('spelling', ['0025_3852_21B3_4B17.', '00 25 38 52 21 b3 4b 17', 'eui.0025385221B34B17',
                                      '00:25:38:52:21:B3:4B:17', ' 0025385221b34b17 ', '00-25-38-52-21-b3-4b-17'])
def test_hex_id_reads_every_spelling_of_one_eui64(spelling):
    assert hex_id(spelling) == '0025385221b34b17'


@pytest.mark.parametrize('value', ['S4EWNX0N123456', '0000_0000_0000_0000.', 'nvme.8086-50484c4a', '', None])
def test_hex_id_is_none_for_what_is_not_a_namespace_id(value):
    assert hex_id(value) is None


def test_fstab_entries_unescape_and_names():
    found = fstab.entries(FSTAB)
    assert [fields[1] for dummy, fields in found] == ['/', '/srv/old', '/srv/by path']
    identity = {'uuid': 'AAAA-1111', 'label': 'old', 'devices': ['/dev/nvme0n1p1']}
    assert fstab.names('UUID=aaaa-1111', identity) and fstab.names('/dev/disk/by-uuid/AAAA-1111', identity)
    assert not fstab.names('LABEL=old', identity), 'a label is not unique: only asked for'
    assert fstab.names('LABEL=old', identity, by_label=True) and not fstab.names('LABEL=OLD', identity, True)
    assert fstab.names('/dev/nvme0n1p1', identity) and not fstab.names('UUID=bbbb', identity)
    assert not fstab.names('LABEL=', {'label': ''}, by_label=True), 'an empty label names nothing'


def test_fstab_replace_keeps_other_lines_and_places_the_new_one():
    new = fstab.line('UUID=cccc', '/srv/data', 'xfs', 'noatime,nofail', 0)
    text = fstab.replace(FSTAB, lambda fields: fields[0] == 'LABEL=old', new)
    lines = text.splitlines()
    assert lines[0:2] == FSTAB.splitlines()[0:2] and lines[2] == new and lines[3] == FSTAB.splitlines()[3]
    assert fstab.replace(text, lambda fields: fields[0] == 'UUID=cccc', new) == text, 'no churn'
    assert fstab.replace('', lambda fields: False, new) == new + '\n'
    assert 'LABEL=old' not in fstab.replace(FSTAB, lambda fields: fields[0] == 'LABEL=old', None)
    assert fstab.line('UUID=x', '/srv/a b', 'ext4', 'defaults', 2) == 'UUID=x /srv/a\\040b ext4 defaults 0 2'


def test_fstab_replace_keeps_a_matching_line_written_differently():
    text = 'UUID=cccc\t/srv/data  xfs noatime,nofail 0 0\n'
    assert fstab.replace(text, lambda f: f[0] == 'UUID=cccc', 'UUID=cccc /srv/data xfs noatime,nofail 0 0') == text


def test_mountinfo_and_swaps():
    text = ('22 27 0:21 / /proc rw,relatime - proc proc rw\n'
            '30 27 259:1 / /srv/my\\040data rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n'
            '31 27 0:45 /@ / rw - btrfs /dev/vda2 rw\n')
    mounts = mountinfo(text)
    assert mounts[1] == {'dev': '259:1', 'mount_point': '/srv/my data', 'file_system': 'ext4',
                         'source': '/dev/nvme0n1p1'}
    assert mounts[2]['source'] == '/dev/vda2'
    assert swaps('Filename\tType\tSize\tUsed\tPriority\n/dev/nvme1n1p2  partition  100  0  -2\n') == \
        ['/dev/nvme1n1p2']


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text + '\n')


def test_namespaces_in_both_sysfs_layouts(tmp_path):
    root = str(tmp_path)
    # One path per namespace: /sys/class/nvme/nvme0/nvme0n1.
    _write(os.path.join(root, 'class/nvme/nvme0/serial'), 'S4EWNX0N123456      ')
    _write(os.path.join(root, 'class/nvme/nvme0/model'), 'Samsung SSD 970 EVO Plus 1TB            ')
    os.makedirs(os.path.join(root, 'class/nvme/nvme0/nvme0n1'))
    _write(os.path.join(root, 'block/nvme0n1/dev'), '259:0')
    _write(os.path.join(root, 'block/nvme0n1/eui'), '00 25 38 52 21 b3 4b 17')
    # Native multipath: controller nvme1 is path c1 of subsystem 2's namespace head nvme2n1.
    _write(os.path.join(root, 'class/nvme/nvme1/serial'), 'PHLJ9120012A2P0BGN  ')
    os.makedirs(os.path.join(root, 'class/nvme/nvme1/nvme2c1n1'))
    _write(os.path.join(root, 'block/nvme2n1/dev'), '259:3')
    _write(os.path.join(root, 'block/nvme2n1/nguid'), '5cd2e4a3-1f09-0100-0000-000000000000')
    os.makedirs(os.path.join(root, 'class/nvme/nvme1/ng1n1'))   # a char device entry: not a namespace
    found = namespaces(root)
    assert [n['name'] for n in found] == ['nvme0n1', 'nvme2n1']
    assert found[0]['controllers'] == [{'name': 'nvme0', 'serial': 'S4EWNX0N123456'}]
    assert found[0]['model'] == 'Samsung SSD 970 EVO Plus 1TB' and found[0]['dev'] == '259:0'
    assert found[1]['controllers'][0]['serial'] == 'PHLJ9120012A2P0BGN' and found[1]['eui'] is None
    assert namespaces(str(tmp_path / 'nowhere')) == []


def test_critical_disks_through_partitions_and_device_mapper(tmp_path):
    """/ on an LVM volume on nvme0n1p2, swap on nvme1n1p1: both disks are critical, nvme2n1 is not."""
    root = str(tmp_path)
    devices = os.path.join(root, 'devices')
    for disk, dev in (('nvme0n1', '259:0'), ('nvme1n1', '259:4'), ('nvme2n1', '259:8')):
        _write(os.path.join(devices, disk, 'dev'), dev)
    _write(os.path.join(devices, 'nvme0n1/nvme0n1p2/dev'), '259:2')
    _write(os.path.join(devices, 'nvme0n1/nvme0n1p2/partition'), '2')
    _write(os.path.join(devices, 'nvme1n1/nvme1n1p1/dev'), '259:5')
    _write(os.path.join(devices, 'nvme1n1/nvme1n1p1/partition'), '1')
    _write(os.path.join(devices, 'dm-0/dev'), '253:0')
    os.makedirs(os.path.join(devices, 'dm-0/slaves'))
    os.symlink(os.path.join(devices, 'nvme0n1/nvme0n1p2'), os.path.join(devices, 'dm-0/slaves/nvme0n1p2'))
    dev_block = os.path.join(root, 'dev-block')
    os.makedirs(dev_block)
    for path, dev in (('nvme0n1', '259:0'), ('nvme0n1/nvme0n1p2', '259:2'), ('nvme1n1', '259:4'),
                      ('nvme1n1/nvme1n1p1', '259:5'), ('nvme2n1', '259:8'), ('dm-0', '253:0')):
        os.symlink(os.path.join(devices, path), os.path.join(dev_block, dev))
    proc = os.path.join(root, 'proc')
    _write(os.path.join(proc, 'self/mountinfo'), '25 1 253:0 / / rw - xfs /dev/mapper/vg-root rw')
    _write(os.path.join(proc, 'swaps'), 'Filename Type Size Used Priority')
    kernel = Kernel(dev_block=dev_block, proc=proc, dev=os.path.join(root, 'dev'))
    kernel.swap_devs = {'259:5'}   # /proc/swaps names a /dev node; this tree has none to stat
    assert kernel.critical() == {'259:0': ['/'], '259:4': ['swap']}
    assert [p['name'] for p in kernel.partitions('259:0')] == ['nvme0n1p2']
    assert kernel.node('259:0') is None, 'no /dev node that really is the device: none'
