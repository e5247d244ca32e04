# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The twin of survey_host.ps1: the same reads, in the same order and as often, returning the same records.

It decides nothing: the records go to plugin_utils/host_reads.py, as a real host's do. A list handed to a
cmdlet (``-InstanceId @(...)``, ``-VM $vms``, objects from the pipeline) is one call that does the work of
``inputs`` calls, which is what the survey's cost (host.cost) counts.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import READS_ID
from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import REGISTRY_NAMES, kept
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import normalize_serial
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets, lease_twins, reads
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError

DEVICE_RECORDS = 'HKLM:\\SOFTWARE\\hyperv.dda\\Devices'
SETTINGS_RECORDS = 'HKLM:\\SOFTWARE\\hyperv.dda\\VMs'
PENDING_RECORDS = 'HKLM:\\SOFTWARE\\hyperv.dda\\RestartPending'


def _named(parameters, instance_id, paths, serials):
    """Test-Named: the script's first cut of a scoped survey by the task's selectors."""
    if any(path in (parameters.get('LocationPath') or []) for path in paths):
        return True
    upper = instance_id.upper()
    if ('PCI\\' + upper[5:] if upper.startswith('PCIP\\') else upper) in [v.upper() for v in parameters.get(
            'InstanceId') or []]:
        return True
    wanted = [value.lower() for value in parameters.get('SerialNumber') or []]
    return any(normalize_serial(serial) in wanted for serial in serials if serial)


def _assignment_rows(host, vms):
    """Get-AssignmentRows: Get-VMAssignableDevice for VMs from the pipeline (one lookup per VM, decompiled
    GetVMAssignableDevice); a stale assignment has an empty LocationPath."""
    if not vms:
        return []
    cmdlets.assigned_devices(host, vms=vms)
    rows = []
    for vm in vms:
        for path in vm['assigned_devices']:
            device = cmdlets.device_at(host, path)
            rows.append({'VMId': vm['id'], 'LocationPath': path, 'InstanceID': 'PCIP\\' + device['instance_id'][4:]})
        rows += [{'VMId': vm['id'], 'LocationPath': '', 'InstanceID': ''}] * (vm.get('stale_assignments') or 0)
    return rows


def _vm_row(vm):
    return {'Name': vm['name'], 'Id': vm['id'], 'State': vm['state'], 'Generation': vm['generation'],
            'AutomaticStopAction': vm['automatic_stop_action'], 'DynamicMemoryEnabled': vm['dynamic_memory_enabled'],
            'MemoryStartup': vm['memory_startup_bytes'], 'LowMemoryMappedIoSpace': vm.get('low_mmio_bytes'),
            'HighMemoryMappedIoSpace': vm.get('high_mmio_bytes'),
            'GuestControlledCacheTypes': vm.get('guest_controlled_cache_types'), 'IsClustered': vm['is_clustered']}


def _remembered_row(vm):
    """The registry values parts/remembered_settings.ps1 writes: text, empty for a value not kept (a record written
    before the set values were kept has none of them)."""
    record = kept(vm['remembered_settings'])
    row = {'Name': vm['id']}
    for name, value_name in REGISTRY_NAMES.items():
        row[value_name] = '' if record[name] is None else str(record[name])
        row[value_name + 'Set'] = '' if record['set'][name] is None else str(record['set'][name])
    return row


def _vm_ids(vms):
    return sorted(vm['id'] for vm in vms)


def survey_host(host, parameters):
    """The script's last lines: a VM removed mid-survey fails a read of it; the VMs are listed again and, when they
    changed, the host is read once more."""
    listed = []
    try:
        reads_result = _host_reads(host, parameters, listed)
        failure = None
    except CmdletError as e:
        reads_result, failure = None, e
    if (failure is not None or not reads_result['storage']['vm_hard_disks']['ok']) and listed and \
            _vm_ids(cmdlets.list_vms(host)) != _vm_ids(listed[0]):
        failure, reads_result = None, _host_reads(host, parameters, [])
    if failure is not None:
        raise failure
    return reads_result, False


def _host_reads(host, parameters, listed):
    """Get-HostReads; ``listed`` gets the VMs it listed."""
    doc = host.doc
    scoped = bool(parameters.get('Scoped'))
    host.invoke('Get-CimInstance', ClassName='Win32_OperatingSystem')
    host.invoke('Get-VMHost')
    device_records = reads.listing(host, DEVICE_RECORDS, reads.device_record_rows(doc))
    pending_records = reads.listing(host, PENDING_RECORDS, [{'Name': vm['id']} for vm in doc['vms']
                                                            if vm.get('restart_pending')])
    settings_records = reads.listing(host, SETTINGS_RECORDS, [_remembered_row(vm) for vm in doc['vms']
                                                              if vm.get('remembered_settings')])
    # parts/lease.ps1 Read-LeaseRecord, read without the mutex (.NET calls, no cmdlet but ConvertFrom-Json).
    lease = lease_twins.read_lease(host)
    all_vms = cmdlets.list_vms(host)
    listed.append(all_vms)
    storage = reads.storage(host, all_vms)
    controllers = reads.controllers(host)
    present = [device for device in reads.present_devices(doc)
               if device['instance_id'] in [row['InstanceId'] for row in controllers['rows']]]
    properties = reads.controller_properties(host, present)
    vms = [vm for vm in all_vms if not scoped or any(same_vm_name(vm['name'], name)
                                                     for name in parameters.get('VMName') or [])]
    assignments = _assignment_rows(host, vms)
    host_assignable = [{'LocationPath': path, 'InstanceID': 'PCIP\\' + cmdlets.device_at(host, path)['instance_id'][4:]}
                       for path in cmdlets.pool_paths(host)]
    in_scope = present
    if scoped:
        in_scope = [device for device in present if _named(parameters, device['instance_id'], device['location_paths'], [
            disk.get(key) for disk in device['disks'] or [] for key in ('serial_number', 'adapter_serial_number')])]
        held = [row['LocationPath'] for row in assignments]
        records = dict((row['Name'], row) for row in device_records)
        unheld = []
        for row in host_assignable:
            serials = []
            if row['LocationPath'] in records:
                host.invoke('ConvertFrom-Json', InputObject='Disks')
                device = cmdlets.device_at(host, row['LocationPath'])
                serials = [disk.get(key) for disk in device['disks'] or []
                           for key in ('serial_number', 'adapter_serial_number')]
            if row['LocationPath'] not in held and _named(parameters, row['InstanceID'], [row['LocationPath']], serials):
                unheld.append(row['LocationPath'])
        if unheld:
            # A named device is away and none of the named VMs holds it: which VM does, if any?
            others = [vm for vm in all_vms if vm not in vms]
            other_rows = _assignment_rows(host, others)
            holder_ids = [row['VMId'] for row in other_rows if row['LocationPath'] in unheld]
            vms = vms + [vm for vm in others if vm['id'] in holder_ids]
            assignments = assignments + [row for row in other_rows if row['VMId'] in holder_ids]
    resources = [reads.resources(host, device) for device in in_scope]
    shutdown, processors, gpu, gpu_unknown = [], [], [], False
    if vms:
        available = cmdlets.shutdown_components(host)
        shutdown = [{'SystemName': vm['id'], 'EnabledState': 2 if available.get(vm['id'].upper()) else 3,
                     'OperationalStatus': [2]} for vm in all_vms if vm['state'] == 'Running']
        nested = cmdlets.nested_virtualization(host, vms)
        processors = [{'VMId': vm['id'], 'ExposeVirtualizationExtensions': nested[vm['id']]} for vm in vms]
        adapters = cmdlets.gpu_partition_adapters(host, vms)
        gpu_unknown = adapters is None
        gpu = [{'VMId': vm['id']} for vm in vms for dummy in range((adapters or {}).get(vm['id'], 0))]
    return {
        'reads': READS_ID,
        'computer_name': doc['host']['name'],
        'os': {'Caption': doc['host'].get('os') or '', 'ProductType': 1 if doc['host']['product_type'] == 'workstation'
               else 3},
        'vm_host': {'IovSupport': bool(doc['host'].get('iov_support')),
                    'IovSupportReasons': list(doc['host'].get('iov_support_reasons') or [])},
        'device_records': device_records,
        'pending_records': pending_records,
        'settings_records': settings_records,
        'lease': lease,
        'clock': lease_twins.host_ticks(doc),
        'storage': storage,
        'controllers': controllers,
        'controller_properties': properties,
        'resources': resources,
        'vms': [_vm_row(vm) for vm in vms],
        'assignments': assignments,
        'host_assignable': host_assignable,
        'shutdown_components': shutdown,
        'processors': processors,
        'gpu_adapters': gpu,
        'gpu_adapters_unknown': gpu_unknown,
    }
