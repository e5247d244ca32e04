# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""A Windows guest as the simulator models it: its disks, and the Storage cmdlets that change them.

A guest sees its own disks (vms[].guest.disks) and, while the VM runs, the disks of every device
assigned to it, numbered after its own. The guest works on the device's own disk records, so what
it writes (partitions, volumes) travels with the device: back to the host on release, and into
the guest again on the next passthrough (snapshot-v1, vms[].guest).

Partition layout follows Windows: a GPT disk's first partition comes with a 16 MB Microsoft
Reserved partition; 1 MB is kept at the start for alignment (both inferred, not captured).
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets

MIB = 1024 * 1024
MSR_BYTES = 16 * MIB
RESERVED_TYPES = ('Reserved', 'System', 'Recovery')
DEFAULT_UNIT = 4096


class GuestDisk(object):
    """One disk as the guest numbers and sees it, over the record it changes."""

    def __init__(self, number, record, passed_through):
        self.number = number
        self.record = record
        self.passed_through = passed_through

    def view(self):
        record = self.record
        partitions = record.get('partitions') or []
        return {
            'number': self.number,
            'model': record.get('model'),
            'serial_number': record.get('serial_number'),
            'adapter_serial_number': record.get('adapter_serial_number'),
            'unique_id': record.get('unique_id'),
            'size': record.get('size'),
            'bus_type': 'NVMe' if self.passed_through else record.get('bus_type', 'SCSI'),
            # The host's boot/system flags describe the host; in the guest a passed disk is data.
            'is_boot': False if self.passed_through else bool(record.get('is_boot')),
            'is_system': False if self.passed_through else bool(record.get('is_system')),
            'is_offline': bool(record.get('is_offline')),
            'is_read_only': bool(record.get('is_read_only')),
            'partition_style': record.get('partition_style') or 'RAW',
            'partitions': [_partition_view(p) for p in partitions],
        }


def _partition_view(partition):
    volume = partition.get('volume')
    return {
        'number': partition['number'],
        'size': partition['size'],
        'type': partition.get('type'),
        'drive_letter': partition.get('drive_letter'),
        'access_paths': list(partition.get('access_paths') or []),
        'volume': None if volume is None else dict(volume, size=partition['size']),
    }


def guest_vm(host, vm_name):
    """The VM whose guest a task that runs against the guest itself reaches (hyperv_dda_simulator_vm)."""
    for vm in host.doc['vms']:
        if same_vm_name(vm['name'], vm_name):
            return vm
    host.throw("hyperv_dda_simulator_vm names VM '%s', which the snapshot does not have." % vm_name)


def powershell_direct_vm(host, vm_name):
    """The VM a PowerShell Direct session from the host reaches: the one VM of that name, by Id.

    The script resolves the name itself (Get-VM, ordinal ignore-case) and connects by -VMId, because
    Invoke-Command -VMName resolves names like Get-VM -Name (wildcards, duplicates)."""
    found = cmdlets.vms_named(host, vm_name)
    if len(found) != 1:
        host.throw("PowerShell Direct needs exactly one VM named '%s' on this host; found %d." % (vm_name, len(found)))
    vm = found[0]
    host.invoke('Invoke-Command', VMId=vm['id'], Credential='credential', ScriptBlock='function', ArgumentList='...')
    return vm


def disks(host, vm):
    found = [GuestDisk(d['number'], d, False) for d in (vm.get('guest') or {}).get('disks', [])]
    number = max([d.number for d in found] + [-1]) + 1
    if vm['state'] == 'Running':
        for path in vm['assigned_devices']:
            for record in cmdlets.device_at(host, path)['disks'] or []:
                found.append(GuestDisk(number, record, True))
                number += 1
    return found


def disk(host, vm, number):
    host.invoke('Get-Disk', Number=number)
    for candidate in disks(host, vm):
        if candidate.number == number:
            return candidate
    host.throw('No MSFT_Disk objects found with property \'Number\' equal to \'%s\'.' % number)


def free_letter(host, vm):
    """The first drive letter from D that no volume of the guest uses (Windows assigns letters so)."""
    used = used_letters(host, vm)
    return next(letter for letter in 'DEFGHIJKLMNOPQRSTUVWXYZ' if letter not in used)


def used_letters(host, vm):
    """The letters of the guest's volumes: those of its disks' partitions, and those of volumes on none of its disks
    (DVD drives, mounted images: guest.volume_letters)."""
    on_disks = [p['drive_letter'] for d in disks(host, vm) for p in d.record.get('partitions') or []
                if p.get('drive_letter')]
    return sorted(set(on_disks) | set((vm.get('guest') or {}).get('volume_letters') or []))


def folder_entries(vm, path):
    """How many entries the folder holds, or None when it does not exist (sim field guest.folders)."""
    return ((vm.get('guest') or {}).get('folders') or {}).get(path)


def new_folder(host, vm, path):
    """The 'folder' action: an existing folder must be empty; a missing one is created."""
    host.invoke('Test-Path', LiteralPath=path, PathType='Container')
    entries = folder_entries(vm, path)
    if entries is not None:
        host.invoke('Get-ChildItem', LiteralPath=path, Force=True)
        if entries:
            host.throw('The folder %s is not empty; a volume can only be mounted on an empty folder.' % path)
        return
    host.invoke('New-Item', ItemType='Directory', Path=path, Confirm=False)
    vm['guest'].setdefault('folders', {})[path] = 0
    host.settle()


# --- Storage cmdlets ---------------------------------------------------------------------------

def _writable(host, cmdlet, target):
    if target.record.get('is_offline'):
        host.fail(cmdlet, 'disk_offline')
    if target.record.get('is_read_only'):
        host.fail(cmdlet, 'disk_read_only')


def set_disk(host, target, **flags):
    host.invoke('Set-Disk', Number=target.number, **flags)
    if 'IsOffline' in flags:
        target.record['is_offline'] = flags['IsOffline']
    if 'IsReadOnly' in flags:
        target.record['is_read_only'] = flags['IsReadOnly']
    host.settle()


def clear_disk(host, target):
    host.invoke('Clear-Disk', Number=target.number, RemoveData=True, RemoveOEM=True, Confirm=False)
    _writable(host, 'Clear-Disk', target)
    target.record['partition_style'] = 'RAW'
    target.record['partitions'] = []
    host.settle()


def initialize_disk(host, target, style):
    host.invoke('Initialize-Disk', Number=target.number, PartitionStyle=style, Confirm=False)
    _writable(host, 'Initialize-Disk', target)
    if (target.record.get('partition_style') or 'RAW') != 'RAW':
        host.fail('Initialize-Disk', 'disk_already_initialized')
    target.record['partition_style'] = style
    target.record['partitions'] = []
    host.settle()


def new_partition(host, vm, target, letter):
    host.invoke('New-Partition', DiskNumber=target.number, UseMaximumSize=True, DriveLetter=letter or None)
    _writable(host, 'New-Partition', target)
    if letter and letter in used_letters(host, vm):
        host.fail('New-Partition', 'letter_in_use')
    partitions = target.record['partitions']
    gpt = target.record['partition_style'] == 'GPT'
    if gpt and not partitions:
        partitions.append({'number': 1, 'size': MSR_BYTES, 'type': 'Reserved', 'drive_letter': None,
                           'access_paths': [], 'volume': None})
    used = MIB + sum(p['size'] for p in partitions) + (MIB if gpt else 0)
    partition = {'number': len(partitions) + 1, 'size': target.record['size'] - used,
                 'type': 'Basic' if gpt else 'IFS', 'drive_letter': letter or None, 'access_paths': [], 'volume': None}
    partitions.append(partition)
    host.settle()
    return partition


def remove_partition(host, target, partition):
    host.invoke('Remove-Partition', DiskNumber=target.number, PartitionNumber=partition['number'], Confirm=False)
    target.record['partitions'].remove(partition)
    host.settle()


def format_volume(host, target, partition, file_system, label, unit):
    host.invoke('Format-Volume', Partition=partition['number'], FileSystem=file_system, NewFileSystemLabel=label,
                AllocationUnitSize=unit or None, Force=True, Confirm=False)
    _writable(host, 'Format-Volume', target)
    partition['volume'] = {'file_system': file_system, 'label': label, 'allocation_unit_size': unit or DEFAULT_UNIT}
    host.settle()


def set_label(host, target, partition, label):
    host.invoke('Get-Volume', Partition=partition['number'], ErrorAction='Stop')
    host.invoke('Set-Volume', pipeline=True, NewFileSystemLabel=label)
    _writable(host, 'Set-Volume', target)
    partition['volume']['label'] = label
    host.settle()


def set_letter(host, vm, target, partition, letter):
    """Set-Partition -NewDriveLetter, or Add-PartitionAccessPath 'X:\\' for a partition with no letter yet."""
    if partition.get('drive_letter'):
        cmdlet = 'Set-Partition'
        host.invoke(cmdlet, DiskNumber=target.number, PartitionNumber=partition['number'], NewDriveLetter=letter,
                    Confirm=False)
    else:
        cmdlet = 'Add-PartitionAccessPath'
        host.invoke(cmdlet, DiskNumber=target.number, PartitionNumber=partition['number'], AccessPath=letter + ':\\',
                    Confirm=False)
    if letter in used_letters(host, vm):
        host.fail(cmdlet, 'letter_in_use')
    partition['drive_letter'] = letter
    host.settle()


def data_partition(target):
    """The disk's data partition: the first that is not Reserved, System or Recovery."""
    for partition in target.record.get('partitions') or []:
        if partition.get('type') not in RESERVED_TYPES:
            return partition
    return None


def add_access_path(host, vm, target, partition, path):
    host.invoke('Add-PartitionAccessPath', DiskNumber=target.number, PartitionNumber=partition['number'],
                AccessPath=path, Confirm=False)
    if folder_entries(vm, path) != 0:  # the folder must exist and be empty
        host.fail('Add-PartitionAccessPath', 'letter_in_use')
    partition['access_paths'].append(path)
    host.settle()


def no_default_drive_letter(host, target, partition):
    """Set-Partition -NoDefaultDriveLetter $true: the volume keeps to its folder when its disk arrives again."""
    host.invoke('Set-Partition', DiskNumber=target.number, PartitionNumber=partition['number'],
                NoDefaultDriveLetter=True, Confirm=False)
    partition['no_default_drive_letter'] = True
    host.settle()


def remove_access_path(host, target, partition, path):
    host.invoke('Remove-PartitionAccessPath', DiskNumber=target.number, PartitionNumber=partition['number'],
                AccessPath=path, Confirm=False)
    partition['access_paths'].remove(path)
    host.settle()
