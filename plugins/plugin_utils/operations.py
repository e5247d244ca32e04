# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The host operations: one row each, the one table every registry of them is derived from.

An operation is a named script, ``powershell/<name>.ps1``, with a Python twin of the same name in the simulator.
Its row says:

- ``mutating``: the script changes the host, so it never runs in check mode; a probe must run under ``--check``
  (its .ps1 declares SupportsShouldProcess);
- ``guest``: it runs in a VM's guest (directly, or through PowerShell Direct with VMName);
- ``twin``: the module of ``plugin_utils/simulator/`` that holds its twin;
- ``effect``: the function of ``effects.py`` that changes the plan's host as the step will (None: the role and the
  reclaim plan no host step of it);
- ``keys``: the step keys the role's and the reclaim's planners give its steps (the tasks select steps by them);
- ``module``: the action plugin whose work it is (every action plugin runs survey_host first).

Derived here and in the files that use them: scripts.CATALOG, simulator/twins._MODULES, effects.EFFECTS and the
preload callback's list. ``meta/runtime.yml`` is YAML, so tests/unit/plugins/test_operations_contract.py holds its
action group to MODULES, and every step key, script, twin, effect and task to this table.
It imports nothing: every worker that runs a script reads it.
"""

from __future__ import annotations

from collections import namedtuple

Operation = namedtuple('Operation', 'name mutating guest twin effect keys module',
                       defaults=(False, None, None, (), None))

OPERATIONS = (
    Operation('survey_host', mutating=False, guest=False, twin='survey', effect=None, keys=(),
              module='hyperv_dda_info'),
    Operation('set_vm_stop_action', mutating=True, guest=False, twin='host_twins', effect='stop_action',
              keys=('stop_action', 'restore_stop_action'), module='hyperv_vm_stop_action'),
    Operation('set_vm_memory', mutating=True, guest=False, twin='host_twins', effect='memory',
              keys=('memory', 'restore_memory'), module='hyperv_vm_memory'),
    Operation('set_vm_power', mutating=True, guest=False, twin='host_twins', effect='power',
              keys=('shutdown', 'restart', 'start'), module='hyperv_vm_power'),
    Operation('set_pnp_device', mutating=True, guest=False, twin='host_twins', effect='pnp_device',
              keys=('disable', 'enable'), module='pnp_device_disable'),
    Operation('dismount_device', mutating=True, guest=False, twin='host_twins', effect='host_device',
              keys=('dismount',), module='vmhost_assignable_device'),
    Operation('mount_device', mutating=True, guest=False, twin='host_twins', effect='host_device',
              keys=('mount',), module='vmhost_assignable_device'),
    Operation('set_vm_device', mutating=True, guest=False, twin='host_twins', effect='vm_device',
              keys=('assign', 'remove', 'remove_stale'), module='vm_assignable_device'),
    Operation('survey_guest_disks', mutating=False, guest=True, twin='guest_twins', effect=None, keys=(),
              module='guest_nvme_disk'),
    # A guest step changes no host: the plan hands the guest task the guest's view instead (passthrough_plan).
    Operation('format_guest_disk', mutating=True, guest=True, twin='guest_twins', effect=None, keys=('guest',),
              module='guest_nvme_disk'),
    # The host's lease (lease.py): taken and given back around a run's changes, never under --check, and no change
    # of the host a plan has a step for.
    Operation('set_lease', mutating=True, guest=False, twin='lease_twins', effect=None, keys=(),
              module='hyperv_dda_lease'),
)

# Action plugins whose work is no operation of their own: the role's plan runs the others' probes and plans.
PLANNING_MODULES = ('nvme_passthrough_plan',)

# Every action plugin of the collection (meta/runtime.yml's action group), and the twins' modules, in table order.
MODULES = tuple(sorted(set(operation.module for operation in OPERATIONS) | set(PLANNING_MODULES)))
TWIN_MODULES = tuple(sorted(set(operation.twin for operation in OPERATIONS),
                            key=[operation.twin for operation in OPERATIONS].index))
