# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What Windows PowerShell 5.1 and win_powershell make of a script's result on the way out, in one place.

Every twin's result passes through ``emit`` before the simulator hands it back (simulator_backend.py), so a
test sees what a host would send:

- a value a twin marks with ``statement(...)`` is what a statement used as a value gives (``key = if ...``,
  ``$x = foreach ...``, a function's or a command's output): its output goes through the pipeline, which
  unrolls it, so one element comes out bare and none as $null (AutomationNull). PowerShell/PowerShell
  ``engine/parser/Compiler.cs`` (hashtable values captured as statement results) and
  ``engine/runtime/Operations/MiscOps.cs`` (a one-element pipeline result returned bare); dda-facts §11.
  A list built with ``@(...)`` straight into a hashtable value, or held in a variable, stays a list;
- an enum the script did not cast (``PSEnum``) comes out as win_powershell's ``{Type, String, Value}``;
- below ``depth`` levels (the ``depth`` win_powershell is given; powershell_backend.RESULT_DEPTH) a value that is
  not a scalar comes out as its ToString(): a hashtable as ``System.Collections.Hashtable``, a list as its items
  joined by spaces (win_powershell.ps1 Convert-OutputObject, ``[string]$InputObject`` when ``$Depth -lt 0``).
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.powershell_backend import RESULT_DEPTH


class Statement(list):
    """The output of a statement used as a value: the pipeline unrolls it when it is emitted."""


def statement(items):
    return Statement(items)


class PSEnum(object):
    """An enum value a script hands back without casting it to a string."""

    def __init__(self, type_name, name, value):
        self.type_name, self.name, self.value = type_name, name, value


def _text(value):
    """[string] of a value, as PowerShell writes it."""
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, dict):
        return 'System.Collections.Hashtable'
    if isinstance(value, list):
        return ' '.join(_text(item) for item in value)
    if isinstance(value, PSEnum):
        return value.name
    return '' if value is None else str(value)


def emit(value, depth=RESULT_DEPTH):
    """The value as win_powershell returns it for a result built as the twin describes it."""
    if isinstance(value, Statement):
        if not value:
            return None
        if len(value) == 1:
            return emit(value[0], depth)
        value = list(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth < 0:
        return _text(value)
    if isinstance(value, PSEnum):
        return {'Type': value.type_name, 'String': value.name, 'Value': value.value}
    if isinstance(value, dict):
        return dict((key, emit(item, depth - 1)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [emit(item, depth - 1) for item in value]
    raise TypeError('a twin returned %r, which no script result holds' % (value,))
