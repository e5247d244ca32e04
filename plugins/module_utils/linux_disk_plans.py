# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The planner of guest_nvme_disk in a Linux guest: GPT, one partition, ext4 or xfs, a mount in fstab.

Input is the survey the module takes on the guest (linux_guest.survey: the NVMe namespaces with
their identity, contents and use; the fstab; the requested mount point); output is a Plan with at
most one step, ``linux_disk``, whose ``actions`` say what to do, in order. Same promises as the
Windows planner (guest_plans): the disk is found by the identity the host recorded, exactly one
must match, a disk holding other data needs ``force``, a label or mount changes in place.
Stricter than ``force``: a disk that holds /, /boot or swap, or has anything mounted or stacked on
it, is never wiped.
"""

from __future__ import annotations

import os
import re

from ansible_collections.hyperv.dda.plugins.module_utils import fstab
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError, SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import select_disk
from ansible_collections.hyperv.dda.plugins.module_utils.linux_block import hex_id
from ansible_collections.hyperv.dda.plugins.module_utils.plan import Plan, Step
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import normalize_serial

FILE_SYSTEMS = ('ext4', 'xfs')
LABEL_MAX = {'ext4': 16, 'xfs': 12}    # bytes: e2label(8), xfs_admin(8)
PASSNO = {'ext4': 2, 'xfs': 0}         # fsck.xfs does nothing at boot
WINDOWS_ONLY = ('drive_letter', 'access_path', 'allocation_unit_size', 'vm_name', 'guest_credential', 'disk_number',
                'survey')
MOUNT_OPTIONS = re.compile(r'^[A-Za-z0-9_=.:/@+-]+(,[A-Za-z0-9_=.:/@+-]+)*$')
NEW_UUID = '<new-file-system-uuid>'  # in check mode's diff; mkfs chooses the real one
WHERE = 'the guest'


def check_linux_args(args):
    """Refuse what does not apply to a Linux guest, or is malformed; return the normalised values."""
    for key in WINDOWS_ONLY:
        if args.get(key) is not None:
            raise PreconditionError('%s applies to Windows guests; this guest runs Linux. Select the disk by '
                                    'serial_number, adapter_serial_number or unique_id, and mount it with mount_point.'
                                    % key)
    if args.get('partition_style', 'gpt') != 'gpt':
        raise PreconditionError('partition_style %s is not supported in a Linux guest: the disk gets GPT.'
                                % args['partition_style'])
    file_system = args.get('file_system') or 'ext4'
    if file_system not in FILE_SYSTEMS:
        raise PreconditionError('file_system %s is for Windows guests; a Linux guest takes ext4 or xfs.' % file_system)
    label = args.get('label')
    if label is not None and (len(label.encode('utf-8')) > LABEL_MAX[file_system] or
                              any(ord(c) < 32 for c in label)):
        raise PreconditionError('label must be at most %d bytes for %s, on one line; got %r.'
                                % (LABEL_MAX[file_system], file_system, label))
    if label and file_system == 'xfs' and ' ' in label:
        # xfs_io, which relabels a mounted xfs, splits its command on spaces.
        raise PreconditionError('An xfs label cannot contain spaces here; got %r.' % label)
    mount_point = args.get('mount_point')
    if mount_point is not None:
        if (not mount_point.startswith('/') or os.path.normpath(mount_point) != mount_point or mount_point == '/'
                or re.search(r'[\s#\\]', mount_point) or any(ord(c) < 32 for c in mount_point)):
            raise PreconditionError('mount_point must be an absolute, normalised path other than /, without spaces '
                                    'or backslashes, such as /srv/data; got %r.' % mount_point)
    options = args.get('mount_options')
    if options is not None:
        if mount_point is None:
            raise PreconditionError('mount_options needs mount_point.')
        if not MOUNT_OPTIONS.match(options):
            raise PreconditionError('mount_options must be a comma-separated list such as noatime,discard; got %r.'
                                    % options)
    path = args.get('fstab') or '/etc/fstab'
    if not path.startswith('/'):
        raise PreconditionError('fstab must be an absolute path; got %r.' % path)
    for key in ('serial_number', 'adapter_serial_number', 'unique_id'):
        if args.get(key) is not None and not args[key].strip():
            raise SelectorError('%s must not be empty.' % key)
    return dict(args, file_system=file_system, fstab=path)


def matches(disk, key, value):
    """The Linux reading of the disk selectors (dda-facts 6.2, 6.3).

    adapter_serial_number: the controller serial. serial_number: what Windows shows as SerialNumber,
    the namespace's EUI-64 or NGUID (compared as hex), or for drives that report it there, the
    controller serial. unique_id: the wwid, or the same namespace IDs as hex.
    """
    serials = [normalize_serial(serial) for serial in disk['controller_serials']]
    if key == 'adapter_serial_number':
        return normalize_serial(value) in serials
    wanted = hex_id(value)
    if wanted and wanted in disk['ids']:
        return True
    if key == 'serial_number':
        return normalize_serial(value) in serials
    return bool(disk.get('unique_id')) and disk['unique_id'].strip().casefold() == value.strip().casefold()


def describe(disk):
    return '%s (%s, %s, serial %s%s)' % (disk['device'] or disk['name'], disk.get('model') or 'unknown model',
                                         '%.1f GB' % (disk['size'] / 1e9), ', '.join(disk['controller_serials']),
                                         ', %s' % disk['unique_id'] if disk.get('unique_id') else '')


def _contents(disk):
    if disk.get('signature'):
        return 'a %s signature on the whole disk' % disk['signature']
    if not disk.get('table'):
        return 'nothing'
    listed = ['%s (%s%s%s)' % (p['name'], p.get('file_system') or 'no file system',
                               ' %r' % p['label'] if p.get('label') else '',
                               ', mounted at ' + ', '.join(p['mounts']) if p.get('mounts') else '')
              for p in disk['partitions']]
    return '%s partition table with %s' % (disk['table'].upper(), '; '.join(listed) or 'no partitions')


def _in_use(disk):
    """Why the disk cannot be wiped or repartitioned now, whatever force says."""
    reasons = ['%s is mounted at %s' % (disk['name'], ', '.join(disk['mounts']))] if disk.get('mounts') else []
    reasons += ['%s is used by %s' % (disk['name'], ', '.join(disk['holders']))] if disk.get('holders') else []
    for part in disk['partitions']:
        if part.get('mounts'):
            reasons.append('%s is mounted at %s' % (part['name'], ', '.join(part['mounts'])))
        if part.get('holders'):
            reasons.append('%s is used by %s' % (part['name'], ', '.join(part['holders'])))
    return reasons


def _fits(disk, args):
    parts = disk['partitions']
    return (disk.get('table') == 'gpt' and not disk.get('signature') and len(parts) == 1
            and parts[0].get('file_system') == args['file_system'])


def _identity(part):
    return {'uuid': part.get('uuid'), 'partuuid': part.get('partuuid'), 'label': part.get('label'),
            'partlabel': part.get('partlabel'), 'devices': [part['node']] if part.get('node') else []}


def _options(args):
    options = (args.get('mount_options') or 'defaults').split(',')
    return ','.join(options + ([] if 'nofail' in options else ['nofail']))


def _mount_actions(args, survey, partition):
    """mkdir/mount for the requested mount point; refuse one that is busy, not a folder, or not empty."""
    mount_point = args.get('mount_point')
    if not mount_point or (partition and mount_point in partition.get('mounts', [])):
        return []
    if partition and partition.get('mounts'):
        raise PreconditionError('%s is mounted at %s in %s, not at %s. Unmount it first, or set mount_point: %s.'
                                % (partition['name'], ', '.join(partition['mounts']), WHERE, mount_point,
                                   partition['mounts'][0]))
    folder = survey['mount_point']
    if folder.get('resolved', mount_point) != mount_point:
        # The kernel would show the mount at the resolved path, and the task would never converge.
        raise PreconditionError('mount_point %s in %s passes through a symbolic link (it is %s). Use %s.'
                                % (mount_point, WHERE, folder['resolved'], folder['resolved']))
    if folder.get('mounted'):
        raise PreconditionError('%s in %s already has %s mounted on it. Choose another mount_point.'
                                % (mount_point, WHERE, folder['mounted']))
    if folder.get('exists') and not folder.get('is_dir'):
        raise PreconditionError('%s in %s exists and is not a folder. Choose another mount_point.'
                                % (mount_point, WHERE))
    if folder.get('entries'):
        raise PreconditionError('The folder %s in %s is not empty (%s); mounting on it would hide its files. '
                                'Choose another mount_point.' % (mount_point, WHERE, ', '.join(folder['entries'][:5])))
    return ([] if folder.get('exists') else ['mkdir']) + ['mount']


def _fstab_text(args, survey, current, old, uuid):
    """The fstab after the change: one line for the file system at mount_point (when one is asked),
    and no line left for a file system that is wiped. Without mount_point a kept file system's lines stay."""
    mount_point = args.get('mount_point')
    if not mount_point and not old:
        return survey['fstab']
    ours = [_identity(current)] if current and mount_point else []
    gone = [_identity(part) for part in old]

    def drop(fields):
        if any(fstab.names(fields[0], identity) for identity in gone + ours):
            return True
        if mount_point and fields[1] == mount_point:
            # At the requested mount point, a label of this very file system names it too.
            if any(fstab.names(fields[0], identity, by_label=True) for identity in ours):
                return True
            raise PreconditionError('%s mounts %s at %s already. Remove that line, or choose another mount_point.'
                                    % (args['fstab'], fields[0], mount_point))
        return False
    new_line = fstab.line('UUID=%s' % uuid, mount_point, args['file_system'], _options(args),
                          PASSNO[args['file_system']]) if mount_point else None
    return fstab.replace(survey['fstab'], drop, new_line)


def _managed(text, args, parts):
    """The fstab lines this task concerns (naming one of parts, or at mount_point), for diff mode."""
    identities = [_identity(part) for part in parts if part]
    return [' '.join(fields) for dummy, fields in fstab.entries(text)
            if any(fstab.names(fields[0], identity) for identity in identities)
            or fields[1] == args.get('mount_point')]


def _fstab_options(text, partition):
    """The options of the fstab line that names the partition's file system, or None."""
    identity = _identity(partition) if partition else None
    for dummy, fields in fstab.entries(text) if identity else []:
        if fstab.names(fields[0], identity) and len(fields) > 3:
            return fields[3]
    return None


def _volume(partition, mount_point, options):
    if partition is None:
        return None
    return {'drive_letter': None, 'access_path': None, 'file_system': partition.get('file_system'),
            'label': partition.get('label') or '', 'size': partition.get('size'), 'device': partition.get('node'),
            'uuid': partition.get('uuid'), 'mount_point': mount_point, 'mount_options': options}


def _formatted(disk, args, warnings):
    """Actions that give the disk GPT and one partition of the file system, and the partitions they wipe."""
    parts = disk['partitions']
    blank = not disk.get('signature') and not parts and disk.get('table') in (None, 'gpt')
    if not blank and _fits(disk, args):
        label = args.get('label')
        return ['label'] if label is not None and (parts[0].get('label') or '') != label else [], []
    name = describe(disk)
    busy = _in_use(disk)
    if busy:
        raise PreconditionError('Refusing to repartition %s in %s: %s. Not even force wipes a disk in use.'
                                % (name, WHERE, '; '.join(busy)))
    if blank:
        return ['partition', 'format'], []
    if not args['force']:
        raise PreconditionError(
            '%s in %s holds %s, which does not match the request (GPT, one %s partition). Set force: true to wipe it '
            'and create that, or select another disk.' % (name, WHERE, _contents(disk), args['file_system']))
    warnings.append('%s held %s; force wipes it.' % (name, _contents(disk)))
    return ['clear', 'partition', 'format'], parts


def _label_warnings(args, survey, old):
    """fstab lines that name a wiped file system by label: left alone (a label may be another disk's)."""
    identities = [_identity(part) for part in old]
    return ['%s line %r names a file system that is wiped by its label; it is left as it is. Check it.'
            % (args['fstab'], ' '.join(fields)) for dummy, fields in fstab.entries(survey['fstab'])
            if any(fstab.names(fields[0], identity, by_label=True) and not fstab.names(fields[0], identity)
                   for identity in identities)]


def _mounted_at(partition):
    return (partition.get('mounts') or [None])[0] if partition else None


def linux_disk_plan(args, survey, check_mode):
    args = check_linux_args(args)
    disk = select_disk(args, survey['disks'], WHERE, matches=matches, describe=describe, others='unique_id')
    if not disk.get('device'):
        raise PreconditionError('%s in %s has no device node under /dev; is its driver still loading?'
                                % (describe(disk), WHERE))
    if disk.get('critical'):
        raise PreconditionError('Refusing to touch %s in %s: it holds %s, whatever the options.'
                                % (describe(disk), WHERE, ', '.join(disk['critical'])))
    actions, warnings = [], []
    if disk.get('read_only'):
        actions.append('writable')
        warnings.append('%s was read-only; it is made writable.' % describe(disk))
    parts = disk['partitions']
    existing = parts[0] if len(parts) == 1 else None
    current, old, new_fstab = existing, [], survey['fstab']
    mount_point = args.get('mount_point')
    if args['state'] == 'formatted':
        changes, old = _formatted(disk, args, warnings)
        actions += changes
        if 'format' in changes:
            current = None   # the file system the task ends with is a new one
        actions += _mount_actions(args, survey, current)
        new_fstab = _fstab_text(args, survey, current, old, NEW_UUID if current is None else current['uuid'])
        warnings += _label_warnings(args, survey, old)
        if new_fstab != survey['fstab']:
            actions.append('fstab')
            if mount_point and _mounted_at(current) == mount_point:
                actions.append('remount')
    options = _options(args) if mount_point else None
    before = {'disk': {'partition_style': (disk.get('table') or 'raw').upper()},
              'volume': _volume(existing, _mounted_at(existing), _fstab_options(survey['fstab'], existing)),
              'fstab': _managed(survey['fstab'], args, parts)}
    if current is None and 'format' in actions:
        volume = {'drive_letter': None, 'access_path': None, 'file_system': args['file_system'],
                  'label': args.get('label') or '', 'size': None, 'device': None, 'uuid': None,
                  'mount_point': mount_point, 'mount_options': options}
    else:
        volume = _volume(current, mount_point if mount_point else _mounted_at(current),
                         _fstab_options(new_fstab, current))
        if volume is not None and 'label' in actions:
            volume['label'] = args['label']
    after = {'disk': {'partition_style': 'GPT' if 'partition' in actions else before['disk']['partition_style']},
             'volume': volume, 'fstab': _managed(new_fstab, args, [current])}
    steps = [Step('linux_disk', {
        'device': disk['device'], 'dev': disk['dev'], 'actions': actions, 'file_system': args['file_system'],
        'label': args.get('label') or '', 'mount_point': mount_point, 'mount_options': options,
        'fstab': args['fstab'], 'fstab_text': new_fstab, 'partition': current and current['node']})] if actions else []
    result = {'disk': {'number': None, 'name': disk['name'], 'device': disk['device'],
                       'serial_number': disk.get('serial_number'), 'adapter_serial_number': disk['controller_serials'][0],
                       'unique_id': disk.get('unique_id'), 'size': disk['size'],
                       'partition_style': after['disk']['partition_style']},
              'volume': volume}
    return Plan(steps, result=result, before=before, after=after, warnings=warnings)
