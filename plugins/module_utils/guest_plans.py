# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The planner of guest_nvme_disk: bring a passed-through NVMe disk into use inside a Windows guest.

Input is what survey_guest_disks reports (the guest's disks, the drive letters in use, the state
of the requested mount folder); output is a Plan with at most one step, format_guest_disk, whose
``Actions`` list says what to do, in order. The disk is found by the identity recorded on the
host (serials, unique ID), never by guessing "the first RAW disk".
"""

from __future__ import annotations

import re

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import ALLOCATION_UNIT_SIZE, DISK_NUMBER, checked_number
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError, SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.plan import Plan, Step, option
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import normalize_serial

DISK_SELECTORS = ('serial_number', 'adapter_serial_number', 'unique_id', 'disk_number')
RESERVED_TYPES = ('Reserved', 'System', 'Recovery')
LABEL_MAX = 32
ACCESS_PATH = re.compile(r'^[A-Za-z]:\\[^<>:"/|?*]+$')


LINUX_ONLY = ('mount_point', 'mount_options', 'fstab')
FILE_SYSTEMS = ('ntfs', 'refs')


def check_args(args):
    """Refuse bad input before anything reaches the guest; return the normalised values."""
    for key in LINUX_ONLY:
        if args.get(key) is not None:
            raise PreconditionError('%s applies to Linux guests; this guest runs Windows. Use drive_letter or '
                                    'access_path.' % key)
    file_system = args.get('file_system') or 'ntfs'
    if file_system not in FILE_SYSTEMS:
        raise PreconditionError('file_system %s is for Linux guests; a Windows guest takes ntfs or refs.'
                                % file_system)
    letter = args.get('drive_letter')
    if letter is not None:
        letter = letter.strip().rstrip(':').upper()
        if not re.match(r'^[A-Z]$', letter):
            raise PreconditionError('drive_letter must be one letter from A to Z; got %r.' % args['drive_letter'])
    path = args.get('access_path')
    if path is not None:
        if not ACCESS_PATH.match(path) or '\\..' in path or any(ord(c) < 32 for c in path):
            raise PreconditionError('access_path must be an absolute folder path such as D:\\mnt\\data; got %r.'
                                    % path)
        path = path.rstrip('\\') + '\\'
    label = args.get('label')
    if label is not None and (len(label) > LABEL_MAX or any(c in label for c in '\r\n\t')):
        raise PreconditionError('label must be at most %d characters on one line; got %r.' % (LABEL_MAX, label))
    numbers = {}
    for key, bound in (('allocation_unit_size', ALLOCATION_UNIT_SIZE), ('disk_number', DISK_NUMBER)):
        if args.get(key) is not None:
            numbers[key] = checked_number(args[key], option(args, key), bound)
    for key in ('serial_number', 'adapter_serial_number', 'unique_id'):
        if args.get(key) is not None and not args[key].strip():
            raise SelectorError('%s must not be empty.' % key)
    return dict(args, drive_letter=letter, access_path=path, file_system=file_system, **numbers)


def _size(size):
    return '%.1f GB' % (size / 1e9) if size is not None else 'unknown size'


def _describe(disk):
    parts = [disk.get('model') or 'unknown model', _size(disk.get('size'))]
    for key, label in (('serial_number', 'serial'), ('adapter_serial_number', 'adapter serial')):
        if disk.get(key):
            parts.append('%s %s' % (label, disk[key]))
    name = 'disk %d' % disk['number'] if disk.get('number') is not None else 'the passed-through disk'
    return '%s (%s, bus %s)' % (name, ', '.join(parts), disk.get('bus_type'))


def _contents(disk):
    if disk['partition_style'] == 'RAW':
        return 'nothing (RAW)'
    listed = []
    for partition in disk['partitions']:
        volume = partition.get('volume')
        where = [partition['drive_letter'] + ':'] if partition.get('drive_letter') else []
        where += partition.get('access_paths') or []
        what = '%s %r' % (volume['file_system'], volume['label']) if volume else 'no file system'
        listed.append('partition %d (%s, %s, %s%s)' % (partition['number'], partition.get('type') or 'unknown type',
                                                       _size(partition['size']), what,
                                                       ', ' + ' '.join(where) if where else ''))
    return '%s with %s' % (disk['partition_style'], '; '.join(listed) or 'no partitions')


def _matches(disk, key, value):
    if key == 'disk_number':
        return disk['number'] == value
    if key == 'unique_id':
        return (disk.get('unique_id') or '').casefold() == value.strip().casefold()
    return bool(disk.get(key)) and normalize_serial(disk[key]) == normalize_serial(value)


def select_disk(args, disks, where, matches=_matches, describe=_describe, others='unique_id or disk_number'):
    """The one NVMe disk the selector names; matches/describe read a disk record (Windows by default)."""
    given = [(key, args[key]) for key in DISK_SELECTORS if args.get(key) is not None]
    if len(given) != 1:
        raise SelectorError('Give exactly one disk selector of %s; got %s.' % (
            ', '.join(DISK_SELECTORS), ', '.join(key for key, dummy in given) or 'none'))
    key, value = given[0]
    found = [disk for disk in disks if matches(disk, key, value)]
    nvme = [disk for disk in found if disk.get('bus_type') == 'NVMe']
    if len(nvme) == 1:
        return nvme[0]
    listing = '; '.join(describe(disk) for disk in disks) or 'no disks'
    if found and not nvme:
        raise SelectorError('%s %r in %s matches %s, which is not an NVMe disk. The guest sees: %s.'
                            % (key, value, where, describe(found[0]), listing))
    if not nvme:
        raise SelectorError('No NVMe disk in %s matches %s %r. The guest sees: %s. Is the device passed through to '
                            'this VM, and is the VM running?' % (where, key, value, listing))
    raise SelectorError('%s %r matches %d NVMe disks in %s: %s. Select one by %s.'
                        % (key, value, len(nvme), where, '; '.join(describe(disk) for disk in nvme), others))


def _data_partitions(disk):
    return [p for p in disk['partitions'] if p.get('type') not in RESERVED_TYPES]


def _volume(disk):
    data = _data_partitions(disk)
    if len(data) != 1:
        return None
    partition, volume = data[0], data[0].get('volume') or {}
    return {'drive_letter': partition.get('drive_letter'),
            'access_path': (partition.get('access_paths') or [None])[0],
            'file_system': volume.get('file_system'), 'label': volume.get('label'),
            'size': volume.get('size', partition['size']) if volume else partition['size']}


def _fits(disk, args):
    """Whether the disk already holds what was asked, apart from label and mount points."""
    data = _data_partitions(disk)
    if disk['partition_style'] != args['partition_style'].upper() or len(data) != 1 or not data[0].get('volume'):
        return False
    volume = data[0]['volume']
    unit = args.get('allocation_unit_size')
    # file_system is null for a volume Windows cannot name the file system of: it fits nothing.
    return (volume.get('file_system') or '').upper() == args['file_system'].upper() and \
        (unit is None or volume.get('allocation_unit_size') == unit)


def _mount_actions(disk, args, survey, where, fresh):
    """Label, drive letter and folder actions for a volume that fits (or is being made)."""
    actions = []
    partition = None if fresh else _data_partitions(disk)[0]
    letter, path = args.get('drive_letter'), args.get('access_path')
    if letter and (fresh or partition.get('drive_letter') != letter):
        # Letters this disk holds itself are not in the way: they stay with it, or a wipe frees them.
        own = set(p['drive_letter'] for p in disk['partitions'] if p.get('drive_letter'))
        if letter in set(survey.get('used_letters') or []) - own:
            raise PreconditionError('Drive letter %s is already in use in %s. Choose another drive_letter.'
                                    % (letter, where))
        if not fresh:
            actions.append('letter')
    if path and (fresh or path not in (partition.get('access_paths') or [])):
        # Unknown (a survey that did not ask): the script checks the folder is empty before it mounts on it.
        folder = next((f for f in survey.get('folders') or []
                       if f['path'].rstrip('\\').lower() == path.rstrip('\\').lower()), {})
        if folder.get('exists') and folder.get('entries'):
            raise PreconditionError('The folder %s in %s is not empty; a volume can only be mounted on an empty '
                                    'folder. Choose another access_path.' % (path, where))
        if not folder.get('exists'):
            actions.append('folder')
        actions.append('access_path')
    return actions


def guest_disk_plan(args, survey, check_mode):
    args = check_args(args)
    where = "the guest of VM '%s'" % args['vm_name'] if args.get('vm_name') else 'the guest'
    if check_mode and not any(_matches(disk, key, value) for disk in survey['disks'] for key, value in _given(args)):
        return _not_there_yet(args, where)
    disk = select_disk(args, survey['disks'], where)
    name = _describe(disk)
    if disk.get('is_boot') or disk.get('is_system'):
        raise PreconditionError('Refusing to touch %s in %s: it is the guest\'s boot or system disk, whatever the '
                                'options.' % (name, where))
    actions, warnings = [], []
    if disk.get('is_offline'):
        actions.append('online')
        warnings.append('%s was offline; it is brought online.' % name)
    if disk.get('is_read_only'):
        actions.append('writable')
        warnings.append('%s was read-only; it is made writable.' % name)
    label = args.get('label') or ''
    if args['state'] == 'formatted':
        if disk['partition_style'] == 'RAW':
            actions += ['initialize', 'partition', 'format'] + _mount_actions(disk, args, survey, where, True)
        elif disk['partition_style'] == args['partition_style'].upper() and not _data_partitions(disk):
            # Initialized (perhaps by a run that stopped there), but no data partition: nothing to lose.
            actions += ['partition', 'format'] + _mount_actions(disk, args, survey, where, True)
        elif _fits(disk, args):
            volume = _data_partitions(disk)[0]['volume']
            if args.get('label') is not None and volume.get('label') != label:
                actions.append('label')
            actions += _mount_actions(disk, args, survey, where, False)
        elif not args['force']:
            raise PreconditionError(
                '%s in %s holds %s, which does not match the request (%s, one %s volume). Set %s: true to wipe '
                'it and create that, or select another disk.' % (name, where, _contents(disk),
                                                                 args['partition_style'].upper(),
                                                                 args['file_system'].upper(), option(args, 'force')))
        else:
            warnings.append('%s held %s; force wipes it.' % (name, _contents(disk)))
            actions += ['clear', 'initialize', 'partition', 'format'] + _mount_actions(disk, args, survey, where, True)
    before = {'disk': {'partition_style': disk['partition_style']}, 'volume': _volume(disk)}
    after = _after(disk, args, actions, before)
    steps = []
    if actions and not (disk.get('serial_number') or disk.get('unique_id')):
        raise PreconditionError('Refusing to change %s in %s: it reports neither a serial number nor a unique ID, so '
                                'the guest cannot make sure at the change that it is still this disk (disk numbers '
                                'can change when the guest restarts).' % (name, where))
    if actions:
        parameters = {
            'VMName': args.get('vm_name') or '', 'DiskNumber': disk['number'], 'Actions': actions,
            'PartitionStyle': args['partition_style'].upper(), 'FileSystem': 'ReFS' if args['file_system'] == 'refs'
            else 'NTFS', 'Label': label, 'DriveLetter': args.get('drive_letter') or '',
            'AccessPath': args.get('access_path') or '', 'AllocationUnitSize': args.get('allocation_unit_size') or 0,
            # The script acts only on the disk as it was planned from: the disk of that number must still have this
            # identity (disk numbers change across reboots: dsccommunity/StorageDsc about_Disk), and its layout.
            'SerialNumber': disk.get('serial_number') or '', 'UniqueId': disk.get('unique_id') or '',
            'ExpectedPartitionStyle': disk['partition_style'], 'ExpectedPartitions': len(disk['partitions'])}
        if disk.get('number') is None:
            # Planned before the disk was in the guest (from the host's view of it): found by its identity.
            parameters.update(DiskNumber=-1, AdapterSerialNumber=disk.get('adapter_serial_number') or '')
        steps.append(Step('format_guest_disk', parameters))
    result = {'disk': dict((key, disk.get(key)) for key in ('number', 'serial_number', 'adapter_serial_number', 'size')),
              'volume': after['volume']}
    result['disk']['partition_style'] = after['disk']['partition_style']
    return Plan(steps, result=result, before=before, after=after, warnings=warnings)


def _given(args):
    return [(key, args[key]) for key in DISK_SELECTORS if args.get(key) is not None]


def _not_there_yet(args, where):
    """Check mode, and no disk of the guest is the one selected: an earlier step of the chain (assign, start) may
    bring it, as the rule for preconditions says (plan.Preconditions). The step is reported as a change, with a
    warning; what it will do to the disk is decided once the disk is there."""
    key, value = _given(args)[0]
    warning = ('No NVMe disk in %s matches %s %r yet. In check mode this assumes an earlier step of the chain passes '
               'its device through to the VM and starts it; what the step does to the disk (and whether it holds data '
               'that needs %s) is decided once the disk is there.' % (where, key, value, option(args, 'force')))
    volume = None
    if args['state'] == 'formatted':
        volume = {'drive_letter': args.get('drive_letter'), 'access_path': args.get('access_path'),
                  'file_system': 'ReFS' if args['file_system'] == 'refs' else 'NTFS', 'label': args.get('label') or '',
                  'size': None}
    disk = {'number': None, 'serial_number': None, 'adapter_serial_number': None, 'size': None,
            'partition_style': args['partition_style'].upper() if volume else None}
    if key in ('serial_number', 'adapter_serial_number'):
        disk[key] = value
    # The step the real run takes once the disk is there; check mode never runs it.
    step = Step('format_guest_disk', {'VMName': args.get('vm_name') or '', 'DiskNumber': -1, 'Actions': []})
    return Plan([step], result={'disk': disk, 'volume': volume}, before={'disk': None, 'volume': None},
                after={'disk': {'partition_style': disk['partition_style']}, 'volume': volume}, warnings=[warning])


def _after(disk, args, actions, before):
    """The disk and volume as they will be; sizes of a volume not made yet are unknown (null)."""
    if 'format' in actions:
        volume = {'drive_letter': args.get('drive_letter'), 'access_path': args.get('access_path'),
                  'file_system': 'ReFS' if args['file_system'] == 'refs' else 'NTFS', 'label': args.get('label') or '',
                  'size': None}
        return {'disk': {'partition_style': args['partition_style'].upper()}, 'volume': volume}
    volume = dict(before['volume']) if before['volume'] else None
    if volume is not None:
        if 'label' in actions:
            volume['label'] = args.get('label') or ''
        if 'letter' in actions:
            volume['drive_letter'] = args['drive_letter']
        if 'access_path' in actions:
            volume['access_path'] = args['access_path']
    return {'disk': {'partition_style': disk['partition_style']}, 'volume': volume}
