# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Planners of the VM settings DDA depends on: stop action, memory, power.

Each is ``plan(args, snapshot, check_mode) -> Plan``: plain data in, plain data out.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import SHUTDOWN_TIMEOUT, STARTUP_BYTES, checked_number
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError
from ansible_collections.hyperv.dda.plugins.module_utils.plan import Plan, Preconditions, Step, option
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import MEMORY, holds
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import select_vm

STOP_HINT = 'Stop it first (hyperv.dda.hyperv_vm_power state=off).'
# The states hyperv_vm_power acts on (set_vm_power.ps1 refuses the others the same way): any other is a transition
# (Starting, Stopping, Saving, Pausing, Resuming, ...) or a *Critical state (dda-facts §11, VM states).
SETTLED_STATES = ('Running', 'Off', 'Saved', 'Paused')


def _devices(vm):
    return ', '.join(vm['assigned_devices'])


def _with_previous(parameters, previous):
    """A script's parameters, with Previous only when the task keeps or forgets a value."""
    if previous:
        parameters['Previous'] = previous
    return parameters


def _remembered(vm, *names):
    """Whether the host keeps the VM's value of any of these settings from before the collection changed it."""
    return holds(vm.get('remembered_settings'), names)


def stop_action_plan(args, snapshot, check_mode):
    vm = select_vm(snapshot, args['vm_name'])
    wanted, current = args['action'], vm['automatic_stop_action']
    if wanted == 'Save' and vm['assigned_devices']:
        raise PreconditionError(
            "Cannot set the automatic stop action of VM '%s' to Save: it has assigned devices (%s), and a VM with "
            "an assigned device cannot be saved. Use TurnOff or ShutDown." % (vm['name'], _devices(vm)))
    previous = args.get('previous') or ''
    forget = previous == 'forget' and _remembered(vm, 'automatic_stop_action')
    steps = [] if wanted == current and not forget else \
        [Step('set_vm_stop_action', _with_previous({'VMId': vm['id'], 'Action': wanted}, previous))]
    return Plan(steps,
                result={'vm_name': vm['name'], 'automatic_stop_action': wanted,
                        'previous_automatic_stop_action': current},
                before={'automatic_stop_action': current}, after={'automatic_stop_action': wanted})


def memory_plan(args, snapshot, check_mode):
    vm = select_vm(snapshot, args['vm_name'])
    startup = args.get('startup_bytes')
    if startup is not None:
        startup = checked_number(startup, option(args, 'startup_bytes'), STARTUP_BYTES)
    current = {'dynamic_memory_enabled': vm['dynamic_memory_enabled'],
               'memory_startup_bytes': vm['memory_startup_bytes']}
    wanted = {'dynamic_memory_enabled': args['dynamic_memory'],
              'memory_startup_bytes': vm['memory_startup_bytes'] if startup is None else startup}
    checks = Preconditions(check_mode)
    steps = []
    previous = args.get('previous') or ''
    if wanted != current or (previous == 'forget' and _remembered(vm, *MEMORY)):
        if wanted['dynamic_memory_enabled'] and vm['assigned_devices']:
            raise PreconditionError("Cannot turn on dynamic memory for VM '%s': it has assigned devices (%s), and "
                                    "DDA needs static memory." % (vm['name'], _devices(vm)))
        if wanted != current:
            checks.require(vm['state'] == 'Off', "Cannot change the memory of VM '%s': the VM is %s and Set-VMMemory "
                           "needs it Off. %s" % (vm['name'], vm['state'], STOP_HINT), earlier_step=True)
        steps.append(Step('set_vm_memory', _with_previous({'VMId': vm['id'],
                                                           'DynamicMemoryEnabled': wanted['dynamic_memory_enabled'],
                                                           'StartupBytes': wanted['memory_startup_bytes']}, previous)))
    result = dict(wanted, vm_name=vm['name'])
    return Plan(steps, result=result, before=current, after=wanted, warnings=checks.warnings)


def power_plan(args, snapshot, check_mode):
    vm = select_vm(snapshot, args['vm_name'])
    timeout = checked_number(args['shutdown_timeout'], option(args, 'shutdown_timeout'), SHUTDOWN_TIMEOUT)
    current, wanted = vm['state'], 'Running' if args['state'] == 'running' else 'Off'
    if current not in SETTLED_STATES:
        raise PreconditionError(
            "VM '%s' is %s, not Running, Off, Saved or Paused, and was left as it is. Wait until it has settled (a "
            "state ending in Critical means Hyper-V reports a problem with the VM, such as its storage), then run the "
            "task again." % (vm['name'], current))
    steps = []
    pending = bool(vm.get('restart_pending'))
    if wanted == 'Off' and current in ('Saved', 'Paused') and not args['turn_off_on_timeout']:
        raise PreconditionError(
            "VM '%s' is %s, so its guest cannot be asked to shut down, and it was left as it is. %s it first "
            "(state=running) and shut it down then, turn it off yourself, or set turn_off_on_timeout: true to turn it "
            "off (its memory state is lost)." % (vm['name'], current, 'Resume' if current == 'Paused' else 'Start'))
    if wanted != current:
        if wanted == 'Running' and vm['assigned_devices'] and snapshot['host']['product_type'] == 'workstation':
            raise PreconditionError(
                "VM '%s' cannot start on host %s: it has assigned devices (%s) and the host runs client Windows, "
                "where a VM with an assigned device fails to start (0xC035001E)."
                % (vm['name'], snapshot['host']['name'], _devices(vm)))
    # A start is owed only to a VM that was running when it was shut down; a Saved or Paused one is turned off.
    recorded = bool(args.get('record_restart')) and current == 'Running' and wanted == 'Off'
    if wanted != current or (wanted == 'Running' and pending):
        # Starting the VM, or finding it running, finishes what a recorded shutdown left to do.
        parameters = {'VMId': vm['id'], 'State': args['state'], 'ShutdownTimeout': timeout,
                      'TurnOffOnTimeout': args['turn_off_on_timeout']}
        if recorded:
            parameters['RecordRestart'] = True
        steps.append(Step('set_vm_power', parameters))
    pending_after = wanted == 'Off' and (pending or recorded)
    return Plan(steps, result={'vm_name': vm['name'], 'state': wanted, 'previous_state': current,
                               'restart_pending': pending_after},
                before={'state': current, 'restart_pending': pending},
                after={'state': wanted, 'restart_pending': pending_after})
