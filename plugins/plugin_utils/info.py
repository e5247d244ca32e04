# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The plan of hyperv_dda_info: nothing to change, a snapshot and its candidates to report."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import held_warning
from ansible_collections.hyperv.dda.plugins.module_utils.errors import SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.names import vm_name_key
from ansible_collections.hyperv.dda.plugins.module_utils.plan import Plan
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import without_sim_fields
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_checks import vm_verdict


def info_plan(args, snapshot, check_mode=False, mine=None):
    """Report the snapshot (its VMs limited to vm_names, when given), every device's verdict and every reported
    VM's (vm_checks.vm_verdict).

    Candidates are computed from all VMs first, so a device assigned to a VM outside vm_names
    still shows where it is. A lease of the host that another run holds is told as a warning (``mine``: the lease this
    run holds, hyperv_dda_lease, which is not).
    """
    vm_names = args.get('vm_names')
    report = without_sim_fields(snapshot)
    found = candidates(report)
    if vm_names is not None:
        wanted = {vm_name_key(name): name for name in vm_names}
        present = {vm_name_key(vm['name']) for vm in report['vms']}
        missing = [name for key, name in wanted.items() if key not in present]
        if missing:
            raise SelectorError('Hyper-V host %s has no VM named %s (VMs: %s). Check vm_names.' % (
                report['host']['name'], ', '.join(repr(name) for name in missing),
                ', '.join(sorted(vm['name'] for vm in report['vms'])) or 'none'))
        report['vms'] = [vm for vm in report['vms'] if vm_name_key(vm['name']) in wanted]
    vms = [vm_verdict(report, vm) for vm in report['vms']]
    held = held_warning(report['host'].get('lease'), mine)
    return Plan(result={'snapshot': report, 'candidates': found, 'vms': vms}, warnings=[held] if held else [])
