# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the role nvme_passthrough tells a failed run: every failure in order, and where the VM is left."""

from __future__ import annotations


def failure_message(result):
    """The message of a failed task's result; for a loop, the failed item's (with its label)."""
    result = result or {}
    for item in result.get('results') or []:
        if item.get('failed'):
            label = (item.get('item') or {}).get('label') if isinstance(item.get('item'), dict) else None
            return ('%s: %s' % (label, item.get('msg')) if label else item.get('msg')) or 'failed without a message.'
    return result.get('msg') or 'failed without a message.'


def power_outcome(plan, after=None):
    """Where a failed run leaves the VM, in a sentence, from a survey made after the failure (hyperv_dda_info)."""
    name = (plan.get('vm') or {}).get('name')
    if plan.get('check_mode'):
        return 'Check mode: nothing was changed.'
    vms = ((after or {}).get('snapshot') or {}).get('vms') or []
    if not vms:
        return "Where VM '%s' is now could not be read; run hyperv.dda.hyperv_dda_info to see it." % name
    vm = vms[0]
    state = 'running' if vm['state'] == 'Running' else vm['state']
    if vm.get('restart_pending'):
        return ("VM '%s' is %s, and the host records that it is owed a start: the next run of the role, the dda_reclaim "
                "playbook or hyperv.dda.hyperv_vm_power state=running starts it." % (name, state))
    if vm['state'] == 'Running' and plan.get('original_state') == 'Running':
        return "VM '%s' is running, as before the run." % name
    return "VM '%s' is %s." % (name, state)
