# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The named scripts: the one contract both backends implement.

Each name is a PowerShell file ``powershell/<name>.ps1`` of the collection and a Python twin in
the simulator. ``mutating`` scripts change the host and never run in check mode; the others
are probes that must run under ``--check`` (so their .ps1 declares SupportsShouldProcess).

A script that shares functions with another includes a part: the line
``# hyperv.dda include: <part>.ps1`` is replaced by ``powershell/parts/<part>.ps1`` when the script is
read, so what runs on the host is one constant text, checked as a whole by tests/pscheck.
"""

from __future__ import annotations

import os
import re
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
    # The host's lease (plugin_utils/lease.py): never under --check, and never a change of the host.
    Script('set_lease', mutating=True),
))

SCRIPT_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', 'powershell'))
PART_DIR = os.path.join(SCRIPT_DIR, 'parts')
INCLUDE = re.compile(r'^# hyperv\.dda include: ([a-z_]+\.ps1)$', re.MULTILINE)
_TEXTS = {}


def script_path(name):
    return os.path.join(SCRIPT_DIR, name + '.ps1')


def _read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def script_text(name):
    """The text that runs on the host for a named script: its file with its parts included (read once)."""
    lookup(name)
    if name not in _TEXTS:
        _TEXTS[name] = INCLUDE.sub(lambda match: _read(os.path.join(PART_DIR, match.group(1))).rstrip('\n'),
                                   _read(script_path(name)))
    return _TEXTS[name]


def lookup(name):
    try:
        return CATALOG[name]
    except KeyError:
        raise ValueError('Unknown script %r; known scripts: %s' % (name, ', '.join(sorted(CATALOG))))
