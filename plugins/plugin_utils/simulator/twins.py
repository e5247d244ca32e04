# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Python twins of the named PowerShell scripts.

Each twin takes the simulated host and the script's parameters, calls the same cmdlets in the
same order as its .ps1, and returns what the .ps1 puts into $Ansible.Result together with the
value it gives $Ansible.Changed. A contract test holds the keys of both to the same set.

The twins live in four modules (survey.py, host_twins.py, guest_twins.py, lease_twins.py), imported when a script of
theirs first runs: a task that only surveys the host compiles none of the others (Ansible compiles a
collection's modules afresh in every worker process).
"""

from __future__ import annotations

import importlib

_PACKAGE = 'ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.'
_MODULES = {
    'survey_host': 'survey',
    'set_vm_stop_action': 'host_twins',
    'set_vm_memory': 'host_twins',
    'set_vm_power': 'host_twins',
    'set_pnp_device': 'host_twins',
    'dismount_device': 'host_twins',
    'mount_device': 'host_twins',
    'set_vm_device': 'host_twins',
    'survey_guest_disks': 'guest_twins',
    'format_guest_disk': 'guest_twins',
    'set_lease': 'lease_twins',
}


def _twin(name):
    def run(host, parameters):
        return getattr(importlib.import_module(_PACKAGE + _MODULES[name]), name)(host, parameters)
    run.__name__ = name
    return run


TWINS = dict((name, _twin(name)) for name in _MODULES)
