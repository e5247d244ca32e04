# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The twin of survey_host.ps1 (and of parts/controller_disks.ps1, which set_pnp_device.ps1 shares).

It calls the cmdlets the script calls, in the same order and as often: a list handed to a cmdlet
(``-InstanceId @(...)``, ``-DiskNumber @(...)``, objects from the pipeline) is one call that does the
work of ``inputs`` calls, which is what the survey's cost (host.cost) counts.
"""

from __future__ import annotations

import copy

from ansible_collections.hyperv.dda.plugins.module_utils.devices import canonical_instance_id
from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import SCHEMA_ID, location_path, problem_code, \
    without_sim_fields
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets

DEVICE_RECORDS = 'HKLM:\\SOFTWARE\\hyperv.dda\\Devices'
SETTINGS_RECORDS = 'HKLM:\\SOFTWARE\\hyperv.dda\\VMs'
PENDING_RECORDS = 'HKLM:\\SOFTWARE\\hyperv.dda\\RestartPending'
_AWAY_DISK = dict.fromkeys(('number', 'is_boot', 'is_system', 'has_pagefile', 'storage_pool',
                            'partition_style', 'partitions'))
_IDENTITY = ('model', 'serial_number', 'adapter_serial_number', 'unique_id', 'size')


# --- parts/controller_disks.ps1 ------------------------------------------------------------------

def controller_drives(host):
    """Get-ControllerDrives: every disk drive mapped to its controller, a fixed number of calls."""
    host.invoke('Get-Disk', ErrorAction='SilentlyContinue')
    host.invoke('Get-PhysicalDisk', ErrorAction='SilentlyContinue')
    host.invoke('Get-CimInstance', ClassName='Win32_DiskDrive')
    drives = [disk for device in host.doc['devices'] if device['state'] != 'dismounted' for disk in device['disks'] or []]
    if drives:
        host.invoke('Get-PnpDeviceProperty', InstanceId='drives', KeyName='DEVPKEY_Device_Parent',
                    ErrorAction='SilentlyContinue', inputs=len(drives))


def disk_records(host, disks):
    """Get-DiskRecords: the contents of these disks, one Get-Partition for all, per partition and disk after."""
    if not disks:
        return
    host.invoke('Get-CimInstance', ClassName='Win32_PageFileUsage')
    partitioned = [disk for disk in disks if disk.get('partition_style') not in (None, 'RAW')]
    if partitioned:
        host.invoke('Get-Partition', DiskNumber='numbers', ErrorAction='SilentlyContinue', inputs=len(partitioned))
    for disk in disks:
        for dummy in disk.get('partitions') or [] if disk in partitioned else []:
            host.invoke('Get-Volume', Partition='partition', ErrorAction='SilentlyContinue')
        host.invoke('Get-StoragePool', PhysicalDisk='physical', IsPrimordial=False, ErrorAction='SilentlyContinue')


# --- survey_host.ps1 -------------------------------------------------------------------------------

def _named(parameters, instance_id, paths, disks):
    """Test-Named: the first cut of a scoped survey by the task's selectors (the script's comparison)."""
    if any(path in (parameters.get('LocationPath') or []) for path in paths):
        return True
    if canonical_instance_id(instance_id) in [value.upper() for value in parameters.get('InstanceId') or []]:
        return True
    wanted = [value.lower() for value in parameters.get('SerialNumber') or []]
    serials = [disk.get(key) for disk in disks or [] for key in ('serial_number', 'adapter_serial_number')]
    return any(serial.strip().rstrip('. ').lower() in wanted for serial in serials if serial)


def _present_device(host, device):
    """A device on the host, as survey_host.ps1 reads it through PnP and Storage cmdlets."""
    reported = copy.deepcopy(device)
    reported['problem_code'] = problem_code(device)
    reported['mitigation_driver'] = None  # no documented property tells it on a real host
    if device['state'] == 'disabled':
        reported['survey'] = None  # a disabled device has no resources to survey
    else:
        host.invoke('Get-CimAssociatedInstance', InputObject=device['instance_id'], ResultClassName='Win32_IRQResource')
        host.invoke('Get-CimAssociatedInstance', InputObject=device['instance_id'],
                    ResultClassName='Win32_DeviceMemoryAddress')
    reported['identity_recorded'] = bool(device.get('identity_recorded'))
    return reported


def _away_entries(host, devices):
    """Get-AwayEntries: the devices away from the host, each with the identity the collection recorded,
    on Windows PowerShell 5.1 read back with @((ConvertFrom-Json ...))."""
    for device in devices:
        if device.get('identity_recorded'):
            host.invoke('ConvertFrom-Json', InputObject='Disks')
    return devices


def _away_device(device):
    """A dismounted or assigned device: only its path, plus what the collection recorded."""
    recorded = bool(device.get('identity_recorded'))
    disks = None  # without the collection's record, nothing tells which disks the device carries
    if recorded:
        disks = []
        for disk in device['disks'] or []:
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
        'problem_code': None,
        'mitigation_driver': None,
        'survey': None,
        'disks': disks,
        'identity_recorded': recorded,
    }


def _vm_record(vm, available, nested, gpu):
    record = copy.deepcopy(vm)
    record['expose_virtualization_extensions'] = nested.get(vm['id'])
    record['gpu_partition_adapters'] = None if gpu is None else gpu.get(vm['id'], 0)
    record['stale_assignments'] = vm.get('stale_assignments') or 0
    record['guest_shutdown_available'] = available.get(vm['id'].upper()) if vm['state'] == 'Running' else None
    record['restart_pending'] = bool(vm.get('restart_pending'))
    record['remembered_settings'] = copy.deepcopy(vm.get('remembered_settings'))
    return record


def _assignments(host, vms):
    """Add-Assignments: Get-VMAssignableDevice for VMs from the pipeline; {path: VM id} of what they hold.
    Hyper-V lists assignments per VM only (decompiled GetVMAssignableDevice: one lookup per VM)."""
    if not vms:
        return {}
    cmdlets.assigned_devices(host, vms=vms)
    return dict((path, vm['id']) for vm in vms for path in vm['assigned_devices'])


def survey_host(host, parameters):
    doc = host.doc
    scoped = bool(parameters.get('Scoped'))
    host.invoke('Get-CimInstance', ClassName='Win32_OperatingSystem')
    host.invoke('Get-VMHost')
    for root in (DEVICE_RECORDS, PENDING_RECORDS, SETTINGS_RECORDS):
        host.invoke('Get-ChildItem', LiteralPath=root, ErrorAction='SilentlyContinue')
    controller_drives(host)
    host.invoke('Get-PnpDevice', PresentOnly=True, Class='SCSIAdapter')
    present = [device for device in doc['devices'] if device['state'] != 'dismounted']
    if present:
        host.invoke('Get-PnpDeviceProperty', InstanceId='controllers', KeyName='keys', ErrorAction='SilentlyContinue',
                    inputs=len(present))
    host.invoke('Get-VM')
    vms = [vm for vm in doc['vms']
           if not scoped or any(same_vm_name(vm['name'], name) for name in parameters.get('VMName') or [])]
    held = _assignments(host, vms)
    registered = set(cmdlets.pool_paths(host))

    def away_entries():
        return _away_entries(host, [device for device in doc['devices'] if device['state'] == 'dismounted' and (
            location_path(device) in registered or location_path(device) in held)])

    def named(device):
        disks = device['disks'] if device['state'] != 'dismounted' or device.get('identity_recorded') else []
        return _named(parameters, device['instance_id'], device['location_paths'], disks)

    away = away_entries()
    if scoped:
        present = [device for device in present if named(device)]
        wanted = set(location_path(device) for device in away if named(device))
        if wanted - set(held):
            # A named device is away and none of the named VMs holds it: which VM does, if any?
            others = [vm for vm in doc['vms'] if vm not in vms]
            holding = set(owner for path, owner in _assignments(host, others).items() if path in wanted)
            holders = [vm for vm in others if vm['id'] in holding]
            vms = vms + holders
            held.update((path, vm['id']) for vm in holders for path in vm['assigned_devices'])
            away = away_entries()
        away = [device for device in away if location_path(device) in held or named(device)]
    disk_records(host, [disk for device in present for disk in device['disks'] or []])
    reported = [_present_device(host, device) for device in present] + [_away_device(device) for device in away]
    available = cmdlets.shutdown_components(host) if vms else {}
    nested = cmdlets.nested_virtualization(host, vms) if vms else {}
    gpu = cmdlets.gpu_partition_adapters(host, vms) if vms else None
    result = {
        'schema': SCHEMA_ID,
        'host': copy.deepcopy(doc['host']),
        'devices': reported,
        'vms': [_vm_record(vm, available, nested, gpu) for vm in vms],
    }
    if scoped:
        result['scope'] = dict((key, list(parameters.get(name) or [])) for key, name in (
            ('vm_names', 'VMName'), ('location_paths', 'LocationPath'), ('instance_ids', 'InstanceId'),
            ('serial_numbers', 'SerialNumber')))
    return without_sim_fields(result), False
