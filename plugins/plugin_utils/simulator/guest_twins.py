# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Twins of the scripts that run in a Windows guest, directly or through PowerShell Direct (see twins.py)."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.selectors import normalize_serial
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import GuestNotCaptured
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import guest
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.lease_twins import assert_lease


def _guest_session(host, parameters):
    """The VM whose guest the script runs in, after the checks PowerShell Direct makes.

    A snapshot without a view of the guest (guest_not_captured) answers no guest script: what the guest would say is
    unknown, and a made-up answer would rehearse a guest step that the real run may not take."""
    name = parameters.get('VMName')
    if not name:
        vm = guest.guest_vm(host, host.guest_vm_name)  # the task runs against the guest itself
        if vm['state'] != 'Running':
            host.throw("The guest of VM '%s' cannot be reached: the VM is %s." % (vm['name'], vm['state']))
        _captured(vm)
        return vm
    vm = guest.powershell_direct_vm(host, name)
    if vm['state'] != 'Running':
        host.fail('Invoke-Command', 'powershell_direct_not_running', vm=vm['id'])
    _captured(vm)
    view = vm.get('guest') or {}
    if view.get('os') != 'windows':
        host.fail('Invoke-Command', 'powershell_direct_not_windows')
    if view.get('captured'):
        return vm  # the capture checked the credential against the real guest; the snapshot keeps none
    given, expected = parameters.get('Credential') or {}, view.get('credential') or {}
    if (given.get('username', '').lower(), given.get('password')) != \
            (expected.get('username', '').lower(), expected.get('password')):
        host.fail('Invoke-Command', 'powershell_direct_refused')
    return vm


def _captured(vm):
    if vm.get('guest_not_captured'):
        raise GuestNotCaptured(vm['name'], vm['guest_not_captured'])


def survey_guest_disks(host, parameters):
    vm = _guest_session(host, parameters)
    host.invoke('Get-PhysicalDisk')
    host.invoke('Get-Partition', ErrorAction='Stop')
    host.invoke('Get-Volume', ErrorAction='Stop')
    host.invoke('Get-Disk')
    views = [disk.view() for disk in guest.disks(host, vm)]
    folders = []
    for path in parameters.get('AccessPaths') or []:
        entries = guest.folder_entries(vm, path)
        folders.append({'path': path, 'exists': entries is not None, 'entries': entries or 0})
    host.end_script_block()
    return {'disks': views, 'used_letters': guest.used_letters(host, vm), 'folders': folders}, False


def _planned_disk(host, vm, parameters):
    """format_guest_disk.ps1: the disk by identity when the plan did not know its number, else by number and still of
    the identity planned from (disk numbers change across reboots); never the boot or system disk; then the check that
    it is still as planned."""
    number = parameters.get('DiskNumber', -1)
    identity = [parameters.get(key) or '' for key in ('SerialNumber', 'AdapterSerialNumber', 'UniqueId')]
    wanted = [normalize_serial(value) for value in identity]
    if number < 0:
        host.invoke('Get-PhysicalDisk')
        host.invoke('Get-Disk')
        found = []
        for candidate in guest.disks(host, vm):
            view = candidate.view()
            seen = [normalize_serial(view.get(key) or '') for key in ('serial_number', 'adapter_serial_number', 'unique_id')]
            if view['bus_type'] == 'NVMe' and any(w and w == s for w, s in zip(wanted, seen)):
                found.append(candidate)
        if len(found) != 1:
            host.throw('The guest has %d NVMe disks with the planned identity, not one; is the device passed through '
                       'to this VM?' % len(found))
        target = found[0]
        number = target.number
    else:
        target = guest.disk(host, vm, number)
        view = target.view()
        seen = [normalize_serial(view.get(key) or '') for key in ('serial_number', 'unique_id')]
        if not (wanted[0] or wanted[2]):
            host.throw('Disk %d in the guest was planned without a serial number or unique ID, so it cannot be told '
                       'from another disk that has taken its number; nothing was changed.' % number)
        if (wanted[0] and seen[0] != wanted[0]) or (wanted[2] and seen[1] != wanted[2]):
            host.throw("Disk %d in the guest is not the disk planned from: it has serial number '%s' and unique ID "
                       "'%s', not '%s' and '%s' (disk numbers can change when the guest restarts); nothing was "
                       "changed. Run the task again to plan from the disks as they are."
                       % (number, view.get('serial_number') or '', view.get('unique_id') or '', identity[0],
                          identity[2]))
    view = target.view()
    if view['is_boot'] or view['is_system']:
        host.throw('Disk %d in the guest is its boot or system disk; nothing was changed.' % number)
    if parameters.get('ExpectedPartitionStyle'):
        host.invoke('Get-Partition', ErrorAction='Stop')
        count = len(view['partitions'])
        if (view['partition_style'], count) != (parameters['ExpectedPartitionStyle'], parameters['ExpectedPartitions']):
            host.throw('Disk %d in the guest is %s with %d partition(s), not %s with %d as planned; nothing was '
                       'changed. Run the task again to plan from the disk as it is.'
                       % (number, view['partition_style'], count, parameters['ExpectedPartitionStyle'],
                          parameters['ExpectedPartitions']))
    return target


def format_guest_disk(host, parameters):
    if parameters.get('VMName'):
        # Through PowerShell Direct the script changes a disk through the host: its run must hold the host's lease.
        assert_lease(host, parameters.get('LeaseToken'))
    vm = _guest_session(host, parameters)
    target = _planned_disk(host, vm, parameters)
    letter, folder = parameters.get('DriveLetter') or None, parameters.get('AccessPath') or None
    done = {}  # this run's own work, undone if a later step fails (as format_guest_disk.ps1 does)
    try:
        for action in parameters['Actions']:
            _format_step(host, vm, target, parameters, action, letter, folder, done)
    except CmdletError as failed:
        # The script's undo; an undo that fails too is told with the step that failed, not instead of it.
        try:
            if 'initialize' in done:
                guest.clear_disk(host, target)
            elif 'partition' in done:
                guest.remove_partition(host, target, done['partition'])
        except CmdletError as undo:
            host.throw("%s Undoing this run's change to disk %d failed as well: %s"
                       % (failed.message, target.number, undo.message))
        raise
    host.invoke('Get-Disk', Number=target.number)
    host.invoke('Get-PhysicalDisk')
    host.invoke('Get-Partition', ErrorAction='Stop')
    view = target.view()
    data = guest.data_partition(target)
    volume = None
    if data is not None:
        host.invoke('Get-Volume', ErrorAction='Stop')
        found = data.get('volume') or {}
        volume = {'drive_letter': data.get('drive_letter'), 'access_path': (data.get('access_paths') or [None])[0],
                  'file_system': found.get('file_system'), 'label': found.get('label'), 'size': data['size']}
    disk = dict((key, view[key]) for key in ('number', 'serial_number', 'adapter_serial_number', 'size',
                                             'partition_style'))
    host.end_script_block()
    return {'disk': disk, 'volume': volume}, bool(parameters['Actions'])


def _format_step(host, vm, target, parameters, action, letter, folder, done):
    host.invoke('Get-Partition', ErrorAction='Stop')
    data = guest.data_partition(target)
    if action == 'online':
        guest.set_disk(host, target, IsOffline=False)
    elif action == 'writable':
        guest.set_disk(host, target, IsReadOnly=False)
    elif action == 'clear':
        guest.clear_disk(host, target)
    elif action == 'initialize':
        guest.initialize_disk(host, target, parameters['PartitionStyle'])
        done['initialize'] = True
    elif action == 'partition':
        done['partition'] = guest.new_partition(host, vm, target, letter)
    elif action == 'format':
        guest.format_volume(host, target, data, parameters['FileSystem'], parameters.get('Label', ''),
                            parameters.get('AllocationUnitSize') or 0)
    elif action == 'label':
        guest.set_label(host, target, data, parameters.get('Label', ''))
    elif action == 'letter':
        guest.set_letter(host, vm, target, data, letter)
    elif action == 'folder':
        guest.new_folder(host, vm, folder)
    elif action == 'access_path':
        # A folder is the same mount point with or without its trailing backslash.
        for old in [path for path in data['access_paths'] if path.rstrip('\\') != folder.rstrip('\\')]:
            guest.remove_access_path(host, target, data, old)
        guest.add_access_path(host, vm, target, data, folder)
        if not data.get('drive_letter'):
            guest.no_default_drive_letter(host, target, data)
    else:
        host.throw("Unknown action '%s'." % action)
