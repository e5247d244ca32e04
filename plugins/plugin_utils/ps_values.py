# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Values as a script's result brings them from Windows PowerShell 5.1, normalised or refused.

A script's ``$Ansible.Result`` reaches the controller through win_powershell's Convert-OutputObject
(ansible.windows ``plugins/modules/win_powershell.ps1``). On the way, a value can take more than one
shape, and each reader here accepts every shape PowerShell can produce for its field:

- a list: a one-element array that went through a pipeline (a statement used as a value, a function's
  output) comes out bare, an empty one as ``$null`` (dda-facts §11, "Statement used as a value");
- an enum that the script did not cast to a string: win_powershell's ``{Type, String, Value}``;
- a string that was a ``[char]`` 0 (a partition without a drive letter, dda-facts §7): ``"\\u0000"``.

Anything else is refused with ScriptResultError naming the field (``storage.disks.rows[2].Size``),
so that a script and the controller that disagree fail loudly instead of deciding on a wrong value.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError


class ScriptResultError(DDAError):
    """A script returned a value of a shape no PowerShell rule gives for that field."""


def _refuse(where, expected, value):
    raise ScriptResultError('The host returned %r for %s, where %s was expected. The collection on the controller '
                            'and the script on the host do not match, or the host answered in a way hyperv.dda does '
                            'not know; please report it with the output of this task at -vvv.' % (value, where, expected))


def as_list(value, where):
    """A list field: a list as is, one bare element as a list of it, null as empty."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _is_enum(value):
    """An enum value as win_powershell serialises it: {Type, String, Value}."""
    return isinstance(value, dict) and set(value) == {'Type', 'String', 'Value'}


def enum_name(value):
    """The name of an enum value that win_powershell serialised; other values as they are."""
    return value['String'] if _is_enum(value) else value


def as_text(value, where, nullable=True):
    """A string field; null, empty and a NUL character are 'none' (null)."""
    value = enum_name(value)
    if value is None or value in ('', '\x00'):
        if nullable:
            return None
        _refuse(where, 'a string', value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        _refuse(where, 'a string', value)
    return str(value)


def as_int(value, where, nullable=True):
    """An integer field (a number a cmdlet returned, or its text)."""
    if _is_enum(value):
        value = value['Value']
    if value is None:
        if nullable:
            return None
        _refuse(where, 'an integer', value)
    if isinstance(value, bool):
        _refuse(where, 'an integer', value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip('-').isdigit():
        return int(value.strip())
    _refuse(where, 'an integer', value)


def as_bool(value, where, nullable=True):
    """A boolean field: true/false, or the text a registry value holds ('True', 'False')."""
    if value is None:
        if nullable:
            return None
        _refuse(where, 'true or false', value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    _refuse(where, 'true or false', value)


def as_record(value, where):
    """One record (a hashtable the script built): a dict; a one-element list of one is unwrapped."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        _refuse(where, 'an object', value)
    return value


class Read(object):
    """One read of the host that the collection's rules rest on: every row, or the reason it failed.

    A script reports each such read as ``{ok, error, rows}`` (parts/host_reads.ps1 Read-Rows): all the
    rows the cmdlet returned, or none and the error that stopped it. Never a part: a failed read makes
    the facts built on it unknown.
    """

    def __init__(self, value, where):
        record = as_record(value, where)
        self.ok = as_bool(record.get('ok'), where + '.ok', nullable=False)
        self.error = as_text(record.get('error'), where + '.error')
        self.rows = [as_record(row, '%s.rows[%d]' % (where, index))
                     for index, row in enumerate(as_list(record.get('rows'), where + '.rows'))]
        self.where = where

    def failure(self):
        """Why the read failed, in words, or None."""
        return None if self.ok else '%s failed (%s)' % (self.where, self.error or 'no message')
