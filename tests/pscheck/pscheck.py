"""Static checks of the collection's PowerShell scripts, without PowerShell.

There is no Windows and no pwsh where the collection is developed, so each .ps1 is parsed with
tree-sitter-powershell and checked for what would otherwise only fail on a real host:

- it parses with no syntax error;
- every command it calls is one of its own functions, or a cmdlet of cmdlets.json (the
  documented signatures), and every parameter it passes exists on that command, spelled out
  in full (PowerShell would accept an unambiguous prefix; a reader should not have to);
- a script that must run under --check declares [CmdletBinding(SupportsShouldProcess)], since
  win_powershell skips any other script in check mode; a script that changes the host does not,
  so that win_powershell skips it in check mode whatever calls it;
- it sets $Ansible.Changed explicitly (win_powershell defaults it to true);
- it never builds code from strings (Invoke-Expression, [scriptblock]::Create, Add-Type, ...).

Run it as ``python tests/pscheck/pscheck.py [FILE.ps1 ...]``; the test suite runs it on every
script of the collection and on broken samples.
"""

import json
import os
import re
import sys

import tree_sitter_powershell
from tree_sitter import Language, Parser

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT_DIR = os.path.join(ROOT, 'powershell')

# The form of the attribute that makes win_powershell run a script under --check (same rule as
# its own check: optional other arguments, no spaces around '=').
SHOULD_PROCESS = re.compile(r'\[CmdletBinding\((?:[\w=$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=$]+)?\)\]',
                            re.IGNORECASE)

FORBIDDEN_COMMANDS = {'invoke-expression', 'iex', 'add-type', 'new-module', 'import-module'}
FORBIDDEN_CALLS = {('scriptblock', 'create'), ('powershell', 'create')}
FORBIDDEN_MEMBERS = {'invokescript', 'newscriptblock'}

_LANGUAGE = Language(tree_sitter_powershell.language())


def load_signatures(path=os.path.join(HERE, 'cmdlets.json')):
    with open(path, encoding='utf-8') as handle:
        data = json.load(handle)
    common = {name.lower() for name in data['common_parameters']}
    return {name.lower(): {p.lower() for p in spec['parameters']} | common
            for name, spec in data['cmdlets'].items()}


class Script(object):
    """A parsed script and the facts the checks need, read from its syntax tree."""

    def __init__(self, source):
        self.source = source if isinstance(source, bytes) else source.encode('utf-8')
        # A parser per script: one reused after a broken input can misparse the next one.
        self.tree = Parser(_LANGUAGE).parse(self.source)

    def text(self, node):
        return self.source[node.start_byte:node.end_byte].decode('utf-8')

    def nodes(self, *types, root=None):
        stack = [root or self.tree.root_node]
        while stack:
            node = stack.pop()
            if node.type in types:
                yield node
            stack.extend(reversed(node.children))

    def syntax_errors(self):
        errors = []
        stack = [self.tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == 'ERROR' or node.is_missing:
                line = node.start_point[0] + 1
                errors.append('line %d: syntax error near %r' % (line, self.text(node)[:40]))
                continue
            stack.extend(node.children)
        return errors

    def functions(self):
        """Functions the script defines, with the parameter names of each."""
        found = {}
        for node in self.nodes('function_statement'):
            name = next(self.text(c) for c in node.children if c.type == 'function_name')
            found[name.lower()] = {self.text(v)[1:].lower() for v in self._parameters(node)}
        return found

    def _parameters(self, root):
        """The variable nodes of the first param() block under root."""
        for block in self.nodes('param_block', root=root):
            return [child for parameter in self.nodes('script_parameter', root=block)
                    for child in parameter.children if child.type == 'variable']
        return []

    def script_parameters(self):
        """Names of the script's own param() block (the ones win_powershell binds)."""
        top = [c for c in self.tree.root_node.children if c.type == 'param_block']
        return {self.text(v)[1:] for block in top for v in self.nodes('variable', root=block)
                if v.parent.type == 'script_parameter'}

    def mandatory_parameters(self):
        """Names of the script's own parameters marked [Parameter(Mandatory = $true)]."""
        top = [c for c in self.tree.root_node.children if c.type == 'param_block']
        names = set()
        for block in top:
            for parameter in self.nodes('script_parameter', root=block):
                attributes = ' '.join(self.text(a) for a in self.nodes('attribute', root=parameter)).replace(' ', '')
                if 'Mandatory=$true' in attributes or 'Parameter(Mandatory)' in attributes:
                    variable = next(c for c in parameter.children if c.type == 'variable')
                    names.add(self.text(variable)[1:])
        return names

    def commands(self):
        """(name, [parameter names], line) for every command invocation by name."""
        for node in self.nodes('command'):
            name_node = next((c for c in node.children if c.type == 'command_name'), None)
            if name_node is None:
                yield None, [], node.start_point[0] + 1
                continue
            parameters = [self.text(p).lstrip('-').rstrip(':') for p in self.nodes('command_parameter', root=node)
                          if self._owner(p) == node]
            yield self.text(name_node), parameters, node.start_point[0] + 1

    @staticmethod
    def _owner(node):
        while node.type != 'command':
            node = node.parent
        return node

    def declares_should_process(self):
        """True when win_powershell will run the script in check mode.

        win_powershell does not parse the script: it matches the attribute's text with a regex
        that allows no spaces around '=' (ansible.windows win_powershell.ps1). So the check is on
        the text of the script's own CmdletBinding attribute, with the same rule.
        """
        for attribute in self.nodes('attribute'):
            names = [self.text(c) for c in attribute.children if c.type == 'attribute_name']
            if names and names[0].lower() == 'cmdletbinding' and SHOULD_PROCESS.search(self.text(attribute)):
                return True
        return False

    def assigned_members(self, variable):
        """Members of $variable that the script assigns, e.g. {'Changed', 'Result'} for $Ansible."""
        members = {}
        for node in self.nodes('assignment_expression'):
            left = node.children[0]
            for access in self.nodes('member_access', root=left):
                parts = list(access.children)
                if parts and parts[0].type == 'variable' and self.text(parts[0]).lower() == '$' + variable.lower():
                    member = next(self.text(c) for c in parts if c.type == 'member_name')
                    members.setdefault(member, []).append(node)
        return members

    def result_keys(self):
        """Top-level keys of the hashtable literal(s) assigned to $Ansible.Result."""
        keys = set()
        for assignment in self.assigned_members('Ansible').get('Result', []):
            value = assignment.children[-1]
            tables = list(self.nodes('hash_literal_expression', root=value))
            if tables:
                keys |= self.hashtable_keys(tables[0], nested=False)
        return keys

    def hashtable_keys(self, root=None, nested=True):
        keys = set()
        for table in self.nodes('hash_literal_expression', root=root):
            if not nested and table is not root:
                continue
            for body in (c for c in table.children if c.type == 'hash_literal_body'):
                for entry in (c for c in body.children if c.type == 'hash_entry'):
                    key = next(c for c in entry.children if c.type == 'key_expression')
                    keys.add(self.text(key).strip('\'"'))
        return keys

    def code_from_strings(self):
        problems = []
        for name, dummy, line in self.commands():
            if name and name.lower() in FORBIDDEN_COMMANDS:
                problems.append('line %d: %s runs text as code; call cmdlets with parameters instead' % (line, name))
        for node in self.nodes('command_invokation_operator'):
            target = node.next_sibling
            if target is not None and target.type != 'command_name':
                problems.append('line %d: "%s %s" invokes a computed command' % (
                    node.start_point[0] + 1, self.text(node), self.text(target)))
        for node in self.nodes('invokation_expression'):
            parts = {c.type: self.text(c) for c in node.children}
            member = parts.get('member_name', '').lower()
            owner = parts.get('type_literal', '').strip('[]').lower()
            if (owner, member) in FORBIDDEN_CALLS or member in FORBIDDEN_MEMBERS:
                problems.append('line %d: %s builds code from a string' % (node.start_point[0] + 1, self.text(node)[:60]))
        return problems


def check_source(source, must_run_in_check_mode, signatures=None):
    """Every problem found in one script's text; empty when it passes."""
    signatures = signatures if signatures is not None else load_signatures()
    script = Script(source)
    problems = script.syntax_errors()
    if problems:
        return problems
    functions = script.functions()
    for name, parameters, line in script.commands():
        if name is None:
            continue
        known = functions.get(name.lower())
        kind = 'function'
        if known is None:
            known = signatures.get(name.lower())
            kind = 'cmdlet'
        if known is None:
            if name.lower() not in FORBIDDEN_COMMANDS:
                problems.append('line %d: %s is not a function of this script nor a cmdlet of cmdlets.json' % (line, name))
            continue
        for parameter in parameters:
            if parameter.lower() not in known:
                problems.append('line %d: %s has no parameter -%s (%s)' % (line, name, parameter, kind))
    if must_run_in_check_mode and not script.declares_should_process():
        problems.append('the script must run under --check but does not declare '
                        '[CmdletBinding(SupportsShouldProcess)]; win_powershell would skip it')
    if not must_run_in_check_mode and script.declares_should_process():
        problems.append('the script changes the host but declares SupportsShouldProcess, so win_powershell '
                        'would run it under --check; only probes may')
    if 'Changed' not in script.assigned_members('Ansible'):
        problems.append('the script never sets $Ansible.Changed (win_powershell reports changed=true by default)')
    problems.extend(script.code_from_strings())
    return problems


def check_file(path, must_run_in_check_mode, signatures=None):
    with open(path, 'rb') as handle:
        return check_source(handle.read(), must_run_in_check_mode, signatures)


def collection_scripts():
    """(path, must_run_in_check_mode) for every script the collection ships, per its catalog."""
    sys.path.insert(0, os.path.join(ROOT, '.collections'))
    from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG
    return [(os.path.join(SCRIPT_DIR, name + '.ps1'), not script.mutating) for name, script in sorted(CATALOG.items())]


def main(argv):
    # A file named on the command line is checked as a probe (the stricter rule for --check).
    targets = [(path, True) for path in argv] or collection_scripts()
    signatures = load_signatures()
    failed = 0
    for path, in_check_mode in targets:
        problems = check_file(path, in_check_mode, signatures)
        for problem in problems:
            print('%s: %s' % (os.path.relpath(path, ROOT), problem))
        failed += bool(problems)
    print('%d script(s) checked, %d with problems' % (len(targets), failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
