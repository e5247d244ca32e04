# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: preload
type: aggregate
short_description: Load the collection's Python code once, before Ansible forks its workers
version_added: 0.1.0
description:
  - Ansible forks a worker process for each task on each host, and keeps no bytecode for a collection's Python code,
    so a worker compiles afresh what it imports of it. Ansible's main process loads each task's action plugin before
    it forks, and workers inherit that; what each worker still compiles is what the task imports when it runs, its
    backend (the simulator, in a rehearsal).
  - This callback imports the collection's action plugins, and what they use, once in the controller's main process
    when the playbook starts; every worker forked afterwards inherits them. It changes nothing else and prints
    nothing.
  - Controller CPU saved per task and host of this collection - about 3 ms on a real host, about 15 ms in a rehearsal
    (the simulator backend), measured as C(docs/benchmarks_preload.md) says.
  - Enable it for large fleets and large rehearsals, in C(ansible.cfg) (C(callbacks_enabled = hyperv.dda.preload)) or
    with C(ANSIBLE_CALLBACKS_ENABLED=hyperv.dda.preload).
author:
  - hyperv.dda contributors (@hyperv-dda)
requirements:
  - enabled in C(callbacks_enabled)
'''

import importlib

from ansible.plugins.callback import CallbackBase

from ansible_collections.hyperv.dda.plugins.plugin_utils.operations import MODULES, TWIN_MODULES

# The action plugins, then what they import only when they run (the backends, the simulator's twins and the
# survey twin, which a real host's run does not need but a rehearsal does); the operations table names the first
# and the twins' modules.
PRELOAD = tuple('ansible_collections.hyperv.dda.plugins.action.%s' % name for name in MODULES) + tuple(
    'ansible_collections.hyperv.dda.plugins.plugin_utils.%s' % name for name in (
        ('powershell_backend', 'simulator_backend') + tuple('simulator.%s' % twin for twin in TWIN_MODULES) +
        ('reclaim_plan', 'fleet_report', 'report_render')))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'hyperv.dda.preload'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        for name in PRELOAD:
            importlib.import_module(name)
