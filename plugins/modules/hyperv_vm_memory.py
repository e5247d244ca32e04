# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only; the code is the action plugin plugins/action/hyperv_vm_memory.py.

DOCUMENTATION = r'''
module: hyperv_vm_memory
short_description: Turn dynamic memory of a Hyper-V VM on or off
version_added: 0.1.0
description:
  - Sets whether a VM uses dynamic memory, and optionally its startup memory (C(Set-VMMemory)).
  - A VM with an assigned device needs static memory, so passing a device through needs O(dynamic_memory=false).
  - Hyper-V changes memory only while the VM is Off. A change to a running VM fails, naming the remedy
    (M(hyperv.dda.hyperv_vm_power) with C(state=off)). In check mode it fails too when an earlier task of the play
    predicted the VM and none of them stops it; as the first task it is reported as a change with a warning, as an
    earlier step of the chain would stop the VM.
  - Turning dynamic memory on is refused for a VM that has assigned devices.
author:
  - hyperv.dda contributors (@hyperv-dda)
options:
  dynamic_memory:
    description:
      - Whether the VM uses dynamic memory.
    type: bool
    required: true
  startup_bytes:
    description:
      - Startup memory in bytes, a whole number from 2097152 (2 MB) to 263882790666240 (240 TB, Hyper-V's largest VM
        memory, of a generation 2 VM on Windows Server 2022 and 2025; older hosts refuse more than 12 TB themselves)
        that is a multiple of 2097152. Anything else (a boolean, a fraction, digits other than 0-9) is refused
        before any change.
      - By default the VM keeps its current startup memory.
    type: int
extends_documentation_fragment:
  - hyperv.dda.attributes
  - hyperv.dda.vm_name
  - hyperv.dda.previous
  - hyperv.dda.survey
  - hyperv.dda.backend
'''

EXAMPLES = r'''
- name: Give the VM static memory, keeping its startup memory (the VM must be off)
  hyperv.dda.hyperv_vm_memory:
    vm_name: sql01
    dynamic_memory: false

- name: Static memory of 16 GB
  hyperv.dda.hyperv_vm_memory:
    vm_name: sql01
    dynamic_memory: false
    startup_bytes: "{{ 16 * 1024 * 1024 * 1024 }}"
'''

RETURN = r'''
vm_name:
  description: Name of the VM.
  returned: success
  type: str
  sample: sql01
dynamic_memory_enabled:
  description: Whether dynamic memory is on after the task.
  returned: success
  type: bool
  sample: false
memory_startup_bytes:
  description: Startup memory in bytes after the task.
  returned: success
  type: int
  sample: 8589934592
'''
