# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options: {}
notes:
  - This module runs on the controller as an action plugin. With the default backend it runs the
    collection's PowerShell scripts on the Hyper-V host through M(ansible.windows.win_powershell),
    so the host needs no Python; every value reaches the script as a parameter, never as script text.
  - Host variables choose the backend. C(hyperv_dda_backend) is V(powershell) (default) or
    V(simulator). With V(simulator) nothing contacts the host; the module works on the snapshot
    file named by C(hyperv_dda_simulator_state) (a path on the controller, relative to the
    directory Ansible runs in), applies changes as Hyper-V would and writes the file back
    atomically under a lock, so many forks can share it. C(hyperv_dda_simulator_log) optionally
    names a file that receives one JSON line per script run (script, cmdlets called, failure).
    C(hyperv_dda_simulator_vm) names the VM of the snapshot whose guest a task runs against.
  - Use the simulator to rehearse a playbook against a snapshot of a real host, captured with
    M(hyperv.dda.hyperv_dda_info) or the playbook C(hyperv.dda.capture_snapshot) (which also keeps the guest of the
    role's VM as PowerShell Direct shows it, given the guest credential;
    R(hyperv.dda.rehearsal_snapshot,ansible_collections.hyperv.dda.rehearsal_snapshot_filter)).
  - One controller at a time changes a host. A task that changes the host holds the host's lease (see
    M(hyperv.dda.hyperv_dda_lease)), the run's when the variable C(hyperv_dda_lease) names it (the role
    R(hyperv.dda.nvme_passthrough,ansible_collections.hyperv.dda.nvme_passthrough_role) and the reclaim playbook set
    it), else its own for its change. A task that finds another run's lease waits up to C(hyperv_dda_lease_timeout)
    seconds (default 600, whole seconds from 0 to 86400), then fails before any change, naming that run. Check mode
    takes no lease and warns of one another run holds.
'''
