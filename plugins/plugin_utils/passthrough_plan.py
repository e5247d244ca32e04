# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The whole run of the nvme_passthrough role, planned from one survey, before anything changes.

The role's first task (the module hyperv.dda.nvme_passthrough_plan) surveys the host, and the guest when
the VM runs, and calls ``plan_run``; the audit calls it too (the filter of the same name) to show what the
role would do on each host. The plan runs every module's own planner, in the order the role runs the
modules, on the host as it will be before each step (``effects.py``): so every refusal any step would
make is found here, with the same words, and each step's task, handed that same snapshot (its
``survey`` option), reaches the same decision with no round trip to plan, in check mode as for real.

The VM is down only for what needs it off. What can change while it runs comes first (its stop action, each device
disabled and dismounted), so that a device that cannot leave the host fails the run with the VM never shut down; the
power window holds only static memory, the assignments and removals, and the start; a released device is mounted and
enabled once the VM runs again.

It returns plain data:

- ``errors``: every reason the run cannot work (the role fails with them, having changed nothing);
- ``notes``: what can only be checked later (the guest of a VM that is off);
- ``warnings``: what of the host and the VM's settings may make DDA fail (candidates.host_warnings, the VM's
  requirements the role warns on: ``role_policy``);
- ``steps``: the tasks that change something, in the order the role runs them (``RUN_ORDER``): ``key`` (which role
  task), ``module``, ``args``, ``survey`` (the host as expected before the step), ``label`` and ``change`` (in words);
- ``changes``: the same changes in words, in order; ``work``: those that need the VM off;
- ``phases``: which of the role's phases (``PHASES``) the steps need, in order;
- ``shutdown``/``restart``/``start``: the power window; ``original_state``: what the run restores;
- ``devices``: each selected device with its label, as people know it, and where the run finds it and leaves it
  (``found``, ``planned``: ``position``); ``vm`` likewise has the VM's ``found`` and ``planned`` settings;
- ``on_failure``, ``shutdown_timeout``: what a failed run gives back (recovery_plan.py), and with what timeout.
"""

from __future__ import annotations

import copy

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import SHUTDOWN_TIMEOUT, checked_number
from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidate, host_warnings
from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import host_device_plan, pnp_device_plan, \
    vm_device_plan
from ansible_collections.hyperv.dda.plugins.module_utils.devices import assigned_to
from ansible_collections.hyperv.dda.plugins.plugin_utils.effects import apply_step, scoped
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import FILE_SYSTEMS as WINDOWS_FILE_SYSTEMS
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import guest_disk_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import MEMORY, give_back, memory_change, \
    stop_action_change
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import DEVICE_SELECTORS, device_selector, \
    select_device, select_vm
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import device_at, location_path
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_requirements import IGNORE, PLAN, REFUSE, WARN, decide, \
    vm_requirements
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_plans import memory_plan, power_plan, stop_action_plan

PREFIX = 'nvme_passthrough_'
# The role's tasks, in the order it runs them: while the VM still runs (tasks/while_running.yml), inside the power
# window (tasks/power_window.yml, shared with the dda_reclaim playbook), once the VM runs again
# (tasks/after_window.yml), then the guest step (tasks/guest.yml). Every plan lists its steps in this order, so that
# each step's expected host (its survey) is the host as it is when the task runs.
WHILE_RUNNING = ('stop_action', 'disable', 'dismount')
IN_WINDOW = ('shutdown', 'memory', 'assign', 'remove', 'restore_memory', 'remove_stale', 'restart')
AFTER_WINDOW = ('mount', 'enable', 'restore_stop_action')
GUEST = ('start', 'guest')
RUN_ORDER = WHILE_RUNNING + IN_WINDOW + AFTER_WINDOW + GUEST
PHASES = (('while_running', WHILE_RUNNING), ('power_window', IN_WINDOW), ('after_window', AFTER_WINDOW),
          ('guest', GUEST))


def phases(steps):
    """The role's phases (tasks files) the steps need, in order: which of them the role runs at all."""
    keys = set(step['key'] for step in steps)
    return [name for name, members in PHASES if keys & set(members)]


WINDOWS_SETTINGS = ('drive_letter', 'access_path')
LINUX_SETTINGS = ('mount_point', 'mount_options')
GUEST_KEYS = ('drive_letter', 'access_path', 'label', 'file_system', 'mount_point', 'mount_options')
# Module options whose role variable a message inside the role must name instead.
ROLE_OPTIONS = {'allow_mounted_volumes': PREFIX + 'allow_mounted_volumes', 'force': PREFIX + 'force_format',
                'shutdown_timeout': PREFIX + 'shutdown_timeout'}


def device_label(device):
    """A device as people know it: its name and disk serial, then its location path."""
    serials = [disk.get('adapter_serial_number') or disk.get('serial_number') for disk in device['disks'] or []]
    serials = [serial.strip() for serial in serials if serial]
    name = device['friendly_name'] or 'device'
    return '%s%s at %s' % (name, ' (%s)' % ', '.join(serials) if serials else '', location_path(device))


def _selector(entry):
    """The entry's one device selector, by the modules' own rule, named in the error."""
    try:
        return device_selector(entry)
    except DDAError as e:
        raise DDAError('Each entry of %sdevices needs exactly one of %s, not empty: %s (entry %s)'
                       % (PREFIX, ', '.join(DEVICE_SELECTORS), e.msg, _entry(entry)))


def _entry(entry):
    return '{%s}' % ', '.join('%s: %s' % (key, entry[key]) for key in sorted(entry) if entry[key] is not None)


def _guest_settings(entry):
    return dict((key, entry[key]) for key in GUEST_KEYS if entry.get(key) is not None)


def _linux_file_system(name):
    """Whether a file system is one of a Linux guest. The Linux planner is imported only when a device names a file
    system: Ansible compiles a collection's modules afresh in every worker, and most runs need no Linux code."""
    if name is None:
        return False
    from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import FILE_SYSTEMS
    return name in FILE_SYSTEMS


def _is_linux(settings):
    return any(key in settings for key in LINUX_SETTINGS) or _linux_file_system(settings.get('file_system'))


def _guest_os_errors(entry, guest):
    """A device's guest settings are for one OS; PowerShell Direct reaches Windows guests only."""
    windows = [key for key in WINDOWS_SETTINGS if entry.get(key) is not None]
    linux = [key for key in LINUX_SETTINGS if entry.get(key) is not None]
    if entry.get('file_system') in WINDOWS_FILE_SYSTEMS:
        windows.append('file_system: %s' % entry['file_system'])
    if _linux_file_system(entry.get('file_system')):
        linux.append('file_system: %s' % entry['file_system'])
    if windows and linux:
        return ['Entry %s mixes Windows guest settings (%s) with Linux ones (%s); a disk is in one guest.'
                % (_entry(entry), ', '.join(windows), ', '.join(linux))]
    if linux and guest == 'powershell_direct':
        return ['Entry %s has Linux guest settings (%s), but PowerShell Direct reaches Windows guests only. Use '
                '%sguest: inventory with the Linux guest as %sguest_host.' % (_entry(entry), ', '.join(linux), PREFIX,
                                                                              PREFIX)]
    return []


def _guest_identity(device):
    """What the guest finds the device's disk by: exactly one disk behind the controller, with a serial."""
    disks = device['disks'] or []
    if len(disks) != 1:
        return None
    disk = disks[0]
    for key in ('serial_number', 'adapter_serial_number'):
        if disk.get(key):
            return {key: disk[key]}
    return None


VM_SETTINGS = ('state', 'automatic_stop_action', 'dynamic_memory_enabled', 'memory_startup_bytes')


def position(snapshot, vm_name, path):
    """Where a device is, in one word: ``assigned`` (to VM vm_name), else its state on or off the host (enabled,
    disabled, dismounted); ``assigned elsewhere`` when another VM holds it."""
    device = device_at(snapshot, path)
    owner = assigned_to(snapshot, device)
    if owner is None:
        return device['state']
    return 'assigned' if same_vm_name(owner, vm_name) else 'assigned elsewhere'


def vm_settings(snapshot, vm_name):
    """The VM's power state and the settings a run changes, as the snapshot has them."""
    vm = select_vm(snapshot, vm_name)
    return dict((name, vm[name]) for name in VM_SETTINGS)


class Run(object):
    """The plan being built: the host as it will be, the steps so far, and what refuses."""

    def __init__(self, snapshot, settings, check_mode, option_names=None):
        self.found = snapshot
        self.expected = copy.deepcopy(snapshot)
        self.settings = settings
        self.check_mode = check_mode
        self.option_names = ROLE_OPTIONS if option_names is None else option_names
        self.steps = []
        self.errors = []
        self.notes = []

    def step(self, key, module, planner, args, label, change, paths=(), guest_survey=None, vm_name=None):
        """Run a module's planner on the host as expected now; keep a step that changes something.

        Returns the Plan (None when it refuses: the refusal is an error of the run). The step's survey covers the
        run's VM (or vm_name) and the step's devices.
        """
        vm_name = vm_name or self.settings.get('vm_name')
        try:
            plan = planner(dict(args, _option_names=self.option_names), guest_survey or self.expected, False)
        except DDAError as e:
            self.errors.append(e.msg)
            return None
        if plan.changed:
            survey = guest_survey if guest_survey is not None else scoped(self.expected, vm_name, paths)
            self.steps.append({'key': key, 'module': module, 'args': args, 'survey': survey, 'label': label,
                               'change': change})
            if guest_survey is None:
                apply_step(self.expected, module, args)
        return plan

    def device_steps(self, chains):
        """Each device's steps, one kind at a time across the devices (every disable, then every dismount, ...): the
        order the role's tasks run them. ``chains`` is [(label, path, steps)], each of its steps (key, module,
        planner, args, change). A device whose step refused has no later step: it would only repeat the refusal."""
        broken = set()
        for position in range(max([len(steps) for dummy, dummy, steps in chains] or [0])):
            for label, path, steps in chains:
                if path in broken or position >= len(steps):
                    continue
                key, module, planner, args, change = steps[position]
                if self.step(key, module, planner, args, label, change, paths=(path,)) is None:
                    broken.add(path)
        return broken


def _selected(run, snapshot, vm, devices, claims):
    """(entry, device) for each entry that names one device of the host, once."""
    seen, selected = {}, []
    for entry in devices:
        run.errors.extend(_guest_os_errors(entry, run.settings['guest']))
        try:
            device = select_device(snapshot, *_selector(entry))
        except DDAError as e:
            run.errors.append(e.msg)
            continue
        path = location_path(device)
        if path in seen:
            run.errors.append('%s and %s select the same device %s; list it once.'
                              % (_entry(seen[path]), _entry(entry), path))
            continue
        seen[path] = entry
        for claim in claims:
            if claim.get('location_path') == path and claim.get('vm') != vm['name'] and \
                    run.settings['state'] == 'present':
                run.errors.append("%s is given to VM '%s' by an earlier %s call in this play; a device goes to one VM."
                                  % (device_label(device), claim['vm'], 'nvme_passthrough'))
        selected.append((entry, device))
    return selected


def _needs_off_present(vm, selected, settings):
    """What of a passthrough needs the VM off: its memory, and each device not assigned to it yet."""
    work = []
    if vm['dynamic_memory_enabled'] and settings['disable_dynamic_memory']:
        work.append("turn dynamic memory of VM '%s' off" % vm['name'])
    work += ["assign %s to VM '%s'" % (device_label(device), vm['name']) for dummy, device in selected
             if location_path(device) not in vm['assigned_devices']]
    return work


def _restore_targets(run, vm, selected, settings):
    """The stop action and memory (dynamic, startup) the VM has after the release when its last device leaves
    (restore_vm_settings), None for what its record does not keep; what it leaves is told in the plan's notes."""
    leaving = set(location_path(device) for dummy, device in selected)
    if not settings['restore_vm_settings'] or set(vm['assigned_devices']) - leaving:
        return None, None
    targets, notes = give_back(vm, settings['stop_action'])
    run.notes.extend(notes)
    memory = None
    if any(name in targets for name in MEMORY):
        memory = tuple(targets.get(name, vm[name]) for name in MEMORY)
    return targets.get('automatic_stop_action'), memory


def power_window(run, vm, needs_off, prefix=PREFIX):
    """Whether a run that needs the VM off for ``needs_off`` (changes in words) shuts it down once and starts it again;
    refusals when it may not, naming the run's ``<prefix>allow_vm_restart`` variable. The role and the reclaim
    share it."""
    if not needs_off:
        return False
    if vm['state'] == 'Off':
        return False
    if vm['state'] != 'Running':
        run.errors.append("VM '%s' is %s; the run needs it Off. Start it or shut it down first."
                          % (vm['name'], vm['state']))
        return False
    if not run.settings['allow_vm_restart']:
        run.errors.append("VM '%s' is running, and the run needs it off to %s. Set %sallow_vm_restart: true to shut it "
                          "down once and start it again afterwards."
                          % (vm['name'], '; '.join(needs_off), prefix))
        return False
    if vm.get('guest_shutdown_available') is False:
        run.errors.append("VM '%s' has to be shut down, but its guest cannot be shut down gracefully: the Shutdown "
                          "integration service is not available. Enable it, or shut the guest down from inside, then "
                          "run again." % vm['name'])
        return False
    return True


def plan_run(snapshot, settings, guest_survey=None, claims=(), check_mode=False, guest_not_captured=None):
    """The role's whole run, from the host's snapshot (and the guest's survey, when the VM runs). guest_not_captured
    is why a rehearsal's snapshot has no view of the guest (the simulator's vms[].guest_not_captured): the plan then
    leaves the guest step out, saying so."""
    run = Run(snapshot, settings, check_mode)
    result = {'errors': run.errors, 'notes': run.notes, 'warnings': [], 'steps': run.steps, 'changes': [], 'work': [],
              'phases': [],
              'shutdown': False, 'restart': False, 'start': False, 'vm': None, 'devices': [], 'original_state': None,
              # What a failed run does (recovery_plan.py), and the timeout of the start it may plan.
              'on_failure': settings.get('on_failure', 'restore'), 'shutdown_timeout': settings['shutdown_timeout']}
    try:
        # Once, here: each power step would refuse it again, and the steps after them for a VM still running.
        checked_number(settings['shutdown_timeout'], PREFIX + 'shutdown_timeout', SHUTDOWN_TIMEOUT)
        vm = select_vm(snapshot, settings['vm_name'], PREFIX + 'vm_name')
    except DDAError as e:
        run.errors.append(e.msg)
        return result
    present = settings['state'] == 'present'
    selected = _selected(run, snapshot, vm, settings['devices'], claims)
    original_running = vm['state'] == 'Running' or bool(vm.get('restart_pending'))
    result['original_state'] = 'Running' if original_running else vm['state']
    result['vm'] = {'name': vm['name'], 'id': vm['id'], 'state': vm['state'],
                    'restart_pending': bool(vm.get('restart_pending'))}

    if not settings['devices']:
        # Nothing to pass through or release: no VM setting changes; only a start an earlier run owed.
        needs_off, restore_action, restore_memory = [], None, None
    elif present:
        result['warnings'] = host_warnings(snapshot['host']) + _refuse_present(run, snapshot, vm, selected)
        needs_off = _needs_off_present(vm, selected, settings)
        restore_action = restore_memory = None
    else:
        restore_action, restore_memory = _restore_targets(run, vm, selected, settings)
        needs_off = ["remove %s from VM '%s'" % (device_label(device), vm['name']) for dummy, device in selected
                     if location_path(device) in vm['assigned_devices']]
        if restore_memory is not None and restore_memory != (vm['dynamic_memory_enabled'], vm['memory_startup_bytes']):
            needs_off.append("give VM '%s' back its memory settings" % vm['name'])
    shutdown = power_window(run, vm, needs_off)
    if run.errors:
        return _finish(result, run, selected)
    broken = set()
    if present and settings['devices']:
        broken = _plan_while_running(run, vm, selected)
    if shutdown:
        run.step('shutdown', 'hyperv_vm_power', power_plan,
                 {'vm_name': vm['name'], 'state': 'off', 'shutdown_timeout': settings['shutdown_timeout'],
                  'turn_off_on_timeout': False, 'record_restart': True},
                 "VM '%s'" % vm['name'], "shut VM '%s' down" % vm['name'])
    if present and settings['devices']:
        _plan_present(run, vm, selected, broken)
    elif settings['devices']:
        broken = _plan_absent(run, vm, selected, restore_memory)
    now = select_vm(run.expected, vm['name'])
    if original_running and (now['state'] != 'Running' or now.get('restart_pending')):
        run.step('restart', 'hyperv_vm_power', power_plan,
                 {'vm_name': vm['name'], 'state': 'running', 'shutdown_timeout': settings['shutdown_timeout'],
                  'turn_off_on_timeout': False},
                 "VM '%s'" % vm['name'], "start VM '%s' again" % vm['name'] if now['state'] != 'Running' else
                 "clear the restart VM '%s' was owed (it runs)" % vm['name'])
        result['restart'] = True
    if not present and settings['devices']:
        _plan_back_on_host(run, vm, selected, restore_action, broken)
    if present and settings['guest'] != 'none':
        _plan_guest(run, result, vm, selected, guest_survey, guest_not_captured)
    result['shutdown'] = shutdown
    return _finish(result, run, selected)


def _finish(result, run, selected):
    result['changes'] = [step['change'] for step in run.steps] if not run.errors else []
    result['phases'] = phases(run.steps) if not run.errors else []
    result['work'] = [step['change'] for step in run.steps if step['key'] in IN_WINDOW
                      and step['key'] not in ('shutdown', 'restart')] if not run.errors else []
    if run.errors:
        del run.steps[:]
        result.update(shutdown=False, restart=False, start=False)
    result['devices'] = [{'location_path': location_path(device), 'label': device_label(device),
                          'guest': _guest_settings(entry)} for entry, device in selected]
    if result['vm'] and not run.errors:
        # Where the run finds each device and the VM, and where it leaves them: what a failed run gives back, or
        # finishes (recovery_plan.py), and what its story tells.
        name = result['vm']['name']
        for device in result['devices']:
            device.update(found=position(run.found, name, device['location_path']),
                          planned=position(run.expected, name, device['location_path']))
        result['vm'].update(found=vm_settings(run.found, name), planned=vm_settings(run.expected, name))
    return result


def role_policy(settings):
    """What the passthrough does with each of the VM's requirements (vm_requirements.py). PLAN: a step of the run fixes
    it (the stop action step; the memory step with disable_dynamic_memory; the power window shuts the VM down once;
    the restart step starts a VM owed a start). The power window judges a guest that cannot be shut down, since only
    it knows whether the run needs the VM off."""
    return {
        'clustered': REFUSE,
        'dynamic_memory': PLAN if settings['disable_dynamic_memory'] else REFUSE,
        'stop_action_save': PLAN,
        'stale_assignments': REFUSE,
        'mmio_too_small': REFUSE,
        'mmio_unknown': REFUSE,
        'vm_not_off': PLAN,
        'generation_1': WARN,
        'nested_virtualization': WARN,
        'gpu_partitioning': WARN,
        'guest_shutdown_unavailable': IGNORE,
        'restart_pending': PLAN,
    }


# The role's own remedy where its variable, not a module, is what the user sets.
ROLE_REMEDIES = {'dynamic_memory': 'Set %sdisable_dynamic_memory: true to turn it off (keeping its startup memory).'
                                   % PREFIX}


def _refuse_present(run, snapshot, vm, selected):
    """What the modules refuse about the VM (its requirements, by ``role_policy``), and what makes a device impossible
    to pass through. Returns the VM's warnings."""
    wanted = set(location_path(device) for dummy, device in selected)
    decided = decide(vm_requirements(snapshot, vm, new=wanted), role_policy(run.settings))
    run.errors.extend('%s %s' % (item['problem'], ROLE_REMEDIES[item['code']]) if item['code'] in ROLE_REMEDIES
                      else item['message'] for item in decided[REFUSE])
    for entry, device in selected:
        owner = assigned_to(snapshot, device)
        if owner is not None and owner != vm['name']:
            run.errors.append("%s is assigned to VM '%s'. Release it there first." % (device_label(device), owner))
            continue
        if owner is None:
            verdict = candidate(snapshot, device)
            if not verdict['assignable']:
                run.errors.append('%s cannot be passed through: %s'
                                  % (device_label(device), ' '.join(verdict['reasons'])))
    return [item['message'] for item in decided[WARN]]


def _plan_while_running(run, vm, selected):
    """What of a passthrough needs no VM off, before the power window: the stop action (Hyper-V takes it from a
    running VM: behaviours.py, cmdlets.set_vm_stop_action), then each device disabled, then each dismounted. A device
    that cannot leave the host refuses here, and a run that fails here has not shut the VM down. Returns the location
    paths of the devices whose step refused."""
    settings = run.settings
    name = vm['name']
    run.step('stop_action', 'hyperv_vm_stop_action', stop_action_plan,
             {'vm_name': name, 'action': settings['stop_action'], 'previous': 'remember'},
             "VM '%s'" % name, "set the automatic stop action of VM '%s' from %s to %s"
             % (name, vm['automatic_stop_action'], settings['stop_action']))
    chains = []
    for entry, device in selected:
        path, label = location_path(device), device_label(device)
        selector = {'location_path': path, 'instance_id': None, 'serial_number': None}
        chains.append((label, path, (
            ('disable', 'pnp_device_disable', pnp_device_plan,
             dict(selector, state='disabled', allow_mounted_volumes=settings['allow_mounted_volumes']),
             'disable %s on the host' % label),
            ('dismount', 'vmhost_assignable_device', host_device_plan, dict(selector, state='dismounted', force=False),
             'dismount %s from the host' % label))))
    return run.device_steps(chains)


def _plan_present(run, vm, selected, broken):
    """Inside the power window: static memory, then each device (that could leave the host) assigned."""
    settings = run.settings
    name = vm['name']
    if vm['dynamic_memory_enabled'] and settings['disable_dynamic_memory']:
        run.step('memory', 'hyperv_vm_memory', memory_plan,
                 {'vm_name': name, 'dynamic_memory': False, 'startup_bytes': None, 'previous': 'remember'},
                 "VM '%s'" % name, "turn dynamic memory of VM '%s' off" % name)
    for entry, device in selected:
        path, label = location_path(device), device_label(device)
        if path in broken:
            continue
        run.step('assign', 'vm_assignable_device', vm_device_plan,
                 dict(location_path=path, instance_id=None, serial_number=None, vm_name=name, state='present',
                      remove_stale=False), label, "assign %s to VM '%s'" % (label, name), paths=(path,))


def back_to_host_steps(selector, label, device):
    """The steps that give a device back to the host: mount, then enable (which clears the mark the mount leaves on
    the host: return_pending). The release and the reclaim share them; the planners keep the steps a device still
    needs, so a run that stopped half-way is finished by the same steps."""
    enable = 'enable %s on the host' % label
    if device['state'] == 'enabled':  # a run enabled it and stopped before clearing the mark: only that is left
        enable = "clear the host's mark of the unfinished return of %s (it is enabled)" % label
    return (('mount', 'vmhost_assignable_device', host_device_plan, dict(selector, state='mounted', force=False),
             'mount %s on the host' % label),
            ('enable', 'pnp_device_disable', pnp_device_plan, dict(selector, state='enabled', allow_mounted_volumes=False),
             enable))


def _plan_absent(run, vm, selected, restore_memory):
    """Inside the power window of a release: each device removed from the VM, then the memory settings given back.
    Returns the location paths of the devices whose removal refused."""
    name = vm['name']
    chains = []
    for entry, device in selected:
        path, label = location_path(device), device_label(device)
        selector = {'location_path': path, 'instance_id': None, 'serial_number': None}
        chains.append((label, path, (('remove', 'vm_assignable_device', vm_device_plan,
                                      dict(selector, vm_name=name, state='absent', remove_stale=False),
                                      "remove %s from VM '%s'" % (label, name)),)))
    broken = run.device_steps(chains)
    if restore_memory is not None:
        run.step('restore_memory', 'hyperv_vm_memory', memory_plan,
                 {'vm_name': name, 'dynamic_memory': restore_memory[0], 'startup_bytes': restore_memory[1],
                  'previous': 'forget'},
                 "VM '%s'" % name, memory_change(vm, dict(zip(MEMORY, restore_memory))))
    return broken


def _plan_back_on_host(run, vm, selected, restore_action, broken):
    """Once the VM runs again (or never stopped): each released device mounted, then each enabled, then the stop
    action given back (a VM with no device may have any)."""
    name = vm['name']
    chains = []
    for entry, device in selected:
        path, label = location_path(device), device_label(device)
        if path not in broken:
            selector = {'location_path': path, 'instance_id': None, 'serial_number': None}
            chains.append((label, path, back_to_host_steps(selector, label, device)))
    run.device_steps(chains)
    if restore_action is not None:
        run.step('restore_stop_action', 'hyperv_vm_stop_action', stop_action_plan,
                 {'vm_name': name, 'action': restore_action, 'previous': 'forget'},
                 "VM '%s'" % name, stop_action_change(vm, restore_action))


def guest_paths(settings):
    """The mount folders the guest step will use, for the guest survey to report on; None when there is no
    Windows guest step to ask the guest for."""
    entries = [_guest_settings(entry) for entry in settings['devices']]
    windows = [entry for entry in entries if entry and not _is_linux(entry)]
    if not windows:
        return None
    return [entry['access_path'] for entry in windows if entry.get('access_path')]


def _guest_view(guest_survey, device):
    """What the guest will see once the device is in it: its own disks, and the device's disk as the host saw it
    (its number unknown until it arrives)."""
    view = copy.deepcopy(guest_survey) if guest_survey else {'disks': [], 'used_letters': None, 'folders': []}
    known = set(disk.get('unique_id') for disk in view['disks'] if disk.get('unique_id'))
    for disk in device['disks'] or []:
        if disk.get('unique_id') in known:
            continue
        view['disks'].append(dict(disk, number=None, bus_type='NVMe', is_boot=False, is_system=False,
                                  is_offline=False, is_read_only=False,
                                  partition_style=disk.get('partition_style') or 'RAW',
                                  partitions=copy.deepcopy(disk.get('partitions') or [])))
    return view


def _plan_guest(run, result, vm, selected, guest_survey, not_captured=None):
    """The guest step: each device with guest settings, planned by the guest module's own planner."""
    settings = run.settings
    wanted = [(entry, device) for entry, device in selected if _guest_settings(entry)]
    if not wanted:
        return
    now = select_vm(run.expected, vm['name'])
    if now['state'] != 'Running':
        if not settings['allow_vm_restart']:
            run.errors.append("VM '%s' is %s, but %sguest is %s: the guest step needs the VM running after the "
                              "passthrough. Start the VM first, set %sallow_vm_restart: true to let the role start it, "
                              "or set %sguest: none." % (vm['name'], now['state'], PREFIX, settings['guest'], PREFIX,
                                                         PREFIX))
            return
        run.step('start', 'hyperv_vm_power', power_plan,
                 {'vm_name': vm['name'], 'state': 'running', 'shutdown_timeout': settings['shutdown_timeout'],
                  'turn_off_on_timeout': False}, "VM '%s'" % vm['name'], "start VM '%s' for the guest step" % vm['name'])
        result['start'] = True
    if not_captured:
        # A rehearsal on a snapshot without the guest's view: the host part is rehearsed, the guest step cannot be.
        left_out = "The snapshot has no view of the guest of VM '%s': %s. This rehearsal leaves out the guest step " \
            "(%s); it is checked at run time, against the real guest." % (
                vm['name'], not_captured, '; '.join('bring %s into use in the guest (%s)' % (
                    device_label(device), _words(_guest_settings(entry))) for entry, device in wanted))
        result['warnings'].append(left_out)
        run.notes.append(left_out)
        return
    if guest_survey is None:
        run.notes.append("The guest of VM '%s' cannot be asked before the run (%s): the guest credential, the drive "
                         "letters in use and mount folders are checked by the guest step, after the passthrough."
                         % (vm['name'], 'the VM is %s' % vm['state'] if vm['state'] != 'Running' else
                            'it is reached as inventory host %s' % settings.get('guest_host')
                            if settings['guest'] == 'inventory' else "the plan was made from the host's survey alone"))
    for entry, device in wanted:
        guest = _guest_settings(entry)
        identity = _guest_identity(device)
        label = device_label(device)
        if identity is None:
            run.errors.append("%s has %s, so the guest step cannot tell which disk to format; it needs exactly one "
                              "disk, known to the host." % (label, 'unknown disks' if device['disks'] is None else
                                                            '%d disks' % len(device['disks'])))
            continue
        args = dict(identity, **guest)
        args.update(force=settings['force_format'], partition_style='gpt', state='formatted')
        if _is_linux(guest):
            from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import check_linux_args
            try:
                check_linux_args(args)
            except DDAError as e:
                run.errors.append('%s: %s' % (label, e.msg))
                continue
            # A Linux guest is read by the module in the guest itself; in check mode only once the disk is there.
            if run.check_mode and not (vm['state'] == 'Running' and location_path(device) in vm['assigned_devices']):
                run.notes.append('The Linux guest step for %s runs in the guest after the passthrough; check mode '
                                 'cannot look at the disk before it is there.' % label)
                continue
            run.steps.append({'key': 'guest', 'module': 'guest_nvme_disk', 'args': args, 'survey': None,
                              'label': label, 'change': 'bring %s into use in the guest (%s)' % (label, _words(guest))})
            continue
        if settings['guest'] == 'powershell_direct':
            # The role's task adds the credential itself: a plan is registered, and secrets stay out of it.
            args['vm_name'] = vm['name']
        view = _guest_view(guest_survey, device)
        plan = run.step('guest', 'guest_nvme_disk', _guest_planner, args, label,
                        'bring %s into use in the guest (%s)' % (label, _words(guest)), guest_survey=view)
        if plan is not None and plan.changed and guest_survey is None and not run.check_mode:
            # Planned without asking the guest: the task asks it itself, once the VM runs.
            run.steps[-1]['survey'] = None


def _guest_planner(args, survey, check_mode):
    return guest_disk_plan(args, survey, check_mode)


def _words(guest):
    return ', '.join('%s %s' % (key.replace('_', ' '), value) for key, value in sorted(guest.items()))
