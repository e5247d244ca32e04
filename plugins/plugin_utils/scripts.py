# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The named scripts: the one contract both backends implement.

Each name is a PowerShell file ``powershell/<name>.ps1`` of the collection and a Python twin in
the simulator. ``mutating`` scripts change the host and never run in check mode; the others
are probes that must run under ``--check`` (so their .ps1 declares SupportsShouldProcess).
"""

from __future__ import annotations

import os
from collections import namedtuple

# guest: the script runs in a VM's guest (directly, or through PowerShell Direct with VMName).
Script = namedtuple('Script', 'name mutating guest', defaults=(False,))

CATALOG = dict((script.name, script) for script in (
    Script('survey_host', mutating=False),
    Script('set_vm_stop_action', mutating=True),
    Script('set_vm_memory', mutating=True),
    Script('set_vm_power', mutating=True),
    Script('set_pnp_device', mutating=True),
    Script('dismount_device', mutating=True),
    Script('mount_device', mutating=True),
    Script('set_vm_device', mutating=True),
    Script('survey_guest_disks', mutating=False, guest=True),
    Script('format_guest_disk', mutating=True, guest=True),
))

SCRIPT_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', 'powershell'))


def script_path(name):
    return os.path.join(SCRIPT_DIR, name + '.ps1')


def lookup(name):
    try:
        return CATALOG[name]
    except KeyError:
        raise ValueError('Unknown script %r; known scripts: %s' % (name, ', '.join(sorted(CATALOG))))
