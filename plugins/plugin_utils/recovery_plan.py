# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""All or nothing: what a failed run of the nvme_passthrough role gives back, or finishes, so that the host is as the
run found it or as it planned, never in between (issue 23).

Planned after the failure, from the host as read then (hyperv_dda_info) and the role's plan, which records where the
run found each device and the VM's settings and where it meant to leave them (``found`` and ``planned``). ``target``
says which of the two: ``found`` for a failure before the power window closed (the VM is off, or never went down, so
giving back costs no second shutdown), ``planned`` for one after it (a release whose devices left the VM already:
going back would shut the VM down again, while its own remaining steps finish it). When the target would need the VM
off while it runs, the other end is taken if it needs less (a start that worked, and only the record of it could not
be cleared, leaves the devices where the run planned them).

Each of the run's devices goes to its target: off the VM (removed, with the VM off), then mounted and enabled on the
host; or, for a release that goes back, assigned to the VM again. The VM's memory and stop action go back to their
target (the remembered values: what the run found) once no device the VM keeps needs otherwise. The VM is started
again when the run found it running. A step that needs the VM off while it runs is not planned (no second shutdown):
it is in ``left`` with why, for the story to say how to finish it.

Every step is the module's own planner on the host as it will be before it, as in the role's plan, with the same step
keys, so the role's own tasks files run it. The start's step reads the host itself (no survey): the steps before it
may not have gone as planned.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import vm_device_plan
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import Run, back_to_host_steps, phases, \
    position
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import MEMORY
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import select_vm
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import device_at
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_plans import memory_plan, power_plan, stop_action_plan

TARGETS = ('found', 'planned')
# Which part of a recovery is planned: inside the power window (what needs the VM off, then the start), or after it
# (the rest); None: all of it.
PARTS = (None, 'power_window', 'after_window')
NEEDS_OFF = 'it needs the VM off, and the run does not shut the VM down a second time'


def _selector(path):
    return {'location_path': path, 'instance_id': None, 'serial_number': None}


class Recovery(object):
    """The recovery being planned: the role's Run on the host as read, what is left, and the targets."""

    def __init__(self, plan, snapshot, target, part):
        self.part = part
        self.name = plan['vm']['name']
        self.run = Run(snapshot, {'vm_name': self.name}, check_mode=False)
        self.plan = plan
        self.wanted = dict((device['location_path'], device[target]) for device in plan['devices'])
        self.labels = dict((device['location_path'], device['label']) for device in plan['devices'])
        self.settings = plan['vm'][target]
        self.left = []

    def vm(self):
        return select_vm(self.run.expected, self.name)

    def where(self, path):
        return position(self.run.expected, self.name, path)

    def step(self, key, module, planner, args, label, change, paths=()):
        before = len(self.run.errors)
        decided = self.run.step(key, module, planner, args, label, change, paths=paths)
        if decided is None:
            self.left.append('%s: %s' % (change, self.run.errors[before]))
            del self.run.errors[before:]
        return decided

    def needs_off(self, change):
        """A step that needs the VM off: planned while it is off, inside the power window, else left."""
        if self.vm()['state'] == 'Off' and self.part != 'after_window':
            return True
        self.left.append('%s: %s.' % (change, NEEDS_OFF))
        return False


def plan_recovery(plan, after, target, part=None):
    """The recovery of a failed run: ``plan`` is the role's (nvme_passthrough_plan's result), ``after`` hyperv_dda_info's
    result read after the failure (the run's VM; every device), ``target`` ``found`` or ``planned``, ``part`` which
    part of it (PARTS)."""
    result = {'steps': [], 'changes': [], 'phases': [], 'left': [], 'errors': [], 'target': target, 'read': False}
    if target not in TARGETS:
        raise DDAError('The target of a recovery is found or planned, not %r.' % (target,))
    if part not in PARTS:
        raise DDAError('The part of a recovery is power_window or after_window, not %r.' % (part,))
    snapshot = (after or {}).get('snapshot') if not (after or {}).get('failed') else None
    if not plan.get('vm') or not plan.get('devices') or 'found' not in plan['vm']:
        return result
    if snapshot is None:
        result['left'].append('The host could not be read after the failure, so nothing was given back.')
        return result
    try:
        select_vm(snapshot, plan['vm']['name'])
    except DDAError as e:
        result['left'].append('Nothing was given back: %s' % e.msg)
        return result
    recovery = _recovery(plan, snapshot, target, part)
    other = TARGETS[1 - TARGETS.index(target)]
    if recovery.left:
        # Going to the target would need the VM off while it runs, or a step back that is no recovery's (a device
        # to take from the host again): the other end (as planned, say, when the VM started again and only the
        # record of its start could not be cleared) may need none.
        alternative = _recovery(plan, snapshot, other, part)
        if len(alternative.left) < len(recovery.left):
            recovery, target = alternative, other
    result.update(steps=recovery.run.steps, changes=[step['change'] for step in recovery.run.steps],
                  phases=phases(recovery.run.steps), left=recovery.left, read=True, target=target)
    return result


def _recovery(plan, snapshot, target, part):
    recovery = Recovery(plan, snapshot, target, part)
    for path in [path for path in recovery.wanted if device_at(snapshot, path) is None]:
        recovery.left.append('%s was not found on the host after the failure.' % recovery.labels[path])
        del recovery.wanted[path]
    _window(recovery)
    if part != 'after_window':
        _start(recovery)
    if part != 'power_window':
        _back_on_host(recovery)
        _stop_action(recovery)
    return recovery


def _kept(recovery):
    """Whether the VM holds a device at the target (one of the run's the target assigns, or one the run left alone)."""
    vm = recovery.vm()
    others = [path for path in vm['assigned_devices'] if path not in recovery.wanted]
    return bool(others) or any(where == 'assigned' for where in recovery.wanted.values())


def _window(recovery):
    """With the VM off: static memory again (a release going back), each device off the VM or back on it, then the
    memory settings given back (a passthrough going back)."""
    name, wanted = recovery.name, recovery.settings
    vm = recovery.vm()
    if wanted['dynamic_memory_enabled'] is False and vm['dynamic_memory_enabled'] and \
            recovery.needs_off("turn dynamic memory of VM '%s' off again" % name):
        recovery.step('memory', 'hyperv_vm_memory', memory_plan,
                      {'vm_name': name, 'dynamic_memory': False, 'startup_bytes': None, 'previous': 'remember'},
                      "VM '%s'" % name, "turn dynamic memory of VM '%s' off again" % name)
    for path, where in recovery.wanted.items():
        label, now = recovery.labels[path], recovery.where(path)
        if now == 'assigned' and where != 'assigned':
            change = "remove %s from VM '%s' again" % (label, name)
            if recovery.needs_off(change):
                recovery.step('remove', 'vm_assignable_device', vm_device_plan,
                              dict(_selector(path), vm_name=name, state='absent', remove_stale=False), label, change,
                              paths=(path,))
        elif where == 'assigned' and now != 'assigned':
            change = "assign %s to VM '%s' again" % (label, name)
            if now != 'dismounted':
                recovery.left.append('%s: it is %s on the host, and only a dismounted device can be assigned.'
                                     % (change, now))
            elif recovery.needs_off(change):
                recovery.step('assign', 'vm_assignable_device', vm_device_plan,
                              dict(_selector(path), vm_name=name, state='present', remove_stale=False), label, change,
                              paths=(path,))
    vm = recovery.vm()
    memory = tuple(wanted[setting] for setting in MEMORY)
    if memory != tuple(vm[setting] for setting in MEMORY) and (memory[0] is True or memory[1] != vm[MEMORY[1]]) \
            and not _kept(recovery):
        change = "give VM '%s' back its memory settings (dynamic memory %s, startup memory %d MB)" % (
            name, 'on' if memory[0] else 'off', memory[1] // (1024 * 1024))
        if recovery.needs_off(change):
            recovery.step('restore_memory', 'hyperv_vm_memory', memory_plan,
                          {'vm_name': name, 'dynamic_memory': memory[0], 'startup_bytes': memory[1],
                           'previous': 'forget'}, "VM '%s'" % name, change)


def _start(recovery):
    """The VM runs again when the run found it running (or owing a start)."""
    vm = recovery.vm()
    if recovery.plan.get('original_state') != 'Running' or (vm['state'] == 'Running' and not vm.get('restart_pending')):
        return
    name = recovery.name
    if recovery.step('restart', 'hyperv_vm_power', power_plan,
                     {'vm_name': name, 'state': 'running', 'shutdown_timeout': recovery.plan['shutdown_timeout'],
                      'turn_off_on_timeout': False}, "VM '%s'" % name, "start VM '%s' again" % name):
        recovery.run.steps[-1]['survey'] = None


def _back_on_host(recovery):
    """Each device whose target is on the host: mounted, then enabled (unless the run found it disabled)."""
    chains = []
    for path, where in recovery.wanted.items():
        if where not in ('enabled', 'disabled') or recovery.where(path) in ('assigned', 'assigned elsewhere'):
            continue
        device = device_at(recovery.run.expected, path)
        steps = back_to_host_steps(_selector(path), recovery.labels[path], device)
        chains.append((recovery.labels[path], path, steps if where == 'enabled' else steps[:1]))
    before = len(recovery.run.errors)
    recovery.run.device_steps(chains)
    recovery.left.extend(recovery.run.errors[before:])
    del recovery.run.errors[before:]


def _stop_action(recovery):
    """The stop action back to its target, once the VM keeps no device that rules its target out (Save)."""
    name, action = recovery.name, recovery.settings['automatic_stop_action']
    vm = recovery.vm()
    if action == vm['automatic_stop_action'] or (action == 'Save' and vm['assigned_devices']):
        return
    recovery.step('restore_stop_action', 'hyperv_vm_stop_action', stop_action_plan,
                  {'vm_name': name, 'action': action, 'previous': 'forget'}, "VM '%s'" % name,
                  "give VM '%s' back its automatic stop action %s" % (name, action))
