# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What a survey of a Hyper-V host means: the cmdlets' records joined into a snapshot.

survey_host.ps1 reads and returns what the cmdlets returned, flat (docs/host_reads.md lists every read);
the simulator's twin of it returns the same records from its model of a host. Everything that decides
lives here, once, for both backends:

- which controllers are NVMe controllers, and what SurveyDDA's checks make of their properties;
- which disks sit behind which controller (disk drive -> its parent controller, by Win32_DiskDrive.Index to
  Get-Disk's Number, by UniqueId to Get-PhysicalDisk), and when that is unknown: a read that failed, a drive
  whose parent could not be read, a disk another cluster node answers for, a disk number seen twice;
- each disk's host-safety facts: boot, system, page file (Win32_PageFileUsage against its drive letters),
  storage pool (Get-PhysicalDisk per pool), mounted volumes (partitions' access paths, volumes by their
  volume GUID path), passed through to a VM (Get-VMHardDiskDrive's DiskNumber);
- which devices are away from the host, and what the collection recorded of them; the VMs' settings,
  stale assignments, graceful shutdown, restart records and remembered settings.

A read that a safety rule rests on either succeeded whole or makes the facts built on it unknown
(``disks: null``), and the planners refuse what is unknown (safety.py).
"""

from __future__ import annotations

import json

from ansible_collections.hyperv.dda.plugins.module_utils.devices import canonical_instance_id
from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import snapshot_lease
from ansible_collections.hyperv.dda.plugins.plugin_utils.ps_values import Read, ScriptResultError, as_bool, \
    as_int, as_list, as_record, as_text
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import normalize_serial
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, PARTITION_STYLES, \
    PARTITION_TYPES, SCHEMA_ID

READS_ID = 'hyperv.dda.host-reads/1'
# The reads the disks-behind-a-controller map rests on: if one failed, no controller's disks are known.
STORAGE_READS = ('disk_drives', 'drive_parents', 'disks', 'physical_disks', 'partitions', 'volumes', 'page_files',
                 'pools', 'vm_hard_disks')
# NVMe storage controllers: the inbox driver's service, or the PCI class code of NVMe (01 08 02).
NVME_SERVICE = 'stornvme'
NVME_CLASS_CODE = 'PCI\\CC_010802'
# SurveyDDA.ps1's readings of DEVPKEY_PciDevice_DeviceType and _AcsCompatibleUpHierarchy.
PCI_DEVICE_TYPES = {2: 'PciExpressEndpoint', 3: 'LegacyEndpoint', 4: 'RootComplexIntegratedEndpoint',
                    5: 'PciExpressTreatedAsPci'}
ACS_LEVELS = {0: 'NotSupported', 1: 'SingleFunctionSupported', 2: 'NoP2PSupported', 3: 'Supported'}
# Message-signalled interrupts show as IRQ numbers near 2^32 (SurveyDDA's "42949" test).
MSI_PREFIX = '42949'
BYTES_PER_MB = 1024 * 1024
# Msvm_ShutdownComponent: EnabledState 2 is Enabled, OperationalStatus 2 is OK (decompiled
# VirtualMachine.IsShutdownComponentAvailable, the test Stop-VM makes).
ENABLED_STATE = 2
OPERATIONAL_OK = 2
WORKSTATION_PRODUCT_TYPE = 1  # Win32_OperatingSystem.ProductType
PARENT_KEY = 'DEVPKEY_Device_Parent'
PROPERTY_KEYS = ('DEVPKEY_Device_LocationPaths', 'DEVPKEY_PciDevice_DeviceType',
                 'DEVPKEY_PciDevice_AcsCompatibleUpHierarchy', 'DEVPKEY_PciDevice_RequiresReservedMemoryRegion')
_IDENTITY = ('model', 'serial_number', 'adapter_serial_number', 'unique_id', 'size')
_AWAY_UNKNOWN = ('number', 'is_boot', 'is_system', 'has_pagefile', 'storage_pool', 'partition_style', 'partitions')


# --- which disks sit behind which controller ----------------------------------------------------------

class StorageMap(object):
    """The disks behind each controller, from one storage read (survey_host.ps1 and set_pnp_device.ps1 share it).

    ``disks_of(instance_id)`` is the list of disk records behind a controller, ``[]`` for none, or None when
    that is unknown; ``why_unknown(instance_id)`` says why (set_pnp_device.ps1 words it the same way).
    """

    def __init__(self, storage):
        storage = as_record(storage, 'storage')
        reads = dict((name, Read(storage.get(name), 'storage.' + name)) for name in STORAGE_READS)
        failures = [read.failure() for read in reads.values() if not read.ok]
        # Why no controller's disks are known, if none are; and why those of some controllers are not.
        self.unknown_reason = '; '.join(failures) or None
        self._by_controller = {}
        self._unknown = {}
        if failures:
            return
        self._join(reads)

    def _join(self, reads):
        disks, ambiguous = {}, set()
        for index, row in enumerate(reads['disks'].rows):
            number = as_int(row.get('Number'), 'storage.disks.rows[%d].Number' % index)
            if number is None:
                continue  # a disk another cluster node answers for: no local number (dda-facts §10)
            if number in disks:
                ambiguous.add(number)
            disks[number] = row
        physical = {}
        for row in reads['physical_disks'].rows:
            unique_id = as_text(row.get('UniqueId'), 'storage.physical_disks.UniqueId')
            if unique_id is not None:
                physical.setdefault(unique_id, row)  # other nodes' physical disks can repeat; the first answers
        parents = {}
        for row in reads['drive_parents'].rows:
            if as_text(row.get('Type'), 'storage.drive_parents.Type') not in (None, 'Empty'):
                parent = as_text(row.get('Data'), 'storage.drive_parents.Data')
                if parent:
                    parents[as_text(row.get('InstanceId'), 'storage.drive_parents.InstanceId', False).upper()] = \
                        parent.upper()
        contents = _Contents(reads)
        for index, row in enumerate(reads['disk_drives'].rows):
            where = 'storage.disk_drives.rows[%d]' % index
            drive_id = as_text(row.get('PNPDeviceID'), where + '.PNPDeviceID', False).upper()
            controller = parents.get(drive_id)
            if controller is None:
                # Any controller could be this drive's: none of them has known disks.
                self.unknown_reason = 'the controller of disk drive %s could not be read' % drive_id
                self._by_controller, self._unknown = {}, {}
                return
            number = as_int(row.get('Index'), where + '.Index')
            disk = disks.get(number)
            unique_id = None if disk is None else as_text(disk.get('UniqueId'), 'storage.disks.UniqueId')
            if disk is None or number in ambiguous:
                self._unknown[controller] = "disk %s is not this node's, or not one disk" % number
                continue
            if unique_id not in physical:
                self._unknown[controller] = 'disk %s has no physical disk of its UniqueId' % number
                continue
            self._by_controller.setdefault(controller, []).append(
                contents.disk_record(number, disk, physical[unique_id]))

    def disks_of(self, instance_id):
        key = instance_id.upper()
        if self.unknown_reason is not None or key in self._unknown:
            return None
        return list(self._by_controller.get(key, []))

    def why_unknown(self, instance_id):
        return self.unknown_reason or self._unknown.get(instance_id.upper())


class _Contents(object):
    """Partitions, volumes, page files, pools and passthrough disks, by disk."""

    def __init__(self, reads):
        self.partitions = {}
        for row in reads['partitions'].rows:
            self.partitions.setdefault(as_int(row.get('DiskNumber'), 'storage.partitions.DiskNumber'), []).append(row)
        self.volumes = dict((as_text(row.get('Path'), 'storage.volumes.Path'), row) for row in reads['volumes'].rows)
        # Win32_PageFileUsage.Name is the page file's path, "C:\pagefile.sys".
        self.page_file_letters = set(as_text(row.get('Name'), 'storage.page_files.Name', False)[:1].upper()
                                     for row in reads['page_files'].rows)
        self.pools = {}
        for row in reads['pools'].rows:
            if as_bool(row.get('IsPrimordial'), 'storage.pools.IsPrimordial'):
                continue  # the primordial pool lists the disks that could be pooled, not pool members
            for member in as_list(row.get('Members'), 'storage.pools.Members'):
                self.pools.setdefault(as_text(member, 'storage.pools.Members'), as_text(
                    row.get('FriendlyName'), 'storage.pools.FriendlyName'))
        self.passed_through = {}
        for row in reads['vm_hard_disks'].rows:
            number = as_int(row.get('DiskNumber'), 'storage.vm_hard_disks.DiskNumber')
            if number is not None:
                self.passed_through[number] = as_text(row.get('VMName'), 'storage.vm_hard_disks.VMName')

    def disk_record(self, number, disk, physical):
        partitions = [self._partition(row) for row in sorted(
            self.partitions.get(number, []), key=lambda row: as_int(row.get('PartitionNumber'), 'PartitionNumber'))]
        unique_id = as_text(disk.get('UniqueId'), 'storage.disks.UniqueId')
        style = as_text(disk.get('PartitionStyle'), 'storage.disks.PartitionStyle')
        record = {
            'number': number,
            'model': (as_text(disk.get('Model'), 'storage.disks.Model') or '').strip() or None,
            'serial_number': as_text(disk.get('SerialNumber'), 'storage.disks.SerialNumber'),
            'adapter_serial_number': as_text(physical.get('AdapterSerialNumber'),
                                             'storage.physical_disks.AdapterSerialNumber'),
            'unique_id': unique_id,
            'size': as_int(disk.get('Size'), 'storage.disks.Size'),
            'is_boot': as_bool(disk.get('IsBoot'), 'storage.disks.IsBoot', False),
            'is_system': as_bool(disk.get('IsSystem'), 'storage.disks.IsSystem', False),
            'has_pagefile': any(p['drive_letter'] in self.page_file_letters for p in partitions if p['drive_letter']),
            'storage_pool': self.pools.get(unique_id),
            'partition_style': style if style in PARTITION_STYLES else None,
            'partitions': partitions,
        }
        if number in self.passed_through:
            record['passed_through_to'] = self.passed_through[number]
        return record

    def _partition(self, row):
        paths = [as_text(path, 'storage.partitions.AccessPaths') for path in as_list(
            row.get('AccessPaths'), 'storage.partitions.AccessPaths')]
        volume = next((self.volumes[path] for path in paths if path in self.volumes), None)
        kind = as_text(row.get('Type'), 'storage.partitions.Type')
        letter = as_text(row.get('DriveLetter'), 'storage.partitions.DriveLetter')
        return {
            'number': as_int(row.get('PartitionNumber'), 'storage.partitions.PartitionNumber', False),
            'size': as_int(row.get('Size'), 'storage.partitions.Size', False),
            'type': kind if kind in PARTITION_TYPES else 'Unknown',
            'drive_letter': letter.upper() if letter else None,
            # Folder mount points only: drive roots and \\?\Volume{...} names are not paths a user set.
            'access_paths': [path for path in paths if path and not path.startswith('\\\\?\\') and not (
                len(path) == 3 and path[0].isalpha() and path[1:] == ':\\')],
            'volume': _volume(volume),
        }


def _volume(row):
    if row is None:
        return None
    file_system = as_text(row.get('FileSystem'), 'storage.volumes.FileSystem')
    if file_system is None:
        return None  # no file system: nothing mounted that holds files
    # A volume without a label has the empty label, as Windows shows it.
    return {'file_system': file_system,
            'label': as_text(row.get('FileSystemLabel'), 'storage.volumes.FileSystemLabel') or '',
            'allocation_unit_size': as_int(row.get('AllocationUnitSize'), 'storage.volumes.AllocationUnitSize')}


# --- the survey -----------------------------------------------------------------------------------------

def _rows(value, where):
    return [as_record(row, '%s[%d]' % (where, index)) for index, row in enumerate(as_list(value, where))]


def _read_rows(result, name):
    """The rows of a read of the result that must have succeeded (the survey cannot go on without it)."""
    read = Read(result.get(name), name)
    if not read.ok:
        raise ScriptResultError('The survey of the host could not read %s: %s. Nothing was changed; run the task '
                                'again, or look at the host.' % (name, read.error or 'no message'))
    return read.rows


def _is_nvme(row):
    instance_id = as_text(row.get('InstanceId'), 'controllers.InstanceId', False)
    service = (as_text(row.get('Service'), 'controllers.Service') or '').lower()
    classes = [(as_text(c, 'controllers.CompatibleID') or '').upper()
               for c in as_list(row.get('CompatibleID'), 'controllers.CompatibleID')]
    return instance_id.upper().startswith('PCI\\') and (service == NVME_SERVICE or NVME_CLASS_CODE in classes)


def _survey_checks(properties, resources):
    """SurveyDDA.ps1's per-device checks, as data."""
    type_code = as_int(properties.get('DEVPKEY_PciDevice_DeviceType'), 'DEVPKEY_PciDevice_DeviceType')
    acs_code = as_int(properties.get('DEVPKEY_PciDevice_AcsCompatibleUpHierarchy'), 'AcsCompatibleUpHierarchy')
    reserved = properties.get('DEVPKEY_PciDevice_RequiresReservedMemoryRegion')
    irqs = [str(as_int(irq, 'resources.IRQNumbers')) for irq in as_list(resources.get('IRQNumbers'), 'IRQNumbers')]
    mmio = 0
    for span in _rows(resources.get('MemoryRanges'), 'resources.MemoryRanges'):
        start = as_int(span.get('Start'), 'MemoryRanges.Start', False)
        mmio += as_int(span.get('End'), 'MemoryRanges.End', False) - start + 1
    return {
        'device_type': PCI_DEVICE_TYPES.get(type_code, 'Other'),
        'acs_compatible_up_hierarchy': ACS_LEVELS.get(acs_code),
        'requires_reserved_memory_region': as_bool(reserved, 'RequiresReservedMemoryRegion'),
        'interrupts': 'none' if not irqs else 'msi' if any(irq.startswith(MSI_PREFIX) for irq in irqs) else 'line',
        'mmio_mb': -(-mmio // BYTES_PER_MB),
    }


def _identity_disks(text, where):
    """The disks the collection recorded of a device at dismount (JSON, one object or a list of them)."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        raise ScriptResultError('The identity record %s on the host is not JSON; remove it with the reclaim, or look '
                                'at HKLM:\\SOFTWARE\\hyperv.dda\\Devices.' % where)
    disks = []
    for disk in as_list(value, where):
        disk = as_record(disk, where)
        entry = dict.fromkeys(_AWAY_UNKNOWN)
        entry.update((key, disk.get(key)) for key in _IDENTITY)
        disks.append(entry)
    return disks


class _Scope(object):
    """What a scoped survey reports (survey_host.ps1's parameters); everything when it is not scoped."""

    def __init__(self, parameters):
        parameters = parameters or {}
        self.scoped = bool(parameters.get('Scoped'))
        self.vm_names = list(parameters.get('VMName') or [])
        self.paths = list(parameters.get('LocationPath') or [])
        self.ids = [value.upper() for value in parameters.get('InstanceId') or []]
        self.serials = list(parameters.get('SerialNumber') or [])

    def names_device(self, instance_id, paths, disks):
        if any(path in self.paths for path in paths) or canonical_instance_id(instance_id) in self.ids:
            return True
        return any(normalize_serial(disk[key]) in self.serials for disk in disks or []
                   for key in ('serial_number', 'adapter_serial_number') if disk.get(key))

    def names_vm(self, name):
        return any(same_vm_name(name, asked) for asked in self.vm_names)

    def record(self):
        return {'vm_names': self.vm_names, 'location_paths': self.paths, 'instance_ids': self.ids,
                'serial_numbers': self.serials}


def survey_snapshot(result, parameters=None):
    """The snapshot (hyperv.dda.snapshot/v1) a survey_host run's result means, for the survey's parameters."""
    result = as_record(result, 'the survey result')
    if result.get('reads') != READS_ID:
        raise ScriptResultError('The survey script on the host returned %r instead of %s: the collection on the '
                                'controller and the script do not match.' % (result.get('reads'), READS_ID))
    scope = _Scope(parameters)
    records = dict((as_text(row.get('Name'), 'device_records.Name', False), row)
                   for row in _rows(result.get('device_records'), 'device_records'))
    storage = StorageMap(result.get('storage'))
    properties, resources = {}, {}
    for row in _read_rows(result, 'controller_properties'):
        if as_text(row.get('Type'), 'controller_properties.Type') != 'Empty':
            properties.setdefault(as_text(row.get('InstanceId'), 'controller_properties.InstanceId', False).upper(),
                                  {})[as_text(row.get('KeyName'), 'controller_properties.KeyName')] = row.get('Data')
    for row in _rows(result.get('resources'), 'resources'):
        resources[as_text(row.get('InstanceId'), 'resources.InstanceId', False).upper()] = row
    present = [_present_device(row, properties, resources, storage, records)
               for row in _read_rows(result, 'controllers') if _is_nvme(row)]
    vms = _vm_records(result)
    away = _away_devices(result, records, set(path for device in present for path in device['location_paths']))
    if scope.scoped:
        present = [device for device in present
                   if scope.names_device(device['instance_id'], device['location_paths'], device['disks'])]
        named_away = set(device['location_paths'][0] for device in away if scope.names_device(
            device['instance_id'], device['location_paths'], device['disks']))
        vms = [vm for vm in vms if scope.names_vm(vm['name']) or named_away & set(vm['assigned_devices'])]
        held = set(path for vm in vms for path in vm['assigned_devices'])
        away = [device for device in away if device['location_paths'][0] in held | named_away]
    for device in present:
        _add_survey(device, properties, resources)
    snapshot = {'schema': SCHEMA_ID, 'host': _host_record(result), 'devices': present + away, 'vms': vms}
    if scope.scoped:
        snapshot['scope'] = scope.record()
    return snapshot


def _host_record(result):
    os_record = as_record(result.get('os'), 'os')
    vm_host = as_record(result.get('vm_host'), 'vm_host')
    return {
        'name': as_text(result.get('computer_name'), 'computer_name', False),
        'os': as_text(os_record.get('Caption'), 'os.Caption'),
        'product_type': 'workstation' if as_int(os_record.get('ProductType'), 'os.ProductType') ==
        WORKSTATION_PRODUCT_TYPE else 'server',
        'iov_support': as_bool(vm_host.get('IovSupport'), 'vm_host.IovSupport'),
        'iov_support_reasons': [reason for reason in (as_text(value, 'vm_host.IovSupportReasons') for value in as_list(
            vm_host.get('IovSupportReasons'), 'vm_host.IovSupportReasons')) if reason],
        'lease': _lease(result),
    }


def _lease(result):
    """host.lease: which run of the collection holds the host's lease, judged with the host's time of the read
    (plugin_utils/lease.py). A record that could not be read is reported with its error, held by nobody known: a run
    that wants the lease reads it again itself."""
    read = Read(result.get('lease'), 'lease')
    if not read.ok:
        return {'holder': None, 'since': None, 'until': None, 'seconds': None, 'expired': False, 'version': 0,
                'error': read.error or 'no message'}
    rows = read.rows
    if not rows:
        return None
    row = rows[0]
    view = {'held': as_bool(row.get('held'), 'lease.held', False)}
    for name in ('controller', 'user', 'playbook', 'run_id'):
        view[name] = as_text(row.get(name), 'lease.' + name)
    for name in ('since', 'until', 'seconds', 'version'):
        view[name] = as_int(row.get(name), 'lease.' + name, False)
    return snapshot_lease(view, as_int(result.get('clock'), 'clock', False))


def _present_device(row, properties, resources, storage, records):
    instance_id = as_text(row.get('InstanceId'), 'controllers.InstanceId', False)
    paths = [as_text(path, 'DEVPKEY_Device_LocationPaths', False) for path in as_list(
        properties.get(instance_id.upper(), {}).get('DEVPKEY_Device_LocationPaths'), 'DEVPKEY_Device_LocationPaths')]
    code = as_int(row.get('ConfigManagerErrorCode'), 'controllers.ConfigManagerErrorCode', False)
    root = next((path for path in paths if path.startswith('PCIROOT(')), None)
    return _with_recorded_mmio({
        'instance_id': instance_id,
        'location_paths': paths,
        'friendly_name': as_text(row.get('FriendlyName'), 'controllers.FriendlyName'),
        'class': as_text(row.get('Class'), 'controllers.Class'),
        'service': as_text(row.get('Service'), 'controllers.Service'),
        'state': 'disabled' if code == DISABLED_PROBLEM_CODE else 'enabled',
        'problem_code': code,
        # No documented property tells whether a vendor mitigation driver is installed.
        'mitigation_driver': None,
        'survey': None,
        'disks': storage.disks_of(instance_id),
        'identity_recorded': _identity(records.get(root)) is not None,
        'return_pending': _return_pending(records.get(root)),
    }, records.get(root))


def _identity(record):
    """A device's record if it holds the identity dismount_device.ps1 records (set_pnp_device.ps1 may have recorded
    the MMIO need alone, mount_device.ps1 the mark of a return alone), else None."""
    if record is None or as_text(record.get('InstanceId'), 'device_records.InstanceId') is None:
        return None
    return record


def _return_pending(record):
    """Whether a device's record holds the mark of a return the collection began (mount_device.ps1), which
    set_pnp_device.ps1 clears once the device is enabled."""
    return record is not None and as_text(record.get('ReturnPending'), 'device_records.ReturnPending') is not None


def _with_recorded_mmio(device, record):
    """The device, with the MMIO need its record keeps (set_pnp_device.ps1, dismount_device.ps1), if any."""
    recorded = None if record is None else as_int(as_text(record.get('MmioMb'), 'device_records.MmioMb'),
                                                  'device_records.MmioMb')
    if recorded is not None:
        device['recorded_mmio_mb'] = recorded
    return device


def _add_survey(device, properties, resources):
    """SurveyDDA's checks for a device on the host that works (a disabled device has no resources to read)."""
    if device['state'] == 'disabled':
        return
    key = device['instance_id'].upper()
    if key not in resources:
        raise ScriptResultError('The survey did not read the resources of %s, which it reports; the collection on the '
                                'controller and the script on the host do not match.' % device['instance_id'])
    device['survey'] = _survey_checks(properties.get(key, {}), resources[key])


def _away_devices(result, records, present_paths):
    """Devices away from the host: among its assignable devices, or assigned to a VM (even when not listed there)."""
    away = {}
    for row in _rows(result.get('host_assignable'), 'host_assignable'):
        away[as_text(row.get('LocationPath'), 'host_assignable.LocationPath', False)] = row.get('InstanceID')
    for row in _rows(result.get('assignments'), 'assignments'):
        path = as_text(row.get('LocationPath'), 'assignments.LocationPath')
        if path and path not in away:
            away[path] = row.get('InstanceID')
    devices = []
    for path, instance_id in away.items():
        if path in present_paths:
            continue
        record = records.get(path)
        # A dismounted device shows as PCIP\<suffix>; report the PCI\ name it has on the host.
        shown = as_text(instance_id, 'host_assignable.InstanceID') or ''
        if shown.upper().startswith('PCIP\\'):
            shown = 'PCI\\' + shown[len('PCIP\\'):]
        devices.append(_away_device(path, record, shown))
    return devices


def _away_device(path, found, shown):
    """A device away from the host, with what the collection recorded of it (``found``, its record), if anything."""
    record = _identity(found)

    def text(name):
        return None if record is None else as_text(record.get(name), 'device_records.' + name)
    return _with_recorded_mmio({
        'instance_id': text('InstanceId') or shown,
        'location_paths': [path],
        'friendly_name': text('FriendlyName'),
        'class': text('Class'),
        'service': text('Service'),
        'state': 'dismounted',
        'problem_code': None,
        'mitigation_driver': None,
        'survey': None,
        # Without the collection's record, nothing tells which disks the device carries.
        'disks': None if record is None else _identity_disks(text('Disks'), 'of %s' % path),
        'identity_recorded': record is not None,
        'return_pending': _return_pending(found),
    }, found)


def _vm_records(result):
    pending = set((as_text(row.get('Name'), 'pending_records.Name', False) or '').upper()
                  for row in _rows(result.get('pending_records'), 'pending_records'))
    settings = dict((as_text(row.get('Name'), 'settings_records.Name', False).upper(), row)
                    for row in _rows(result.get('settings_records'), 'settings_records'))
    assignments = {}
    for row in _rows(result.get('assignments'), 'assignments'):
        assignments.setdefault(as_text(row.get('VMId'), 'assignments.VMId', False).upper(), []).append(
            as_text(row.get('LocationPath'), 'assignments.LocationPath'))
    shutdown = dict((as_text(row.get('SystemName'), 'shutdown_components.SystemName', False).upper(), row)
                    for row in _rows(result.get('shutdown_components'), 'shutdown_components'))
    nested = dict((as_text(row.get('VMId'), 'processors.VMId', False).upper(), as_bool(
        row.get('ExposeVirtualizationExtensions'), 'processors.ExposeVirtualizationExtensions'))
        for row in _rows(result.get('processors'), 'processors'))
    # A host without Get-VMGpuPartitionAdapter (before Windows Server 2022) does not tell: unknown.
    gpu = None
    if not as_bool(result.get('gpu_adapters_unknown'), 'gpu_adapters_unknown'):
        gpu = {}
        for row in _rows(result.get('gpu_adapters'), 'gpu_adapters'):
            key = as_text(row.get('VMId'), 'gpu_adapters.VMId', False).upper()
            gpu[key] = gpu.get(key, 0) + 1
    records = []
    for index, row in enumerate(_rows(result.get('vms'), 'vms')):
        where = 'vms[%d]' % index
        vm_id = as_text(row.get('Id'), where + '.Id', False)
        key = vm_id.upper()
        state = as_text(row.get('State'), where + '.State', False)
        if state.isdigit():
            raise ScriptResultError('%s.State came back as the number %s, not a state name; the script must cast it '
                                    'to a string.' % (where, state))
        paths = assignments.get(key, [])
        component = shutdown.get(key)
        records.append({
            'name': as_text(row.get('Name'), where + '.Name', False),
            'id': vm_id,
            'state': state,
            'generation': as_int(row.get('Generation'), where + '.Generation', False),
            'automatic_stop_action': as_text(row.get('AutomaticStopAction'), where + '.AutomaticStopAction', False),
            'dynamic_memory_enabled': as_bool(row.get('DynamicMemoryEnabled'), where + '.DynamicMemoryEnabled', False),
            'memory_startup_bytes': as_int(row.get('MemoryStartup'), where + '.MemoryStartup', False),
            'low_mmio_bytes': as_int(row.get('LowMemoryMappedIoSpace'), where + '.LowMemoryMappedIoSpace'),
            'high_mmio_bytes': as_int(row.get('HighMemoryMappedIoSpace'), where + '.HighMemoryMappedIoSpace'),
            'guest_controlled_cache_types': as_bool(row.get('GuestControlledCacheTypes'), where + '.GuestControlled'),
            'is_clustered': bool(as_bool(row.get('IsClustered'), where + '.IsClustered')),
            'assigned_devices': [path for path in paths if path],
            # An assignment whose device is gone from the host has an empty LocationPath; the VM cannot start.
            'stale_assignments': len([path for path in paths if not path]),
            'guest_shutdown_available': None if state != 'Running' else component is not None and as_int(
                component.get('EnabledState'), 'EnabledState') == ENABLED_STATE and (as_list(
                    component.get('OperationalStatus'), 'OperationalStatus') or [None])[0] == OPERATIONAL_OK,
            'restart_pending': key in pending,
            'expose_virtualization_extensions': nested.get(key),
            'gpu_partition_adapters': None if gpu is None else gpu.get(key, 0),
            'remembered_settings': _remembered(settings.get(key)),
        })
    return records


def _remembered_values(row, suffix):
    """The settings of a record's row, as parts/remembered_settings.ps1 keeps them (text): found (suffix ''), or set
    ('Set'; empty in a record of an earlier version)."""
    def text(name):
        return as_text(row.get(name + suffix), 'settings_records.' + name + suffix)
    dynamic, startup = text('DynamicMemoryEnabled'), text('MemoryStartupBytes')
    where = 'settings_records.MemoryStartupBytes' + suffix
    return {
        'automatic_stop_action': text('AutomaticStopAction'),
        'dynamic_memory_enabled': None if dynamic is None else dynamic == 'True',
        'memory_startup_bytes': None if startup is None else as_int(startup, where),
    }


def _remembered(row):
    """A VM's settings from before the collection changed them, and the values it set (remembered.py)."""
    if row is None:
        return None
    return dict(_remembered_values(row, ''), set=_remembered_values(row, 'Set'))
