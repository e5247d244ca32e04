# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What the read cmdlets of parts/host_reads.ps1 and survey_host.ps1 return on a simulated host.

Each function calls its cmdlet as the script writes it (host.invoke: binding, faults, -ErrorAction,
-WhatIf) and returns the rows the script makes of the cmdlet's objects, built from the snapshot the way
Windows shows that host: a disk drive per disk with its parent controller, a Get-Disk and a Get-PhysicalDisk
object per disk (joined by UniqueId), a partition per partition with its access paths (the volume GUID path,
the drive root, the folders), a volume per file system, a page file on the first drive letter of a disk that
holds one, a pool with its members. Nothing here decides what the rows mean: plugin_utils/host_reads.py does,
for this backend and the real one alike. Where each shape comes from is in behaviours.py.
"""

from __future__ import annotations

import json

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, problem_code
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError

NVME_CLASS_CODE = 'PCI\\CC_010802'
PCI_DEVICE_TYPE_CODES = {'PciExpressEndpoint': 2, 'LegacyEndpoint': 3, 'RootComplexIntegratedEndpoint': 4,
                         'PciExpressTreatedAsPci': 5, 'Other': 0}
ACS_CODES = {'NotSupported': 0, 'SingleFunctionSupported': 1, 'NoP2PSupported': 2, 'Supported': 3}
# Message-signalled interrupts show as IRQ numbers near 2^32; a line interrupt as a small number.
MSI_IRQ = 4294967294
LINE_IRQ = 16
MMIO_BASE = 0xF0000000
MB = 1024 * 1024
# A disk drive whose disk another cluster node answers for: its Index has no local Get-Disk object.
FOREIGN_INDEX = 1000
# What mount_device.ps1 writes as the mark of an unfinished return: the time of the mount (UTC, round-trip format).
RETURN_MARK = '2026-01-01T00:00:00.0000000Z'


def read_rows(read, not_found_is_empty=False):
    """Read-Rows: every row, or none and the error that stopped the read (the script's try/catch)."""
    try:
        return {'ok': True, 'error': None, 'rows': read()}
    except CmdletError as e:
        if not_found_is_empty and e.not_found:
            return {'ok': True, 'error': None, 'rows': []}
        return {'ok': False, 'error': e.message, 'rows': []}


def present_devices(doc):
    return [device for device in doc['devices'] if device['state'] != 'dismounted']


def _drive_id(position):
    return 'SCSI\\DISK&VEN_NVME&PROD_HYPERV_DDA_SIM\\%d' % position


def _volume_path(disk, partition):
    return '\\\\?\\Volume{%08x-0000-0000-0000-%012x}\\' % (disk.get('number') or 0, partition['number'])


def _drives(doc):
    """(index, controller, disk or None, PNP device ID) for every disk drive on the host."""
    drives = []
    for position, device in enumerate(present_devices(doc)):
        if device['disks'] is None:
            drives.append((FOREIGN_INDEX + position, device, None))
        for disk in device['disks'] or []:
            drives.append((disk['number'], device, disk))
    return [drive + (_drive_id(position),) for position, drive in enumerate(drives)]


def _disks(doc):
    return [disk for dummy, dummy, disk, dummy in _drives(doc) if disk is not None]


def storage(host, vms):
    """Read-Storage: the host's storage, whole, one read after the other as the part makes them."""
    doc = host.doc
    drives = _drives(doc)

    def disk_drives():
        host.invoke('Get-CimInstance', ClassName='Win32_DiskDrive', ErrorAction='Stop')
        return [{'Index': index, 'PNPDeviceID': drive_id} for index, dummy, dummy, drive_id in drives]

    read_drives = read_rows(disk_drives)

    def drive_parents():
        if not read_drives['rows']:
            return []
        if not host.invoke('Get-PnpDeviceProperty', InstanceId='drives', KeyName='DEVPKEY_Device_Parent',
                           ErrorAction='Stop', WhatIf=False, inputs=len(read_drives['rows'])):
            return []
        return [{'InstanceId': drive_id, 'Type': 'String', 'Data': device['instance_id']}
                for dummy, device, dummy, drive_id in drives]

    def disks():
        host.invoke('Get-Disk', ErrorAction='Stop')
        return [{'Number': disk['number'], 'UniqueId': disk.get('unique_id') or '', 'Model': disk.get('model') or '',
                 'SerialNumber': disk.get('serial_number') or '', 'Size': disk.get('size'), 'IsBoot': bool(
                     disk.get('is_boot')), 'IsSystem': bool(disk.get('is_system')),
                 'PartitionStyle': disk.get('partition_style') or 'RAW'} for disk in _disks(doc)]

    def physical_disks():
        host.invoke('Get-PhysicalDisk', ErrorAction='Stop')
        return [{'UniqueId': disk.get('unique_id') or '', 'AdapterSerialNumber': disk.get('adapter_serial_number') or ''}
                for disk in _disks(doc)]

    def partitions():
        host.invoke('Get-Partition', ErrorAction='Stop')
        rows = []
        for disk in _disks(doc):
            for partition in disk.get('partitions') or []:
                paths = [_volume_path(disk, partition)] if partition.get('volume') else []
                paths += ['%s:\\' % partition['drive_letter']] if partition.get('drive_letter') else []
                rows.append({'DiskNumber': disk['number'], 'PartitionNumber': partition['number'],
                             'Size': partition['size'], 'Type': partition.get('type') or 'Basic',
                             'DriveLetter': partition.get('drive_letter') or '\x00',
                             'AccessPaths': paths + list(partition.get('access_paths') or [])})
        return rows

    def volumes():
        host.invoke('Get-Volume', ErrorAction='Stop')
        return [{'Path': _volume_path(disk, partition), 'FileSystem': partition['volume'].get('file_system') or '',
                 'FileSystemLabel': partition['volume'].get('label') or '',
                 'AllocationUnitSize': partition['volume'].get('allocation_unit_size') or 0}
                for disk in _disks(doc) for partition in disk.get('partitions') or [] if partition.get('volume')]

    def page_files():
        host.invoke('Get-CimInstance', ClassName='Win32_PageFileUsage', ErrorAction='Stop')
        letters = [next((p['drive_letter'] for p in disk.get('partitions') or [] if p.get('drive_letter')), None)
                   for disk in _disks(doc) if disk.get('has_pagefile')]
        return [{'Name': '%s:\\pagefile.sys' % letter} for letter in letters if letter]

    def pools():
        host.invoke('Get-StoragePool', ErrorAction='Stop')
        named = {}
        for disk in _disks(doc):
            if disk.get('storage_pool'):
                named.setdefault(disk['storage_pool'], []).append(disk.get('unique_id') or '')
        rows = [{'FriendlyName': 'Primordial', 'IsPrimordial': True, 'Members': []}]
        for name, members in sorted(named.items()):
            host.invoke('Get-PhysicalDisk', StoragePool=name, ErrorAction='Stop')
            rows.append({'FriendlyName': name, 'IsPrimordial': False, 'Members': members})
        return rows

    def vm_hard_disks():
        if not vms:
            return []
        host.invoke('Get-VMHardDiskDrive', VM='vms', ErrorAction='Stop', inputs=len(vms))
        cmdlets.require_vms(host, 'Get-VMHardDiskDrive', vms)
        by_name = dict((vm['name'], vm) for vm in vms)
        return [{'VMId': by_name[disk['passed_through_to']]['id'], 'VMName': disk['passed_through_to'],
                 'DiskNumber': disk['number']}
                for disk in _disks(doc) if disk.get('passed_through_to') in by_name]

    return {
        'disk_drives': read_drives,
        'drive_parents': read_rows(drive_parents),
        'disks': read_rows(disks),
        'physical_disks': read_rows(physical_disks),
        'partitions': read_rows(partitions),
        'volumes': read_rows(volumes),
        'page_files': read_rows(page_files),
        'pools': read_rows(pools),
        'vm_hard_disks': read_rows(vm_hard_disks),
    }


def controllers(host):
    """Get-PnpDevice -PresentOnly -Class SCSIAdapter: the controllers on the host (all NVMe in a snapshot)."""
    def read():
        host.invoke('Get-PnpDevice', PresentOnly=True, Class='SCSIAdapter', ErrorAction='Stop')
        if not present_devices(host.doc):
            host.fail('Get-PnpDevice', 'pnp_class_not_found')
        return [{'InstanceId': device['instance_id'], 'FriendlyName': device.get('friendly_name') or '',
                 'Class': device.get('class') or 'SCSIAdapter', 'Service': device.get('service') or '',
                 'CompatibleID': [NVME_CLASS_CODE], 'ConfigManagerErrorCode': problem_code(device)}
                for device in present_devices(host.doc)]
    return read_rows(read, not_found_is_empty=True)


def controller_properties(host, devices):
    """Get-PnpDeviceProperty for the controllers' location paths and SurveyDDA's properties."""
    def read():
        if not devices:
            return []
        if not host.invoke('Get-PnpDeviceProperty', InstanceId='controllers', KeyName='keys', ErrorAction='Stop',
                           WhatIf=False, inputs=len(devices)):
            return []
        rows = []
        for device in devices:
            survey = device.get('survey') or {}
            values = (('DEVPKEY_Device_LocationPaths', 'StringList', list(device['location_paths'])),
                      ('DEVPKEY_PciDevice_DeviceType', 'UInt32', PCI_DEVICE_TYPE_CODES.get(survey.get('device_type'))),
                      ('DEVPKEY_PciDevice_AcsCompatibleUpHierarchy', 'UInt32',
                       ACS_CODES.get(survey.get('acs_compatible_up_hierarchy'))),
                      ('DEVPKEY_PciDevice_RequiresReservedMemoryRegion', 'Boolean',
                       survey.get('requires_reserved_memory_region')))
            for key, kind, data in values:
                rows.append({'InstanceId': device['instance_id'], 'KeyName': key,
                             'Type': 'Empty' if data is None else kind, 'Data': data})
        return rows
    return read_rows(read)


def resources(host, device):
    """Get-CimAssociatedInstance Win32_IRQResource and Win32_DeviceMemoryAddress for one controller."""
    survey = device.get('survey') or {}
    host.invoke('Get-CimAssociatedInstance', InputObject=device['instance_id'], ResultClassName='Win32_IRQResource')
    irqs = {'msi': [MSI_IRQ], 'line': [LINE_IRQ]}.get(survey.get('interrupts'), [])
    host.invoke('Get-CimAssociatedInstance', InputObject=device['instance_id'],
                ResultClassName='Win32_DeviceMemoryAddress')
    mmio = survey.get('mmio_mb') or 0
    ranges = [{'Start': MMIO_BASE, 'End': MMIO_BASE + mmio * MB - 1}] if mmio else []
    if device['state'] == 'disabled':
        irqs, ranges = [], []  # a disabled device holds no resources
    return {'InstanceId': device['instance_id'], 'IRQNumbers': irqs, 'MemoryRanges': ranges}


def listing(host, root, rows):
    """Get-Listing: the subkeys of one of the collection's record keys; a key that does not exist holds none."""
    host.invoke('Test-Path', LiteralPath=root)
    if not rows:
        return []
    host.invoke('Get-ChildItem', LiteralPath=root, ErrorAction='Stop')
    return rows


def device_record_rows(doc):
    """The device records the collection wrote, one per device it recorded: the identity dismount_device.ps1 records,
    the MMIO need set_pnp_device.ps1 and dismount_device.ps1 record, and the mark of an unfinished return
    mount_device.ps1 leaves (a value not recorded reads as empty)."""
    rows = []
    for device in doc['devices']:
        recorded = device.get('recorded_mmio_mb')
        if not device.get('identity_recorded') and recorded is None and not device.get('return_pending'):
            continue
        row = dict.fromkeys(('InstanceId', 'FriendlyName', 'Class', 'Service', 'Disks', 'ReturnPending'), '')
        if device.get('identity_recorded'):
            identity = ('model', 'serial_number', 'adapter_serial_number', 'unique_id', 'size')
            disks = [dict((key, disk.get(key)) for key in identity) for disk in device['disks'] or []]
            row.update(InstanceId=device['instance_id'], FriendlyName=device.get('friendly_name') or '',
                       Class=device.get('class') or '', Service=device.get('service') or '', Disks=json.dumps(disks))
        row.update(Name=location_path(device), MmioMb='' if recorded is None else str(recorded))
        if device.get('return_pending'):
            row['ReturnPending'] = RETURN_MARK
        rows.append(row)
    return rows
