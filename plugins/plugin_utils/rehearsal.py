# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The snapshot hyperv.dda.capture_snapshot saves: a host's snapshot, with what the simulator needs to rehearse the
guest step, or the reason it cannot.

hyperv_dda_info reports the host only. A rehearsal of the role's guest step needs the guest as PowerShell Direct
shows it; the capture asks it as the role's plan does (hyperv.dda.nvme_passthrough_plan with the host's role
variables and nvme_passthrough_guest_credential) and hands the plan here. Each VM then has either a view of its guest
(vms[].guest, marked captured, without any credential) or the reason there is none (vms[].guest_not_captured), for
which the simulator answers no guest script: the rehearsal leaves the guest step out and says so.
"""

from __future__ import annotations

import copy

from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import same_disk
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import PARTITION_TYPES, location_path

NO_CREDENTIAL = ('no guest credential was given when it was captured; hyperv.dda.capture_snapshot asks the guest of '
                 'nvme_passthrough_vm_name through PowerShell Direct where the host has nvme_passthrough_guest '
                 'powershell_direct and nvme_passthrough_guest_credential')
NOT_THE_ROLE_VM = ('hyperv.dda.capture_snapshot asks only the guest of the VM named by nvme_passthrough_vm_name, with '
                   'nvme_passthrough_guest_credential')


def rehearsal_snapshot(snapshot, plan=None):
    """The snapshot with each VM's guest view or the reason it has none. ``plan`` is what the capture's plan task
    registered: its result (guest_survey, guest_not_asked, vm), a failure (msg), or a skipped task (no credential)."""
    doc = copy.deepcopy(snapshot)
    plan = plan or {}
    asked = (plan.get('vm') or {}).get('name')
    if plan.get('guest_survey') is not None and asked:
        why = None
    elif 'guest_not_asked' in plan:
        why = 'the capture did not ask its guest: %s' % plan['guest_not_asked']
    elif plan.get('msg') and not plan.get('skipped'):
        why = 'the capture could not ask its guest: %s' % plan['msg']
    else:
        why = NO_CREDENTIAL
    for vm in doc['vms']:
        vm.pop('guest', None)
        vm.pop('guest_not_captured', None)
        if asked and same_vm_name(vm['name'], asked):
            if why is None:
                vm['guest'] = guest_view(doc, vm, plan['guest_survey'])
            else:
                vm['guest_not_captured'] = why
        else:
            vm['guest_not_captured'] = why if not asked or plan.get('skipped') else NOT_THE_ROLE_VM
    return doc


def guest_view(snapshot, vm, survey):
    """vms[].guest from what survey_guest_disks returned for the VM. A disk of a device assigned to the VM is the
    device's own disk record (its contents travel with it): what the guest shows of it goes there, not among the
    guest's own disks."""
    own = []
    for disk in survey.get('disks') or []:
        record = _device_disk(snapshot, vm, disk)
        if record is not None:
            record.update(partition_style=disk.get('partition_style') or 'RAW', partitions=_partitions(disk),
                          is_offline=bool(disk.get('is_offline')), is_read_only=bool(disk.get('is_read_only')))
            continue
        own.append({'number': disk.get('number'), 'model': disk.get('model'), 'serial_number': disk.get('serial_number'),
                    'adapter_serial_number': disk.get('adapter_serial_number'), 'unique_id': disk.get('unique_id'),
                    'size': disk.get('size'), 'is_boot': bool(disk.get('is_boot')),
                    'is_system': bool(disk.get('is_system')), 'has_pagefile': None, 'storage_pool': None,
                    'partition_style': disk.get('partition_style') or 'RAW', 'partitions': _partitions(disk),
                    'bus_type': disk.get('bus_type') or 'SCSI', 'is_offline': bool(disk.get('is_offline')),
                    'is_read_only': bool(disk.get('is_read_only'))})
    on_disks = set(partition.get('drive_letter') for disk in survey.get('disks') or []
                   for partition in disk.get('partitions') or [] if partition.get('drive_letter'))
    view = {'os': 'windows', 'captured': True, 'disks': own,
            'volume_letters': sorted(set(survey.get('used_letters') or []) - on_disks),
            'folders': dict((folder['path'], folder.get('entries') or 0) for folder in survey.get('folders') or []
                            if folder.get('exists'))}
    if vm.get('guest_shutdown_available') is not None:
        view['shutdown_service'] = vm['guest_shutdown_available']
    return view


def _partitions(disk):
    found = []
    for partition in disk.get('partitions') or []:
        volume = partition.get('volume')
        found.append({'number': partition['number'], 'size': partition['size'],
                      'type': partition.get('type') if partition.get('type') in PARTITION_TYPES else 'Unknown',
                      'drive_letter': partition.get('drive_letter'),
                      'access_paths': list(partition.get('access_paths') or []),
                      'volume': None if not volume else {'file_system': volume.get('file_system'),
                                                         'label': volume.get('label'),
                                                         'allocation_unit_size': volume.get('allocation_unit_size')}})
    return found


def _device_disk(snapshot, vm, disk):
    """The disk record of a device assigned to the VM that is this disk of the guest (same unique ID or serial)."""
    if disk.get('bus_type') != 'NVMe':
        return None
    assigned = set(vm['assigned_devices'])
    for device in snapshot['devices']:
        if location_path(device) not in assigned:
            continue
        for record in device['disks'] or []:
            if same_disk(record, disk):
                return record
    return None
