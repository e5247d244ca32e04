# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""VM names compared as Hyper-V compares them.

Hyper-V matches VM names ignoring case character by character, as .NET's ordinal-ignore-case
comparison does: each UTF-16 code unit is upper-cased on its own (invariant, simple mapping). So
'straße' is not 'STRASSE' (no ß -> SS expansion) and the Kelvin sign is not 'k', unlike Python's
casefold(). Characters outside the Basic Multilingual Plane (surrogate pairs in .NET) keep their case.
"""

from __future__ import annotations


def _upper(char):
    if ord(char) > 0xFFFF:
        return char
    upper = char.upper()
    return upper if len(upper) == 1 else char


def vm_name_key(name):
    """The form two VM names are compared in."""
    return ''.join(_upper(char) for char in name)


def same_vm_name(one, other):
    return vm_name_key(one) == vm_name_key(other)
