# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
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


# What follows from a claim, in the sentence host_critical_reasons makes of it.
_CONSEQUENCES = {'pool': '; removing it would take capacity and redundancy from the pool'}


def _claims(disk):
    """(kind, clause) for each reason the host must keep the controller behind this disk."""
    name = _disk_name(disk)
    if disk.get('is_boot'):
        yield 'boot', "it backs the host's boot disk (%s)" % name
    if disk.get('is_system'):
        yield 'system', "it backs the host's system disk (%s)" % name
    if disk.get('has_pagefile'):
        yield 'page file', "it backs a disk that holds the host's page file (%s)" % name
    if disk.get('storage_pool'):
        yield 'pool', "its %s is a member of storage pool '%s'" % (name, disk['storage_pool'])
    if disk.get('passed_through_to'):
        # A physical disk given to a VM (Add-VMHardDiskDrive -DiskNumber) is offline on the host, with no volumes
        # there: nothing else shows that it is in use (dda-facts §11, "Passthrough disks").
        yield 'passthrough', "its %s is passed through to VM '%s' as a physical hard disk" % (
            name, disk['passed_through_to'])


def disk_claims(disk):
    """Why the host must keep the controller behind this disk, as clauses ("it backs the host's boot disk (disk
    0)"); set_pnp_device.ps1 words its own check of the host the same way."""
    return [clause for dummy, clause in _claims(disk)]


def host_critical_reasons(device):
    """Why the device must stay on the host, whatever the options (empty when it need not).

    Unknown disks (null) are never "no disks": a device on the host whose disks are unknown stays.
    """
    if device['disks'] is None:
        return [UNKNOWN_DISKS] if device['state'] != 'dismounted' else []
    return ['%s%s%s.' % (clause[0].upper(), clause[1:], _CONSEQUENCES.get(kind, ''))
            for disk in device['disks'] for kind, clause in _claims(disk)]


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
