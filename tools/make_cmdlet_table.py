"""Generate the cmdlet signature table from Microsoft's own cmdlet reference.

    python tools/make_cmdlet_table.py --windows-docs PATH --powershell-docs PATH [--check]

PATH is a git clone (bare or not) of MicrosoftDocs/windows-powershell-docs and of
MicrosoftDocs/PowerShell-Docs. The table lists every cmdlet that a script in powershell/ calls, read
from its reference page: the parameter sets (from the SYNTAX blocks: which parameters each set has
and which are mandatory), and for each parameter its aliases, position and pipeline input per set
(from the PARAMETERS section). Windows Server cmdlets come from the newest docset
(winserver2025-ps); each also records the older docsets that document it, and any parameter an older
docset does not list, since hosts run Windows Server 2016 to 2025. Core cmdlets come from the
Windows PowerShell 5.1 reference, and the common parameters from its about_CommonParameters page
(without those added in PowerShell 7).

The result, plugins/plugin_utils/simulator/cmdlet_signatures.json, is read by the simulator's
parameter binder and by tests/pscheck. It records the commit of each docs repository it was read
from. Nothing in it is typed by hand: to add a cmdlet, call it in a script and run this again.
--check exits 1 if the table is not what the docs and the scripts give (and writes nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'pscheck'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

from generated import write_or_check  # noqa: E402

TABLE = os.path.join(ROOT, 'plugins', 'plugin_utils', 'simulator', 'cmdlet_signatures.json')
WINDOWS_DOCS = 'MicrosoftDocs/windows-powershell-docs'
POWERSHELL_DOCS = 'MicrosoftDocs/PowerShell-Docs'
NEWEST_DOCSET = 'docset/winserver2025-ps'
OLDER_DOCSETS = ('docset/winserver2016-ps', 'docset/winserver2019-ps', 'docset/winserver2022-ps')
CORE_REFERENCE = 'reference/5.1'
COMMON_PAGE = 'reference/5.1/Microsoft.PowerShell.Core/About/about_CommonParameters.md'
ALL_SETS = '__AllParameterSets'


class Docs(object):
    """One docs repository, read through git (a bare mirror works as well as a checkout)."""

    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.commit = self._git('rev-parse', 'HEAD').strip()
        self.files = self._git('ls-tree', '-r', '--name-only', 'HEAD').splitlines()

    def _git(self, *args):
        return subprocess.run(['git', '-C', self.path] + list(args), check=True, capture_output=True,
                              text=True).stdout

    def read(self, path):
        return self._git('show', 'HEAD:' + path)

    def page(self, folder, cmdlet):
        """Path of the cmdlet's page under folder (any module), or None."""
        suffix = '/%s.md' % cmdlet.lower()
        found = [f for f in self.files if f.startswith(folder + '/') and f.lower().endswith(suffix)]
        return sorted(found)[0] if found else None


# --- the page format (PlatyPS markdown) ---------------------------------------------------------

def _section(text, title):
    match = re.search(r'^## %s\s*$(.*?)(?=^## )' % re.escape(title), text, re.M | re.S)
    return match.group(1) if match else ''


def _syntax_blocks(text):
    """[(set name, syntax text, is default)] from the SYNTAX section; one unnamed block is every set.

    Provider cmdlets show a set once per provider ('Path (Default) - FileSystem provider'): one set,
    whose provider-specific (dynamic) parameters are merged by the caller.
    """
    section = _section(text, 'SYNTAX')
    blocks = []
    for match in re.finditer(r'(?:^### ([^\n]+?)\s*\n\s*)?```[^\n]*\n(.*?)```', section, re.M | re.S):
        title = match.group(1) or ALL_SETS
        name = title.split(' - ')[0].replace('(Default)', '').strip()
        blocks.append((name, ' '.join(match.group(2).split()), '(Default)' in title))
    return blocks


def _syntax_parameters(syntax):
    """{name: mandatory} from one syntax line, e.g. '[-VMName] <String[]>' is mandatory (positional)."""
    found = {}
    index = syntax.find(' ')  # skip the cmdlet's own name
    while 0 <= index < len(syntax):
        char = syntax[index]
        if char == '[':
            depth, end = 0, index
            while end < len(syntax):
                depth += {'[': 1, ']': -1}.get(syntax[end], 0)
                if depth == 0:
                    break
                end += 1
            inner = syntax[index + 1:end]
            name = re.match(r'\[?-(\w+)', inner)
            if name:
                # '[-Name] <T>' (a bracketed name, then its type outside) is mandatory and positional.
                mandatory = inner == '-' + name.group(1) and re.match(r'\s*<', syntax[end + 1:]) is not None
                found[name.group(1)] = mandatory
            index = end + 1
        elif char == '-':
            name = re.match(r'-(\w+)', syntax[index:])
            if name:
                found[name.group(1)] = True
                index += len(name.group(0))
            else:
                index += 1
        else:
            index += 1
    return found


def _parameter_details(text):
    """{name: [yaml fields]} from the PARAMETERS section: one dict per yaml block of the parameter."""
    section = _section(text + '\n## END\n', 'PARAMETERS')
    details = {}
    for match in re.finditer(r'^### -(\w+)\s*$(.*?)(?=^### |\Z)', section, re.M | re.S):
        blocks = []
        for block in re.findall(r'```yaml\n(.*?)```', match.group(2), re.S):
            fields = {}
            for line in block.splitlines():
                key, sep, value = line.partition(':')
                if sep:
                    fields[key.strip()] = value.strip()
            blocks.append(fields)
        details[match.group(1)] = blocks
    return details


def _split(value):
    return [item.strip() for item in (value or '').split(',') if item.strip() and item.strip() != 'None']


def parse_page(text):
    """A cmdlet's signature from its reference page."""
    blocks = _syntax_blocks(text)
    if not blocks:
        raise ValueError('no SYNTAX block')
    sets = {}
    default = None
    variants = {}
    for name, syntax, is_default in blocks:
        variants.setdefault(name, []).append(_syntax_parameters(syntax))
        if is_default or len(blocks) == 1:
            default = name
    for name, found in variants.items():
        # Mandatory only where every provider's variant of the set needs it (a provider's own
        # parameters, like WSMan's -ConnectionURI, bind only on that provider's paths).
        sets[name] = dict((parameter, all(variant.get(parameter, False) for variant in found))
                          for variant in found for parameter in variant)
    details = _parameter_details(text)
    parameters = {}
    for name in sorted({p for members in sets.values() for p in members}):
        entry = {'aliases': [], 'type': None, 'sets': {}}
        for fields in details.get(name, [{}]):
            entry['aliases'] = sorted(set(entry['aliases']) | set(_split(fields.get('Aliases'))))
            entry['type'] = entry['type'] or fields.get('Type')
            named_sets = _split(fields.get('Parameter Sets'))
            for set_name, members in sets.items():
                if name not in members:
                    continue
                if named_sets and '(All)' not in named_sets and set_name not in named_sets and set_name != ALL_SETS:
                    continue
                position = fields.get('Position', 'Named')
                entry['sets'][set_name] = {
                    'mandatory': members[name],
                    'position': int(position) if position.isdigit() else None,
                    'pipeline': fields.get('Accept pipeline input', 'False').startswith('True'),
                }
        for set_name, members in sets.items():  # a set the yaml did not name keeps the syntax facts
            if name in members and set_name not in entry['sets']:
                entry['sets'][set_name] = {'mandatory': members[name], 'position': None, 'pipeline': False}
        entry['switch'] = (entry['type'] or '').endswith('SwitchParameter')
        parameters[name] = entry
    return {'default_set': default, 'sets': sorted(sets), 'parameters': parameters}


def common_parameters(docs):
    """Common and risk-mitigation parameters with their aliases, as Windows PowerShell 5.1 has them."""
    text = docs.read(COMMON_PAGE)
    newer = set(re.findall(r'^### -(\w+)\s*$(?:(?!^### ).)*?added in\s+PowerShell 7', text, re.M | re.S))
    listing = text.split('risk mitigation parameters are', 1)[0]  # WhatIf/Confirm: only where a page lists them
    common = {}
    for name, alias in re.findall(r'^- `(\w+)` \(`?(\w+)`?\)\s*$', listing, re.M):
        if name not in newer:
            common[name] = [alias]
    return common


# --- what the scripts call ----------------------------------------------------------------------

def called_cmdlets():
    import pscheck
    names = set()
    for path, dummy in pscheck.collection_scripts():
        script = pscheck.Script(pscheck.script_source(path))
        functions = script.functions()
        names |= {name for name, dummy, dummy in script.commands() if name and name.lower() not in functions}
    return sorted(names, key=str.lower)


def build(windows, powershell):
    table = {
        '_about': 'Generated by tools/make_cmdlet_table.py from the cmdlet reference pages named in each '
                  'entry; do not edit. Parameter sets and mandatory parameters come from the SYNTAX blocks, '
                  'aliases, positions and pipeline input from the PARAMETERS section.',
        'sources': {windows.name: windows.commit, powershell.name: powershell.commit},
        'common_parameters': common_parameters(powershell),
        'cmdlets': {},
    }
    missing = []
    for cmdlet in called_cmdlets():
        path = windows.page(NEWEST_DOCSET, cmdlet)
        docs = windows
        if path is None:
            docs, path = powershell, powershell.page(CORE_REFERENCE, cmdlet)
        if path is None:
            missing.append(cmdlet)
            continue
        text = docs.read(path)
        title = re.search(r'^title:\s*(\S+)', text, re.M)
        entry = {'source': '%s %s' % (docs.name, path)}
        entry.update(parse_page(text))
        if docs is windows:
            entry['also_documented_in'] = []
            for older in OLDER_DOCSETS:
                page = windows.page(older, cmdlet)
                if page is None:
                    continue
                docset = older.rsplit('/', maxsplit=1)[-1]
                entry['also_documented_in'].append(docset)
                listed = set(parse_page(windows.read(page))['parameters'])
                gone = sorted(set(entry['parameters']) - listed)
                for name in gone:
                    entry['parameters'][name].setdefault('not_in', []).append(docset)
        table['cmdlets'][title.group(1) if title else cmdlet] = entry
    if missing:
        raise SystemExit('No reference page found for: %s' % ', '.join(missing))
    return table


def dumps(table):
    """Readable and diff-friendly: one line per parameter."""
    lines = ['{']
    for key in ('_about', 'sources', 'common_parameters'):
        lines.append(' %s: %s,' % (json.dumps(key), json.dumps(table[key], sort_keys=True)))
    lines.append(' "cmdlets": {')
    names = sorted(table['cmdlets'])
    for index, name in enumerate(names):
        entry = table['cmdlets'][name]
        lines.append('  %s: {' % json.dumps(name))
        for key in sorted(k for k in entry if k != 'parameters'):
            lines.append('   %s: %s,' % (json.dumps(key), json.dumps(entry[key], sort_keys=True)))
        lines.append('   "parameters": {')
        parameters = sorted(entry['parameters'])
        for position, parameter in enumerate(parameters):
            comma = ',' if position < len(parameters) - 1 else ''
            described = json.dumps(entry['parameters'][parameter], sort_keys=True)
            lines.append('    %s: %s%s' % (json.dumps(parameter), described, comma))
        lines.append('   }')
        lines.append('  }%s' % (',' if index < len(names) - 1 else ''))
    lines.append(' }')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--windows-docs', required=True, help='clone of %s' % WINDOWS_DOCS)
    parser.add_argument('--powershell-docs', required=True, help='clone of %s' % POWERSHELL_DOCS)
    parser.add_argument('--check', action='store_true', help='fail if the table is out of date; write nothing')
    args = parser.parse_args(argv)
    table = build(Docs(WINDOWS_DOCS, args.windows_docs), Docs(POWERSHELL_DOCS, args.powershell_docs))
    stale = write_or_check({TABLE: dumps(table)}, args.check)
    for path in stale:
        print('%s is out of date: run tools/make_cmdlet_table.py' % os.path.relpath(path, ROOT))
    return 1 if stale else 0


if __name__ == '__main__':
    sys.exit(main())
