# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Device and VM selectors, with the matching rules of api.md.

- location_path: exact and case-sensitive, as Hyper-V compares it;
- instance_id: case-insensitive, PCI\\ and its dismounted twin PCIP\\ name the same device;
- serial_number: a disk behind the device whose serial_number or adapter_serial_number equals
  it, ignoring case, surrounding spaces and trailing dots (Windows pads NVMe serials with '.').

A snapshot from a scoped survey (its ``scope``) reports only what one task named. Selecting
something it does not cover raises OutsideScope, and the task surveys the whole host instead.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.devices import canonical_instance_id, describe
from ansible_collections.hyperv.dda.plugins.module_utils.errors import OutsideScope, SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path

DEVICE_SELECTORS = ('location_path', 'instance_id', 'serial_number')


def normalize_serial(serial):
    return serial.strip().rstrip('. ').casefold()


# How each selector's values are compared, which is how a scoped survey is asked for them.
_COMPARED = {'location_path': lambda value: value, 'instance_id': canonical_instance_id,
             'serial_number': normalize_serial}
_SCOPE_KEYS = {'location_path': ('location_paths', 'LocationPath'), 'instance_id': ('instance_ids', 'InstanceId'),
               'serial_number': ('serial_numbers', 'SerialNumber')}


def given_selectors(args):
    """The (selector, value) pairs set in a task's arguments, bad ones included (the planner refuses those)."""
    return [(key, args[key]) for key in DEVICE_SELECTORS if isinstance(args.get(key), str) and args[key].strip()]


def survey_scope(vm_names, selections):
    """survey_host.ps1's parameters for a survey of these VMs and the devices these selections name."""
    parameters = {'Scoped': True, 'VMName': list(vm_names), 'LocationPath': [], 'InstanceId': [], 'SerialNumber': []}
    for key, value in selections:
        parameters[_SCOPE_KEYS[key][1]].append(_COMPARED[key](value))
    return parameters


def _covers(snapshot, key, value):
    scope = snapshot.get('scope')
    return scope is None or _COMPARED[key](value) in scope[_SCOPE_KEYS[key][0]]


def _matches(device, key, wanted):
    if key == 'location_path':
        return wanted in device['location_paths']
    if key == 'instance_id':
        return canonical_instance_id(device['instance_id']) == canonical_instance_id(wanted)
    wanted = normalize_serial(wanted)
    return any(
        disk.get(field) and normalize_serial(disk[field]) == wanted
        for disk in device['disks'] or []
        for field in ('serial_number', 'adapter_serial_number'))


def device_selector(args):
    """The one (key, value) pair among the device selector options that is set."""
    given = [(key, args[key]) for key in DEVICE_SELECTORS if args.get(key) is not None]
    if len(given) != 1:
        raise SelectorError('Give exactly one device selector of %s; got %s.' % (
            ', '.join(DEVICE_SELECTORS), ', '.join(key for key, dummy in given) or 'none'))
    key, value = given[0]
    if not value.strip():
        raise SelectorError('%s must not be empty.' % key)
    return key, value


def select_device(snapshot, key, value):
    """The single device of the snapshot that the selector names; SelectorError otherwise."""
    if key not in DEVICE_SELECTORS:
        raise SelectorError('Unknown device selector %r: use one of %s.' % (key, ', '.join(DEVICE_SELECTORS)))
    # A location path or instance ID names one device at most; a serial number may name several, and a scoped
    # survey reports them all only when it was asked for that serial number.
    if key == 'serial_number' and not _covers(snapshot, key, value):
        raise OutsideScope('%s %r' % (key, value))
    found = [device for device in snapshot['devices'] if _matches(device, key, value)]
    if len(found) == 1:
        return found[0]
    if not found and 'scope' in snapshot:
        raise OutsideScope('%s %r' % (key, value))  # the message lists every device of the host
    host = snapshot['host']['name']
    if not found:
        listing = '; '.join(describe(device) for device in snapshot['devices']) or 'none'
        raise SelectorError(
            'No device on host %s matches %s %r. Devices on this host: %s. '
            'Check the value, or run hyperv.dda.hyperv_dda_info to list them.' % (host, key, value, listing),
            candidates=[location_path(device) for device in snapshot['devices']])
    raise SelectorError(
        '%s %r matches %d devices on host %s: %s. Select one of them by location_path.' % (
            key, value, len(found), host, '; '.join(describe(device) for device in found)),
        candidates=[location_path(device) for device in found])


def select_vm(snapshot, name, option_name='vm_name'):
    """The single VM of the snapshot with that name, compared as Hyper-V compares names (names.py); messages name
    the option (or variable) the name was given as."""
    if not name.strip():
        raise SelectorError('%s must not be empty.' % option_name)
    scope = snapshot.get('scope')
    if scope is not None and not any(same_vm_name(name, asked) for asked in scope['vm_names']):
        raise OutsideScope('VM %r' % name)
    found = [vm for vm in snapshot['vms'] if same_vm_name(vm['name'], name)]
    if len(found) == 1:
        return found[0]
    if not found and 'scope' in snapshot:
        raise OutsideScope('VM %r' % name)  # the message lists every VM of the host
    host = snapshot['host']['name']
    if not found:
        names = ', '.join(sorted(vm['name'] for vm in snapshot['vms'])) or 'none'
        raise SelectorError('Hyper-V host %s has no VM named %r (VMs: %s). Check %s.'
                            % (host, name, names, option_name))
    raise SelectorError(
        'Hyper-V host %s has %d VMs named %r (IDs %s). Rename one so the name is unique, then try again.' % (
            host, len(found), name, ', '.join(vm['id'] for vm in found)))


def same_disk(one, other):
    """Whether two disk records are one disk: the same unique ID, serial or adapter serial (a guest sees those the
    host saw)."""
    if one.get('unique_id') and one['unique_id'] == other.get('unique_id'):
        return True
    return any(one.get(key) and other.get(key) and normalize_serial(one[key]) == normalize_serial(other[key])
               for key in ('serial_number', 'adapter_serial_number'))
