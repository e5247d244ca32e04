# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What a VM's settings mean for DDA: blockers (certain to fail) and warnings (may fail), each with its remedy.

hyperv_dda_info reports them on each VM (``vms``), the audit shows them, and the role's plan refuses on the
blockers (most are refused by the modules' own planners too) and warns on the rest. Sources are dda-facts.md's:
Add-VMAssignableDevice needs static memory and a stop action other than Save, and refuses clustered VMs (§1, §4);
MMIO: a VM has 128 MB low and 512 MB high MMIO by default, and high MMIO must hold what its devices need
(SurveyDDA's "requires at least N MB of MMIO gap space", S3), whatever state each device is in; a device that does
not work on the host cannot be surveyed (S12), so its need is what the collection recorded, or unknown; DDA works with generation 1 and 2, generation 1 with
little 32-bit space (S3, S10); nested virtualization with DDA in one VM has been reported to end in boot loops
(Virtualization-Documentation#720, S28); GPU partitioning and DDA in one VM are not documented together.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import RESTART_PENDING, STALE_ASSIGNMENT, vm_remedy, \
    vm_states
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, mmio_mb

MIB = 1024 * 1024


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
    return ("Cannot tell whether VM '%s' has the MMIO space its devices need: the MMIO space %s needs is unknown (%s, "
            "and the collection recorded no figure for it: it did not take the device from the host, or an earlier "
            "version of it did). %s, so that the survey reads it, then run again." % (
                vm['name'], location_path(device), where, remedy))


def mmio_reason(snapshot, vm, paths, new=()):
    """A blocker when the VM's high MMIO space is smaller than what these devices need, else None. Giving the VM a
    ``new`` device (of paths) whose total need is unknown is a blocker too: the check fails closed."""
    need, unknown = mmio_need_mb(snapshot, paths)
    have = vm.get('high_mmio_bytes')
    if have is None:
        return None
    if need * MIB > have:
        return ("VM '%s' has %d MB of high MMIO space, and its devices need %d MB%s: it would not start. Give it more, "
                "with the VM off: Set-VM -VMName '%s' -HighMemoryMappedIoSpace %dMB (their need plus the 512 MB "
                "default as a buffer)." % (vm['name'], have // MIB, need, ' or more' if unknown else '', vm['name'],
                                           need + 512))
    if unknown and new:
        return _unknown_need(vm, unknown)
    return None


def vm_blockers(snapshot, vm, requested=()):
    """What makes DDA fail for the VM, with its assigned devices and the requested ones (location paths)."""
    reasons = []
    if vm['is_clustered']:
        reasons.append("VM '%s' is clustered: Add-VMAssignableDevice refuses clustered VMs." % vm['name'])
    if vm['dynamic_memory_enabled']:
        reasons.append("VM '%s' uses dynamic memory; DDA needs static memory. Turn it off with the VM off "
                       "(hyperv.dda.hyperv_vm_memory dynamic_memory=false, or the role's "
                       "nvme_passthrough_disable_dynamic_memory)." % vm['name'])
    if vm['automatic_stop_action'] == 'Save':
        reasons.append("VM '%s' has the automatic stop action Save, and a VM with an assigned device cannot be saved. "
                       "Set TurnOff (hyperv.dda.hyperv_vm_stop_action; the role does it)." % vm['name'])
    mmio = mmio_reason(snapshot, vm, set(vm['assigned_devices']) | set(requested),
                       new=set(requested) - set(vm['assigned_devices']))
    if mmio:
        reasons.append(mmio)
    if vm.get('stale_assignments'):
        reasons.append(vm_remedy(vm, STALE_ASSIGNMENT))
    return reasons


def setting_warnings(vm):
    """What of the VM's settings may make DDA fail for it."""
    warnings = []
    if vm['generation'] == 1:
        warnings.append("VM '%s' is generation 1: DDA works, but it has little 32-bit MMIO space for devices; "
                        "generation 2 is preferred (and required on Azure Local)." % vm['name'])
    if vm.get('expose_virtualization_extensions'):
        warnings.append("VM '%s' exposes virtualization extensions (nested virtualization); with DDA in the same VM "
                        "guests have been reported to end in boot loops. Turn it off with the VM off "
                        "(Set-VMProcessor -ExposeVirtualizationExtensions $false) unless the guest needs it."
                        % vm['name'])
    if vm.get('gpu_partition_adapters'):
        warnings.append("VM '%s' has %d GPU partition adapter(s) (GPU-P); GPU partitioning and DDA in one VM are not "
                        "documented to work together, and group policy may refuse the assignment "
                        "(RequireSecureDeviceAssignment). Test it on one VM first."
                        % (vm['name'], vm['gpu_partition_adapters']))
    return warnings


def vm_warnings(vm):
    """What may make DDA fail for the VM, a guest that cannot be shut down gracefully (the role refuses to shut such
    a VM down), and a start it is owed."""
    warnings = setting_warnings(vm)
    if vm.get('guest_shutdown_available') is False:
        warnings.append("VM '%s': its guest cannot be shut down gracefully (the Shutdown integration service is not "
                        "available), so a passthrough that needs the VM off would have to turn it off; enable the "
                        "service, or shut the guest down from inside first." % vm['name'])
    if vm.get('restart_pending'):
        warnings.append(vm_remedy(vm, RESTART_PENDING))
    return warnings


def vm_verdict(snapshot, vm):
    """hyperv_dda_info's entry for a VM: its DDA settings, assignments, blockers, warnings and left-behind states."""
    need, unknown = mmio_need_mb(snapshot, set(vm['assigned_devices']))
    return {
        'name': vm['name'],
        'state': vm['state'],
        'generation': vm['generation'],
        'automatic_stop_action': vm['automatic_stop_action'],
        'dynamic_memory_enabled': vm['dynamic_memory_enabled'],
        'memory_startup_bytes': vm['memory_startup_bytes'],
        'low_mmio_bytes': vm['low_mmio_bytes'],
        'high_mmio_bytes': vm['high_mmio_bytes'],
        'mmio_needed_mb': need if not unknown else None,
        'is_clustered': vm['is_clustered'],
        'expose_virtualization_extensions': vm.get('expose_virtualization_extensions'),
        'gpu_partition_adapters': vm.get('gpu_partition_adapters'),
        'assigned_devices': list(vm['assigned_devices']),
        'stale_assignments': vm.get('stale_assignments') or 0,
        'restart_pending': bool(vm.get('restart_pending')),
        'states': vm_states(vm),
        'reasons': vm_blockers(snapshot, vm),
        'warnings': vm_warnings(vm),
    }
