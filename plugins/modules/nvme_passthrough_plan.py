# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/nvme_passthrough_plan.py.

DOCUMENTATION = r'''
module: nvme_passthrough_plan
short_description: Plan a whole passthrough or release of a VM's NVMe devices, changing nothing
version_added: 0.2.0
description:
  - The first task of the role
    R(hyperv.dda.nvme_passthrough,ansible_collections.hyperv.dda.nvme_passthrough_role); its options are the role's
    variables, validated and converted here once (a quoted boolean means what it says).
  - Surveys the host in one round trip, and, when the guest step reaches a running VM through PowerShell Direct,
    the guest in a second one (the credential, the drive letters in use, the mount folders and what the disks hold
    are then checked before anything changes).
  - Runs every module's own planner, in the order the role runs the modules, on the host as it will be before each
    step, so every refusal any step would make is found before the first change, with the module's words and the
    role's variable names. Returns the steps to run, each with the snapshot its task plans from
    (O(hyperv.dda.pnp_device_disable#module:survey)), so that the tasks need no round trip to plan and report in
    check mode exactly what they change for real.
  - Changes nothing, and runs in check mode like any other time. O(nvme_passthrough_guest_credential) is used for the
    guest survey only, and never returned.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  # The role's variables: the doc fragment hyperv.dda.nvme_passthrough_variables, written from the spec.
  claims:
    description: Devices given to VMs by earlier role calls in the same play (C(location_path), C(vm)); a device
      claimed for another VM is refused, in check mode too.
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - hyperv.dda.nvme_passthrough_variables
  - hyperv.dda.attributes
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: What would the role do on this host?
  hyperv.dda.nvme_passthrough_plan:
    nvme_passthrough_vm_name: sql01
    nvme_passthrough_devices:
      - serial_number: S4EWNX0N123456
        drive_letter: E
    nvme_passthrough_allow_vm_restart: true
    nvme_passthrough_disable_dynamic_memory: true
  register: plan

- name: Show it
  ansible.builtin.debug:
    msg: "{{ plan.errors if plan.errors else plan.changes }}"
'''

RETURN = r'''
errors:
  description: Every reason the run cannot work, in whole sentences; empty when it can.
  returned: always
  type: list
  elements: str
notes:
  description: What can only be checked later (the guest of a VM that is off).
  returned: always
  type: list
  elements: str
changes:
  description: What the run would change, in words, in order (empty when nothing or when it cannot run).
  returned: always
  type: list
  elements: str
  sample: ["disable Samsung NVMe Controller (S4EWNX0N123456) at PCIROOT(0)#PCI(0102)#PCI(0000) on the host", "shut VM 'sql01' down"]
summary:
  description: What the role shows of the plan - the changes, or that there is nothing to change, then the notes.
  returned: always
  type: list
  elements: str
work:
  description: The changes that need the VM off (made inside the power window).
  returned: always
  type: list
  elements: str
steps:
  description:
    - The role's tasks that change something, in the order the role runs them, each with C(key), C(module), C(args),
      C(survey) (the host as expected when the task runs), C(label) and C(change).
    - First what needs no VM off, while the VM still runs (its stop action, each device disabled, then dismounted),
      then the power window (the shutdown, static memory, each device assigned or removed, the memory given back, the
      start), then what waits for the VM to run again (each released device mounted, then enabled, the stop action
      given back), then the guest step.
  returned: always
  type: list
  elements: dict
phases:
  description: Which of the role's phases the steps need, in order - C(while_running), C(power_window),
    C(after_window), C(guest).
  returned: always
  type: list
  elements: str
shutdown:
  description: Whether the run shuts the VM down (once).
  returned: always
  type: bool
restart:
  description: Whether the run starts the VM again afterwards (it was running, or a run before owed it a start).
  returned: always
  type: bool
start:
  description: Whether the run starts an Off VM for the guest step.
  returned: always
  type: bool
original_state:
  description: The power state the run gives the VM back.
  returned: always
  type: str
vm:
  description:
    - The VM (C(name), C(id), C(state), C(restart_pending)), or null when it is unknown.
    - When the run can go ahead, also C(found) and C(planned) - its power state, automatic stop action, dynamic memory
      and startup memory as the run finds them and as it leaves them (what a failed run gives back).
  returned: always
  type: dict
devices:
  description:
    - Each selected device, with its C(location_path), C(label) and guest settings (C(guest)).
    - When the run can go ahead, also C(found) and C(planned) - where the run finds it and where it leaves it
      (C(enabled), C(disabled) or C(dismounted) on the host, C(assigned) to the VM, C(assigned elsewhere)).
  returned: always
  type: list
  elements: dict
on_failure:
  description: What a failed run does (O(nvme_passthrough_on_failure)).
  returned: always
  type: str
shutdown_timeout:
  description: The timeout of each shutdown and start the run plans, and of the start a failed run may plan.
  returned: always
  type: raw
claims:
  description: The claims to pass to the next role call in the play.
  returned: always
  type: list
  elements: dict
ansible_facts:
  description: The claims again, as the host fact C(nvme_passthrough__claims), which the role hands to its next call
    in the play (facts outlive a role call).
  returned: always
  type: dict
msg:
  description: Every reason the run cannot work, and that nothing was changed (the role fails its plan task with it).
  returned: when the run cannot work (C(errors) is not empty)
  type: str
check_mode:
  description: Whether the task ran in check mode (from C(--check) or from the task), which the role's later tasks
    follow.
  returned: always
  type: bool
guest_survey:
  description:
    - The guest as PowerShell Direct showed it before the run (C(disks), C(used_letters), C(folders)), which the guest
      step plans from; null when the plan did not ask the guest (C(guest_not_asked) says why).
    - The playbook C(hyperv.dda.capture_snapshot) keeps it in the snapshot it saves
      (R(hyperv.dda.rehearsal_snapshot,ansible_collections.hyperv.dda.rehearsal_snapshot_filter)), so that a
      rehearsal runs the guest step too.
  returned: always
  type: dict
guest_not_asked:
  description:
    - Why the plan did not ask the guest (no PowerShell Direct guest step, the VM not running, PowerShell Direct
      refused, or, in a rehearsal, a snapshot with no view of the guest); null when it asked.
    - In a rehearsal on a snapshot with no view of the guest, the plan leaves the guest step out, with a warning that it
      is checked at run time.
  returned: always
  type: str
lease:
  description:
    - The host's lease as the survey saw it (as C(snapshot.host.lease) of M(hyperv.dda.hyperv_dda_info); C(version) 0
      and no C(holder) on a host whose lease no run took). The role hands it to M(hyperv.dda.hyperv_dda_lease) as
      C(seen), to plan again when another run held the lease since. A lease another run holds is also a warning.
  returned: always
  type: dict
round_trips:
  description: Script runs on the host this plan took (1, or 2 with the guest survey; one more when the plan needs
    more of the host than the VM and its devices, and surveys it whole).
  returned: always
  type: int
'''
