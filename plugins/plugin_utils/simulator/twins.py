# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python twins of the named PowerShell scripts.

Each twin takes the simulated host and the script's parameters, calls the same cmdlets in the
same order as its .ps1, and returns what the .ps1 puts into $Ansible.Result together with the
value it gives $Ansible.Changed. A contract test holds the keys of both to the same set.
"""

from __future__ import annotations

import copy

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import SCHEMA_ID, location_path, without_sim_fields
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets, guest
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError

_AWAY_DISK = dict.fromkeys(('number', 'is_boot', 'is_system', 'has_pagefile', 'storage_pool',
                            'partition_style', 'partitions'))
_IDENTITY = ('model', 'serial_number', 'adapter_serial_number', 'unique_id', 'size')


def _present_device(device):
    """A device on the host, as survey_host.ps1 reads it through PnP and Storage cmdlets."""
    reported = copy.deepcopy(device)
    reported['mitigation_driver'] = None  # no documented property tells it on a real host
    if device['state'] == 'disabled':
        reported['survey'] = None  # a disabled device has no resources to survey
    reported['identity_recorded'] = bool(device.get('identity_recorded'))
    return reported


def _away_device(device):
    """A dismounted or assigned device: only its path, plus what the collection recorded."""
    recorded = bool(device.get('identity_recorded'))
    disks = []
    if recorded:
        for disk in device['disks']:
            entry = dict(_AWAY_DISK)
            entry.update((key, disk.get(key)) for key in _IDENTITY)
            disks.append(entry)
    return {
        'instance_id': device['instance_id'],
        'location_paths': [location_path(device)],
        'friendly_name': device['friendly_name'] if recorded else None,
        'class': device['class'] if recorded else None,
        'service': device['service'] if recorded else None,
        'state': 'dismounted',
        'mitigation_driver': None,
        'survey': None,
        'disks': disks,
        'identity_recorded': recorded,
    }


def survey_host(host, parameters):
    doc = host.doc
    host.invoke('Get-CimInstance', ClassName='Win32_OperatingSystem')
    host.invoke('Get-VMHost')
    host.invoke('Get-CimInstance', ClassName='Win32_PageFileUsage')
    host.invoke('Get-PhysicalDisk')
    host.invoke('Get-CimInstance', ClassName='Win32_DiskDrive')
    host.invoke('Get-VM')
    for vm in doc['vms']:
        host.invoke('Get-VMAssignableDevice', VM=vm['name'])
    host.invoke('Get-PnpDevice', PresentOnly=True, Class='SCSIAdapter')
    present = [_present_device(d) for d in doc['devices'] if d['state'] != 'dismounted']
    host.invoke('Get-VMHostAssignableDevice')
    away = [_away_device(d) for d in doc['devices'] if d['state'] == 'dismounted']
    result = without_sim_fields({
        'schema': SCHEMA_ID,
        'host': copy.deepcopy(doc['host']),
        'devices': present + away,
        'vms': copy.deepcopy(doc['vms']),
    })
    return result, False


TWINS = {
    'survey_host': survey_host,
}


# --- mutating scripts ---------------------------------------------------------------------------

def set_vm_stop_action(host, parameters):
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    previous = vm['automatic_stop_action']
    changed = previous != parameters['Action']
    if changed:
        cmdlets.set_vm_stop_action(host, vm, parameters['Action'])
    now = cmdlets.vm_by_id(host, parameters['VMId'])['automatic_stop_action']
    _verify(host, now == parameters['Action'], "Set-VM reported success, but the automatic stop action of VM '%s' is "
            "still %s." % (vm['name'], now))
    return {'vm_name': vm['name'], 'automatic_stop_action': now, 'previous_automatic_stop_action': previous}, changed


def set_vm_memory(host, parameters):
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    wanted = (parameters['DynamicMemoryEnabled'], parameters['StartupBytes'])
    changed = (vm['dynamic_memory_enabled'], vm['memory_startup_bytes']) != wanted
    if changed:
        cmdlets.set_vm_memory(host, vm, *wanted)
    now = cmdlets.vm_by_id(host, parameters['VMId'])
    _verify(host, (now['dynamic_memory_enabled'], now['memory_startup_bytes']) == wanted,
            "Set-VMMemory reported success, but VM '%s' has other memory settings." % vm['name'])
    return {'vm_name': vm['name'], 'dynamic_memory_enabled': now['dynamic_memory_enabled'],
            'memory_startup_bytes': now['memory_startup_bytes']}, changed


def set_vm_power(host, parameters):
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    previous = vm['state']
    turned_off = changed = False
    if parameters['State'] == 'running' and previous != 'Running':
        (cmdlets.resume_vm if previous == 'Paused' else cmdlets.start_vm)(host, vm)
        changed = True
    elif parameters['State'] == 'off' and previous == 'Running':
        if not cmdlets.stop_vm(host, vm, turn_off=False):  # the guest did not shut down in time
            if not parameters.get('TurnOffOnTimeout'):
                host.throw("VM '%s' did not shut down within %d seconds and is still running. Raise "
                           "shutdown_timeout, check the guest, or set turn_off_on_timeout."
                           % (vm['name'], parameters.get('ShutdownTimeout', 300)))
            cmdlets.stop_vm(host, vm, turn_off=True)
            turned_off = True
        changed = True
    now = cmdlets.vm_by_id(host, parameters['VMId'])['state']
    expected = 'Running' if parameters['State'] == 'running' else 'Off'
    _verify(host, now == expected, "VM '%s' is %s after the power change, not %s." % (vm['name'], now, expected))
    return {'vm_name': vm['name'], 'state': now, 'previous_state': previous, 'turned_off': turned_off}, changed


def set_pnp_device(host, parameters):
    instance_id, enabled = parameters['InstanceId'], parameters['Enabled']
    host.invoke('Get-PnpDevice', InstanceId=instance_id, PresentOnly=True)
    disabled = cmdlets.present_device(host, 'Get-PnpDevice', instance_id)['state'] == 'disabled'
    changed = disabled == enabled
    if enabled and disabled:
        cmdlets.enable_pnp_device(host, instance_id)
    elif not enabled and not disabled:
        cmdlets.disable_pnp_device(host, instance_id)
    host.invoke('Get-PnpDevice', InstanceId=instance_id, PresentOnly=True)
    return {'instance_id': instance_id, 'state': 'enabled' if enabled else 'disabled'}, changed


def dismount_device(host, parameters):
    path = parameters['LocationPath']
    changed = not cmdlets.pool_paths(host, path)
    if changed:
        device = cmdlets.device_at(host, path)
        record_before = dict((key, device[key]) for key in ('identity_recorded',) if device and key in device)
        host.invoke('Set-ItemProperty', LiteralPath='HKLM:\\SOFTWARE\\hyperv.dda\\Devices\\' + path)
        if device is not None:
            device['identity_recorded'] = True  # the simulator's record: the device keeps its disks
        try:
            cmdlets.dismount_device(host, path, bool(parameters.get('Force')))
        except CmdletError:
            if device is not None and not record_before.get('identity_recorded'):
                # Remove the record this run made: the device is as it was, key and all.
                device.pop('identity_recorded')
                device.update(record_before)
            raise
    _verify(host, bool(cmdlets.pool_paths(host, path)), 'Dismount-VMHostAssignableDevice reported success, but %s is not '
            "among the host's assignable devices." % path)
    return {'location_path': path, 'state': 'dismounted', 'identity_recorded': True}, changed


def mount_device(host, parameters):
    path = parameters['LocationPath']
    changed = bool(cmdlets.pool_paths(host, path))
    if changed:
        cmdlets.mount_device(host, path)
    _verify(host, not cmdlets.pool_paths(host, path),
            'Mount-VMHostAssignableDevice reported success, but %s is still dismounted.' % path)
    return {'location_path': path, 'state': 'disabled'}, changed


def set_vm_device(host, parameters):
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    path, present = parameters['LocationPath'], parameters['Present']
    has = path in cmdlets.assigned_paths(host, vm)
    if present and not has:
        cmdlets.add_vm_device(host, vm, path)
    elif has and not present:
        cmdlets.remove_vm_device(host, vm, path)
    assigned = cmdlets.assigned_paths(host, vm)
    cmdlet = 'Add-VMAssignableDevice' if present else 'Remove-VMAssignableDevice'
    _verify(host, (path in assigned) == present, "%s reported success, but VM '%s' %s %s." % (
        cmdlet, vm['name'], 'does not have' if present else 'still has', path))
    return {'vm_name': vm['name'], 'assigned_devices': assigned}, has != present


def _verify(host, ok, message):
    """The after-check every mutating script makes: the cmdlet really did what it said."""
    if not ok:
        host.throw(message)


TWINS.update({
    'set_vm_stop_action': set_vm_stop_action,
    'set_vm_memory': set_vm_memory,
    'set_vm_power': set_vm_power,
    'set_pnp_device': set_pnp_device,
    'dismount_device': dismount_device,
    'mount_device': mount_device,
    'set_vm_device': set_vm_device,
})


# --- guest scripts (Windows guests, directly or through PowerShell Direct) --------------------

def _guest_session(host, parameters):
    """The VM whose guest the script runs in, after the checks PowerShell Direct makes."""
    name = parameters.get('VMName')
    if not name:
        vm = guest.guest_vm(host, host.guest_vm_name)  # the task runs against the guest itself
        if vm['state'] != 'Running':
            host.throw("The guest of VM '%s' cannot be reached: the VM is %s." % (vm['name'], vm['state']))
        return vm
    host.invoke('Invoke-Command', VMName=name)
    vm = guest.guest_vm(host, name)
    if vm['state'] != 'Running':
        host.fail('Invoke-Command', 'powershell_direct_not_running', vm=name)
    view = vm.get('guest') or {}
    if view.get('os') != 'windows':
        host.fail('Invoke-Command', 'powershell_direct_not_windows')
    given, expected = parameters.get('Credential') or {}, view.get('credential') or {}
    if (given.get('username', '').lower(), given.get('password')) != \
            (expected.get('username', '').lower(), expected.get('password')):
        host.fail('Invoke-Command', 'powershell_direct_refused')
    return vm


def survey_guest_disks(host, parameters):
    vm = _guest_session(host, parameters)
    host.invoke('Get-PhysicalDisk')
    host.invoke('Get-Disk')
    views = [disk.view() for disk in guest.disks(host, vm)]
    host.invoke('Get-Volume')
    folder = None
    if parameters.get('AccessPath'):
        entries = guest.folder_entries(vm, parameters['AccessPath'])
        folder = {'path': parameters['AccessPath'], 'exists': entries is not None, 'entries': entries or 0}
    return {'disks': views, 'used_letters': guest.used_letters(host, vm), 'folder': folder}, False


def format_guest_disk(host, parameters):
    vm = _guest_session(host, parameters)
    target = guest.disk(host, vm, parameters['DiskNumber'])
    letter, folder = parameters.get('DriveLetter') or None, parameters.get('AccessPath') or None
    done = {}  # this run's own work, undone if a later step fails (as format_guest_disk.ps1 does)
    try:
        for action in parameters['Actions']:
            _format_step(host, vm, target, parameters, action, letter, folder, done)
    except CmdletError:
        if 'initialize' in done:
            guest.clear_disk(host, target)
        elif 'partition' in done:
            guest.remove_partition(host, target, done['partition'])
        raise
    host.invoke('Get-Disk', Number=target.number)
    view = target.view()
    data = guest.data_partition(target)
    volume = None
    if data is not None:
        found = data.get('volume') or {}
        volume = {'drive_letter': data.get('drive_letter'), 'access_path': (data.get('access_paths') or [None])[0],
                  'file_system': found.get('file_system'), 'label': found.get('label'), 'size': data['size']}
    disk = dict((key, view[key]) for key in ('number', 'serial_number', 'adapter_serial_number', 'size',
                                             'partition_style'))
    return {'disk': disk, 'volume': volume}, bool(parameters['Actions'])


def _format_step(host, vm, target, parameters, action, letter, folder, done):
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
        for old in [path for path in data['access_paths'] if path != folder]:
            guest.remove_access_path(host, target, data, old)
        guest.add_access_path(host, vm, target, data, folder)
    else:
        host.throw("Unknown action '%s'." % action)


TWINS.update({
    'survey_guest_disks': survey_guest_disks,
    'format_guest_disk': format_guest_disk,
})
