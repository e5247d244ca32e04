# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""PowerShell's parameter binding, for the cmdlets the collection's scripts call.

The signatures come from cmdlet_signatures.json, which tools/make_cmdlet_table.py generates from
Microsoft's cmdlet reference (never typed by hand). Binding follows PowerShell's rules as far as a
call's shape tells them: a parameter name is its full name, an alias, or an unambiguous prefix of
one; the parameter set is the one that holds every named parameter, can take the positional
arguments and gets every mandatory parameter (one that accepts pipeline input may come from the
pipeline); when several sets remain, the default set wins. A call that does not bind fails as
PowerShell fails it, with its own error text and FullyQualifiedErrorId (ParameterBinderStrings.resx
in PowerShell/PowerShell; the AmbiguousParameterSet text as Windows PowerShell 5.1 prints it).

The simulator binds every cmdlet call of every twin, and tests/pscheck every call in every script,
so a parameter that a cmdlet does not have fails here, not on a customer's host.
"""

from __future__ import annotations

import json
import os

SIGNATURES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cmdlet_signatures.json')
ALL_SETS = '__AllParameterSets'

# PowerShell's own texts (ParameterBinderStrings.resx); the set text is 5.1's, seen in real output.
TEXTS = {
    'NamedParameterNotFound': "A parameter cannot be found that matches parameter name '{name}'.",
    'AmbiguousParameter': "Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
                          "Possible matches include:{matches}.",
    'ParameterAlreadyBound': "Cannot bind parameter because parameter '{name}' is specified more than once. To "
                             "provide multiple values to parameters that can accept multiple values, use the array "
                             "syntax. For example, \"-parameter value1,value2,value3\".",
    'AmbiguousParameterSet': 'Parameter set cannot be resolved using the specified named parameters.',
    'PositionalParameterNotFound': "A positional parameter cannot be found that accepts argument '{name}'.",
    'MissingMandatoryParameter': 'Cannot process command because of one or more missing mandatory '
                                 'parameters:{names}.',
    'CommandNotFoundException': "The term '{name}' is not recognized as the name of a cmdlet, function, script "
                                "file, or operable program. Check the spelling of the name, or if a path was "
                                "included, verify that the path is correct and try again.",
}

_TABLE = {}


class BindingError(Exception):
    """A call that PowerShell would refuse before the cmdlet runs (category InvalidArgument)."""

    def __init__(self, cmdlet, reason, **values):
        self.cmdlet = cmdlet
        self.reason = reason
        self.message = TEXTS[reason].format(**values)
        self.category = 'ObjectNotFound' if reason == 'CommandNotFoundException' else 'InvalidArgument'
        super(BindingError, self).__init__(self.message)


def table():
    """The generated signature table, read once per process."""
    if not _TABLE:
        with open(SIGNATURES_PATH, encoding='utf-8') as handle:
            _TABLE.update(json.load(handle))
        _TABLE['_by_lower'] = dict((name.lower(), name) for name in _TABLE['cmdlets'])
    return _TABLE


def signature(cmdlet):
    """(documented name, signature) of a cmdlet, or BindingError when the table does not have it."""
    data = table()
    name = data['_by_lower'].get(cmdlet.lower())
    if name is None:
        raise BindingError(cmdlet, 'CommandNotFoundException', name=cmdlet)
    return name, data['cmdlets'][name]


def _names(cmdlet_signature):
    """{spelling (lower case): parameter} over names and aliases, common parameters included."""
    spellings = {}
    for name, entry in cmdlet_signature['parameters'].items():
        for spelling in [name] + entry['aliases']:
            spellings[spelling.lower()] = name
    for name, aliases in table()['common_parameters'].items():
        for spelling in [name] + aliases:
            spellings.setdefault(spelling.lower(), name)
    return spellings


def resolve(cmdlet, token):
    """The parameter a name as written (-VM, -ea, -LocationPath) binds to; BindingError otherwise."""
    name, cmdlet_signature = signature(cmdlet)
    spellings = _names(cmdlet_signature)
    written = token.lstrip('-').rstrip(':')
    exact = spellings.get(written.lower())
    if exact is not None:
        return exact
    matches = sorted({parameter for spelling, parameter in spellings.items() if spelling.startswith(written.lower())})
    if not matches:
        raise BindingError(name, 'NamedParameterNotFound', name=written)
    if len(matches) > 1:
        raise BindingError(name, 'AmbiguousParameter', name=written, matches=''.join(' -' + m for m in matches))
    return matches[0]


def bind(cmdlet, named=(), positional=0, pipeline=False):
    """The parameter set a call binds to, or BindingError with PowerShell's reason.

    ``named``: the parameter names as written; ``positional``: how many arguments are given without a
    name; ``pipeline``: whether the command receives pipeline input.
    """
    name, cmdlet_signature = signature(cmdlet)
    bound = []
    for token in named:
        parameter = resolve(name, token)
        if parameter in bound:
            raise BindingError(name, 'ParameterAlreadyBound', name=parameter)
        bound.append(parameter)
    parameters = cmdlet_signature['parameters']
    specific = [p for p in bound if p in parameters]  # common parameters belong to every set
    candidates = [s for s in cmdlet_signature['sets'] if all(s in parameters[p]['sets'] for p in specific)]
    if not candidates:
        raise BindingError(name, 'AmbiguousParameterSet')
    failures = []
    fitting = []
    for set_name in candidates:
        members = dict((p, entry['sets'][set_name]) for p, entry in parameters.items() if set_name in entry['sets'])
        free = sorted((facts['position'], p) for p, facts in members.items()
                      if facts['position'] is not None and p not in bound)
        if positional > len(free):
            failures.append(('PositionalParameterNotFound', {'name': 'argument %d' % (len(free) + 1)}))
            continue
        taken = set(bound) | set(p for dummy, p in free[:positional])
        missing = [p for p, facts in sorted(members.items())
                   if facts['mandatory'] and p not in taken and not (pipeline and facts['pipeline'])]
        if missing:
            failures.append(('MissingMandatoryParameter', {'names': ''.join(' ' + p for p in missing)}))
            continue
        fitting.append(set_name)
    if len(fitting) == 1:
        return fitting[0]
    if len(fitting) > 1:
        if cmdlet_signature['default_set'] in fitting:
            return cmdlet_signature['default_set']
        if pipeline:
            return fitting[0]  # PowerShell decides from the piped object's type at run time
        raise BindingError(name, 'AmbiguousParameterSet')
    reason, values = failures[0]
    raise BindingError(name, reason, **values)
