# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Planners that move a device along the DDA chain, and back.

    enabled --disable--> disabled --dismount--> dismounted --assign--> assigned to a VM
    enabled <--enable--- disabled <--mount----- dismounted <--remove-- assigned to a VM

Device state is read as dda-facts §8.1 orders it: assigned (vms[].assigned_devices), then
dismounted, then disabled or enabled on the host. Each planner is
``plan(args, snapshot, check_mode) -> Plan``.
"""

from __future__ import annotations

import json

from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import survey_reasons
from ansible_collections.hyperv.dda.plugins.module_utils.devices import assigned_to, summary, where
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError, SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.plan import Plan, Preconditions, Step, option
from ansible_collections.hyperv.dda.plugins.plugin_utils.safety import host_critical_reasons, mounted_volume_reason
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import DEVICE_SELECTORS, device_selector, select_device, \
    select_vm
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, mmio_mb, problem_code
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_requirements import IGNORE, REFUSE, WARN, decide, \
    vm_requirements

IDENTITY = ('model', 'serial_number', 'adapter_serial_number', 'unique_id', 'size')
ACS_REASON = 'redirected to other devices'


def _device(args, snapshot):
    key, value = device_selector(args)
    return select_device(snapshot, key, value)


def _refuse_host_critical(device, action):
    reasons = host_critical_reasons(device)
    if reasons:
        raise PreconditionError('Refusing to %s %s: %s It must stay with the host, whatever the options.'
                                % (action, location_path(device), ' '.join(reasons)))


def pnp_device_plan(args, snapshot, check_mode):
    device = _device(args, snapshot)
    path, state = location_path(device), device['state']
    checks = Preconditions(check_mode)
    steps = []
    if args['state'] == 'disabled':
        after = state  # a dismounted or assigned device already satisfies disabled
        if state == 'enabled':
            _refuse_host_critical(device, 'disable')
            reason = mounted_volume_reason(device, option(args, 'allow_mounted_volumes'))
            if reason and not args['allow_mounted_volumes']:
                raise PreconditionError('Refusing to disable %s: %s' % (path, reason))
            # The script reads the host again and acts only while the disks behind the device are still these. It
            # records the device's MMIO need first: once disabled, the device cannot be surveyed (vm_requirements.py).
            steps.append(Step('set_pnp_device', {'InstanceId': device['instance_id'], 'Enabled': False,
                                                 'AllowMountedVolumes': bool(args['allow_mounted_volumes']),
                                                 'DiskNumber': sorted(disk['number'] for disk in device['disks']),
                                                 'LocationPath': path, 'MmioMb': _mmio_parameter(device)}))
            after = 'disabled'
    else:
        after = 'enabled'
        code = problem_code(device)
        if state == 'enabled' and code:
            raise PreconditionError('Cannot enable %s: it is not disabled, but Windows reports Plug and Play problem code '
                                    '%d for it, which enabling does not clear. See the device in Device Manager (a '
                                    'driver or a restart of the host may be needed).' % (path, code))
        checks.require(state != 'dismounted', 'Cannot enable %s: it is %s, and only a device on the host can be '
                       'enabled. Mount it first (hyperv.dda.vmhost_assignable_device state=mounted).'
                       % (path, where(snapshot, device)), earlier_step=True)
        # The script clears the collection's mark of an unfinished return (return_pending) once the device is
        # enabled: an enabled device that still has it (a run stopped before clearing it) has only that left to do.
        if state != 'enabled' or device.get('return_pending'):
            steps.append(Step('set_pnp_device', {'InstanceId': device['instance_id'], 'Enabled': True,
                                                 'LocationPath': path}))
    before, after = {'state': state}, {'state': after}
    if device.get('return_pending'):
        before['return_pending'], after['return_pending'] = True, args['state'] == 'disabled'
    return Plan(steps, result={'device': summary(snapshot, device, state=after['state'])},
                before=before, after=after, warnings=checks.warnings)


def _mmio_parameter(device):
    """The MMIO need a script records (-1: unknown, nothing recorded)."""
    need = mmio_mb(device)
    return -1 if need is None else need


def _identity_parameters(device):
    return {
        'FriendlyName': device['friendly_name'] or '',
        'Class': device['class'] or '',
        'Service': device['service'] or '',
        'Disks': json.dumps([dict((key, disk.get(key)) for key in IDENTITY) for disk in device['disks'] or []]),
        'MmioMb': _mmio_parameter(device),
    }


def host_device_plan(args, snapshot, check_mode):
    device = _device(args, snapshot)
    path, state = location_path(device), device['state']
    checks = Preconditions(check_mode)
    steps = []
    if args['state'] == 'dismounted':
        if state != 'dismounted':
            _refuse_host_critical(device, 'dismount')
            blockers = survey_reasons(device['survey'])
            if args['force']:  # -Force skips the ACS check, nothing else (dda-facts §1.4)
                blockers = [reason for reason in blockers if ACS_REASON not in reason]
            if blockers:
                raise PreconditionError('Cannot dismount %s: %s%s' % (path, ' '.join(blockers), '' if args['force'] else
                                        ' (force: true overrides only the ACS check.)'))
            checks.require(state == 'disabled', 'Cannot dismount %s: it is enabled on the host, and '
                           'Dismount-VMHostAssignableDevice needs it disabled. Disable it first '
                           '(hyperv.dda.pnp_device_disable).' % path, earlier_step=True)
            parameters = {'InstanceId': device['instance_id'], 'LocationPath': path, 'Force': args['force']}
            parameters.update(_identity_parameters(device))
            steps.append(Step('dismount_device', parameters))
        after = 'dismounted'
    else:
        after = state
        if state == 'dismounted':
            owner = assigned_to(snapshot, device)
            checks.require(owner is None, "Cannot mount %s: it is assigned to VM '%s'. Remove it from the VM first "
                           "(hyperv.dda.vm_assignable_device state=absent)." % (path, owner), earlier_step=True)
            steps.append(Step('mount_device', {'LocationPath': path, 'InstanceId': device['instance_id']}))
            after = 'disabled'  # a mounted device comes back disabled
    device_after = summary(snapshot, device, state=after)
    if after != 'dismounted':
        device_after['assigned_to'] = None
    return Plan(steps, result={'device': device_after}, before={'state': state}, after={'state': after},
                warnings=checks.warnings)


# What vm_assignable_device does with each of the VM's requirements (vm_requirements.py) when it assigns a device: it
# refuses what the role refuses, and warns what the role warns. A refusal whose ``fix`` is another task's (the stop
# action, memory, power, or remove_stale in a task of its own) is something an earlier task of the chain establishes:
# in check mode it is a warning. The module does not shut a VM down, so a guest that cannot be shut down gracefully and
# a start the VM is owed are not its concern.
MODULE_POLICY = {
    'clustered': REFUSE,
    'dynamic_memory': REFUSE,
    'stop_action_save': REFUSE,
    'stale_assignments': REFUSE,
    'mmio_too_small': REFUSE,
    'mmio_unknown': REFUSE,
    'vm_not_off': REFUSE,
    'generation_1': WARN,
    'nested_virtualization': WARN,
    'gpu_partitioning': WARN,
    'guest_shutdown_unavailable': IGNORE,
    'restart_pending': IGNORE,
}


def _assign_checks(snapshot, vm, path, checks):
    """The VM's requirements for the device at ``path``, by MODULE_POLICY: refuses, naming every refusal at once (in
    check mode, only those no other task fixes: the rest are warnings), and returns the warnings."""
    decided = decide(vm_requirements(snapshot, vm, new=(path,)), MODULE_POLICY)
    refused = [item['message'] for item in decided[REFUSE] if item['fix'] is None or not checks.check_mode]
    if refused:
        raise PreconditionError('Cannot assign %s: %s' % (path, ' '.join(refused)))
    for item in decided[REFUSE]:
        checks.require(False, 'Cannot assign %s: %s' % (path, item['message']), earlier_step=True)
    return [item['message'] for item in decided[WARN]]


def _stale_steps(vm, checks):
    """Whether the task removes the VM's stale assignments (it has some, and remove_stale asks)."""
    stale = vm.get('stale_assignments') or 0
    if not stale:
        return False
    checks.require(vm['state'] == 'Off', "Cannot remove the %d stale assignment(s) of VM '%s': the VM is %s and "
                   "Remove-VMAssignableDevice needs it Off. Stop it first (hyperv.dda.hyperv_vm_power state=off)."
                   % (stale, vm['name'], vm['state']), earlier_step=True)
    return True


def vm_device_plan(args, snapshot, check_mode):
    given = [key for key in DEVICE_SELECTORS if args.get(key) is not None]
    if args.get('remove_stale') and given:
        # One change a task: a device, or the stale assignments (which need no device).
        raise SelectorError('remove_stale: true removes the VM\'s stale assignments and nothing else, so it takes no '
                            'device selector; got %s. Run one task with the selector and another with remove_stale: '
                            'true.' % ', '.join(given))
    vm = select_vm(snapshot, args['vm_name'])
    checks = Preconditions(check_mode)
    warnings = []
    stale = vm.get('stale_assignments') or 0
    remove_stale = bool(args.get('remove_stale')) and _stale_steps(vm, checks)
    if not given:
        if not args.get('remove_stale'):
            raise SelectorError('Give exactly one device selector of %s, or remove_stale: true to remove the VM\'s '
                                'stale assignments only.' % ', '.join(DEVICE_SELECTORS))
        steps = [Step('set_vm_device', {'VMId': vm['id'], 'LocationPath': '', 'Present': False, 'RemoveStale': True})] \
            if remove_stale else []
        assigned = list(vm['assigned_devices'])
        return Plan(steps, result={'vm_name': vm['name'], 'assigned_devices': assigned, 'device': None,
                                   'stale_assignments': 0 if remove_stale else stale},
                    before={'assigned_devices': assigned, 'stale_assignments': stale},
                    after={'assigned_devices': assigned, 'stale_assignments': 0 if remove_stale else stale},
                    warnings=checks.warnings)
    device = _device(args, snapshot)
    path = location_path(device)
    owner = assigned_to(snapshot, device)
    assigned = list(vm['assigned_devices'])
    change = None
    prefix = "Cannot assign %s to VM '%s':" % (path, vm['name'])
    if args['state'] == 'present' and owner != vm['name']:
        if owner is not None:
            raise PreconditionError("%s it is assigned to VM '%s'. Remove it there first "
                                    "(hyperv.dda.vm_assignable_device vm_name=%s state=absent)." % (prefix, owner, owner))
        _refuse_host_critical(device, 'assign')
        checks.require(device['state'] == 'dismounted', '%s it is %s, and Add-VMAssignableDevice needs it dismounted. '
                       'Dismount it first (hyperv.dda.vmhost_assignable_device).' % (prefix, where(snapshot, device)),
                       earlier_step=True)
        warnings += _assign_checks(snapshot, vm, path, checks)
        if snapshot['host']['product_type'] == 'workstation':
            warnings.append("Host %s runs client Windows: VM '%s' will not start with %s assigned (0xC035001E)."
                            % (snapshot['host']['name'], vm['name'], path))
        change = True
        assigned.append(path)
        owner_after = vm['name']
    elif args['state'] == 'absent' and owner == vm['name']:
        checks.require(vm['state'] == 'Off', "Cannot remove %s from VM '%s': the VM is %s and "
                       "Remove-VMAssignableDevice needs it Off. Stop it first (hyperv.dda.hyperv_vm_power state=off)."
                       % (path, vm['name'], vm['state']), earlier_step=True)
        change = False
        assigned.remove(path)
        owner_after = None
    else:
        owner_after = owner
    stale_after = 0 if remove_stale else stale
    if stale_after and change is not True:  # an assignment refuses them (MODULE_POLICY); anything else warns
        warnings += [item['message'] for item in vm_requirements(snapshot, vm) if item['code'] == 'stale_assignments']
    steps = []
    if change is not None or remove_stale:
        steps.append(Step('set_vm_device', {'VMId': vm['id'], 'LocationPath': path if change is not None else '',
                                            'Present': bool(change), 'RemoveStale': remove_stale}))
    return Plan(steps,
                result={'vm_name': vm['name'], 'assigned_devices': assigned, 'stale_assignments': stale_after,
                        'device': summary(snapshot, device, assigned_to=owner_after,
                                          state='dismounted' if owner_after else device['state'])},
                before={'assigned_devices': list(vm['assigned_devices']), 'stale_assignments': stale},
                after={'assigned_devices': assigned, 'stale_assignments': stale_after},
                warnings=checks.warnings + warnings)
