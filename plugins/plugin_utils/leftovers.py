# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What DDA leaves behind on a host, named: the states hyperv_dda_info, the audit and the reclaim share.

- ``orphan``: a device dismounted from the host that no VM holds (its VM was deleted, or a run died between
  dismount and assign). It is in neither Device Manager's working devices nor any VM; Get-VMHostAssignableDevice
  still lists it (dda-facts §3, ExHyperV#139's workaround mounts every such device back).
- ``return_pending``: a device the collection began to give back to the host and did not finish with: its record on
  the host is marked before the mount and cleared only once the device is enabled, so a run that stopped between
  Mount-VMHostAssignableDevice and Enable-PnpDevice (a failure, or the controller killed) leaves it mounted, disabled
  and marked. It is the collection's to finish: the reclaim (or the release again) enables it and clears the mark.
- ``disabled_not_dismounted``: a device disabled on the host but never dismounted, without that mark (a run that
  died after the disable, or a device disabled by hand).
- ``stale_assignment``: a VM holds an assignment whose device no longer exists on the host (Get-VMAssignableDevice
  lists it with an empty LocationPath); the VM cannot start ("Element not found", windowsserverdocs#3083).
- ``restart_pending``: the collection shut the VM down for a change and has not started it again yet.

Each device state comes with the remedy in words here, each VM state with its own in vm_requirements.py;
``playbooks/dda_reclaim.yml`` applies the remedies of orphans, devices whose return is pending, stale assignments and
pending restarts (a disabled device without the mark may be disabled on purpose: it is only reported).
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.devices import assigned_to

ORPHAN = 'orphan'
RETURN_PENDING = 'return_pending'
DISABLED_NOT_DISMOUNTED = 'disabled_not_dismounted'
STALE_ASSIGNMENT = 'stale_assignment'
RESTART_PENDING = 'restart_pending'

RECLAIM_COMMAND = 'ansible-playbook -i INVENTORY hyperv.dda.dda_reclaim'

REMEDIES = {
    ORPHAN: 'It was dismounted from the host and no VM holds it (its VM was deleted, or a run stopped between '
            'dismount and assign): neither the host nor a VM can use it. Reclaim it (%s) to mount and enable it on '
            'the host, or pass it through again.' % RECLAIM_COMMAND,
    RETURN_PENDING: 'The collection began to give it back to the host and did not finish (a run stopped between the '
                    'mount and the enable, or before it cleared its mark of the return): it is back on the host, and '
                    'the host records the return as unfinished. Reclaim it (%s), or run the release again, to enable '
                    'it and clear that mark.' % RECLAIM_COMMAND,
    DISABLED_NOT_DISMOUNTED: 'It is disabled on the host but was never dismounted (a run stopped after the disable, '
                             'or it was disabled by hand). Enable it (hyperv.dda.pnp_device_disable state=enabled) '
                             'or pass it through.',
}


def device_states(snapshot, device):
    """The left-behind states of one device (empty for a device in use where it is)."""
    if device['state'] == 'dismounted' and assigned_to(snapshot, device) is None:
        return [ORPHAN]
    if device['state'] != 'dismounted' and device.get('return_pending'):
        return [RETURN_PENDING]
    if device['state'] == 'disabled':
        return [DISABLED_NOT_DISMOUNTED]
    return []


def vm_states(vm):
    states = []
    if vm.get('stale_assignments'):
        states.append(STALE_ASSIGNMENT)
    if vm.get('restart_pending'):
        states.append(RESTART_PENDING)
    return states


def device_remedies(snapshot, device):
    return [REMEDIES[state] for state in device_states(snapshot, device)]
