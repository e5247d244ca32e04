"""The Linux guest planner as a table: what it does to a disk, and what it refuses (even with force)."""
import copy

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import NEW_UUID, linux_disk_plan
from ansible_collections.hyperv.dda.plugins.module_utils.linux_guest import LinuxGuest

EUI = '0025_3852_21B3_4B17.'
BLANK = {'name': 'nvme1n1', 'device': '/dev/nvme1n1', 'dev': '259:4', 'bus_type': 'NVMe', 'number': None,
         'model': 'Samsung SSD 970 EVO Plus 1TB', 'size': 10 ** 12, 'read_only': False,
         'controller_serials': ['S4EWNX0N123456'], 'serial_number': '00 25 38 52 21 b3 4b 17',
         'unique_id': 'eui.0025385221b34b17', 'ids': ['0025385221b34b17'], 'critical': [], 'table': None,
         'signature': None, 'mounts': [], 'holders': [], 'partitions': []}
PART = {'number': 1, 'name': 'nvme1n1p1', 'dev': '259:5', 'node': '/dev/nvme1n1p1', 'size': 10 ** 12 - 2 ** 21,
        'file_system': 'ext4', 'label': 'data', 'uuid': 'c0ffee00-0000-4000-8000-000000000001',
        'partuuid': 'p-1', 'partlabel': 'data', 'mounts': ['/srv/data'], 'holders': []}
DONE_FSTAB = 'UUID=c0ffee00-0000-4000-8000-000000000001 /srv/data ext4 defaults,nofail 0 2\n'


def survey(disk=None, fstab='', folder=None, extra=()):
    return {'disks': [disk or BLANK] + list(extra), 'fstab': fstab, 'mount_point': folder or {}}


def formatted(**changes):
    disk = dict(copy.deepcopy(BLANK), table='gpt', partitions=[dict(PART, **changes)])
    return disk


def plan(args, observed, check_mode=False):
    return linux_disk_plan(dict({'serial_number': EUI, 'state': 'formatted', 'force': False,
                                 'partition_style': 'gpt'}, **args), observed, check_mode)


def actions(result):
    return result.steps[0].parameters['actions'] if result.steps else []


def test_blank_disk_gets_everything_and_check_mode_shows_the_line():
    result = plan({'mount_point': '/srv/data', 'label': 'data'}, survey(), check_mode=True)
    assert actions(result) == ['partition', 'format', 'mkdir', 'mount', 'fstab']
    assert result.after['fstab'] == ['UUID=%s /srv/data ext4 defaults,nofail 0 2' % NEW_UUID]
    assert result.result['volume']['mount_point'] == '/srv/data' and result.result['disk']['partition_style'] == 'GPT'


def test_converged_disk_changes_nothing():
    result = plan({'mount_point': '/srv/data', 'label': 'data'}, survey(formatted(), DONE_FSTAB))
    assert not result.changed and result.before == result.after


@pytest.mark.parametrize('args,fstab_text,expected', [
    ({'mount_point': '/srv/data', 'label': 'logs'}, DONE_FSTAB, ['label']),
    ({'mount_point': '/srv/data', 'mount_options': 'noatime'}, DONE_FSTAB, ['fstab', 'remount']),
    ({'mount_point': '/srv/data'}, '', ['fstab', 'remount']),
    ({'mount_point': '/srv/data'}, 'PARTUUID=p-1 /srv/old ext4 defaults 0 2\n' + DONE_FSTAB, ['fstab', 'remount']),
    ({'mount_point': '/srv/data'}, 'LABEL=data /srv/old ext4 defaults 0 2\n' + DONE_FSTAB, []),
    ({'mount_point': '/srv/data'}, 'LABEL=data /srv/data ext4 defaults 0 2\n', ['fstab', 'remount']),
    ({}, '', []),
])
def test_in_place_changes(args, fstab_text, expected):
    assert actions(plan(args, survey(formatted(), fstab_text))) == expected


def test_unmounted_fitting_disk_is_mounted_and_its_old_line_replaced():
    disk = formatted(mounts=[])
    result = plan({'mount_point': '/srv/new'}, survey(disk, 'UUID=c0ffee00-0000-4000-8000-000000000001 /srv/data '
                                                            'ext4 defaults 0 2\n', {'exists': True, 'is_dir': True}))
    assert actions(result) == ['mount', 'fstab']
    assert result.steps[0].parameters['fstab_text'] == ('UUID=c0ffee00-0000-4000-8000-000000000001 /srv/new ext4 '
                                                        'defaults,nofail 0 2\n')


@pytest.mark.parametrize('disk,args,folder,fstab_text,fragment', [
    (dict(BLANK, critical=['/']), {'force': True}, None, '', 'it holds /, whatever the options'),
    (dict(BLANK, critical=['swap']), {'state': 'online'}, None, '', 'it holds swap'),
    (formatted(file_system='xfs'), {'force': True}, None, '', 'is mounted at /srv/data. Not even force'),
    (dict(formatted(file_system='xfs', mounts=[]), holders=['dm-0']), {'force': True}, None, '',
     'nvme1n1 is used by dm-0'),
    (formatted(file_system='xfs', mounts=[], holders=['md0']), {'force': True}, None, '', 'nvme1n1p1 is used by md0'),
    (formatted(file_system='xfs', mounts=[]), {}, None, '', "holds GPT partition table with nvme1n1p1 (xfs 'data')"),
    (dict(BLANK, signature='LVM2_member'), {}, None, '', 'a LVM2_member signature on the whole disk'),
    (dict(BLANK, table='dos'), {}, None, '', 'DOS partition table with no partitions'),
    (formatted(), {'mount_point': '/srv/other'}, None, '', 'Unmount it first, or set mount_point: /srv/data'),
    (BLANK, {'mount_point': '/srv/data'}, {'exists': True, 'is_dir': True, 'entries': ['a', 'b']}, '',
     'is not empty (a, b)'),
    (BLANK, {'mount_point': '/srv/data'}, {'exists': True, 'is_dir': False}, '', 'exists and is not a folder'),
    (BLANK, {'mount_point': '/srv/data'}, {'exists': True, 'is_dir': True, 'mounted': '/dev/sdb1'}, '',
     'already has /dev/sdb1 mounted on it'),
    (BLANK, {'mount_point': '/srv/data'}, None, 'LABEL=x /srv/data ext4 defaults 0 2\n',
     '/etc/fstab mounts LABEL=x at /srv/data already'),
    (dict(BLANK, device=None), {}, None, '', 'has no device node'),
    (BLANK, {'mount_point': '/srv/data'}, {'exists': True, 'is_dir': True, 'resolved': '/data/srv'}, '',
     'passes through a symbolic link (it is /data/srv). Use /data/srv.'),
])
def test_refusals(disk, args, folder, fstab_text, fragment):
    with pytest.raises(DDAError) as refused:
        plan(dict({'fstab': '/etc/fstab'}, **args), survey(disk, fstab_text, folder))
    assert fragment in refused.value.msg


def test_force_wipes_and_drops_the_wiped_file_systems_lines():
    disk = formatted(file_system='xfs', mounts=[])
    result = plan({'force': True, 'mount_point': '/srv/data'},
                  survey(disk, 'UUID=c0ffee00-0000-4000-8000-000000000001 /srv/data xfs defaults 0 0\n',
                         {'exists': True, 'is_dir': True}))
    assert actions(result) == ['clear', 'partition', 'format', 'mount', 'fstab']
    assert result.steps[0].parameters['fstab_text'] == 'UUID=%s /srv/data ext4 defaults,nofail 0 2\n' % NEW_UUID
    assert any('force wipes it' in warning for warning in result.warnings)
    without_mount = plan({'force': True}, survey(disk, 'UUID=c0ffee00-0000-4000-8000-000000000001 /srv/old xfs '
                                                       'defaults 0 0\nLABEL=data /srv/other xfs defaults 0 0\n'))
    assert without_mount.steps[0].parameters['fstab_text'] == 'LABEL=data /srv/other xfs defaults 0 0\n', \
        'the line naming the wiped file system by UUID goes; one by label (maybe another disk) stays'
    assert any("'LABEL=data /srv/other xfs defaults 0 0' names a file system that is wiped by its label" in warning
               for warning in without_mount.warnings)


def test_read_only_and_online():
    result = plan({'state': 'online'}, survey(dict(BLANK, read_only=True)))
    assert actions(result) == ['writable'] and 'read-only' in result.warnings[0]
    assert not plan({'state': 'online'}, survey()).changed


@pytest.mark.parametrize('args,name', [
    ({'serial_number': '0025_3852_21B3_4B17.'}, 'nvme1n1'),
    ({'serial_number': 'S4EWNX0N123456'}, 'nvme1n1'),
    ({'adapter_serial_number': ' s4ewnx0n123456 '}, 'nvme1n1'),
    ({'unique_id': 'EUI.0025385221B34B17'}, 'nvme1n1'),
    ({'unique_id': 'eui.5cd2e4a31f090100'}, 'nvme2n1'),
])
def test_selectors(args, name):
    other = dict(BLANK, name='nvme2n1', device='/dev/nvme2n1', controller_serials=['PHLJ9120012A2P0BGN'],
                 ids=['5cd2e4a31f090100'], unique_id='eui.5cd2e4a31f090100')
    chosen = dict({'serial_number': None}, **args)
    result = linux_disk_plan(dict(chosen, state='online', force=False), survey(extra=[other]), True)
    assert result.result['disk']['name'] == name


class Module(object):
    def __init__(self, present):
        self.present = present

    def get_bin_path(self, name):
        return '/usr/sbin/' + name if name in self.present else None


def test_missing_tools_are_named_with_their_packages_before_anything_changes():
    guest = LinuxGuest(Module({'blkid', 'partx', 'wipefs', 'mount', 'umount'}))
    with pytest.raises(DDAError) as missing:
        guest.require_tools(['partition', 'format', 'mount', 'fstab'], 'xfs')
    assert missing.value.msg == ('This guest lacks sgdisk (package gdisk) or parted (package parted); '
                                 'mkfs.xfs (package xfsprogs). Install them and run again.')
    LinuxGuest(Module({'blkid', 'parted', 'partx', 'wipefs', 'mkfs.ext4'})).require_tools(
        ['partition', 'format'], 'ext4')
    with pytest.raises(DDAError) as no_blkid:
        LinuxGuest(Module(set())).require_tools([], 'ext4')
    assert 'blkid (package util-linux)' in no_blkid.value.msg
