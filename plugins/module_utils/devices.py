# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What the collection says about one device of a snapshot: where it is and what backs it."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path

DISK_IDENTITY = ('model', 'serial_number', 'adapter_serial_number', 'size')


def canonical_instance_id(instance_id):
    """The form two instance IDs are compared in: upper case, PCIP\\ (dismounted) read as PCI\\."""
    upper = instance_id.upper()
    if upper.startswith('PCIP\\'):
        upper = 'PCI\\' + upper[len('PCIP\\'):]
    return upper


def assigned_to(snapshot, device):
    """Name of the VM the device is assigned to, or None. Assignments live only in vms[]."""
    path = location_path(device)
    for vm in snapshot['vms']:
        if path in vm['assigned_devices']:
            return vm['name']
    return None


def summary(snapshot, device, **after):
    """The ``device`` return value of every module that acts on a device.

    Keyword arguments (``state``, ``assigned_to``) describe the device after a planned change.
    """
    entry = {
        'instance_id': device['instance_id'],
        'location_path': location_path(device),
        'friendly_name': device['friendly_name'],
        'state': device['state'],
        'assigned_to': assigned_to(snapshot, device),
        'disks': None if device['disks'] is None else [dict((key, disk.get(key)) for key in DISK_IDENTITY)
                                                       for disk in device['disks']],
    }
    entry.update(after)
    return entry


def where(snapshot, device):
    """Where the device is, in words: 'enabled on the host', 'assigned to VM sql01', ..."""
    owner = assigned_to(snapshot, device)
    if owner is not None:
        return "assigned to VM '%s'" % owner
    if device['state'] == 'dismounted':
        return 'dismounted and assigned to no VM'
    return '%s on the host' % device['state']


def describe(device):
    """One line naming a device for messages: path, name and the serials of its disks."""
    serials = []
    for disk in device['disks'] or []:
        for key, label in (('serial_number', 'serial'), ('adapter_serial_number', 'adapter serial')):
            if disk.get(key):
                serials.append('%s %s' % (label, disk[key].strip()))
    parts = [device['friendly_name'] or 'unnamed device', device['state']] + serials
    return '%s (%s)' % (location_path(device), ', '.join(parts))
