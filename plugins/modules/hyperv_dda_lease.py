# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/hyperv_dda_lease.py.

DOCUMENTATION = r'''
module: hyperv_dda_lease
short_description: Hold the Hyper-V host's lease, so that one controller at a time changes it
version_added: 0.1.0
description:
  - Ansible has no lock on a host, so two runs (two AWX job templates, a pipeline and an operator) could change one
    Hyper-V host at once. Every run of this collection that changes a host first takes the host's B(lease), a record on
    the host (C(HKLM:\SOFTWARE\hyperv.dda\Lease)) that names the run (controller, user, playbook, run id), since when
    and until when. The role R(hyperv.dda.nvme_passthrough,ansible_collections.hyperv.dda.nvme_passthrough_role) and
    the playbook C(hyperv.dda.dda_reclaim) hold it for their whole change; any module that changes the host, run on
    its own, holds it for its own change.
  - This module takes the lease (O(state=held)) or gives it back (O(state=released)) for a run that sequences its
    own tasks. Set the variable C(hyperv_dda_lease) to the RV(lease) it returns for the tasks that should run under
    it; they give its token to every script that changes the host and take no lease of their own. Give it back at the
    end, in an C(always) section.
  - A run that finds another run's lease waits up to O(timeout) seconds, asking the host again, then fails without
    changing anything, naming the run that holds it. Every script that changes the host renews the lease for
    O(duration) seconds more, and acts only while its run holds it; a script of a run whose lease was taken over
    changes nothing.
  - A lease whose holder stopped renewing it (its controller died) is taken over once its time has run out; the new
    holder is told, as a warning, what that run left on the host (a VM owed a start, a device half-way).
  - The lease is bookkeeping between controllers, never a change of the host, so the task never reports C(changed).
    In check mode it takes nothing and warns of a lease another run holds.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  state:
    description:
      - V(held) takes the lease for this run, waiting for another run's; when this run holds it already
        (C(hyperv_dda_lease) is set), it is returned as it is.
      - V(released) gives back the lease C(hyperv_dda_lease) names; a lease that was no longer this run's (it ran out
        and another run took it over) is left to its holder, with a warning.
    type: str
    choices: [held, released]
    default: held
  timeout:
    description:
      - Whole seconds from 0 to 86400 to wait for another run's lease, asking the host again every few seconds (one
        round trip each).
      - Default the host variable C(hyperv_dda_lease_timeout), else 600.
    type: int
  duration:
    description:
      - Whole seconds from 60 to 2147483647 the lease lasts after it is taken and after each script that renews it,
        which is how long a run that dies keeps the host. Make it longer than the longest step of the run (a graceful
        shutdown waits up to its C(shutdown_timeout)).
      - A task under the lease whose shutdown may wait longer than O(duration) less 900 seconds (kept for the step's own
        work) is refused before any change, naming the O(duration) to set. The default covers a shutdown of the
        collection's default C(shutdown_timeout), 300 seconds.
    type: int
    default: 1200
  seen:
    description:
      - The lease as a survey saw it (C(snapshot.host.lease) of M(hyperv.dda.hyperv_dda_info), or the RV(lease) of
        M(hyperv.dda.nvme_passthrough_plan)), for a run that planned before it took the lease. RV(replan) says whether
        another run held the lease at that survey or since, so that the plan may be stale.
      - Without it, RV(replan) is true.
    type: dict
extends_documentation_fragment:
  - hyperv.dda.backend
attributes:
  check_mode:
    support: full
    description: Takes nothing; warns of a lease another run holds.
  diff_mode:
    support: none
    description: It manages no setting of the host to show before and after.
  platform:
    support: full
    platforms: windows
    description: Runs against a Hyper-V host (Windows Server 2016 or later, Azure Local).
notes:
  - The host keeps the lease in one registry value, written only while the script owns the named mutex
    C(Global\hyperv.dda.lease); a mutex alone cannot be the lease, since it is released when the script's process
    ends. All times are the host's clock.
'''

EXAMPLES = r'''
- name: Change the host under one lease, whatever the tasks
  vars:
    # Every task of the block runs under the lease once it is taken.
    hyperv_dda_lease: "{{ dda_lease.lease | default(none) }}"
  block:
    - name: Take the host's lease (waiting up to 10 minutes for another run's)
      hyperv.dda.hyperv_dda_lease:
        timeout: 600
        # The default duration, 1200 seconds: 900 for the steps' own work, and 300 for the shutdown of sql01 (its
        # default shutdown_timeout). A longer shutdown_timeout needs as much more.
      register: dda_lease

    - name: Turn the VM off under the lease
      hyperv.dda.hyperv_vm_power:
        vm_name: sql01
        state: "off"
  always:
    - name: Give the host's lease back
      hyperv.dda.hyperv_dda_lease:
        state: released
'''

RETURN = r'''
lease:
  description:
    - The lease this run holds (V(held)). Set C(hyperv_dda_lease) to it for the tasks that run under it. Its token is
      what every script of the run is given, and only this run knows it. Null after V(released), and in check mode.
  returned: success
  type: dict
  contains:
    token:
      description: The run's token.
      type: str
    controller:
      description: The controller that holds it (its host name).
      type: str
    user:
      description: The user on the controller.
      type: str
    playbook:
      description: The playbook file(s) of the run.
      type: str
    run_id:
      description: The AWX job (C(awx_job_id)), else the process id of ansible-playbook.
      type: str
    since:
      description: When it was taken (ISO 8601, UTC, the host's clock).
      type: str
    until:
      description: When it runs out unless a script renews it (ISO 8601, UTC, the host's clock).
      type: str
    seconds:
      description: How long it lasts after each renewal.
      type: int
taken:
  description: Whether this task took the lease (false when this run held it already, and in check mode).
  returned: state=held
  type: bool
replan:
  description: Another run held the lease at the survey O(seen) or since, so a plan made from that survey may be
    stale. Survey and plan again.
  returned: state=held
  type: bool
waited:
  description: Seconds this task waited for another run's lease.
  returned: state=held
  type: float
waited_for:
  description: The lease this task waited for (as in C(snapshot.host.lease) of M(hyperv.dda.hyperv_dda_info)), or
    null.
  returned: state=held
  type: dict
took_over:
  description: The lease of a run that stopped, taken over once its time had run out, or null.
  returned: state=held
  type: dict
left:
  description: What the run whose lease was taken over left on the host (from the host's records), a sentence each.
  returned: state=held
  type: list
  elements: str
held_by:
  description: In check mode, the lease another run holds (as in C(snapshot.host.lease)), or null.
  returned: check mode
  type: dict
released:
  description: Whether the lease was this run's and was given back.
  returned: state=released
  type: bool
'''
