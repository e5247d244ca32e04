# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The reclaim of what DDA left behind on a host, planned from one survey, before anything changes.

``playbooks/dda_reclaim.yml`` surveys each host (hyperv_dda_info), plans here (the filter
hyperv.dda.dda_reclaim_plan) and runs the steps in the role's order (passthrough_plan.RUN_ORDER: the power window
of the VMs it shuts down, then the devices it gives back to the host), each handed the host as expected before it
(its ``survey``), exactly as the nvme_passthrough role does: every module's own planner decides each step, so every
refusal comes before the first change, and the steps' scripts check the host as it is before acting.

- stale assignments (``leftovers.STALE_ASSIGNMENT``) are removed from their VM: at once when it is off; when it
  runs, only with ``allow_vm_restart`` (shut down once, recorded on the host, started again);
- orphans (``leftovers.ORPHAN``) are mounted and enabled on the host, and devices whose return is pending
  (``leftovers.RETURN_PENDING``: a run gave them back and stopped before enabling them) are enabled, both limited
  to ``devices`` when given (for hosts where some dismounted devices are kept on purpose);
- a VM owed a start (``leftovers.RESTART_PENDING``) is started.

A device disabled but never dismounted, without the collection's mark of a return, is reported, not enabled: it may
be disabled on purpose (also when the limit names it).
The result has the shape of the role's plan: ``errors``, ``warnings``, ``steps`` (``key``, ``module``, ``args``,
``survey``, ``label``, ``change``), ``changes``, ``phases`` (of the role's tasks files the steps need), and what was
found: ``orphans``, ``return_pending``, ``stale``, ``restart_pending``, ``disabled``, ``kept`` (orphans and devices
whose return is pending, outside the limit).
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import SHUTDOWN_TIMEOUT, checked_number
from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import vm_device_plan
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import DISABLED_NOT_DISMOUNTED, ORPHAN, \
    RETURN_PENDING, device_states
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import Run, back_to_host_steps, \
    device_label, phases, power_window
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import DEVICE_SELECTORS, device_selector, \
    select_device, select_vm
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, location_path, \
    problem_code
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_plans import power_plan

PREFIX = 'dda_reclaim_'
# Module options whose playbook variable a message of a step must name instead.
RECLAIM_OPTIONS = {'shutdown_timeout': PREFIX + 'shutdown_timeout'}
NO_SELECTOR = dict((key, None) for key in DEVICE_SELECTORS)


def _limit(run, snapshot, devices):
    """The location paths the limit names (None: no limit). A selector naming no device is an error: a typo
    must not widen or silently empty the reclaim."""
    if devices is None:
        return None
    paths = set()
    for entry in devices:
        try:
            paths.add(location_path(select_device(snapshot, *device_selector(entry))))
        except DDAError as e:
            run.errors.append('%sdevices: %s' % (PREFIX, e.msg))
    return paths


def _power_args(vm, settings, state, **extra):
    return dict({'vm_name': vm['name'], 'state': state, 'shutdown_timeout': settings['shutdown_timeout'],
                 'turn_off_on_timeout': False}, **extra)


def plan_reclaim(snapshot, settings):
    """settings: ``devices`` (selectors limiting the orphans and the returns pending, or None), ``allow_vm_restart``,
    ``shutdown_timeout``."""
    # Once, before anything is planned: each VM's shutdown and start would refuse it again.
    checked_number(settings['shutdown_timeout'], PREFIX + 'shutdown_timeout', SHUTDOWN_TIMEOUT)
    run = Run(snapshot, dict(settings, vm_name=None), check_mode=False, option_names=RECLAIM_OPTIONS)
    orphans = [device for device in snapshot['devices'] if ORPHAN in device_states(snapshot, device)]
    returning = [device for device in snapshot['devices'] if RETURN_PENDING in device_states(snapshot, device)]
    disabled = [device for device in snapshot['devices'] if DISABLED_NOT_DISMOUNTED in device_states(snapshot, device)]
    stale_vms = [vm for vm in snapshot['vms'] if vm.get('stale_assignments')]
    result = {'errors': run.errors, 'warnings': [], 'steps': run.steps, 'changes': [],
              'orphans': [device_label(device) for device in orphans],
              'disabled': [device_label(device) for device in disabled], 'kept': [],
              'return_pending': [device_label(device) for device in returning],
              'stale': ['%s (%d)' % (vm['name'], vm['stale_assignments']) for vm in stale_vms],
              'restart_pending': [vm['name'] for vm in snapshot['vms'] if vm.get('restart_pending')]}
    limit = _limit(run, snapshot, settings.get('devices'))
    shut_down = set(vm['name'] for vm in stale_vms if power_window(
        run, vm, ['remove its %d stale assignment(s)' % vm['stale_assignments']], PREFIX))
    if limit is not None:
        result['kept'] = [device_label(device) for device in orphans + returning if location_path(device) not in limit]
        orphans = [device for device in orphans if location_path(device) in limit]
        returning = [device for device in returning if location_path(device) in limit]
    # Enabling does not clear another Plug and Play problem: such a device needs a look, not a refusal of the reclaim.
    troubled = [device for device in returning if problem_code(device) not in (0, DISABLED_PROBLEM_CODE)]
    result['warnings'] += _left_as_they_are(troubled, disabled, limit)
    if run.errors:
        return _finish(result, run)

    for vm in stale_vms:
        if vm['name'] in shut_down:
            run.step('shutdown', 'hyperv_vm_power', power_plan, _power_args(vm, settings, 'off', record_restart=True),
                     "VM '%s'" % vm['name'], "shut VM '%s' down" % vm['name'], vm_name=vm['name'])
    for vm in stale_vms:
        run.step('remove_stale', 'vm_assignable_device', vm_device_plan,
                 dict(NO_SELECTOR, vm_name=vm['name'], state='present', remove_stale=True), "VM '%s'" % vm['name'],
                 "remove the %d stale assignment(s) of VM '%s'" % (vm['stale_assignments'], vm['name']),
                 vm_name=vm['name'])
    # A VM shut down here, or owed a start by an interrupted run: started (or its record cleared, when it runs).
    for vm in snapshot['vms']:
        if vm['name'] in shut_down or vm.get('restart_pending'):
            running = select_vm(run.expected, vm['name'])['state'] == 'Running'
            run.step('restart', 'hyperv_vm_power', power_plan, _power_args(vm, settings, 'running'),
                     "VM '%s'" % vm['name'], "clear the restart VM '%s' was owed (it runs)" % vm['name'] if running
                     else "start VM '%s' again" % vm['name'], vm_name=vm['name'])
    # Then, with every VM running again, the devices no VM holds go back to the host: each mounted, then each enabled.
    # A device whose return is pending is on the host already: of the same steps, only the enable is left.
    run.device_steps([(device_label(device), location_path(device),
                       back_to_host_steps(dict(NO_SELECTOR, location_path=location_path(device)), device_label(device),
                                          device))
                      for device in orphans + [device for device in returning if device not in troubled]])
    return _finish(result, run)


def _left_as_they_are(troubled, disabled, limit):
    """What the reclaim reports and does not touch, in words."""
    warnings = []
    if troubled:
        warnings.append('Given back to the host by a run that stopped, but Windows reports another Plug and Play '
                        'problem for them, which enabling does not clear; left as they are (see them in Device '
                        'Manager, then reclaim again): %s.' % '; '.join('%s (problem code %d)' % (
                            device_label(device), problem_code(device)) for device in troubled))
    if disabled:
        text = ('Disabled on the host but never dismounted, left as they are (enable them with '
                'hyperv.dda.pnp_device_disable state=enabled, or pass them through): %s.'
                % '; '.join(device_label(device) for device in disabled))
        named = [device_label(device) for device in disabled if limit is not None and location_path(device) in limit]
        if named:
            text += (' %sdevices names %s: the reclaim enables only a device the collection began to give back to the '
                     'host (the host records that until the device is enabled), never one disabled without that record, '
                     'which may be disabled on purpose.' % (PREFIX, '; '.join(named)))
        warnings.append(text)
    return warnings


def _finish(result, run):
    if run.errors:
        del run.steps[:]
    result['changes'] = [step['change'] for step in run.steps]
    result['phases'] = phases(run.steps)
    return result
