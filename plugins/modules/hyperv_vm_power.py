# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/hyperv_vm_power.py.

DOCUMENTATION = r'''
module: hyperv_vm_power
short_description: Start a Hyper-V VM, or shut it down gracefully
version_added: 0.1.0
description:
  - V(running) starts a VM that is Off, resumes the saved state of a Saved VM (C(Start-VM)), and resumes a
    Paused VM (C(Resume-VM)).
  - V(off) asks the guest OS to shut down through its Shutdown integration service
    (C(Msvm_ShutdownComponent.InitiateShutdown)) and waits up to O(shutdown_timeout) seconds for the VM to be Off.
    It passes C(Force=false), so the guest does not close applications that hold unsaved data; a guest that refuses
    (for example one that is locked, 32781) fails the task. A guest that is shutting down already (32782) counts as
    accepted. It never uses C(Stop-VM) for this, because without a working Shutdown service C(Stop-VM -Force) or
    C(-AsJob) turns the VM off instead (Hyper-V's own cmdlet code).
  - The VM is turned off (C(Stop-VM -TurnOff); unsaved work in the guest is lost, and the task warns and returns
    RV(turned_off=true)) only with O(turn_off_on_timeout=true), when the guest has not shut down in time, or when
    its Shutdown integration service is not available (disabled, or not running in the guest). Otherwise the task
    fails and the VM keeps running.
  - A guest that accepted the shutdown but still runs after O(shutdown_timeout) may power off later. The task
    fails, and with O(record_restart=true) the host keeps the record that the VM is owed a start, so that a later
    run (V(running), or the role) starts it again.
  - V(off) refuses a Saved or Paused VM, since its guest cannot be asked to shut down. Start or resume it first
    (V(running)) and shut it down then, or turn it off yourself. With O(turn_off_on_timeout=true) it is turned off
    instead (C(Stop-VM -TurnOff)), discarding its memory state.
  - A VM in a transition (Starting, Stopping, Saving, Pausing, Resuming, ...) or in a Critical state (Hyper-V reports
    a problem with it) is refused and left as it is; run the task again when it has settled.
  - Starting a VM with assigned devices on client Windows is refused, since it cannot start there (0xC035001E).
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  state:
    description:
      - V(running) or V(off).
    type: str
    required: true
    choices: [running, "off"]
  shutdown_timeout:
    description:
      - Seconds to wait for the guest to shut down, a whole number from 0 to 2147483647 (the script takes an
        C([int])). Anything else (a negative number, a boolean, a fraction, digits other than 0-9) is refused
        before any change.
    type: int
    default: 300
  record_restart:
    description:
      - With O(state=off), record on the host before the shutdown that the VM is to be started again
        (RV(hyperv.dda.hyperv_dda_info#module:snapshot.vms[].restart_pending)), so that a later run can finish the job
        when this one is interrupted (the role does). Only a running VM gets such a record.
      - The record goes again only when nothing was shut down (the guest refused, or it has no Shutdown service and
        the VM was not turned off). Once the guest has accepted the shutdown, the record stays, also when the VM
        still runs after O(shutdown_timeout), since the guest may power off later.
      - O(state=running) always clears such a record, starting the VM if it is not running.
    type: bool
    default: false
  turn_off_on_timeout:
    description:
      - Turn the VM off when the guest has not shut down after O(shutdown_timeout), or cannot be asked to (no
        Shutdown integration service, or the VM is Saved or Paused), instead of failing.
    type: bool
    default: false
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.vm_name
  - hyperv.dda.survey
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Shut the VM down, waiting up to 10 minutes for the guest
  hyperv.dda.hyperv_vm_power:
    vm_name: sql01
    state: "off"
    shutdown_timeout: 600

- name: Shut down, turning the VM off if the guest hangs
  hyperv.dda.hyperv_vm_power:
    vm_name: web01
    state: "off"
    shutdown_timeout: 120
    turn_off_on_timeout: true

- name: Start the VM
  hyperv.dda.hyperv_vm_power:
    vm_name: sql01
    state: running
'''

RETURN = r'''
vm_name:
  description: Name of the VM.
  returned: success
  type: str
  sample: sql01
state:
  description: Hyper-V state of the VM after the task, V(Running) or V(Off).
  returned: success
  type: str
  sample: "Off"
previous_state:
  description: Hyper-V state of the VM before the task.
  returned: success
  type: str
  sample: Running
restart_pending:
  description: Whether the host records that the VM is owed a start after the task.
  returned: success
  type: bool
  sample: false
turned_off:
  description: The VM was turned off rather than shut down (only ever with O(turn_off_on_timeout=true)).
  returned: when the VM was turned off
  type: bool
  sample: true
'''
