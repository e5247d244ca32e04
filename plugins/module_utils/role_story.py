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


def power_outcome(plan, restart=None):
    """Where the VM is left after a failed run, in a sentence."""
    vm = (plan.get('vm') or {}).get('name')
    if plan.get('check_mode'):
        return 'Check mode: nothing was changed.'
    planned = any(step['key'] == 'restart' for step in plan.get('steps') or [])
    if not planned:
        if plan.get('shutdown'):
            return "VM '%s' was shut down and stays off, as it was before a run owed it nothing." % vm
        return "VM '%s' was not shut down." % vm
    if restart and restart.get('failed'):
        return ("VM '%s' is left Off. The host records that it is owed a start: the next run of the role, the "
                "dda_reclaim playbook or hyperv.dda.hyperv_vm_power state=running starts it." % vm)
    return "VM '%s' is running again, as before the run." % vm
