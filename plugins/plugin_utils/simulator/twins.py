# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Python twins of the named PowerShell scripts.

Each twin takes the simulated host and the script's parameters, calls the same cmdlets in the
same order as its .ps1, and returns what the .ps1 puts into $Ansible.Result together with the
value it gives $Ansible.Changed. A contract test holds the keys of both to the same set.

The twins live in four modules (survey.py, host_twins.py, guest_twins.py, lease_twins.py; the operations table
names each script's), imported when a script of theirs first runs: a task that only surveys the host compiles none
of the others (Ansible compiles a collection's modules afresh in every worker process).
"""

from __future__ import annotations

import importlib

from ansible_collections.hyperv.dda.plugins.plugin_utils.operations import OPERATIONS

_PACKAGE = 'ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.'
# Which module holds each script's twin: the operations table's twin column.
_MODULES = dict((operation.name, operation.twin) for operation in OPERATIONS)


def _twin(name):
    def run(host, parameters):
        return getattr(importlib.import_module(_PACKAGE + _MODULES[name]), name)(host, parameters)
    run.__name__ = name
    return run


TWINS = dict((name, _twin(name)) for name in _MODULES)
