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
