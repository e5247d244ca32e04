# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: preload
type: aggregate
short_description: Load the collection's Python code once, before Ansible forks its workers
version_added: 0.1.0
description:
  - Ansible compiles a collection's Python source afresh in every worker process it forks (it keeps no bytecode for
    collection code), about 30 to 40 ms of controller CPU for each task of this collection on each host.
  - This callback imports the collection's action plugins, and what they use, once in the controller's main process
    when the playbook starts; every worker forked afterwards inherits them. It changes nothing else and prints
    nothing.
  - Enable it for large fleets, in C(ansible.cfg) (C(callbacks_enabled = hyperv.dda.preload)) or with
    C(ANSIBLE_CALLBACKS_ENABLED=hyperv.dda.preload). C(docs/benchmarks.md) shows what it saves.
author:
  - hyperv.dda contributors (@hyperv-dda)
requirements:
  - enabled in C(callbacks_enabled)
'''

import importlib

from ansible.plugins.callback import CallbackBase

# The action plugins, then what they import only when they run (the backends, the simulator's twins and the
# survey twin, which a real host's run does not need but a rehearsal does).
PRELOAD = tuple('ansible_collections.hyperv.dda.plugins.action.%s' % name for name in (
    'guest_nvme_disk', 'hyperv_dda_info', 'hyperv_dda_lease', 'hyperv_vm_memory', 'hyperv_vm_power', 'hyperv_vm_stop_action',
    'nvme_passthrough_plan', 'pnp_device_disable', 'vm_assignable_device', 'vmhost_assignable_device')) + tuple(
    'ansible_collections.hyperv.dda.plugins.%s' % name for name in (
        'plugin_utils.powershell_backend', 'plugin_utils.simulator_backend', 'plugin_utils.simulator.survey',
        'plugin_utils.simulator.host_twins', 'plugin_utils.simulator.guest_twins', 'plugin_utils.simulator.lease_twins',
        'plugin_utils.reclaim_plan', 'plugin_utils.fleet_report', 'plugin_utils.report_render'))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'hyperv.dda.preload'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        for name in PRELOAD:
            importlib.import_module(name)
