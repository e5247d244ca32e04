# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""A Linux guest, as guest_nvme_disk sees it: survey it, and carry out a linux_disk plan.

Only tools a standard server image has: util-linux (blkid, wipefs, partx, blockdev, mount), gdisk's
sgdisk or else parted, e2fsprogs or xfsprogs. Every tool a plan needs is looked up before anything
changes; a missing one is an error naming its package. When an action fails, what this run did
is undone, newest first (a new partition table, a mount, a folder, the fstab), so a failed task
leaves the disk as it found it, except for what force had already wiped.
"""

from __future__ import annotations

import os
import tempfile
import time

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError, PreconditionError
from ansible_collections.hyperv.dda.plugins.module_utils.linux_block import (
    SYSFS_ROOT_ENV, Kernel, device_number, hex_id, namespaces)
from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import NEW_UUID

# The package each command comes from (the same name on Debian, Ubuntu, RHEL and SUSE; Debian ships
# mount(8) in 'mount', built from util-linux).
PACKAGES = {
    'blkid': 'util-linux', 'wipefs': 'util-linux', 'partx': 'util-linux', 'blockdev': 'util-linux',
    'mount': 'util-linux', 'umount': 'util-linux', 'sgdisk': 'gdisk', 'parted': 'parted',
    'mkfs.ext4': 'e2fsprogs', 'e2label': 'e2fsprogs', 'mkfs.xfs': 'xfsprogs', 'xfs_admin': 'xfsprogs',
    'xfs_io': 'xfsprogs',
}
# What each action runs; a tuple is "one of these".
NEEDS = {
    'writable': ['blockdev'], 'clear': ['wipefs'], 'partition': [('sgdisk', 'parted'), 'partx', 'wipefs'],
    'format': {'ext4': ['mkfs.ext4'], 'xfs': ['mkfs.xfs']},
    'label': {'ext4': ['e2label'], 'xfs': ['xfs_admin', 'xfs_io']},
    'mkdir': [], 'mount': ['mount', 'umount'], 'remount': ['mount'], 'fstab': [],
}
PARTITION_WAIT = 10.0   # seconds for the kernel to show a new partition's node


def _parse_export(text):
    return dict(line.split('=', 1) for line in text.splitlines() if '=' in line)


class LinuxGuest(object):

    def __init__(self, module):
        self.module = module
        self.sysfs_root = os.environ.get(SYSFS_ROOT_ENV) or '/sys'
        self.paths = {}
        self.uuid = None

    # --- tools ------------------------------------------------------------------------------

    def require_tools(self, actions, file_system):
        """Find every command the actions need (blkid always), or fail naming the packages."""
        wanted = ['blkid']
        for action in actions:
            needs = NEEDS[action]
            wanted += needs[file_system] if isinstance(needs, dict) else needs
        missing = []
        for need in wanted:
            choices = need if isinstance(need, tuple) else (need,)
            found = [name for name in choices if self._find(name)]
            if not found:
                missing.append(' or '.join('%s (package %s)' % (name, PACKAGES[name]) for name in choices))
        if missing:
            raise PreconditionError('This guest lacks %s. Install %s and run again.'
                                    % ('; '.join(missing), 'them' if len(missing) > 1 else 'it'))

    def _find(self, name):
        if name not in self.paths:
            self.paths[name] = self.module.get_bin_path(name)
        return self.paths[name]

    def run(self, name, *args):
        command = [self._find(name) or name] + list(args)
        rc, out, err = self.module.run_command(command)
        if rc != 0:
            said = (err or out).strip() or 'no message'
            raise DDAError('%s failed (exit %d): %s' % (' '.join([name] + list(args)), rc, said))
        return out

    def blkid(self, node):
        """What blkid's low-level probe finds on a device (no cache, no udev): {} when nothing."""
        rc, out, err = self.module.run_command([self._find('blkid') or 'blkid', '-p', '-o', 'export', node])
        if rc == 2:
            return {}
        if rc != 0:
            raise DDAError('blkid -p %s failed (exit %d): %s' % (node, rc, err.strip()))
        return _parse_export(out)

    # --- survey -----------------------------------------------------------------------------

    def survey(self, args):
        if os.geteuid() != 0:
            # Without root blkid cannot read the disks, which would make them look blank.
            raise PreconditionError('guest_nvme_disk needs root in a Linux guest, to read and change its disks. '
                                    'Run the task with become: true.')
        self.require_tools([], args['file_system'])
        kernel = Kernel()
        critical = kernel.critical()
        disks = [self._disk(kernel, critical, namespace) for namespace in namespaces(self.sysfs_root)]
        return {'disks': disks, 'fstab': self._read_fstab(args['fstab']),
                'mount_point': self._folder(kernel, args.get('mount_point'))}

    def _disk(self, kernel, critical, namespace):
        dev = namespace['dev']
        node = kernel.node(dev) if dev else None
        probe = self.blkid(node) if node else {}
        partitions = []
        for part in kernel.partitions(dev) if node else []:
            found = self.blkid(part['node']) if part['node'] else {}
            partitions.append(dict(part, file_system=found.get('TYPE'), label=found.get('LABEL'),
                                   uuid=found.get('UUID'), partuuid=found.get('PART_ENTRY_UUID'),
                                   partlabel=found.get('PART_ENTRY_NAME'), mounts=kernel.mount_points(part['dev']),
                                   holders=kernel.holders(part['dev'])))
        return {
            'name': namespace['name'], 'device': node, 'dev': dev, 'bus_type': 'NVMe', 'number': None,
            'model': namespace['model'], 'size': kernel.size(dev) if node else 0,
            'read_only': kernel.read_only(dev) if node else False,
            'controller_serials': [controller['serial'] for controller in namespace['controllers']],
            'serial_number': namespace['eui'] or namespace['nguid'], 'unique_id': namespace['wwid'],
            'ids': [i for i in (hex_id(namespace[key]) for key in ('eui', 'nguid', 'wwid')) if i],
            'critical': sorted(set(critical.get(dev, []))), 'table': probe.get('PTTYPE'),
            'signature': probe.get('TYPE'), 'mounts': kernel.mount_points(dev) if dev else [],
            'holders': kernel.holders(dev) if dev else [], 'partitions': partitions}

    @staticmethod
    def _read_fstab(path):
        try:
            with open(path) as handle:
                return handle.read()
        except (IOError, OSError):
            return ''

    @staticmethod
    def _folder(kernel, path):
        if not path:
            return {}
        mounted = [mount['source'] for mount in kernel.mounts if mount['mount_point'] == path]
        is_dir = os.path.isdir(path)
        return {'exists': os.path.lexists(path), 'is_dir': is_dir, 'mounted': mounted[-1] if mounted else None,
                'entries': sorted(os.listdir(path)) if is_dir else [], 'resolved': os.path.realpath(path)}

    # --- apply ------------------------------------------------------------------------------

    def apply(self, params):
        """Run the plan's actions in order; on a failure undo this run's work and fail."""
        undo = []
        self.partition = params['partition']
        try:
            for action in params['actions']:
                getattr(self, '_' + action)(params, undo)
        except (DDAError, OSError) as e:
            message = e.msg if isinstance(e, DDAError) else str(e)
            problems = []
            for step in reversed(undo):
                try:
                    step()
                except (DDAError, OSError) as undo_error:
                    problems.append(getattr(undo_error, 'msg', str(undo_error)))
            raise DDAError('Bringing the disk into use failed on %s: %s %s' % (
                params['device'], message, 'What this run had changed was undone.' if not problems else
                'Undoing this run\'s changes also failed (%s); check the disk by hand.' % '; '.join(problems)))

    def _writable(self, params, undo):
        self.run('blockdev', '--setrw', params['device'])

    def _wipe(self, params):
        """Erase the signatures of every partition the kernel shows, then the disk's; return those partitions."""
        shown = Kernel().partitions(params['dev'])
        for part in shown:
            if part['node']:
                self.run('wipefs', '--all', part['node'])
        self.run('wipefs', '--all', params['device'])
        return shown

    def _clear(self, params, undo):
        # force: what was on the disk is wiped on purpose; there is nothing to undo.
        self._wipe(params)

    def _partition(self, params, undo):
        device = params['device']
        undo.append(lambda: self._unpartition(params))
        if self._find('sgdisk'):
            self.run('sgdisk', '--clear', '--new=1:0:0', '--typecode=1:8300', '--change-name=1:data', device)
        else:
            self.run('parted', '--script', '--align', 'optimal', device, 'mklabel', 'gpt', 'mkpart', 'data',
                     '1MiB', '100%')
        # Tell the kernel (sgdisk's own re-read is refused on some devices), then wait for the node.
        self.run('partx', '-u', device)
        deadline = time.time() + PARTITION_WAIT
        while True:
            parts = [part for part in Kernel().partitions(params['dev']) if part['number'] == 1 and part['node']]
            if parts or time.time() > deadline:
                break
            time.sleep(0.1)
        if not parts:
            raise DDAError('the kernel shows no partition 1 on %s %d seconds after partitioning.'
                           % (device, PARTITION_WAIT))
        self.partition = parts[0]['node']

    def _unpartition(self, params):
        """Back to a blank disk: no file system on the new partition, no table, no partition in the kernel."""
        if self._wipe(params):
            self.run('partx', '--delete', '--nr', '1:128', params['device'])

    def _format(self, params, undo):
        label = ['-L', params['label']] if params['label'] else []
        if params['file_system'] == 'ext4':
            self.run('mkfs.ext4', '-q', '-F', *(label + [self.partition]))
        else:
            self.run('mkfs.xfs', '-q', '-f', *(label + [self.partition]))
        self.uuid = self.blkid(self.partition).get('UUID')

    def _label(self, params, undo):
        label, node = params['label'], self.partition
        if params['file_system'] == 'ext4':
            self.run('e2label', node, label)
            return
        mounts = Kernel().mount_points(device_number(node))
        if mounts:
            # A mounted xfs is relabelled through its own mount point (xfs_admin refuses it).
            self.run('xfs_io', '-c', 'label -s %s' % label if label else 'label -c', mounts[0])
        else:
            self.run('xfs_admin', '-L', label or '--', node)

    def _mkdir(self, params, undo):
        os.makedirs(params['mount_point'], 0o755)
        undo.append(lambda: os.rmdir(params['mount_point']))

    def _mount(self, params, undo):
        self.run('mount', '-t', params['file_system'], '-o', params['mount_options'], self.partition,
                 params['mount_point'])
        undo.append(lambda: self.run('umount', params['mount_point']))

    def _remount(self, params, undo):
        self.run('mount', '-o', 'remount,' + params['mount_options'], params['mount_point'])

    def _fstab(self, params, undo):
        path = params['fstab']
        before = self._read_fstab(path)
        text = params['fstab_text']
        if NEW_UUID in text:
            # The line of a file system this run made: mkfs chose its UUID (_format read it back).
            if not self.uuid:
                raise DDAError('the new file system on %s has no UUID to put in %s.' % (self.partition, path))
            text = text.replace(NEW_UUID, self.uuid)
        self._write(path, text)
        undo.append(lambda: self._write(path, before))

    def _write(self, path, text):
        folder = os.path.dirname(path)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix='.fstab.')
        with os.fdopen(handle, 'w') as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if os.path.exists(path):
            os.chmod(temporary, os.stat(path).st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o644)
        self.module.atomic_move(temporary, path)
