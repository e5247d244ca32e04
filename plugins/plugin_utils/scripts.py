# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The named scripts: the one contract both backends implement.

Each name is a PowerShell file ``powershell/<name>.ps1`` of the collection and a Python twin in
the simulator, listed with what the collection knows of it in operations.py: ``mutating`` scripts change the
host and never run in check mode; the others are probes that must run under ``--check`` (so their .ps1 declares
SupportsShouldProcess).

A script that shares functions with another includes a part: the line
``# hyperv.dda include: <part>.ps1`` is replaced by ``powershell/parts/<part>.ps1`` when the script is
read, so what runs on the host is one constant text, checked as a whole by tests/pscheck.
"""

from __future__ import annotations

import os
import re

from ansible_collections.hyperv.dda.plugins.plugin_utils.operations import OPERATIONS, Operation

# A script is its row of the operations table (name, mutating, guest, ...).
Script = Operation
CATALOG = dict((operation.name, operation) for operation in OPERATIONS)

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
