# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The host as it will be after a module's step: what the role's plan hands each next step.

The role plans every step from one survey; each task then plans again from the host as the plan
expects it before that step (the ``survey`` option), and its script checks the real host before it acts.
These are the effects of each module's change on a snapshot, as its planner promises them; the operations table
names each script's (its ``effect``).
"""

from __future__ import annotations

import copy

from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.plugin_utils.operations import OPERATIONS
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import forget, remember
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, SCHEMA_ID, \
    device_at, location_path, mmio_mb


def _vm(snapshot, name):
    return next(vm for vm in snapshot['vms'] if same_vm_name(vm['name'], name))


def _remember(vm, args, wanted):
    """What the step's script keeps on the host (remembered.py): remember, each setting whose value it changes (from
    the VM's value to ``wanted``); forget, every setting of the step."""
    if args.get('previous') == 'remember':
        changes = dict((name, (vm[name], value)) for name, value in wanted.items() if vm[name] != value)
        vm['remembered_settings'] = remember(vm.get('remembered_settings'), changes) if changes else \
            vm.get('remembered_settings')
    elif args.get('previous') == 'forget':
        vm['remembered_settings'] = forget(vm.get('remembered_settings'), wanted)


def power(snapshot, args):
    vm = _vm(snapshot, args['vm_name'])
    if args['state'] == 'off':
        vm.update(state='Off', guest_shutdown_available=None)
        if args.get('record_restart'):
            vm['restart_pending'] = True
    else:
        vm.update(state='Running', restart_pending=False)
        if vm.get('guest_shutdown_available') is None:
            vm['guest_shutdown_available'] = True


def stop_action(snapshot, args):
    vm = _vm(snapshot, args['vm_name'])
    _remember(vm, args, {'automatic_stop_action': args['action']})
    vm['automatic_stop_action'] = args['action']


def memory(snapshot, args):
    vm = _vm(snapshot, args['vm_name'])
    startup = vm['memory_startup_bytes'] if args.get('startup_bytes') is None else args['startup_bytes']
    _remember(vm, args, {'dynamic_memory_enabled': args['dynamic_memory'], 'memory_startup_bytes': startup})
    vm['dynamic_memory_enabled'] = args['dynamic_memory']
    vm['memory_startup_bytes'] = startup


def _record_mmio(device):
    """set_pnp_device.ps1 (disabling) and dismount_device.ps1 record the device's MMIO need on the host, when known."""
    if mmio_mb(device) is not None:
        device['recorded_mmio_mb'] = mmio_mb(device)


def pnp_device(snapshot, args):
    enabled = args['state'] == 'enabled'
    device = device_at(snapshot, args['location_path'])
    if not enabled:
        _record_mmio(device)
    device.update(state='enabled' if enabled else 'disabled', problem_code=0 if enabled else DISABLED_PROBLEM_CODE)
    if enabled:
        device.pop('return_pending', None)  # the return is finished: the script clears its mark


def host_device(snapshot, args):
    device = device_at(snapshot, args['location_path'])
    if args['state'] == 'dismounted':
        _record_mmio(device)
        device.update(state='dismounted', problem_code=None, survey=None, identity_recorded=True)
        device.pop('return_pending', None)
    elif device['state'] == 'dismounted':
        # Marked as the collection's to enable before the mount (mount_device.ps1).
        device.update(state='disabled', problem_code=DISABLED_PROBLEM_CODE, return_pending=True)


def vm_device(snapshot, args):
    vm = _vm(snapshot, args['vm_name'])
    path = args.get('location_path')
    if args.get('remove_stale'):
        vm['stale_assignments'] = 0
    if path is None:  # remove_stale alone: no device of the VM changes
        return
    if args['state'] == 'present' and path not in vm['assigned_devices']:
        vm['assigned_devices'].append(path)
    elif args['state'] == 'absent' and path in vm['assigned_devices']:
        vm['assigned_devices'].remove(path)


# Each module's effect, by the operations table (the effect named in the rows of the module's scripts).
EFFECTS = dict((operation.module, globals()[operation.effect]) for operation in OPERATIONS if operation.effect)


def apply_step(snapshot, module, args):
    """Change the snapshot as the module's step will change the host."""
    EFFECTS[module](snapshot, args)


def scoped(snapshot, vm_name, paths=()):
    """What one step needs of the host: the host, the VM, the step's devices and the VM's own devices (no VM for a
    step on a device no VM holds)."""
    vms = [vm for vm in snapshot['vms'] if vm_name is not None and same_vm_name(vm['name'], vm_name)]
    keep = set(paths) | set(path for vm in vms for path in vm['assigned_devices'])
    return copy.deepcopy({'schema': SCHEMA_ID, 'host': snapshot['host'],
                          'devices': [device for device in snapshot['devices'] if location_path(device) in keep],
                          'vms': vms})
