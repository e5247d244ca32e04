# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What a Linux guest's kernel says about its NVMe namespaces and what uses them.

Two sources, on purpose:

- identity (which namespace is the passed-through drive) from a sysfs root:
  ``class/nvme/<controller>/serial`` is the controller serial, the one Windows calls
  AdapterSerialNumber; ``block/<namespace>/{eui,nguid,wwid}`` are the namespace IDs Windows shows
  as SerialNumber/UniqueId; ``block/<namespace>/dev`` is its device number. The root is ``/sys``
  unless the environment variable HYPERV_DDA_SYSFS_ROOT names another tree (tests and rehearsals
  point it at a fixture whose namespaces stand for loop devices).
- contents and use (partitions, holders, mounts, swap) from the kernel itself, by device number:
  ``/sys/dev/block``, ``/proc/self/mountinfo`` and ``/proc/swaps``.

Reading only; nothing here changes the guest.
"""

from __future__ import annotations

import os
import re
import stat

from ansible_collections.hyperv.dda.plugins.module_utils.fstab import unescape

SYSFS_ROOT_ENV = 'HYPERV_DDA_SYSFS_ROOT'
# nvme0n1 (one path) or nvme0c1n1 (a path of multipath namespace head nvme0n1).
NAMESPACE_ENTRY = re.compile(r'^nvme(\d+)(?:c\d+)?n(\d+)$')
# Mount points whose disks are never touched, whatever the options.
CRITICAL_MOUNTS = ('/', '/boot', '/boot/efi', '/usr')


def read(path, default=None):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return default


def hex_id(value):
    """A namespace ID as bare lower-case hex (EUI-64: 16 digits, NGUID/UUID: 32), or None.

    Accepts every spelling of the same bytes: Windows' 0025_3852_21B3_4B17., the kernel's eui
    (00 25 38 52 21 b3 4b 17 since it prints %8ph; 00-25-... before), nguid as a UUID, and wwid's
    eui.0025385221b34b17 / uuid.<uuid>.
    """
    if not value:
        return None
    text = re.sub(r'^(eui|nvme|naa|uuid)\.', '', value.strip().lower())
    digits = re.sub(r'[\s_:.\-]', '', text)
    return digits if re.match(r'^([0-9a-f]{16}|[0-9a-f]{32})$', digits) and digits.strip('0') else None


def namespaces(sysfs_root):
    """Every NVMe namespace under sysfs_root, with its controllers' serials and its IDs."""
    found = {}
    class_dir = os.path.join(sysfs_root, 'class', 'nvme')
    controllers = sorted(os.listdir(class_dir)) if os.path.isdir(class_dir) else []
    for controller in controllers:
        folder = os.path.join(class_dir, controller)
        serial = (read(os.path.join(folder, 'serial')) or '').strip()
        for entry in sorted(os.listdir(folder)):
            match = NAMESPACE_ENTRY.match(entry)
            block = match and os.path.join(sysfs_root, 'block', 'nvme%sn%s' % match.groups())
            if not block or not os.path.isdir(block):
                continue
            name = os.path.basename(block)
            namespace = found.setdefault(name, {
                'name': name, 'dev': read(os.path.join(block, 'dev')), 'controllers': [],
                'model': (read(os.path.join(folder, 'model')) or '').strip() or None,
                'eui': read(os.path.join(block, 'eui')), 'nguid': read(os.path.join(block, 'nguid')),
                'wwid': read(os.path.join(block, 'wwid'))})
            namespace['controllers'].append({'name': controller, 'serial': serial})
    return [found[name] for name in sorted(found)]


def mountinfo(text):
    """/proc/self/mountinfo as a list of {dev, mount_point, file_system, source}."""
    mounts = []
    for row in text.splitlines():
        fields = row.split(' ')
        if ' - ' not in row or len(fields) < 10:
            continue
        tail = row.split(' - ', 1)[1].split(' ')
        mounts.append({'dev': fields[2], 'mount_point': unescape(fields[4]), 'file_system': tail[0],
                       'source': unescape(tail[1])})
    return mounts


def swaps(text):
    """/proc/swaps: the paths of the active swap areas."""
    return [unescape(row.split()[0]) for row in text.splitlines()[1:] if row.split()]


def device_number(path):
    """'major:minor' of a block device node, or None when path is not one."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return '%d:%d' % (os.major(info.st_rdev), os.minor(info.st_rdev)) if stat.S_ISBLK(info.st_mode) else None


class Kernel(object):
    """The block layer and mount tables of the running kernel (paths overridable for unit tests)."""

    def __init__(self, dev_block='/sys/dev/block', proc='/proc', dev='/dev'):
        self.dev_block = dev_block
        self.dev = dev
        self.mounts = mountinfo(read(os.path.join(proc, 'self', 'mountinfo'), ''))
        self.swaps = swaps(read(os.path.join(proc, 'swaps'), ''))
        for mount in self.mounts:
            # btrfs and friends show an anonymous device number; their source names the real one.
            if mount['dev'].startswith('0:') and mount['source'].startswith('/dev/'):
                mount['dev'] = device_number(mount['source']) or mount['dev']
        self.swap_devs = set(filter(None, (device_number(path) for path in self.swaps)))

    def folder(self, dev):
        return os.path.realpath(os.path.join(self.dev_block, dev))

    def node(self, dev):
        """The /dev node of a device number, checked to really be that device."""
        uevent = dict(line.split('=', 1) for line in (read(os.path.join(self.folder(dev), 'uevent'), '')).splitlines()
                      if '=' in line)
        path = os.path.join(self.dev, uevent.get('DEVNAME', ''))
        return path if uevent.get('DEVNAME') and device_number(path) == dev else None

    def holders(self, dev):
        folder = os.path.join(self.folder(dev), 'holders')
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    def partitions(self, dev):
        """The partitions of a disk: number, name, dev, node, size in bytes."""
        folder = self.folder(dev)
        found = []
        for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            number = read(os.path.join(folder, entry, 'partition'))
            part_dev = read(os.path.join(folder, entry, 'dev'))
            if number and part_dev:
                found.append({'number': int(number), 'name': entry, 'dev': part_dev, 'node': self.node(part_dev),
                              'size': int(read(os.path.join(folder, entry, 'size'), '0')) * 512})
        return sorted(found, key=lambda partition: partition['number'])

    def size(self, dev):
        return int(read(os.path.join(self.folder(dev), 'size'), '0')) * 512

    def read_only(self, dev):
        return read(os.path.join(self.folder(dev), 'ro')) == '1'

    def mount_points(self, dev):
        return [mount['mount_point'] for mount in self.mounts if mount['dev'] == dev]

    def disks_under(self, dev, seen=None):
        """The whole disks a device lives on: a partition's disk, a device-mapper or md device's members."""
        seen = set() if seen is None else seen
        if dev in seen:
            return set()
        seen.add(dev)
        folder = self.folder(dev)
        if os.path.exists(os.path.join(folder, 'partition')):
            return self.disks_under(read(os.path.join(os.path.dirname(folder), 'dev')), seen)
        slaves = os.path.join(folder, 'slaves')
        members = sorted(os.listdir(slaves)) if os.path.isdir(slaves) else []
        if not members:
            return {dev}
        disks = set()
        for member in members:
            disks |= self.disks_under(read(os.path.join(slaves, member, 'dev')), seen)
        return disks

    def critical(self):
        """{disk dev: [what it holds]} for the disks under /, /boot, /boot/efi, /usr and every active swap."""
        held = {}
        for mount in self.mounts:
            if mount['mount_point'] in CRITICAL_MOUNTS:
                for disk in self.disks_under(mount['dev']):
                    held.setdefault(disk, []).append(mount['mount_point'])
        for dev in self.swap_devs:
            for disk in self.disks_under(dev):
                held.setdefault(disk, []).append('swap')
        return held
