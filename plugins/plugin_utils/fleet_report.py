# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The fleet DDA audit: what hyperv_dda_info found on every host, as one report, and how far each host is from
what the role's variables ask for.

``build(surveys, made=, unreachable=, desired=)`` turns {host: hyperv_dda_info result} into plain rows: the hosts,
every device (where it is, its verdict, the data it holds, its serial numbers, its MMIO), every VM (its DDA
settings, blockers and warnings), what was left behind (orphans, returns pending, stale assignments, disabled
devices, pending restarts; what a run holding the host's lease may have under way is said so) and, for hosts with the
nvme_passthrough role's variables, what the role would change or refuse (the role's own planner on the survey: no round
trip). Each host says who holds its lease (plugin_utils/lease.py). ``report_render.render`` writes it. What is a list
(a device's blockers and warnings, a VM's problems, warnings and assigned devices, a drift row's devices and details)
stays a list: each format shows it its own way.
The verdicts come from the planners the modules use (candidates, vm_checks, leftovers, passthrough_plan).
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings
from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import lease_words
from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import DISABLED_NOT_DISMOUNTED, ORPHAN, \
    RECLAIM_COMMAND, RESTART_PENDING, RETURN_PENDING, STALE_ASSIGNMENT
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run
from ansible_collections.hyperv.dda.plugins.plugin_utils.version import COLLECTION_VERSION
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_checks import vm_verdict

# Each left-behind state in words, and what dda_reclaim does about it.
LEFT_BEHIND = {
    ORPHAN: ('orphan: dismounted, held by no VM', 'yes'),
    RETURN_PENDING: ('return pending: a run began to give it back to the host and stopped before it was enabled',
                     'yes'),
    DISABLED_NOT_DISMOUNTED: ('disabled on the host, never dismounted',
                              'no: only reported (it may be disabled on purpose)'),
    STALE_ASSIGNMENT: ('stale assignment(s): the VM holds devices gone from the host and cannot start',
                       'yes (a running VM only with dda_reclaim_allow_vm_restart)'),
    RESTART_PENDING: ('restart pending: an interrupted run shut the VM down and owes it a start', 'yes'),
}


def _gb(size):
    return '%.0f GB' % (size / 1e9) if size else 'unknown size'


def _where(candidate):
    if candidate['assigned_to']:
        return 'assigned to %s' % candidate['assigned_to']
    return {'enabled': 'on the host', 'disabled': 'on the host, disabled',
            'dismounted': 'dismounted, unassigned'}[candidate['state']]


def _disks(candidate):
    if candidate['disks'] is None:
        return 'unknown'
    return '; '.join('%s (%s)' % (disk.get('model') or 'disk', _gb(disk.get('size'))) for disk in candidate['disks'])


def _serials(candidate, key):
    return '; '.join((disk.get(key) or '').strip() for disk in candidate['disks'] or [] if disk.get(key))


def _device_row(name, candidate):
    return {'host': name, 'location_path': candidate['location_path'],
            'friendly_name': candidate['friendly_name'] or '', 'where': _where(candidate),
            'assignable': candidate['assignable'], 'states': ', '.join(candidate['states']),
            'disks': _disks(candidate), 'serial_number': _serials(candidate, 'serial_number'),
            'adapter_serial_number': _serials(candidate, 'adapter_serial_number'),
            'mmio_mb': candidate['mmio_mb'], 'reasons': list(candidate['reasons']),
            'warnings': list(candidate['warnings'])}


def _mb(size):
    return None if size is None else size // (1024 * 1024)


def _vm_row(name, verdict):
    return {'host': name, 'vm': verdict['name'], 'state': verdict['state'], 'generation': verdict['generation'],
            'automatic_stop_action': verdict['automatic_stop_action'],
            'dynamic_memory': verdict['dynamic_memory_enabled'], 'memory_mb': _mb(verdict['memory_startup_bytes']),
            'low_mmio_mb': _mb(verdict['low_mmio_bytes']), 'high_mmio_mb': _mb(verdict['high_mmio_bytes']),
            'mmio_needed_mb': verdict['mmio_needed_mb'], 'clustered': verdict['is_clustered'],
            'nested_virtualization': verdict['expose_virtualization_extensions'],
            'gpu_partition_adapters': verdict['gpu_partition_adapters'],
            'assigned_devices': list(verdict['assigned_devices']), 'states': ', '.join(verdict['states']),
            'problems': list(verdict['reasons']), 'warnings': list(verdict['warnings'])}


def _left_behind(name, found, verdicts, lease=None):
    """A row per left-behind state of the host's devices (candidates) and VMs (vm_checks verdicts). While a run holds
    the host's lease (its time not run out), what looks left behind may be that run's work under way: said so, and the
    reclaim waits for that run."""
    things = [('%s %s' % (candidate['friendly_name'] or 'device', candidate['location_path']), candidate['states'])
              for candidate in found] + [('VM %s' % verdict['name'], verdict['states']) for verdict in verdicts]
    live = lease_words(lease) if lease and not lease.get('expired') else None
    rows = []
    for what, states in things:
        for state in states:
            row = {'host': name, 'what': what, 'state': LEFT_BEHIND[state][0], 'reclaimed': LEFT_BEHIND[state][1]}
            if live:
                row['state'] += ' (or under way: %s holds the host\'s lease)' % live
                row['reclaimed'] = 'not while that run holds the lease: look again once it ends (a reclaim waits for it)'
            rows.append(row)
    return rows


def lease_text(lease):
    """The host's lease in the Hosts table: free, or who holds it until when (run out: the next run takes it over)."""
    if lease and lease.get('error'):
        return 'unreadable: %s' % lease['error']
    return lease_words(lease) or 'free'


def _said_once(plan, vm_name):
    """The plan's changes as short lines, in the order the role makes them: each of the VM's own steps a line ("the
    VM": the row names it), and each run of one action on devices a line ("the device", "the 2 devices": the devices
    column names them; only a run on some of the devices names them). Guest steps are left out (the caller says who
    checks them)."""
    labels = [device['label'] for device in plan['devices']]
    lines, run = [], []
    for step in plan['steps']:
        text = step['change'].replace("VM '%s'" % vm_name, 'the VM')
        action = text.replace(step['label'], DEVICES) if step['label'] in labels else None
        if run and action != run[0][0]:
            lines.append(_on_devices(run, labels))
            run = []
        if action is None:
            lines.append(text)
        else:
            run.append((action, step['label']))
    if run:
        lines.append(_on_devices(run, labels))
    return lines


DEVICES = '\0devices\0'  # where an action names its device


def _on_devices(run, labels):
    """One action on a run of devices, said the short way."""
    named = [label for dummy, label in run]
    if len(labels) == 1:
        who = 'the device'
    elif len(named) == len(labels):
        who = 'the %d devices' % len(named)
    else:
        who = ' and '.join(label.rsplit(' at ', 1)[0] for label in named)
    return run[0][0].replace(DEVICES, who)


def drift(name, snapshot, variables):
    """What the role would do on the host to reach its variables: one row (None without the role's variables). Its
    devices and details are lists: one device a line, one change (or all of one device's changes) a line."""
    if not variables or not variables.get('nvme_passthrough_vm_name'):
        return None
    vm_name = variables['nvme_passthrough_vm_name']
    row = {'host': name, 'vm': vm_name, 'devices': [], 'verdict': '', 'details': []}
    try:
        plan = plan_run(snapshot, passthrough_settings(variables), check_mode=True)
    except DDAError as e:
        row.update(verdict='would refuse', details=[e.msg])
        return row
    row['devices'] = [device['label'] for device in plan['devices']]
    # The audit asks no guest: a guest step is judged by the role's run, which asks the guest first.
    host_steps = [step for step in plan['steps'] if step['key'] != 'guest']
    guest = _said_once(dict(plan, steps=[step for step in plan['steps'] if step['key'] == 'guest']), vm_name)
    if plan['errors']:
        row.update(verdict='would refuse', details=list(plan['errors']))
        return row
    if host_steps:
        row.update(verdict='would change', details=_said_once(dict(plan, steps=host_steps), vm_name))
    else:
        row.update(verdict='in step', details=['nothing to change on the host'])
    row['details'] += ['checked by the run (the audit asks no guest): %s' % line for line in guest]
    row['details'] += plan['warnings']
    held = lease_words(snapshot['host'].get('lease'))
    if held and host_steps:
        row['details'].append("a run now would first wait for the host's lease, held by %s" % held)
    return row


def build(surveys, made=None, unreachable=(), desired=None):
    """The report's rows. ``made``: when (text); ``unreachable``: hosts not surveyed; ``desired``: {host: the
    nvme_passthrough role's variables}, for the drift section."""
    hosts, devices, vms, left, drifts = [], [], [], [], []
    for name in sorted(surveys):
        snapshot = surveys[name]['snapshot']
        host = snapshot['host']
        found = candidates(snapshot)
        verdicts = [vm_verdict(snapshot, vm) for vm in snapshot['vms']]
        hosts.append({'host': name, 'computer': host['name'], 'os': host.get('os') or '', 'edition': host['product_type'],
                      'iov_support': host.get('iov_support'), 'devices': len(found),
                      'assignable': sum(1 for c in found if c['assignable']), 'vms': len(snapshot['vms']),
                      'lease': lease_text(host.get('lease'))})
        devices += [_device_row(name, candidate) for candidate in found]
        vms += [_vm_row(name, verdict) for verdict in verdicts]
        left += _left_behind(name, found, verdicts, host.get('lease'))
        row = drift(name, snapshot, (desired or {}).get(name))
        if row:
            drifts.append(row)
    summary = {'hosts': len(hosts), 'unreachable': len(unreachable or ()), 'devices': len(devices),
               'assignable': sum(1 for d in devices if d['assignable'] and not d['where'].startswith('assigned')),
               'passed_through': sum(1 for d in devices if d['where'].startswith('assigned')),
               'blocked': sum(1 for d in devices if not d['assignable']),
               'vms': len(vms), 'vms_to_fix': sum(1 for v in vms if v['problems']), 'left_behind': len(left),
               'drifted': sum(1 for d in drifts if d['verdict'] != 'in step')}
    return {'made': made or 'unknown', 'version': COLLECTION_VERSION, 'surveyed': sorted(surveys),
            'unreachable': sorted(unreachable or ()), 'reclaim_command': RECLAIM_COMMAND, 'summary': summary,
            'hosts': hosts, 'devices': devices, 'vms': vms, 'left_behind': left, 'drift': drifts}
