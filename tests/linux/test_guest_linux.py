"""guest_nvme_disk in a real Linux guest: loop devices, real partition tables, mkfs, mounts and swap.

The module runs as AnsiballZ would run it on the guest (a process of its own); discovery reads a
fixture sysfs tree whose namespaces are loop devices (see linuxguest.py).
"""
import json
import os
import shutil
import tempfile

import ansible
import pytest

from linuxguest import MODULE, ansible_adhoc, blkid, sh, supported_target_pythons, target_pythons, warnings

EUI_WINDOWS = '0025_3852_21B3_4B17.'   # how Windows (and the host's record) spells the namespace EUI-64


def fstab_lines(guest):
    return [line for line in guest.read_fstab().splitlines() if line and not line.startswith('#')]


def test_check_mode_changes_nothing_and_diff_shows_the_plan(guest):
    disk = guest.disk()
    fstab = guest.read_fstab()
    result = guest.run({'serial_number': EUI_WINDOWS, 'label': 'data', 'mount_point': guest.path('data')},
                       check_mode=True)
    assert result['changed'] is True, result.get('msg')
    assert result['diff']['before'] == {'disk': {'partition_style': 'RAW'}, 'volume': None, 'fstab': []}
    assert result['diff']['after']['fstab'] == ['UUID=<new-file-system-uuid> %s ext4 defaults,nofail 0 2'
                                                % guest.path('data')]
    assert result['volume']['file_system'] == 'ext4' and result['volume']['size'] is None
    assert blkid(disk.node) == {} and not os.path.exists(disk.part())
    assert guest.read_fstab() == fstab and not os.path.exists(guest.path('data'))


def test_ext4_format_mount_fstab_rerun_relabel_and_options(guest):
    disk = guest.disk()
    mount_point = guest.path('data')
    args = {'serial_number': EUI_WINDOWS, 'label': 'data', 'mount_point': mount_point}
    made = guest.run(args)
    assert made['changed'] is True, made.get('msg')
    probe = blkid(disk.part())
    assert probe['TYPE'] == 'ext4' and probe['LABEL'] == 'data' and blkid(disk.node)['PTTYPE'] == 'gpt'
    assert made['volume']['uuid'] == probe['UUID'] and made['volume']['device'] == disk.part()
    assert made['disk']['partition_style'] == 'GPT' and made['disk']['adapter_serial_number'] == 'S4EWNX0N123456'
    assert sh('findmnt', '-n', '-o', 'SOURCE', mount_point).stdout.strip() == disk.part()
    assert fstab_lines(guest)[-1] == 'UUID=%s %s ext4 defaults,nofail 0 2' % (probe['UUID'], mount_point)
    assert fstab_lines(guest)[0] == '/dev/vda / ext4 defaults 0 1', 'other lines stay as they were'

    again = guest.run(args)
    assert again['changed'] is False and again['volume'] == made['volume']

    relabel = guest.run(dict(args, label='logs', mount_options='noatime'))
    assert relabel['changed'] is True, relabel.get('msg')
    assert blkid(disk.part())['LABEL'] == 'logs' and blkid(disk.part())['UUID'] == probe['UUID'], 'in place'
    assert relabel['diff']['before']['volume']['label'] == 'data'
    assert fstab_lines(guest)[-1] == 'UUID=%s %s ext4 noatime,nofail 0 2' % (probe['UUID'], mount_point)
    assert 'noatime' in sh('findmnt', '-n', '-o', 'OPTIONS', mount_point).stdout, 'remounted with the options'
    assert guest.run(dict(args, label='logs', mount_options='noatime'))['changed'] is False


def test_xfs_relabel_while_mounted_and_adapter_serial(guest):
    disk = guest.disk()
    args = {'adapter_serial_number': 'S4EWNX0N123456', 'file_system': 'xfs', 'label': 'db',
            'mount_point': guest.path('db')}
    assert guest.run(args)['changed'] is True
    assert blkid(disk.part())['TYPE'] == 'xfs' and fstab_lines(guest)[-1].endswith(' xfs defaults,nofail 0 0')
    relabel = guest.run(dict(args, label='db2'))
    assert relabel['changed'] is True, relabel.get('msg')
    assert blkid(disk.part())['LABEL'] == 'db2'
    assert guest.run(dict(args, label='db2'))['changed'] is False


def test_data_needs_force_and_force_wipes_it_and_its_fstab_lines(guest):
    disk = guest.disk()
    sh('sgdisk', '-o', '-n', '1:0:+100M', '-n', '2:0:0', disk.node)
    sh('partx', '-u', disk.node)
    sh('mkfs.ext4', '-q', '-F', '-L', 'old', disk.part(2))
    old_uuid = blkid(disk.part(2))['UUID']
    with open(guest.fstab, 'a') as handle:
        handle.write('UUID=%s /srv/old ext4 defaults 0 2\n' % old_uuid)
    fstab = guest.read_fstab()
    args = {'serial_number': EUI_WINDOWS, 'mount_point': guest.path('data')}

    refused = guest.run(args)
    assert refused.get('failed') is True
    assert "holds GPT partition table with loop" in refused['msg'] and "ext4 'old'" in refused['msg']
    assert 'force: true' in refused['msg']
    assert blkid(disk.part(2))['UUID'] == old_uuid and guest.read_fstab() == fstab

    forced = guest.run(dict(args, force=True))
    assert forced['changed'] is True, forced.get('msg')
    assert any('force wipes it' in text for text in warnings(forced))
    assert not os.path.exists(disk.part(2)) and blkid(disk.part())['TYPE'] == 'ext4'
    assert old_uuid not in guest.read_fstab(), 'no line is left for the wiped file system'


def test_never_a_disk_in_use_even_with_force(guest):
    disk = guest.disk()
    sh('sgdisk', '-o', '-n', '1:0:0', disk.node)
    sh('partx', '-u', disk.node)
    sh('mkfs.ext4', '-q', '-F', disk.part())
    elsewhere = guest.path('elsewhere')
    os.makedirs(elsewhere)
    sh('mount', disk.part(), elsewhere)
    before = blkid(disk.part())
    refused = guest.run({'serial_number': EUI_WINDOWS, 'file_system': 'xfs', 'force': True})
    assert refused.get('failed') is True and 'is mounted at %s' % elsewhere in refused['msg']
    assert 'Not even force' in refused['msg']
    moved = guest.run({'serial_number': EUI_WINDOWS, 'mount_point': guest.path('data')})
    assert moved.get('failed') is True and 'Unmount it first' in moved['msg']
    assert blkid(disk.part()) == before

    sh('umount', elsewhere)
    sh('mkswap', disk.part())
    sh('swapon', disk.part())
    try:
        swap = guest.run({'serial_number': EUI_WINDOWS, 'force': True})
        assert swap.get('failed') is True and 'it holds swap, whatever the options' in swap['msg']
    finally:
        sh('swapoff', disk.part())
    assert blkid(disk.part())['TYPE'] == 'swap'


def test_never_the_disk_holding_root(guest):
    # A namespace that is really the disk holding this machine's / (check mode only: this is the real root).
    root = sh('findmnt', '-n', '-o', 'MAJ:MIN', '/').stdout.strip()
    guest.disk(name='nvme1n1', controller='nvme1', serial='ROOTDISK', eui='11 22 33 44 55 66 77 88', dev=root)
    for args in ({'adapter_serial_number': 'ROOTDISK', 'force': True},
                 {'adapter_serial_number': 'ROOTDISK', 'state': 'online'}):
        refused = guest.run(args, check_mode=True)
        assert refused.get('failed') is True and 'it holds /' in refused['msg'], refused


def test_mount_point_must_be_free(guest):
    guest.disk()
    busy = guest.path('busy')
    os.makedirs(busy)
    open(os.path.join(busy, 'keep.txt'), 'w').close()
    refused = guest.run({'serial_number': EUI_WINDOWS, 'mount_point': busy})
    assert refused.get('failed') is True and 'not empty (keep.txt)' in refused['msg']
    os.symlink(guest.path('busy'), guest.path('link'))
    linked = guest.run({'serial_number': EUI_WINDOWS, 'mount_point': guest.path('link', 'sub')})
    assert linked.get('failed') is True and 'passes through a symbolic link' in linked['msg']
    with open(guest.fstab, 'a') as handle:
        handle.write('LABEL=other %s ext4 defaults 0 2\n' % guest.path('taken'))
    taken = guest.run({'serial_number': EUI_WINDOWS, 'mount_point': guest.path('taken')})
    assert taken.get('failed') is True and 'mounts LABEL=other at' in taken['msg']


def test_selectors_exactly_one_namespace(guest):
    guest.disk(name='nvme0n1', eui='00 25 38 52 21 b3 4b 17', size=64 * 1024 * 1024)
    guest.disk(name='nvme0n2', eui='00 25 38 52 21 b3 4b 18', size=64 * 1024 * 1024)
    ambiguous = guest.run({'adapter_serial_number': 'S4EWNX0N123456'}, check_mode=True)
    assert ambiguous.get('failed') is True and 'matches 2 NVMe disks' in ambiguous['msg']
    missing = guest.run({'serial_number': 'FFFF_0000_0000_0001.'}, check_mode=True)
    assert missing.get('failed') is True and 'No NVMe disk in the guest matches' in missing['msg']
    picked = guest.run({'unique_id': 'EUI.0025385221B34B18'}, check_mode=True)
    assert picked['disk']['name'] == 'nvme0n2', picked.get('msg')


def test_multipath_layout_and_nguid(guest):
    nguid = 'e4d25c1a-0c81-4e3a-9c3b-5b1a2f3c4d5e'
    guest.disk(name='nvme3n1', controller='nvme3', path_entry='nvme3c3n1', eui=None, nguid=nguid,
               wwid='uuid.' + nguid, size=64 * 1024 * 1024)
    found = guest.run({'serial_number': 'E4D2_5C1A_0C81_4E3A_9C3B_5B1A_2F3C_4D5E.'}, check_mode=True)
    assert found['disk']['name'] == 'nvme3n1', found.get('msg')


def test_a_failed_step_is_undone(guest):
    disk = guest.disk()
    fstab = guest.read_fstab()
    failed = guest.run({'serial_number': EUI_WINDOWS, 'mount_point': guest.path('data'),
                        'mount_options': 'no_such_option'})
    assert failed.get('failed') is True and 'mount' in failed['msg'] and 'was undone' in failed['msg']
    assert blkid(disk.node) == {} and not os.path.exists(disk.part()), 'the new partition table is gone'
    assert not os.path.exists(guest.path('data')) and guest.read_fstab() == fstab
    assert guest.run({'serial_number': EUI_WINDOWS, 'mount_point': guest.path('data')})['changed'] is True


def test_windows_options_are_refused(guest):
    guest.disk(size=64 * 1024 * 1024)
    for args, words in (({'serial_number': EUI_WINDOWS, 'drive_letter': 'E'}, 'drive_letter applies to Windows'),
                        ({'serial_number': EUI_WINDOWS, 'file_system': 'ntfs'}, 'ext4 or xfs'),
                        ({'disk_number': 1}, 'disk_number applies to Windows'),
                        ({'serial_number': EUI_WINDOWS, 'partition_style': 'mbr'}, 'gets GPT'),
                        ({'serial_number': EUI_WINDOWS, 'mount_point': 'relative/path'}, 'absolute'),
                        ({'serial_number': EUI_WINDOWS, 'file_system': 'xfs', 'label': 'thirteen_char'}, '12 bytes'),
                        ({'serial_number': EUI_WINDOWS, 'file_system': 'xfs', 'label': 'a b'}, 'cannot contain spaces')):
        refused = guest.run(args)
        assert refused.get('failed') is True and words in refused['msg'], (args, refused.get('msg'))


@pytest.mark.parametrize('version', sorted(target_pythons(), key=lambda v: tuple(map(int, v.split('.')))))
def test_through_ansible_on_every_target_python(guest, version):
    disk = guest.disk(size=64 * 1024 * 1024)
    python = target_pythons()[version]
    args = {'adapter_serial_number': 'S4EWNX0N123456', 'label': 'py' + version.replace('.', ''),
            'mount_point': guest.path('data')}
    made = ansible_adhoc(guest, args, python)
    assert made.get('changed') is True, made.get('msg')
    assert blkid(disk.part())['LABEL'] == args['label']
    assert ansible_adhoc(guest, args, python).get('changed') is False
    windows = ansible_adhoc(guest, dict(args, drive_letter='E'), python, check_mode=True)
    # (the tree callback keeps the result's msg; ansible-core 2.19 keeps 'failed' beside it)
    assert 'drive_letter applies to Windows guests' in windows['msg'] and windows.get('changed') is not True


def test_every_target_python_is_here():
    if os.environ.get('HYPERV_DDA_LINUX_TESTS') != 'required':
        pytest.skip('only where the Linux guest tests are required (tools/test.sh as root)')
    missing = sorted(set(supported_target_pythons()) - set(target_pythons()))
    known = os.environ.get('HYPERV_DDA_KNOWN_MISSING_PYTHONS', '').split()
    if missing and set(missing) <= set(known):
        pytest.skip('Python %s: not installable on this machine (tools/matrix.sh says why)' % ', '.join(missing))
    assert missing == [], 'the module is not run on Python %s here' % ', '.join(missing)


def test_needs_root(guest):
    """As another user blkid could not read the disk, and a disk holding data would look blank."""
    guest.disk(size=64 * 1024 * 1024)
    folder = tempfile.mkdtemp()   # pytest's own folders are root's alone
    try:
        os.chmod(folder, 0o755)
        args = os.path.join(folder, 'args.json')
        with open(args, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': {'serial_number': EUI_WINDOWS, '_ansible_check_mode': True}}, handle)
        os.chmod(args, 0o644)
        # The system's Python: a pyenv interpreter under /root may not start for another user. The module and the
        # module_utils it needs (the collection's, and this test run's own ansible's, as AnsiballZ would ship them)
        # are copied where that user can read them: the checkout may be in a folder only root can enter.
        shipped = os.path.join(folder, 'shipped')
        ignore = shutil.ignore_patterns('__pycache__')
        shutil.copytree(os.path.dirname(ansible.__file__), os.path.join(shipped, 'ansible'), ignore=ignore)
        shutil.copytree(os.path.join(os.path.dirname(MODULE), '..'),
                        os.path.join(shipped, 'ansible_collections', 'hyperv', 'dda', 'plugins'), ignore=ignore)
        for dirpath, dirnames, filenames in os.walk(shipped):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o644)
        module = os.path.join(shipped, 'ansible_collections', 'hyperv', 'dda', 'plugins', 'modules',
                              os.path.basename(MODULE))
        env = dict(guest.env(), PYTHONPATH=shipped)
        done = sh('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '/usr/bin/python3', module, args,
                  check=False, env=env)
        assert 'needs root in a Linux guest' in json.loads(done.stdout)['msg'], done.stdout + done.stderr
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize('file_system,tool', [('ext4', 'sgdisk'), ('ext4', 'partx'), ('ext4', 'mkfs.ext4'),
                                              ('ext4', 'mount'), ('xfs', 'mkfs.xfs')])
def test_fault_at_each_mutating_command_is_undone_and_the_rerun_converges(guest, file_system, tool):
    disk = guest.disk()
    fstab = guest.read_fstab()
    args = {'serial_number': EUI_WINDOWS, 'file_system': file_system, 'mount_point': guest.path('data')}
    guest.fault(tool)
    failed = guest.run(args)
    assert failed.get('failed') is True and 'injected fault in %s' % tool in failed['msg'], failed.get('msg')
    assert 'was undone' in failed['msg']
    assert blkid(disk.node) == {} and not os.path.exists(disk.part()), 'the disk is blank again'
    assert not os.path.exists(guest.path('data')) and guest.read_fstab() == fstab
    guest.fault(None)
    assert guest.run(args)['changed'] is True and guest.run(args)['changed'] is False


@pytest.mark.parametrize('tool', ['e2label', 'mount'])
def test_fault_in_an_in_place_change_leaves_the_file_system_as_it_was(guest, tool):
    disk = guest.disk()
    args = {'serial_number': EUI_WINDOWS, 'label': 'data', 'mount_point': guest.path('data')}
    assert guest.run(args)['changed'] is True
    before, fstab = blkid(disk.part()), guest.read_fstab()
    guest.fault(tool)
    failed = guest.run(dict(args, label='logs', mount_options='noatime'))
    assert failed.get('failed') is True and 'injected fault in %s' % tool in failed['msg']
    assert blkid(disk.part())['UUID'] == before['UUID'] and guest.read_fstab() == fstab
    guest.fault(None)
    assert guest.run(dict(args, label='logs', mount_options='noatime'))['changed'] is True
