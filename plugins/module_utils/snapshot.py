# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The host snapshot (hyperv.dda.snapshot/v1): schema, validation, serialisation.

A snapshot is plain data (dicts, lists, strings, numbers). This module checks that a document
follows the schema, with errors that name the bad field's path (``devices[0].disks[1].size``),
and reads and writes it as JSON. It never adds or drops fields: load, dump and load again gives
an equal document.
"""

from __future__ import annotations

import copy
import json

from ansible_collections.hyperv.dda.plugins.module_utils.errors import SnapshotError

SCHEMA_ID = 'hyperv.dda.snapshot/v1'

DEVICE_STATES = ('enabled', 'disabled', 'dismounted')
DEVICE_TYPES = ('PciExpressEndpoint', 'RootComplexIntegratedEndpoint', 'LegacyEndpoint',
                'PciExpressTreatedAsPci', 'Other')
ACS_LEVELS = ('NotSupported', 'SingleFunctionSupported', 'NoP2PSupported', 'Supported')
INTERRUPT_KINDS = ('msi', 'line', 'none')
STOP_ACTIONS = ('TurnOff', 'Save', 'ShutDown')
PARTITION_STYLES = ('RAW', 'MBR', 'GPT')
PRODUCT_TYPES = ('server', 'workstation')
DISABLED_PROBLEM_CODE = 22  # CM_PROB_DISABLED


class Field(object):
    """One field of a record: its kind and what values it accepts.

    kind is 'str', 'int', 'bool', 'record', 'list' or 'any'; ``of`` is the record schema
    (for 'record') or the element Field (for 'list'). ``sim`` marks fields that only the
    simulator uses; ``required=False`` fields may be absent.
    """

    def __init__(self, kind, nullable=False, choices=None, of=None, required=True, sim=False):
        self.kind = kind
        self.nullable = nullable
        self.choices = choices
        self.of = of
        self.required = required
        self.sim = sim


def _str(**kw):
    return Field('str', **kw)


def _int(**kw):
    return Field('int', **kw)


def _bool(**kw):
    return Field('bool', **kw)


def _list(of, **kw):
    return Field('list', of=of, **kw)


def _record(of, **kw):
    return Field('record', of=of, **kw)


VOLUME = {
    'file_system': _str(nullable=True),
    'label': _str(nullable=True),
    'allocation_unit_size': _int(nullable=True),
}

PARTITION_TYPES = ('Basic', 'Reserved', 'System', 'Recovery', 'IFS', 'FAT32', 'Unknown')

PARTITION = {
    'number': _int(),
    'size': _int(),
    # Get-Partition's Type: 'Reserved' is the GPT MSR, 'System' the EFI partition; 'Basic' (GPT)
    # and 'IFS'/'FAT32' (MBR) hold data. Absent in snapshots written before it was reported.
    'type': _str(required=False, nullable=True, choices=PARTITION_TYPES),
    'drive_letter': _str(nullable=True),
    'access_paths': _list(_str()),
    'volume': _record(VOLUME, nullable=True),
    # Simulator only: Set-Partition -NoDefaultDriveLetter; without it a folder-only volume of a
    # passed-through disk gains a drive letter when the disk arrives in the guest again.
    'no_default_drive_letter': _bool(required=False, sim=True),
}

# Disk contents and host-safety flags are null while a device is away from the host (a real
# host only keeps the identity it recorded at dismount).
DISK = {
    'number': _int(nullable=True),
    'model': _str(nullable=True),
    'serial_number': _str(nullable=True),
    'adapter_serial_number': _str(nullable=True),
    'unique_id': _str(nullable=True),
    'size': _int(nullable=True),
    'is_boot': _bool(nullable=True),
    'is_system': _bool(nullable=True),
    'has_pagefile': _bool(nullable=True),
    'storage_pool': _str(nullable=True),
    'partition_style': _str(nullable=True, choices=PARTITION_STYLES),
    'partitions': _list(_record(PARTITION), nullable=True),
    # The VM this disk is given to as a physical hard disk (Add-VMHardDiskDrive -DiskNumber; Get-VMHardDiskDrive's
    # DiskNumber); absent when it is given to none. Such a disk is offline on the host with no volumes there, and its
    # controller must stay on the host.
    'passed_through_to': _str(nullable=True, required=False),
    # Simulator only: how a guest sees the disk (offline, read-only, its bus; passed-through disks are NVMe).
    'is_offline': _bool(required=False, sim=True),
    'is_read_only': _bool(required=False, sim=True),
    'bus_type': _str(required=False, sim=True),
}

SURVEY = {
    'device_type': _str(choices=DEVICE_TYPES),
    'acs_compatible_up_hierarchy': _str(nullable=True, choices=ACS_LEVELS),
    'requires_reserved_memory_region': _bool(nullable=True),
    'interrupts': _str(nullable=True, choices=INTERRUPT_KINDS),
    'mmio_mb': _int(nullable=True),
}

DEVICE = {
    'instance_id': _str(),
    'location_paths': _list(_str()),
    'friendly_name': _str(nullable=True),
    'class': _str(nullable=True),
    'service': _str(nullable=True),
    'state': _str(choices=DEVICE_STATES),
    'mitigation_driver': _bool(nullable=True),
    'survey': _record(SURVEY, nullable=True),
    # null when the survey could not tell which disks sit behind the controller (a disk another
    # cluster node answers for, a Storage cmdlet that failed): unknown, never "no disks".
    'disks': _list(_record(DISK), nullable=True),
    # Plug and Play problem code (ConfigManagerErrorCode) of a device on the host: 0 works, 22 is
    # disabled, anything else is a problem; null while the device is away from the host.
    'problem_code': _int(nullable=True, required=False),
    # True once the collection has recorded the device's identity on the host (at dismount);
    # the record outlives the dismount so selectors keep working while the device is away.
    'identity_recorded': _bool(required=False),
    # The MMIO space (MB, SurveyDDA's figure) the device needed when the collection disabled or dismounted it, as it
    # recorded it on the host: a device that does not work on the host cannot be surveyed, and the MMIO rule needs the
    # figure whatever state the device is in. Absent when no run of this version took the device from the host.
    'recorded_mmio_mb': _int(nullable=True, required=False),
    # True while the collection is giving the device back to the host and has not finished: its record on the host is
    # marked before Mount-VMHostAssignableDevice and the mark is cleared once the device is enabled (a dismount clears
    # it too). A device on the host with the mark is the collection's to enable (the reclaim finishes the job); one
    # disabled without it may be disabled on purpose and is left alone.
    'return_pending': _bool(required=False),
    # Simulator only, each consumed as it is used: Get-VMHostAssignableDevice lookups that miss the
    # device after it is dismounted (Dismount's own lookup included: it then fails although the device
    # left the host); lookups of its PCI\\ node that miss it after it is mounted (mount_reappear_lag, which
    # a mount turns into reappear_lag).
    'registration_lag': _int(required=False, sim=True),
    'mount_reappear_lag': _int(required=False, sim=True),
    'reappear_lag': _int(required=False, sim=True),
}

# The host's lease (plugin_utils/lease.py): which run of the collection holds it. Absent in snapshots written before
# it was reported; null on a host whose lease no run ever took.
LEASE_HOLDER = {
    'controller': _str(),
    'user': _str(),
    'playbook': _str(),
    'run_id': _str(),
}
LEASE = {
    # Who holds it; null when no run does (it was given back).
    'holder': _record(LEASE_HOLDER, nullable=True),
    # Since and until when (ISO 8601, UTC, the host's clock); each step of the holder renews it for seconds more.
    'since': _str(nullable=True),
    'until': _str(nullable=True),
    'seconds': _int(nullable=True),
    # The holder's time had run out when the host was read: that run stopped renewing it, and the next run takes the
    # host over.
    'expired': _bool(),
    # Raised by every write of the record: a plan made when the lease was at another version may be stale.
    'version': _int(),
    # The survey could not read the record (its text).
    'error': _str(nullable=True, required=False),
    # Simulator only: the holder's token, which stays on a real host.
    'token': _str(nullable=True, required=False, sim=True),
}

HOST = {
    'name': _str(),
    'os': _str(nullable=True),
    'product_type': _str(choices=PRODUCT_TYPES),
    'iov_support': _bool(nullable=True),
    'iov_support_reasons': _list(_str()),
    # Simulator only: accept Add/Remove-VMAssignableDevice on a running VM (dda-facts §1.2).
    'allow_hot_plug': _bool(required=False, sim=True),
    'lease': _record(LEASE, nullable=True, required=False),
}

GUEST = {
    'os': _str(choices=('windows', 'linux')),
    # Whether the guest runs the Shutdown integration service (what guest_shutdown_available reports
    # while the VM runs); true when absent.
    'shutdown_service': _bool(required=False),
    # The guest does not answer shutdown requests (Stop-VM times out).
    'ignores_shutdown': _bool(required=False),
    # The guest's console is locked: InitiateShutdown without Force returns 32781 and the guest keeps running.
    'locked': _bool(required=False),
    # The guest is shutting down already: InitiateShutdown returns 32782 ("A system shutdown is in progress") and
    # the VM goes Off. The simulator sets it on a guest that accepted a shutdown it has not finished yet, and clears
    # it when the VM is Off.
    'shutdown_in_progress': _bool(required=False),
    # The guest accepts a shutdown (InitiateShutdown returns 0) but takes longer than the script's wait: the VM is
    # still Running when the script gives up, and Off when the next script run reads the host.
    'shutdown_after_timeout': _bool(required=False),
    # How long the guest takes to shut down once asked (until the VM is Off), and to boot once started (until its
    # services run again), in whole seconds. Read by tools/bench.py only, to tell how long a run keeps the VM down (its
    # guest shutdown, the script runs while it is off, its boot); the simulator's runs take no time.
    'shutdown_seconds': _int(required=False),
    'boot_seconds': _int(required=False),
    # Folders of the guest's file system that hold files: {"D:\\mnt\\data\\": 3}.
    'folders': _record({}, required=False),
    'credential': _record({'username': _str(), 'password': _str()}, nullable=True, required=False),
    'disks': _list(_record(DISK)),
    # Letters of the guest's volumes that are on none of its disks (DVD drives, mounted images): in use all the same.
    'volume_letters': _list(_str(), required=False),
    # The view was captured from the real guest through PowerShell Direct (hyperv.dda.capture_snapshot), which checked
    # the credential then; the snapshot keeps none, so the simulator takes the credential it is given.
    'captured': _bool(required=False),
}

REMEMBERED_VALUES = {
    'automatic_stop_action': _str(nullable=True, choices=STOP_ACTIONS),
    'dynamic_memory_enabled': _bool(nullable=True),
    'memory_startup_bytes': _int(nullable=True),
}
# Per setting the collection changed for DDA: the value it found (null: not changed), and in ``set`` the value it set,
# so that a release gives back only a setting that still has it. A record written before ``set`` was kept (an earlier
# version of the collection) has none: its set values are unknown.
REMEMBERED = dict(REMEMBERED_VALUES, set=_record(REMEMBERED_VALUES, nullable=True, required=False))

VM = {
    'name': _str(),
    'id': _str(),
    'state': _str(),
    'generation': _int(choices=(1, 2)),
    'automatic_stop_action': _str(choices=STOP_ACTIONS),
    'dynamic_memory_enabled': _bool(),
    'memory_startup_bytes': _int(),
    'low_mmio_bytes': _int(nullable=True),
    'high_mmio_bytes': _int(nullable=True),
    'guest_controlled_cache_types': _bool(nullable=True),
    'is_clustered': _bool(),
    'assigned_devices': _list(_str()),
    # Assignments whose device no longer exists on the host (Get-VMAssignableDevice entries with an
    # empty LocationPath): the VM cannot start until they are removed.
    'stale_assignments': _int(required=False),
    # Whether Hyper-V can shut the guest down gracefully (Shutdown integration service enabled and
    # OK); null while the VM is not running.
    'guest_shutdown_available': _bool(nullable=True, required=False),
    # The collection shut the VM down for a change and has not started it again yet (recorded on the host
    # before the shutdown, cleared once the VM runs): any later run finishes the job.
    'restart_pending': _bool(required=False),
    # Nested virtualization exposed to the VM (Get-VMProcessor ExposeVirtualizationExtensions): DDA in the same VM has
    # been reported to end in boot loops. Absent in snapshots written before it was reported.
    'expose_virtualization_extensions': _bool(nullable=True, required=False),
    # GPU partition (GPU-P) adapters of the VM (Get-VMGpuPartitionAdapter); null where the host has no such cmdlet.
    'gpu_partition_adapters': _int(nullable=True, required=False),
    # The VM's settings from before the collection changed them for DDA (null: none kept), which a
    # release can give back.
    'remembered_settings': _record(REMEMBERED, nullable=True, required=False),
    'guest': _record(GUEST, required=False, sim=True),
    # Simulator only: the snapshot has no view of the VM's guest, and says why (hyperv.dda.capture_snapshot asked no
    # guest credential, the VM was off...). The simulator answers no guest script for it: a rehearsal leaves the guest
    # step out and says that it is checked at run time. A real host never has it.
    'guest_not_captured': _str(required=False, sim=True),
    # Simulator only: the VM is deleted right after a survey lists it (the reads of it then fail, and the survey
    # lists the VMs again).
    'removed_after_listing': _bool(required=False, sim=True),
}

FAULT = {
    'cmdlet': _str(),
    'match': _record({}, required=False),
    # What the failing call says (every fault but a hang).
    'message': _str(required=False),
    'count': _int(required=False, nullable=True),
    # The first this many matching calls go through (each counts down), so that a fault can hit the second call of a
    # cmdlet that takes no parameter naming its object (Remove-VMAssignableDevice takes its object from the pipeline).
    'skip': _int(required=False),
    # The cmdlet does its work, then reports the error (Mount reporting an error for a device that did
    # come back, microsoft/lisa).
    'after_effect': _bool(required=False),
    # Instead of failing, the call takes this many seconds, then goes on (a stuck call; what a controller
    # killed meanwhile leaves behind). The simulator log has a line for it at once.
    'hang': _int(required=False),
}

# A scoped survey (what one task needs): the VMs and device selectors it was asked for. It reports those
# VMs, the devices the selectors name and those assigned to the reported VMs, and the VM holding a named
# device; nothing about the rest of the host. Absent: the snapshot covers the whole host.
SCOPE = {
    'vm_names': _list(_str()),
    'location_paths': _list(_str()),
    'instance_ids': _list(_str()),
    'serial_numbers': _list(_str()),
}

SNAPSHOT = {
    'schema': _str(choices=(SCHEMA_ID,)),
    'host': _record(HOST),
    'devices': _list(_record(DEVICE)),
    'vms': _list(_record(VM)),
    'scope': _record(SCOPE, required=False),
    'faults': _list(_record(FAULT), required=False, sim=True),
    # Simulator only: the host's clock (ISO 8601, UTC), which a test sets; absent, the controller's own.
    'clock': _str(required=False, sim=True),
}

_TYPES = {'str': (str,), 'int': (int,), 'bool': (bool,), 'record': (dict,), 'list': (list,)}
_KIND_NAMES = {'str': 'a string', 'int': 'an integer', 'bool': 'true or false',
               'record': 'an object', 'list': 'a list'}


def _check(value, field, path, problems):
    if value is None:
        if not field.nullable:
            problems.append('%s: must not be null' % path)
        return
    types = _TYPES.get(field.kind)
    # bool is a subclass of int in Python; a JSON true is not an integer here.
    if types and (not isinstance(value, types) or (field.kind == 'int' and isinstance(value, bool))):
        problems.append('%s: expected %s, got %s' % (path, _KIND_NAMES[field.kind], json.dumps(value)))
        return
    if field.choices is not None and value not in field.choices:
        problems.append('%s: %s is not one of %s' % (
            path, json.dumps(value), ', '.join(str(c) for c in field.choices)))
    if field.kind == 'int' and value < 0:
        problems.append('%s: must not be negative, got %d' % (path, value))
    if field.kind == 'record' and field.of:
        _check_record(value, field.of, path, problems)
    elif field.kind == 'list':
        for index, item in enumerate(value):
            _check(item, field.of, '%s[%d]' % (path, index), problems)


def _check_record(value, schema, path, problems):
    for name, field in schema.items():
        where = '%s.%s' % (path, name) if path else name
        if name not in value:
            if field.required:
                problems.append('%s: is missing' % where)
            continue
        _check(value[name], field, where, problems)


def _check_meaning(doc, problems):
    """Rules across fields: what the schema alone cannot say."""
    by_path = {}
    for index, device in enumerate(doc['devices']):
        where = 'devices[%d]' % index
        if not device['instance_id'].upper().startswith(('PCI\\', 'PCIP\\')):
            problems.append('%s.instance_id: %s does not start with PCI\\ or PCIP\\' % (
                where, json.dumps(device['instance_id'])))
        if device['state'] == 'enabled' and device.get('problem_code') == DISABLED_PROBLEM_CODE:
            problems.append('%s.problem_code: %d means disabled, but state is enabled' % (where, DISABLED_PROBLEM_CODE))
        path = location_path(device)
        if path is None:
            problems.append('%s.location_paths: has no entry that starts with PCIROOT(' % where)
        elif path in by_path:
            problems.append('%s.location_paths: %s is also the location path of devices[%d]' % (
                where, path, by_path[path]))
        else:
            by_path[path] = index
    for index, fault in enumerate(doc.get('faults') or []):
        if not fault.get('hang') and not fault.get('message'):
            problems.append('faults[%d].message: a fault that fails a call needs the message it fails with' % index)
    holders = {}
    for index, vm in enumerate(doc['vms']):
        if 'guest' in vm and 'guest_not_captured' in vm:
            problems.append('vms[%d].guest_not_captured: says the snapshot has no view of the guest, but vms[%d].guest '
                            'is one; keep one of them' % (index, index))
        for slot, path in enumerate(vm['assigned_devices']):
            where = 'vms[%d].assigned_devices[%d]' % (index, slot)
            if path not in by_path:
                problems.append('%s: no device in devices[] has location path %s' % (where, path))
            elif doc['devices'][by_path[path]]['state'] != 'dismounted':
                problems.append('%s: %s is assigned, so its device must be in state dismounted' % (where, path))
            if path in holders:
                problems.append('%s: %s is already assigned to VM %s' % (where, path, json.dumps(holders[path])))
            holders[path] = vm['name']


def validate(doc):
    """Return the list of problems in a snapshot document; empty when it is valid."""
    problems = []
    if not isinstance(doc, dict):
        return ['the document must be a JSON object, got %s' % type(doc).__name__]
    _check_record(doc, SNAPSHOT, '', problems)
    if not problems:
        _check_meaning(doc, problems)
    return problems


def parse(text, source='snapshot'):
    """Parse and validate a snapshot from JSON text; raise SnapshotError naming every problem."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise SnapshotError('%s is not valid JSON: %s.' % (source, e))
    except RecursionError:
        raise SnapshotError('%s is not a snapshot: its JSON is nested too deeply to read.' % source)
    problems = validate(doc)
    if problems:
        shown = problems[:10]
        more = len(problems) - len(shown)
        raise SnapshotError('%s is not a valid %s snapshot: %s%s. Fix these fields and try again.' % (
            source, SCHEMA_ID, '; '.join(shown), ' (and %d more)' % more if more else ''),
            problems=problems)
    return doc


def dumps(doc):
    """Serialise a snapshot the way the collection writes it to disk (stable, readable)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + '\n'


def location_path(device):
    """The PCIROOT location path that Hyper-V cmdlets take: the first entry starting PCIROOT(."""
    for path in device['location_paths']:
        if path.startswith('PCIROOT('):
            return path
    return None


def device_at(snapshot, path):
    """The snapshot's device at that location path (location_path), or None."""
    return next((device for device in snapshot['devices'] if location_path(device) == path), None)


def problem_code(device):
    """A device's problem code. The state says it for a disabled (22) or dismounted (none) device; an enabled
    one has the code reported, 0 in a snapshot older than the field."""
    if device['state'] != 'enabled':
        return DISABLED_PROBLEM_CODE if device['state'] == 'disabled' else None
    return device.get('problem_code') or 0


def mmio_mb(device):
    """The MMIO space (MB) a device needs: SurveyDDA's figure while it works on the host, else what the collection
    recorded before it took the device from the host; None when unknown."""
    surveyed = (device.get('survey') or {}).get('mmio_mb')
    return surveyed if surveyed is not None else device.get('recorded_mmio_mb')


def without_sim_fields(doc):
    """A deep copy of the snapshot without the fields only the simulator knows (guest, faults)."""
    return _strip(copy.deepcopy(doc), SNAPSHOT)


def _strip(value, schema):
    for name, field in schema.items():
        if name not in value:
            continue
        if field.sim:
            del value[name]
        elif field.kind == 'record' and field.of and value[name] is not None:
            _strip(value[name], field.of)
        elif field.kind == 'list' and field.of.kind == 'record' and value[name] is not None:
            for item in value[name]:
                _strip(item, field.of.of)
    return value


def field_names(schema):
    """Every field name of a record schema and the records below it (for the script contract)."""
    names = set()
    for name, field in schema.items():
        if field.sim:
            continue
        names.add(name)
        inner = field.of.of if field.kind == 'list' and field.of is not None else field.of
        if isinstance(inner, dict):
            names |= field_names(inner)
    return names
