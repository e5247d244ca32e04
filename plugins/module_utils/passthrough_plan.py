# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole passthrough (or release) of a VM's devices, planned from one host snapshot.

The nvme_passthrough role calls this (as the filter hyperv.dda.nvme_passthrough_plan) right after
its one hyperv_dda_info probe, and acts only on what it returns:

- ``errors``: every reason the run cannot work, found before anything changes (unknown or
  duplicate VM, a selector that matches no device or several, a device that cannot be passed
  through or belongs to another VM, dynamic memory not allowed to change, ...);
- ``changes``: what the run would change, in words, in order; ``work``: the same without the
  shutdown and start of the VM (what a refused shutdown names);
- ``shutdown``: whether the VM must be shut down for it (once, for all devices), and ``restart``,
  whether it must be started again afterwards to restore its power state; ``start``, whether an
  Off VM is started for the guest step (only with power control allowed);
- ``devices``: each selected device with the identity the guest step selects it by.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.candidates import candidate
from ansible_collections.hyperv.dda.plugins.module_utils.devices import assigned_to
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError, SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import FILE_SYSTEMS as WINDOWS_FILE_SYSTEMS
from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import FILE_SYSTEMS as LINUX_FILE_SYSTEMS
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import (
    DEVICE_SELECTORS, device_selector, select_device, select_vm)
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path

# Settings of a device's disk in the guest: Windows (drive_letter, access_path) or Linux (mount_point...).
GUEST_KEYS = ('drive_letter', 'access_path', 'label', 'file_system', 'mount_point', 'mount_options')


def _selector(entry):
    """The entry's one device selector, by the modules' own rule (device_selector), named in the error."""
    try:
        return device_selector(entry)
    except SelectorError as e:
        raise DDAError('Each entry of nvme_passthrough_devices needs exactly one of %s, not empty: %s (entry %r)'
                       % (', '.join(DEVICE_SELECTORS), e.msg, entry))


WINDOWS_SETTINGS = ('drive_letter', 'access_path')
LINUX_SETTINGS = ('mount_point', 'mount_options')


def _guest_os_errors(entry, guest):
    """A device's guest settings are for one OS; PowerShell Direct reaches Windows guests only."""
    windows = [key for key in WINDOWS_SETTINGS if entry.get(key) is not None]
    linux = [key for key in LINUX_SETTINGS if entry.get(key) is not None]
    if entry.get('file_system') in WINDOWS_FILE_SYSTEMS:
        windows.append('file_system: %s' % entry['file_system'])
    if entry.get('file_system') in LINUX_FILE_SYSTEMS:
        linux.append('file_system: %s' % entry['file_system'])
    if windows and linux:
        return ['Entry %r mixes Windows guest settings (%s) with Linux ones (%s); a disk is in one guest.'
                % (entry, ', '.join(windows), ', '.join(linux))]
    if linux and guest == 'powershell_direct':
        return ['Entry %r has Linux guest settings (%s), but PowerShell Direct reaches Windows guests only. Use '
                'nvme_passthrough_guest: inventory with the Linux guest as nvme_passthrough_guest_host.'
                % (entry, ', '.join(linux))]
    return []


def _guest_identity(device):
    disks = device['disks'] or []
    if len(disks) != 1:
        return None
    disk = disks[0]
    if disk.get('serial_number'):
        return {'serial_number': disk['serial_number']}
    if disk.get('adapter_serial_number'):
        return {'adapter_serial_number': disk['adapter_serial_number']}
    return None


def plan_passthrough(snapshot, vm_name, devices, state='present', stop_action='TurnOff',
                     disable_dynamic_memory=False, guest='none', allow_vm_restart=False):
    errors, changes, selected = [], [], []
    try:
        vm = select_vm(snapshot, vm_name)
    except DDAError as e:
        return {'errors': [e.msg], 'changes': [], 'work': [], 'shutdown': False, 'restart': False, 'start': False,
                'devices': [], 'vm': None}
    seen = {}
    for entry in devices:
        errors.extend(_guest_os_errors(entry, guest))
        try:
            device = select_device(snapshot, *_selector(entry))
        except DDAError as e:
            errors.append(e.msg)
            continue
        path = location_path(device)
        if path in seen:
            errors.append('%r and %r select the same device %s; list it once.' % (seen[path], entry, path))
            continue
        seen[path] = entry
        selected.append((entry, device))

    present = state == 'present'
    needs_off = []
    if present:
        if vm['is_clustered']:
            errors.append("VM '%s' is clustered, and DDA devices cannot be added to a clustered VM." % vm['name'])
        if vm['automatic_stop_action'] != stop_action:
            changes.append("set the automatic stop action of VM '%s' from %s to %s"
                           % (vm['name'], vm['automatic_stop_action'], stop_action))
        if vm['dynamic_memory_enabled']:
            if disable_dynamic_memory:
                changes.append("turn dynamic memory of VM '%s' off" % vm['name'])
                needs_off.append('memory')
            else:
                errors.append("VM '%s' uses dynamic memory, and DDA needs static memory. Set "
                              "nvme_passthrough_disable_dynamic_memory: true to turn it off (keeping its startup "
                              "memory)." % vm['name'])
    for entry, device in selected:
        path, owner = location_path(device), assigned_to(snapshot, device)
        if owner is not None and owner != vm['name']:
            errors.append("%s is assigned to VM '%s'. Release it there first." % (path, owner))
            continue
        if present:
            verdict = candidate(snapshot, device)
            if not verdict['assignable']:
                errors.append('%s cannot be passed through: %s' % (path, ' '.join(verdict['reasons'])))
                continue
            if device['state'] == 'enabled':
                changes.append('disable %s on the host' % path)
            if device['state'] != 'dismounted':
                changes.append('dismount %s from the host' % path)
            if owner is None:
                changes.append("assign %s to VM '%s'" % (path, vm['name']))
                needs_off.append(path)
        else:
            if owner is not None:
                changes.append("remove %s from VM '%s'" % (path, vm['name']))
                needs_off.append(path)
            if device['state'] == 'dismounted':
                changes.append('mount %s on the host' % path)
            if device['state'] != 'enabled':
                changes.append('enable %s on the host' % path)

    running = vm['state'] == 'Running'
    if needs_off and vm['state'] not in ('Running', 'Off'):
        errors.append("VM '%s' is %s; the run needs it Off. Start it or shut it down first." % (vm['name'], vm['state']))
    # The guest step needs the VM running; with power control allowed, the role starts an Off VM for it.
    start = present and guest != 'none' and vm['state'] == 'Off' and allow_vm_restart
    if present and guest != 'none' and not running and not start:
        errors.append("VM '%s' is %s, but nvme_passthrough_guest is %s: the guest step needs the VM running "
                      "after the passthrough. Start the VM first, set nvme_passthrough_allow_vm_restart: true to let "
                      "the role start it, or set nvme_passthrough_guest: none." % (vm['name'], vm['state'], guest))
    work = list(changes)
    shutdown = bool(needs_off) and running
    if shutdown:
        changes.insert(0, "shut VM '%s' down" % vm['name'])
        changes.append("start VM '%s' again" % vm['name'])
    if start:
        changes.append("start VM '%s' for the guest step" % vm['name'])
    return {
        'errors': errors,
        'changes': changes,
        'work': work,
        'shutdown': shutdown,
        'restart': shutdown,
        'start': start,
        'vm': {'name': vm['name'], 'state': vm['state']},
        'devices': [dict(location_path=location_path(device), state=device['state'],
                         assigned_to=assigned_to(snapshot, device), guest_identity=_guest_identity(device),
                         guest=dict((key, entry[key]) for key in GUEST_KEYS if entry.get(key) is not None))
                    for entry, device in selected],
    }
