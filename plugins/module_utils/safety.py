# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host-safety rules: which devices the collection must never take away from the host.

A controller that backs the host's boot, system or pagefile disk, or a storage-pool member, is
refused whatever the options. One whose disks have mounted volumes needs the user's explicit
``allow_mounted_volumes``. Each rule returns whole sentences, empty when the device is safe.
"""

from __future__ import annotations


def _disk_name(disk):
    number = disk.get('number')
    return 'disk %d' % number if number is not None else 'disk %s' % (disk.get('serial_number') or '?')


UNKNOWN_DISKS = ("Which disks sit behind it is unknown: the host's Storage cmdlets did not show them (on a cluster "
                 "node, another node may answer for a disk). The collection never takes such a device from the host; "
                 "check its disks in Disk Management, then survey the host again.")


def host_critical_reasons(device):
    """Why the device must stay on the host, whatever the options (empty when it need not).

    Unknown disks (null) are never "no disks": a device on the host whose disks are unknown stays.
    """
    if device['disks'] is None:
        return [UNKNOWN_DISKS] if device['state'] != 'dismounted' else []
    reasons = []
    for disk in device['disks']:
        name = _disk_name(disk)
        if disk.get('is_boot'):
            reasons.append("It backs the host's boot disk (%s)." % name)
        if disk.get('is_system'):
            reasons.append("It backs the host's system disk (%s)." % name)
        if disk.get('has_pagefile'):
            reasons.append("It backs a disk that holds the host's page file (%s)." % name)
        if disk.get('storage_pool'):
            reasons.append("Its %s is a member of storage pool '%s'; removing it would take capacity "
                           "and redundancy from the pool." % (name, disk['storage_pool']))
    return reasons


def mounted_volumes(device):
    """The mount points (drive letters and folders) of volumes on the device's disks."""
    mounts = []
    for disk in device['disks'] or []:
        for partition in disk.get('partitions') or []:
            if partition.get('volume') is None:
                continue
            if partition.get('drive_letter'):
                mounts.append('%s:' % partition['drive_letter'])
            mounts.extend(partition.get('access_paths') or [])
    return mounts


def mounted_volume_reason(device, option='allow_mounted_volumes'):
    """Why taking the device from the host needs the option (allow_mounted_volumes, or the role's), or None."""
    mounts = mounted_volumes(device)
    if not mounts:
        return None
    return ('Its disks have mounted volumes (%s) that the host would lose. Move the data off, or set '
            '%s: true if the host no longer needs them.' % (', '.join(mounts), option))
