# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Check mode of a chain of module tasks written by hand: each task plans on the host as the earlier tasks of the
play predicted it.

In check mode nothing changes, so a task that surveys the host itself sees it as it was before the chain: a dismount
finds its device still enabled, an assignment its VM still running. Instead of assuming that an earlier step of the
chain does what is missing (which hid a chain that lacks the step: a memory change on a running VM that no task shuts
down), every task of the collection that changes the host hands the next one, in check mode, what it predicts, as a
fact of the host
(``FACT``): the VM and device records its change would leave (effects.py), and the state each VM really had when the
chain first changed it. A later task in check mode lays those records over its own survey, and plans as the real run
will: a precondition the chain does not establish fails in check mode too, at the task where the real run fails.

Facts are per host and outlive the task, so this holds across the tasks and plays of a run. A fact cache can keep
facts from one run to the next, so the prediction names its run (``run_id``), and a later run ignores it. A task's loop
items see the facts as they were before the loop. A task not in check mode that changes the host drops the prediction
(the host moved under it); the first task of a chain, and a task handed a ``survey``, plan as before.
"""

from __future__ import annotations

import copy

from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import normalize_serial
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path
from ansible_collections.hyperv.dda.plugins.plugin_utils.effects import EFFECTS, apply_step

FACT = 'hyperv_dda__check_mode_chain'


class Chain(object):
    """What the earlier tasks of a check-mode run predicted of one host."""

    def __init__(self, run, fact=None):
        fact = fact or {}
        self.run = run
        self.vms = [copy.deepcopy(vm) for vm in fact.get('vms') or []]
        self.devices = [copy.deepcopy(device) for device in fact.get('devices') or []]
        # The state each VM of ``vms`` really has: what the host said when the chain first changed it.
        self.observed_states = dict(fact.get('observed_states') or {})

    @classmethod
    def of(cls, task_vars, run):
        """The chain the host's facts hold for this run, or None before any task of the collection ran in check mode
        in it."""
        fact = (task_vars.get('ansible_facts') or {}).get(FACT)
        return cls(run, fact) if isinstance(fact, dict) and fact.get('run') == run else None

    def fact(self):
        return {'run': self.run, 'vms': self.vms, 'devices': self.devices, 'observed_states': self.observed_states}

    # --- the host as predicted ----------------------------------------------------------------------------------------

    def overlay(self, snapshot):
        """Lay the predicted records over a survey (in place): a VM by its Id, a device by its location path, and the
        devices the chain assigned to a VM of the survey, which its survey does not list yet."""
        by_id = dict((vm['id'], vm) for vm in self.vms)
        by_path = dict((location_path(device), device) for device in self.devices)
        snapshot['vms'] = [copy.deepcopy(by_id.get(vm['id'], vm)) for vm in snapshot['vms']]
        snapshot['devices'] = [copy.deepcopy(by_path.get(location_path(device), device))
                               for device in snapshot['devices']]
        listed = set(location_path(device) for device in snapshot['devices'])
        for vm in snapshot['vms']:
            for path in vm['assigned_devices']:
                if path not in listed and path in by_path:
                    snapshot['devices'].append(copy.deepcopy(by_path[path]))
                    listed.add(path)
        return snapshot

    def predict(self, module, args, planned, result):
        """Keep what a task's change does to the host it planned on (``planned``, the chain laid over); ``result`` is
        the plan's result, which names the device a selector chose."""
        if not predicts(module):
            return
        after = copy.deepcopy(planned)
        step = dict(args)
        device = result.get('device') or {}
        if device.get('location_path'):
            step['location_path'] = device['location_path']
        apply_step(after, module, step)
        before_vms = dict((vm['id'], vm) for vm in planned['vms'])
        for vm in after['vms']:
            if vm != before_vms.get(vm['id']):
                self.observed_states.setdefault(vm['id'], before_vms[vm['id']]['state'])
                self.vms = [known for known in self.vms if known['id'] != vm['id']] + [vm]
        before_devices = dict((location_path(device), device) for device in planned['devices'])
        for device in after['devices']:
            path = location_path(device)
            if device != before_devices.get(path):
                self.devices = [known for known in self.devices if location_path(known) != path] + [device]

    # --- the guest step -----------------------------------------------------------------------------------------------

    def vm(self, name):
        """The VM as the chain predicts it, or None when no task of the chain changed it."""
        found = [vm for vm in self.vms if same_vm_name(vm['name'], name)]
        return found[0] if len(found) == 1 else None

    def really_running(self, vm):
        return self.observed_states.get(vm['id'], vm['state']) == 'Running'

    def arriving_disks(self, vm_name, selector):
        """Disks of the devices the chain assigns to a VM it predicts running (that VM, or any with vm_name None), which
        the guest will see as NVMe: each as the host knew it (its number unknown until it arrives). With a selector
        (key, value), only the disks it names."""
        vms = [vm for vm in self.vms
               if vm['state'] == 'Running' and (vm_name is None or same_vm_name(vm['name'], vm_name))]
        paths = set(path for vm in vms for path in vm['assigned_devices'])
        found = []
        for device in self.devices:
            if location_path(device) not in paths:
                continue
            for disk in device['disks'] or []:
                if selector is None or _names(disk, *selector):
                    found.append(dict(disk, number=None, bus_type='NVMe', is_boot=False, is_system=False,
                                      is_offline=False, is_read_only=False,
                                      partition_style=disk.get('partition_style') or 'RAW',
                                      partitions=copy.deepcopy(disk.get('partitions') or [])))
        return found


def _names(disk, key, value):
    if key == 'unique_id':
        return (disk.get('unique_id') or '').casefold() == value.strip().casefold()
    return key in ('serial_number', 'adapter_serial_number') and bool(disk.get(key)) and \
        normalize_serial(disk[key]) == normalize_serial(value)


def predicts(module):
    """Whether a module's task changes the host, and so hands its prediction on (a read or a guest step does not)."""
    return module in EFFECTS


def run_id(task):
    """What tells this run of ansible-playbook from another: ansible-core gives every task of a run an id that starts
    with the same random part (ansible.utils.vars.get_unique_id), so a prediction from an earlier run found in a fact
    cache is not taken for this run's. A different id format only makes every task the first of its chain."""
    return str(getattr(task, '_uuid', '') or '').rsplit('-', 1)[0]
