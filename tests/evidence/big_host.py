"""Generated Hyper-V hosts of any size, and what a survey of them costs (tools/bench.py, test_survey_cost.py).

A host has ``controllers`` NVMe controllers, each with one disk holding one NTFS volume, and ``vms`` running
VMs. Every other controller is assigned to a VM of its own while VMs last (a host in use); the others,
and always the last, stay on the host. The task surveyed is one of the role's: VM ``vm0000`` and one device, which is
``where`` the task finds it: still on the host (a fresh passthrough), assigned to vm0000 (a converged
run), or assigned to another VM (the case a scoped survey must ask every VM about).
"""
import copy

from ansible_collections.hyperv.dda.plugins.module_utils.selectors import survey_scope
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import SCHEMA_ID
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import LOCAL_CMDLETS
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host

WHERE = ('on the host', 'assigned to the VM', 'assigned to another VM')
_GIB = 1 << 30


def _path(index):
    return 'PCIROOT(0)#PCI(%02X00)#PCI(0000)' % (index % 256) if index < 256 else \
        'PCIROOT(%d)#PCI(%02X00)#PCI(0000)' % (index // 256, index % 256)


def _device(index):
    return {
        'instance_id': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&%08X&0&0010' % index,
        'location_paths': [_path(index)],
        'friendly_name': 'NVMe Controller %d' % index, 'class': 'SCSIAdapter', 'service': 'stornvme',
        'state': 'enabled', 'problem_code': 0, 'mitigation_driver': None,
        'survey': {'device_type': 'PciExpressEndpoint', 'acs_compatible_up_hierarchy': 'Supported',
                   'requires_reserved_memory_region': False, 'interrupts': 'msi', 'mmio_mb': 1},
        'identity_recorded': False,
        'disks': [{'number': index + 1, 'model': 'NVMe SSD', 'serial_number': 'SN%06d' % index,
                   'adapter_serial_number': 'ASN%06d' % index, 'unique_id': 'eui.%016X' % index, 'size': 960 * _GIB,
                   'is_boot': False, 'is_system': False, 'has_pagefile': False, 'storage_pool': None,
                   'partition_style': 'GPT', 'partitions': [
                       {'number': 1, 'size': 16 << 20, 'type': 'Reserved', 'drive_letter': None, 'access_paths': [],
                        'volume': None},
                       {'number': 2, 'size': 959 * _GIB, 'type': 'Basic', 'drive_letter': None, 'access_paths': [],
                        'volume': {'file_system': 'NTFS', 'label': 'data%d' % index, 'allocation_unit_size': 4096}}]}],
    }


def _vm(index):
    return {'name': 'vm%04d' % index, 'id': '00000000-0000-4000-8000-%012d' % index, 'state': 'Running',
            'generation': 2, 'automatic_stop_action': 'TurnOff', 'dynamic_memory_enabled': False,
            'memory_startup_bytes': 8 * _GIB, 'low_mmio_bytes': 128 << 20, 'high_mmio_bytes': 512 << 20,
            'guest_controlled_cache_types': False, 'is_clustered': False, 'assigned_devices': [],
            'stale_assignments': 0, 'guest_shutdown_available': True, 'restart_pending': False,
            'remembered_settings': None}


def host(controllers, vms, where=WHERE[0]):
    """A snapshot of the host; the task's device is controller 0."""
    doc = {'schema': SCHEMA_ID, 'host': {'name': 'HVBIG', 'os': 'Microsoft Windows Server 2022 Datacenter',
                                         'product_type': 'server', 'iov_support': True, 'iov_support_reasons': []},
           'devices': [_device(n) for n in range(controllers)], 'vms': [_vm(n) for n in range(vms)]}
    # Controllers 1, 3, 5, ... go to vm0001, vm0002, ...: the named VM vm0000 holds none of them. The last
    # controller stays on the host, so that every host has disks to read.
    for slot, index in enumerate(range(1, controllers - 1, 2)):
        if slot + 1 < vms:
            _assign(doc, index, slot + 1)
    if where == WHERE[1]:
        _assign(doc, 0, 0)
    elif where == WHERE[2]:
        _assign(doc, 0, vms - 1)
    return doc


def _assign(doc, device, vm):
    doc['devices'][device].update(state='dismounted', problem_code=None, survey=None, identity_recorded=True)
    doc['vms'][vm]['assigned_devices'].append(_path(device))


def _surveyed(doc, scoped, selector):
    simulated = SimulatedHost(copy.deepcopy(doc))
    parameters = survey_scope(['vm0000'], [selector]) if scoped else {}
    survey_host(simulated, parameters)
    return simulated


def survey_cost(doc, scoped, selector=('serial_number', 'ASN000000')):
    """(cmdlet calls, objects looked up) of one survey_host run that reads the host: the whole host, or scoped
    to vm0000 and controller 0. A call handed a list or pipeline input looks up each of its objects."""
    simulated = _surveyed(doc, scoped, selector)
    return len([call for call in simulated.calls if call not in LOCAL_CMDLETS]), simulated.cost


def assignment_lookups(doc, selector=('serial_number', 'ASN000000')):
    """How many VMs a task survey asks for their assigned devices (Hyper-V answers VM by VM)."""
    return _surveyed(doc, True, selector).cost_by_cmdlet.get('Get-VMAssignableDevice', 0)
