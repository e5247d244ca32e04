# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""hyperv_dda_info's verdict on a VM, which the audit shows too: its DDA settings, and its requirements
(vm_requirements.py) sorted by ``INFO_POLICY`` into ``reasons`` (blockers: certain to fail) and ``warnings`` (may
fail), each with its remedy.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import vm_states
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_requirements import IGNORE, REFUSE, WARN, decide, \
    mmio_need_mb, vm_requirements

# The VM as it is, no device to assign: what would make a passthrough fail is a reason, what may is a warning. Whether
# it runs (vm_not_off) is no problem of the VM's, and an unknown MMIO need matters only to a device to assign.
INFO_POLICY = {
    'clustered': REFUSE,
    'dynamic_memory': REFUSE,
    'stop_action_save': REFUSE,
    'stale_assignments': REFUSE,
    'mmio_too_small': REFUSE,
    'mmio_unknown': IGNORE,
    'vm_not_off': IGNORE,
    'generation_1': WARN,
    'nested_virtualization': WARN,
    'gpu_partitioning': WARN,
    'guest_shutdown_unavailable': WARN,
    'restart_pending': WARN,
}


def vm_verdict(snapshot, vm):
    """hyperv_dda_info's entry for a VM: its DDA settings, assignments, blockers, warnings and left-behind states."""
    need, unknown = mmio_need_mb(snapshot, set(vm['assigned_devices']))
    decided = decide(vm_requirements(snapshot, vm), INFO_POLICY)
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
        'reasons': [item['message'] for item in decided[REFUSE]],
        'warnings': [item['message'] for item in decided[WARN]],
    }
