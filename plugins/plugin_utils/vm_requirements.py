# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What a VM needs for DDA, once: ``vm_requirements`` returns coded items, and each caller decides from them.

Each item is ``{'code', 'problem', 'remedy', 'message', 'fix'}``: a stable code (``CODES``), what is wrong and what
to do in the user's words (``message`` is the two together), and the module whose step fixes it (``fix``: None when
only the user can). The callers keep a small policy each, code -> ``REFUSE``, ``PLAN`` (a step of the caller fixes
it), ``WARN`` or ``IGNORE`` (another part of the caller judges it, or it is not the caller's concern):
``vm_assignable_device`` (device_plans.MODULE_POLICY), the nvme_passthrough role's plan (passthrough_plan),
``hyperv_dda_info`` and the audit (vm_checks.INFO_POLICY). A test holds every policy to every code.

Sources are dda-facts.md's: Add-VMAssignableDevice needs the VM Off, static memory and a stop action other than Save,
and refuses clustered VMs (§1, §4); MMIO: a VM has 128 MB low and 512 MB high MMIO by default, and high MMIO must
hold what its devices need (SurveyDDA's "requires at least N MB of MMIO gap space", S3), whatever state each device
is in; a device that does not work on the host cannot be surveyed (S12), so its need is what the collection
recorded, or unknown; a stale assignment keeps the VM from starting ("Element not found", S28); DDA works with
generation 1 and 2, generation 1 with little 32-bit space (S3, S10); nested virtualization with DDA in one VM has
been reported to end in boot loops (Virtualization-Documentation#720, S28); GPU partitioning and DDA in one VM are
not documented together.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import RECLAIM_COMMAND
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, mmio_mb

MIB = 1024 * 1024

REFUSE, PLAN, WARN, IGNORE = 'refuse', 'plan', 'warn', 'ignore'
ACTIONS = (REFUSE, PLAN, WARN, IGNORE)

# Every code, in the order the items come (what certainly fails first, then what may).
CODES = ('clustered', 'dynamic_memory', 'stop_action_save', 'stale_assignments', 'mmio_too_small', 'mmio_unknown',
         'vm_not_off', 'generation_1', 'nested_virtualization', 'gpu_partitioning', 'guest_shutdown_unavailable',
         'restart_pending')


def _item(code, problem, remedy, fix=None):
    return {'code': code, 'problem': problem, 'remedy': remedy, 'message': '%s %s' % (problem, remedy), 'fix': fix}


def mmio_need_mb(snapshot, paths):
    """The MMIO the devices at these location paths need (snapshot.mmio_mb: SurveyDDA's figure, or what the collection
    recorded of a device that does not work on the host), and the devices whose need is unknown."""
    need, unknown = 0, []
    for device in snapshot['devices']:
        path = location_path(device)
        if path not in paths:
            continue
        mmio = mmio_mb(device)
        if mmio is None:
            unknown.append(device)
        else:
            need += mmio
    return need, unknown


def _unknown_need(vm, devices):
    """Why the MMIO check cannot be made, and how to make it possible: the survey reads a device's MMIO need only
    while the device works on the host (SurveyDDA, S12)."""
    device = devices[0]
    if location_path(device) in vm['assigned_devices']:
        where = "it is assigned to VM '%s', where the host cannot survey it" % vm['name']
        remedy = 'Release it from the VM and pass it through again with the new device, from the host'
    elif device['state'] == 'dismounted':
        where = 'it is away from the host, where it cannot be surveyed'
        remedy = ('Give it back to the host (the dda_reclaim playbook, or hyperv.dda.vmhost_assignable_device '
                  'state=mounted, then hyperv.dda.pnp_device_disable state=enabled)')
    elif device['state'] == 'disabled':
        where = 'it is disabled on the host, and a disabled device holds no resources to survey'
        remedy = 'Enable it on the host (hyperv.dda.pnp_device_disable state=enabled)'
    else:
        where, remedy = 'the survey could not read it', 'Look at the device in Device Manager'
    return _item('mmio_unknown',
                 "VM '%s' cannot be checked for the MMIO space its devices need: the MMIO space %s needs is unknown "
                 "(%s, and the collection recorded no figure for it: it did not take the device from the host, or an "
                 "earlier version of it did)." % (vm['name'], location_path(device), where),
                 '%s, so that the survey reads it, then run again.' % remedy)


def _mmio_items(snapshot, vm, new):
    """The VM's high MMIO space against what its devices and the ``new`` ones need. A new device whose total need is
    unknown is an item too: the check fails closed."""
    need, unknown = mmio_need_mb(snapshot, set(vm['assigned_devices']) | set(new))
    have = vm.get('high_mmio_bytes')
    if have is None:
        return []
    if need * MIB > have:
        return [_item('mmio_too_small',
                      "VM '%s' has %d MB of high MMIO space, and its devices need %d MB%s: it would not start."
                      % (vm['name'], have // MIB, need, ' or more' if unknown else ''),
                      "Give it more, with the VM off: Set-VM -VMName '%s' -HighMemoryMappedIoSpace %dMB (their need "
                      "plus the 512 MB default as a buffer)." % (vm['name'], need + 512))]
    if unknown and new:
        return [_unknown_need(vm, unknown)]
    return []


# The requirements read from the VM's own settings: code, whether the VM misses it, what is wrong and the remedy (each
# formatted with the VM's fields), and the module whose step fixes it.
VM_RULES = (
    ('clustered', lambda vm: vm['is_clustered'],
     "VM '%(name)s' is clustered, and DDA devices cannot be added to a clustered VM.",
     'Remove the VM from the cluster first, or use a VM that is not clustered.', None),
    ('dynamic_memory', lambda vm: vm['dynamic_memory_enabled'],
     "VM '%(name)s' uses dynamic memory, and DDA needs static memory.",
     'Turn it off with the VM off (hyperv.dda.hyperv_vm_memory dynamic_memory=false; the role nvme_passthrough does it '
     'with nvme_passthrough_disable_dynamic_memory: true).', 'hyperv_vm_memory'),
    ('stop_action_save', lambda vm: vm['automatic_stop_action'] == 'Save',
     "VM '%(name)s' has the automatic stop action Save, and a VM with an assigned device cannot be saved.",
     'Set it to TurnOff first (hyperv.dda.hyperv_vm_stop_action action=TurnOff; the role nvme_passthrough does it).',
     'hyperv_vm_stop_action'),
    ('stale_assignments', lambda vm: vm.get('stale_assignments'),
     "VM '%(name)s' has %(stale_assignments)d stale assignment(s) (devices gone from the host) and cannot start until "
     "they are removed (\"Element not found\").",
     'Remove them with the VM off: hyperv.dda.vm_assignable_device remove_stale=true, in a task of its own, or the '
     'dda_reclaim playbook (' + RECLAIM_COMMAND + '; a running VM needs dda_reclaim_allow_vm_restart).',
     'vm_assignable_device'),
    ('generation_1', lambda vm: vm['generation'] == 1,
     "VM '%(name)s' is generation 1: DDA works, but it has little 32-bit MMIO space for devices.",
     'Generation 2 is preferred (and required on Azure Local).', None),
    ('nested_virtualization', lambda vm: vm.get('expose_virtualization_extensions'),
     "VM '%(name)s' exposes virtualization extensions (nested virtualization); with DDA in the same VM guests have "
     "been reported to end in boot loops.",
     'Turn it off with the VM off (Set-VMProcessor -ExposeVirtualizationExtensions $false) unless the guest needs it.',
     None),
    ('gpu_partitioning', lambda vm: vm.get('gpu_partition_adapters'),
     "VM '%(name)s' has %(gpu_partition_adapters)d GPU partition adapter(s) (GPU-P); GPU partitioning and DDA in one "
     "VM are not documented to work together, and group policy may refuse the assignment "
     "(RequireSecureDeviceAssignment).", 'Test it on one VM first.', None),
    ('guest_shutdown_unavailable', lambda vm: vm.get('guest_shutdown_available') is False,
     "VM '%(name)s': its guest cannot be shut down gracefully (the Shutdown integration service is not available), "
     "so a passthrough that needs the VM off would have to turn it off.",
     'Enable the service, or shut the guest down from inside first.', None),
    ('restart_pending', lambda vm: vm.get('restart_pending'),
     "VM '%(name)s': the collection shut it down for a change and has not started it again (a run was interrupted).",
     'Reclaim (' + RECLAIM_COMMAND + '), or run the role again, to start it.', 'hyperv_vm_power'),
)


def vm_requirements(snapshot, vm, new=()):
    """What the VM needs for DDA with its assigned devices and the ``new`` ones (location paths to assign), as coded
    items in ``CODES`` order. Without ``new``: the VM as it is (what hyperv_dda_info reports)."""
    new = set(new) - set(vm['assigned_devices'])
    items = [_item(code, problem % vm, remedy % vm, fix)
             for code, missed, problem, remedy, fix in VM_RULES if missed(vm)]
    items += _mmio_items(snapshot, vm, new)
    if new and vm['state'] != 'Off':
        items.append(_item('vm_not_off', "VM '%(name)s' is %(state)s, and Add-VMAssignableDevice needs it Off." % vm,
                           'Stop it first (hyperv.dda.hyperv_vm_power state=off).', 'hyperv_vm_power'))
    return sorted(items, key=lambda item: CODES.index(item['code']))


def decide(items, policy):
    """The items sorted by what a caller does with them: {action: [item, ...]} for every action of ``ACTIONS``. A code
    the policy does not name is an error: a new code needs each caller's decision."""
    decided = dict((action, []) for action in ACTIONS)
    for item in items:
        decided[policy[item['code']]].append(item)
    return decided
