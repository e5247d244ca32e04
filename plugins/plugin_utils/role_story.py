# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""How a failed run tells its story: every failure in order, then where the host is left: per device and VM setting
of the run, as before the run, as planned, or neither (and how to finish it), and where the VM's power is.

Shared by the role nvme_passthrough and the dda_reclaim playbook (through the filters of
plugins/filter/nvme_passthrough_story.py). Every sentence about the host comes from a read of it made after the
failure (hyperv_dda_info's result, ``after``), never from the plan: a failed step leaves the host somewhere the plan
did not expect. The plan gives only names, and what the host was before the run.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import position
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import MIB

OWED_START = ('the next run of the role, the dda_reclaim playbook or hyperv.dda.hyperv_vm_power state=running '
              'starts it')
PLACES = {'enabled': 'enabled on the host', 'disabled': 'disabled on the host',
          'dismounted': 'dismounted from the host and held by no VM', 'assigned elsewhere': 'assigned to another VM'}
SETTING_NAMES = (('automatic_stop_action', 'automatic stop action'), ('dynamic_memory_enabled', 'dynamic memory'),
                 ('memory_startup_bytes', 'startup memory'))


def failure_message(result):
    """The message of a failed task's result; for a loop, the failed item's (with its label)."""
    result = result or {}
    for item in result.get('results') or []:
        if item.get('failed'):
            label = (item.get('item') or {}).get('label') if isinstance(item.get('item'), dict) else None
            return ('%s: %s' % (label, item.get('msg')) if label else item.get('msg')) or 'failed without a message.'
    return result.get('msg') or 'failed without a message.'


def _read_snapshot(after):
    """The snapshot of a read made after the failure; None when it was not made or failed."""
    after = after or {}
    if after.get('failed') or after.get('skipped'):
        return None
    return after.get('snapshot')


def _read_vm(after, name):
    """The VM as read after the failure, or None."""
    snapshot = _read_snapshot(after)
    for vm in (snapshot or {}).get('vms') or []:
        if name and same_vm_name(vm['name'], name):
            return vm
    return None


def _state_words(vm):
    state = 'running' if vm['state'] == 'Running' else vm['state']
    return '%s and owed a start' % state if vm.get('restart_pending') else state


def vm_sentence(name, vm, before=None):
    """Where VM ``name`` is, from ``vm`` as read after the failure (None: it could not be read); ``before`` is its
    power state before the run, when known."""
    if vm is None:
        return "Where VM '%s' is now could not be read; run hyperv.dda.hyperv_dda_info to see it." % name
    state = 'running' if vm['state'] == 'Running' else vm['state']
    if vm.get('restart_pending'):
        return "VM '%s' is %s, and the host records that it is owed a start: %s." % (name, state, OWED_START)
    if vm['state'] == 'Running' and before == 'Running':
        return "VM '%s' is running, as before the run." % name
    return "VM '%s' is %s." % (name, state)


def power_outcome(plan, after=None):
    """Where a failed run leaves the VM, in a sentence, from a survey made after the failure (hyperv_dda_info)."""
    name = (plan.get('vm') or {}).get('name')
    if plan.get('check_mode'):
        return 'Check mode: nothing was changed.'
    return vm_sentence(name, _read_vm(after, name), plan.get('original_state'))


def guest_outcome(plan, after=None):
    """Where a failed guest step leaves the host, from a survey made after the failure: which of the run's devices
    the VM holds, and whether it runs (the guest step needs both)."""
    name = (plan.get('vm') or {}).get('name')
    if plan.get('check_mode'):
        return 'Check mode: nothing was changed; run the role again once the guest is put right.'
    vm = _read_vm(after, name)
    if vm is None:
        return vm_sentence(name, None)
    assigned = vm.get('assigned_devices') or []
    held = [device['label'] for device in plan.get('devices') or [] if device['location_path'] in assigned]
    missing = [device['label'] for device in plan.get('devices') or [] if device['location_path'] not in assigned]
    if vm['state'] == 'Running' and not missing and not vm.get('restart_pending'):
        return ("The host's part of the run is done, and VM '%s' is running; run the role again once the guest is put "
                "right." % name)
    sentences = []
    if held:
        sentences.append("VM '%s' holds %s." % (name, '; '.join(held)))
    if missing:
        sentences.append("VM '%s' does not hold %s." % (name, '; '.join(missing)))
    sentences.append(vm_sentence(name, vm))
    if vm['state'] != 'Running':
        sentences.append('The guest step needs it running: once it can start, run the role again.')
    else:
        sentences.append('Run the role again once it is put right.')
    return ' '.join(sentences)


def _place(where, vm_name):
    return "assigned to VM '%s'" % vm_name if where == 'assigned' else PLACES.get(where, where)


def _reclaim(host):
    return ('the dda_reclaim playbook mounts and enables it (ansible-playbook -i <your inventory> '
            'hyperv.dda.dda_reclaim%s)' % (' --limit %s' % host if host else ''))


def _finish(device, now, host):
    """How to finish a device left neither as the run found it nor as planned."""
    if now == 'dismounted' or (now == 'disabled' and device.get('return_pending')):
        return 'To finish: %s, or run the role again to finish the run.' % _reclaim(host)
    if now == 'disabled':
        return ('To finish: enable it (hyperv.dda.pnp_device_disable with state=enabled; the reclaim leaves a device '
                'disabled without the record of a return), or run the role again to finish the run.')
    return 'To finish: run the role again once it is put right.'


def device_sentences(plan, snapshot, host=None):
    """Where each of the run's devices is, read after the failure: as the run found it, as planned, or neither, with
    how to finish it."""
    name = plan['vm']['name']
    sentences = []
    for device in plan.get('devices') or []:
        if 'found' not in device:
            continue
        read = [each for each in snapshot['devices'] if location_path(each) == device['location_path']]
        if not read:
            sentences.append('%s was not found on the host.' % device['label'])
            continue
        now = position(snapshot, name, device['location_path'])
        if now == device['found']:
            sentences.append('%s is %s, as before the run.' % (device['label'], _place(now, name)))
        elif now == device['planned']:
            sentences.append('%s is %s, as planned.' % (device['label'], _place(now, name)))
        else:
            sentences.append('%s is %s: neither as before the run (%s) nor as planned (%s). %s' % (
                device['label'], _place(now, name), _place(device['found'], name), _place(device['planned'], name),
                _finish(read[0], now, host)))
    return sentences


def _setting(name, value):
    if name == 'dynamic_memory_enabled':
        return 'on' if value else 'off'
    if name == 'memory_startup_bytes':
        return '%d MB' % (value // MIB)
    return value


def setting_sentences(plan, vm):
    """Each VM setting the run meant to change, read after the failure: as before the run, as planned, or neither."""
    found, planned = plan['vm'].get('found'), plan['vm'].get('planned')
    if not found:
        return []
    sentences = []
    for key, words in SETTING_NAMES:
        if found[key] == planned[key]:
            continue
        neither = 'neither as before the run (%s) nor as planned (%s)' % (
            _setting(key, found[key]), _setting(key, planned[key]))
        state = 'as before the run' if vm[key] == found[key] else 'as planned' if vm[key] == planned[key] else neither
        sentences.append("VM '%s' has its %s %s, %s." % (plan['vm']['name'], words, _setting(key, vm[key]), state))
    return sentences


def host_outcome(plan, after=None, given_back=None, host=None):
    """Where a failed run leaves the host, from a survey made after the failure: what the run gave back, where each of
    its devices and the VM's settings are (as before the run, as planned, or neither, and how to finish), and the VM's
    power."""
    if plan.get('check_mode'):
        return 'Check mode: nothing was changed.'
    sentences = []
    if plan.get('on_failure') == 'leave':
        sentences.append('nvme_passthrough_on_failure is leave: the run gave nothing back.')
    elif given_back:
        sentences.append('Given back: %s.' % '; '.join(given_back))
    name = (plan.get('vm') or {}).get('name')
    vm = _read_vm(after, name)
    if vm is not None:
        sentences += device_sentences(plan, _read_snapshot(after), host) + setting_sentences(plan, vm)
    sentences.append(power_outcome(plan, after))
    return ' '.join(sentences)


def failure_story(plan, failures, after=None, guest=False, given_back=None, host=None):
    """The role's whole failure message: each failure in order, then where the host is, as read after them: for the
    host's part of the run, what it gave back and where each device, each setting it meant to change and the VM's
    power are (``host``: the inventory host, for the command that finishes it); for the guest step, what the guest
    step needs."""
    outcome = guest_outcome(plan, after) if guest else host_outcome(plan, after, given_back, host)
    return '%s %s' % (' Then: '.join(failures), outcome)


def restart_steps(plan, after=None):
    """The plan's steps that start a VM again (key ``restart``). Without a failure (``after`` not given, or skipped)
    they are the plan's. After a failure the host is not as planned: each step is handed the host as read after the
    failure (``after``, hyperv_dda_info's result; none when that read failed, and the task reads the host itself),
    and its label tells the VM's state as read; the plan's words (``change``) are left out."""
    steps = [step for step in plan.get('steps') or [] if step.get('key') == 'restart']
    if not after or after.get('skipped'):
        return steps
    snapshot = _read_snapshot(after)
    told = []
    for step in steps:
        name = step['args']['vm_name']
        vm = _read_vm(after, name)
        told.append({'key': step['key'], 'module': step['module'], 'args': step['args'], 'survey': snapshot,
                     'label': "VM '%s', %s as read after the failure" % (name, _state_words(vm)) if vm else
                     "VM '%s', not read after the failure" % name})
    return told


def reclaim_failure_story(plan, failures, after=None):
    """The dda_reclaim playbook's failure message: each failure in order, then where each VM it shut down or owed a
    start is, as read after them (``after``: hyperv_dda_info's result for those VMs)."""
    names = []
    for step in plan.get('steps') or []:
        if step.get('key') == 'restart' and step['args']['vm_name'] not in names:
            names.append(step['args']['vm_name'])
    sentences = [' Then: '.join(failures)]
    if names and _read_snapshot(after) is None:
        sentences.append('Where VMs %s are now could not be read; run hyperv.dda.hyperv_dda_info to see them.'
                         % ', '.join("'%s'" % name for name in names))
    else:
        sentences.extend(vm_sentence(name, _read_vm(after, name)) for name in names)
    sentences.append('Run the reclaim again once it is put right.')
    return ' '.join(sentences)
