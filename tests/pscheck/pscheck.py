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
- it never builds code from strings (Invoke-Expression, [scriptblock]::Create, Add-Type, ...);
- no statement used as a value outputs an array whole (the pipeline would unroll it), and no read hides its
  failure with -ErrorAction SilentlyContinue unless a "# silent-ok:" comment gives the reason and its source;
- in a script fenced by the host's lease (it calls Assert-Lease), no cmdlet that changes the host runs after a wait
  (Start-Sleep) without an Assert-Lease in between, unless a "# lease-ok:" comment says why: its run's lease may have
  run out during the wait, and another run taken the host over.

Run it as ``python tests/pscheck/pscheck.py [FILE.ps1 ...]``; the test suite runs it on every
script of the collection and on broken samples.
"""

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


def _collection():
    """Import the collection from its development link (tools/setup.sh makes it)."""
    path = os.path.join(ROOT, '.collections')
    if path not in sys.path:
        sys.path.insert(0, path)


_collection()
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import binding  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import changes_host  # noqa: E402


class Call(object):
    """One command invocation in a script, as the parameter binder needs to see it."""

    def __init__(self, name, parameters, positional, pipeline, line, node):
        self.name = name
        self.parameters = parameters  # as written, without the dash (e.g. 'VM', 'Confirm')
        self.positional = positional
        self.pipeline = pipeline
        self.line = line
        self.node = node

    def has(self, parameter):
        return any(written.lower() == parameter.lower() for written in self.parameters)


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

    def calls(self):
        """Every command invocation by name, with what the binder needs to know of it."""
        functions = self.functions()
        for node in self.nodes('command'):
            name_node = next((c for c in node.children if c.type == 'command_name'), None)
            if name_node is None:
                yield Call(None, [], 0, False, node.start_point[0] + 1, node)
                continue
            name = self.text(name_node)
            parameters, positional = self._elements(node, name if name.lower() not in functions else None)
            previous = node.prev_sibling
            yield Call(name, parameters, positional, previous is not None and previous.type == '|',
                       node.start_point[0] + 1, node)

    def commands(self):
        """(name, [parameter names], line) for every command invocation by name."""
        for call in self.calls():
            yield call.name, call.parameters, call.line

    def _elements(self, node, cmdlet):
        """(parameter names as written, number of positional arguments) of one command.

        An argument after a parameter is that parameter's value unless the parameter is a switch;
        '-Name:value' always binds the value. Switches are known for cmdlets (from the table).
        """
        parameters, positional, takes_value = [], 0, False
        for elements in (c for c in node.children if c.type == 'command_elements'):
            for child in elements.children:
                if child.type == 'command_argument_sep':
                    takes_value = takes_value or ':' in self.text(child)
                elif child.type == 'command_parameter':
                    written = self.text(child).lstrip('-').rstrip(':')
                    parameters.append(written)
                    takes_value = not _is_switch(cmdlet, written)
                elif takes_value:
                    takes_value = False
                else:
                    positional += 1
        return parameters, positional

    def enclosing(self, node, types):
        """The nearest ancestor of node of one of the types, or None."""
        node = node.parent
        while node is not None and node.type not in types:
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
        """Top-level keys of the hashtable literal(s) assigned to $Ansible.Result, and the keys added to it
        by ``$Ansible.Result.<key> = ...``."""
        keys = set()
        for assignment in self.assigned_members('Ansible').get('Result', []):
            added = re.match(r'^\$ansible\.result\.(\w+)$', self.text(assignment.children[0]).strip(), re.IGNORECASE)
            if added:
                keys.add(added.group(1))
                continue
            value = assignment.children[-1]
            tables = list(self.nodes('hash_literal_expression', root=value)) or self._returned_tables(value)
            if tables:
                keys |= self.hashtable_keys(tables[0], nested=False)
        return keys

    def _returned_tables(self, value):
        """For ``$Ansible.Result = $x``: the hashtable literal that the function ``$x`` is assigned from outputs last
        (``$x = Get-HostReads``)."""
        name = self.text(value).strip()
        if not re.match(r'^\$\w+$', name):
            return []
        functions = dict((next(self.text(c) for c in node.children if c.type == 'function_name').lower(), node)
                         for node in self.nodes('function_statement'))
        for assignment in self.nodes('assignment_expression'):
            if self.text(assignment.children[0]).strip().lower() != name.lower():
                continue
            called = self.text(assignment.children[-1]).strip().split(None, 1)[0].lower()
            if called in functions:
                body = [node for node in self.nodes('statement_list', root=functions[called])
                        if self.enclosing(node, ('function_statement',)) == functions[called]]
                last = [c for c in body[0].children if c.type == 'pipeline'][-1] if body else None
                return list(self.nodes('hash_literal_expression', root=last)) if last is not None else []
        return []

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

    def _script_block_parameter(self, target):
        """Whether an invoked ``$name`` is a [scriptblock] parameter of the function it is in: a block of the
        script's own text (no block is made from a string: [scriptblock]::Create is refused below)."""
        function = self.enclosing(target, ('function_statement',))
        if function is None or target.type != 'command_name_expr':
            return False
        for parameter in self.nodes('script_parameter', root=function):
            text = self.text(parameter).replace(' ', '').lower()
            if text.startswith('[scriptblock]') and text.endswith(self.text(target).lower()):
                return True
        return False

    def code_from_strings(self):
        problems = []
        for name, dummy, line in self.commands():
            if name and name.lower() in FORBIDDEN_COMMANDS:
                problems.append('line %d: %s runs text as code; call cmdlets with parameters instead' % (line, name))
        for node in self.nodes('command_invokation_operator'):
            target = node.next_sibling
            if target is not None and target.type != 'command_name' and not self._script_block_parameter(target):
                problems.append('line %d: "%s %s" invokes a computed command' % (
                    node.start_point[0] + 1, self.text(node), self.text(target)))
        for node in self.nodes('invokation_expression'):
            parts = {c.type: self.text(c) for c in node.children}
            member = parts.get('member_name', '').lower()
            owner = parts.get('type_literal', '').strip('[]').lower()
            if (owner, member) in FORBIDDEN_CALLS or member in FORBIDDEN_MEMBERS:
                problems.append('line %d: %s builds code from a string' % (node.start_point[0] + 1, self.text(node)[:60]))
        return problems


# --- Windows PowerShell 5.1 and Hyper-V pitfalls, each a rule with a failing example in the tests ---

# Cmdlets that throw when the object they are asked for is not there: the CDXML cmdlets (PnpDevice,
# Storage) with ObjectNotFound 'CmdletizationQuery_NotFound_*' (dda-facts §2.3), and Get-VM (decompiled
# Commands/GetVM.cs). In a loop or a settle-wait that object is often briefly missing (a device that is
# reappearing, a disk another cluster node owns), so such a lookup must say what to do: -ErrorAction.
THROWS_WHEN_NOT_FOUND = {
    'get-pnpdevice': {'instanceid', 'friendlyname', 'class'},
    'get-pnpdeviceproperty': {'instanceid'},
    'get-disk': {'number', 'uniqueid', 'path', 'friendlyname', 'serialnumber', 'partition', 'virtualdisk'},
    'get-physicaldisk': {'uniqueid', 'deviceid', 'friendlyname', 'serialnumber'},
    'get-partition': {'disknumber', 'diskid', 'driveletter', 'partitionnumber', 'volume'},
    'get-volume': {'driveletter', 'path', 'filesystemlabel', 'partition', 'uniqueid'},
    'get-vm': {'id', 'name'},
}
LOOPS = ('while_statement', 'do_statement', 'for_statement', 'foreach_statement')
PIPELINE_LOOPS = ('foreach-object', 'where-object')
# Every cmdlet that changes the host (cmdlet_kinds.changes_host) and offers -Confirm gets -Confirm:$false, because
# a prompt cannot be answered in win_powershell's host (dda-facts §1.7) and which cmdlets prompt
# (ConfirmImpact) is not in the docs.
# Without a selector these act on every device (decompiled MountVMHostAssignableDevice.cs,
# RemoveVMAssignableDevice.cs): never call them without one, or without objects from the pipeline.
ACTS_ON_ALL = {'mount-vmhostassignabledevice': ('LocationPath', 'InstancePath'),
               'remove-vmassignabledevice': ('LocationPath', 'InstancePath')}


def _is_switch(cmdlet, written):
    if cmdlet is None:
        return False
    try:
        name, signature = binding.signature(cmdlet)
        parameter = binding.resolve(name, written)
    except binding.BindingError:
        return False
    entry = signature['parameters'].get(parameter)
    return entry['switch'] if entry else parameter in ('Verbose', 'Debug')


def _binding_problems(script, call, functions):
    problems = []
    where = 'line %d: %s' % (call.line, call.name)
    known = functions.get(call.name.lower())
    if known is not None:
        for parameter in call.parameters:
            if parameter.lower() not in known:
                problems.append('%s has no parameter -%s (function)' % (where, parameter))
        return problems
    try:
        name, signature = binding.signature(call.name)
    except binding.BindingError:
        if call.name.lower() not in FORBIDDEN_COMMANDS:
            problems.append('%s is not a function of this script nor a cmdlet of the signature table (run '
                            'tools/make_cmdlet_table.py to add it from its reference page)' % where)
        return problems
    for written in call.parameters:
        try:
            parameter = binding.resolve(name, written)
        except binding.BindingError as e:
            problems.append('%s -%s: %s (%s)' % (where, written, e.message, e.reason))
            continue
        if parameter.lower() != written.lower():
            problems.append('%s: spell out -%s (written -%s); an alias or a prefix may stop binding when the '
                            'cmdlet gains a parameter' % (where, parameter, written))
        older = (signature['parameters'].get(parameter) or {}).get('not_in')
        if older:
            problems.append('%s -%s is not documented in %s, and the collection supports Windows Server 2016 to '
                            '2025' % (where, parameter, ', '.join(older)))
    if not problems:
        try:
            binding.bind(name, call.parameters, call.positional, call.pipeline)
        except binding.BindingError as e:
            problems.append('%s does not bind: %s (%s)' % (where, e.message, e.reason))
    return problems


def _in_loop(script, call):
    """Whether a call runs repeatedly: in a loop statement, or in a ForEach-Object/Where-Object block."""
    node, child = call.node.parent, call.node
    while node is not None:
        # A foreach's collection is read once; its body, and the whole of any other loop, repeats.
        if node.type in LOOPS and (node.type != 'foreach_statement' or child.type == 'statement_block'):
            return True
        if node.type == 'script_block_expression':
            owner = script.enclosing(node, ('command',))
            if owner is not None and script.text(owner).split(None, 1)[0].lower() in PIPELINE_LOOPS:
                return True
        node, child = node.parent, node
    return False


def _throws_when_not_found(call):
    lookups = THROWS_WHEN_NOT_FOUND.get((call.name or '').lower())
    if lookups is None or call.has('ErrorAction'):
        return False
    return call.positional > 0 or any(parameter.lower() in lookups for parameter in call.parameters)


def _pitfalls(script, calls):
    problems = []
    throwing_functions = set()
    for call in calls:
        if _throws_when_not_found(call):
            function = script.enclosing(call.node, ('function_statement',))
            if function is not None:
                name = next(script.text(c) for c in function.children if c.type == 'function_name')
                throwing_functions.add(name.lower())
    for call in calls:
        if call.name is None:
            continue
        lower = call.name.lower()
        where = 'line %d: %s' % (call.line, call.name)
        if lower == 'convertfrom-json':
            chain = call.node.parent
            statements = chain.parent.parent if chain is not None and chain.parent is not None else None
            last = chain is not None and call.node == [c for c in chain.children if c.type == 'command'][-1]
            if last and statements is not None and statements.parent is not None \
                    and statements.parent.type == 'array_expression':
                problems.append('%s directly inside @(...): Windows PowerShell 5.1 emits a JSON array as one object, '
                                'so @() holds one element (PowerShell/PowerShell#3424). Write @((ConvertFrom-Json ...)).'
                                % where)
        if lower == 'invoke-command' and call.has('VMName'):
            problems.append('%s -VMName resolves the name like Get-VM -Name (wildcards, duplicates); use -VMId' % where)
        if lower == 'get-vm' and (call.has('Name') or call.has('VMName') or call.positional):
            problems.append('%s by name takes wildcards and can match several VMs; find the VM by -Id' % where)
        if lower == 'stop-vm' and not call.has('TurnOff'):
            problems.append('%s without -TurnOff asks the guest to shut down, and when its Shutdown integration service '
                            'is unavailable turns the VM off (with -Force or -AsJob) or prompts (decompiled '
                            'Commands/StopVM.cs). Shut down through Msvm_ShutdownComponent.InitiateShutdown after checking '
                            'the service, and use Stop-VM only with -TurnOff.' % where)
        if lower in ACTS_ON_ALL and not call.pipeline and not any(call.has(p) for p in ACTS_ON_ALL[lower]):
            problems.append('%s without %s acts on every device; name the device' % (where, ' or '.join(
                '-' + p for p in ACTS_ON_ALL[lower])))
        if (_throws_when_not_found(call) or lower in throwing_functions) and _in_loop(script, call):
            problems.append('%s in a loop throws when the object is briefly missing; give it -ErrorAction and '
                            'decide what "not found" means' % where)
        if changes_host(call.name) and lower not in FORBIDDEN_COMMANDS:
            try:
                dummy, signature = binding.signature(call.name)
            except binding.BindingError:
                signature = None
            if signature and 'Confirm' in signature['parameters'] and \
                    not re.search(r'-Confirm:\$false\b', script.text(call.node), re.IGNORECASE):
                problems.append('%s can prompt, and a remote session cannot answer; pass -Confirm:$false' % where)
    return problems


# Statements whose output, used as a value (a hashtable value, the right side of an assignment), goes through the
# pipeline, which unrolls an array: one element comes out bare, none as $null (dda-facts §11, "Statement used as a
# value"; PowerShell/PowerShell engine/parser/Compiler.cs, engine/runtime/Operations/MiscOps.cs).
STATEMENT_VALUES = ('if_statement', 'switch_statement', 'foreach_statement', 'for_statement', 'while_statement',
                    'do_statement', 'try_statement')
# A read whose error -ErrorAction SilentlyContinue (or Ignore) hides answers "nothing" when it failed (dda-facts §11,
# "Silenced reads fail open"). Such a read is refused unless a comment on its line, or the line above, says why
# "nothing" is safe there, with its source: "# silent-ok: <reason> (<source>)".
SILENT_OK = re.compile(r'#\s*silent-ok:\s*\S.*\(.+\)')


def _array_outputs(script, statement):
    """The @(...) that a statement used as a value outputs whole from one of its branches (a value in which
    the array is only a part, @(...).Count or @(...)[0], is not one)."""
    found = []
    for block in script.nodes('statement_block', root=statement):
        if script.enclosing(block, STATEMENT_VALUES + ('hash_literal_expression',)) != statement:
            continue
        for statements in (c for c in block.children if c.type == 'statement_list'):
            for pipeline in (c for c in statements.children if c.type == 'pipeline'):
                text = script.text(pipeline).strip()
                arrays = [node for node in script.nodes('array_expression', root=pipeline)
                          if script.text(node).strip() == text]
                found.extend(arrays)
    return found


def _statement_values(script):
    problems = []
    for node in script.nodes('hash_entry', 'assignment_expression'):
        value = node.children[-1]
        if node.type == 'hash_entry' and value.type == ';' and len(node.children) > 1:
            value = node.children[-2]
        if value.type == 'pipeline' and value.named_child_count == 1 and value.named_children[0].type in STATEMENT_VALUES:
            value = value.named_children[0]
        if value.type not in STATEMENT_VALUES:
            continue
        for array in _array_outputs(script, value):
            problems.append('line %d: %s is the output of a statement used as a value, which unrolls it (one element '
                            'comes out bare, none as $null); build the array in a variable first, or write ,%s' % (
                                array.start_point[0] + 1, script.text(array)[:40], script.text(array)[:40]))
    return problems


def _silenced_reads(script, calls):
    problems = []
    lines = script.source.decode('utf-8').splitlines()
    for call in calls:
        if not call.name or not call.name.lower().startswith('get-'):
            continue
        text = script.text(call.node)
        if not re.search(r'-ErrorAction\s+(SilentlyContinue|Ignore)\b', text, re.IGNORECASE):
            continue
        nearby = lines[max(0, call.line - 2):call.line]
        if not any(SILENT_OK.search(line) for line in nearby):
            problems.append('line %d: %s -ErrorAction SilentlyContinue turns a failed read into "nothing found"; let '
                            'it fail, tell "none" from "failed" (e.g. the CDXML ObjectNotFound error), or say why '
                            'nothing is safe with "# silent-ok: <reason> (<source>)"' % (call.line, call.name))
    return problems


# A change that may follow a wait without the lease checked again says why on its line or the line above (a cleanup
# that restores what this run made, a branch that never waits): "# lease-ok: <reason>".
LEASE_OK = re.compile(r'#\s*lease-ok:\s*\S')
WAIT_COMMANDS = ('start-sleep',)
LEASE_CHECKS = ('assert-lease', 'test-lease')


def _lease_after_wait(script):
    """Changes of the host that can run after a wait with no Assert-Lease since, in the order the script runs its
    statements: a function's body where it is called, a loop's body twice (its second turn follows its own wait), and every
    branch as if it ran (so a change after an if that may have waited counts as after a wait)."""
    functions = dict((next(script.text(c) for c in node.children if c.type == 'function_name').lower(), node)
                     for node in script.nodes('function_statement'))
    if not set(LEASE_CHECKS) & {(call.name or '').lower() for call in script.calls()}:
        return []
    lines = script.source.decode('utf-8').splitlines()
    problems = []
    state = {'waited': False}

    def walk(node, calling):
        if node.type == 'function_statement':
            return  # a definition runs nothing; its body is walked where it is called
        if node.type == 'command':
            name_node = next((c for c in node.children if c.type == 'command_name'), None)
            for child in node.children:
                walk(child, calling)
            name = script.text(name_node).lower() if name_node is not None else ''
            if name in WAIT_COMMANDS:
                state['waited'] = True
            elif name in LEASE_CHECKS:
                state['waited'] = False
            elif name in functions and name not in calling:
                for child in functions[name].children:
                    walk(child, calling | {name})
            elif changes_host(name) and state['waited']:
                line = node.start_point[0] + 1
                if not any(LEASE_OK.search(text) for text in lines[max(0, line - 2):line]):
                    problems.append('line %d: %s may run after a wait (Start-Sleep) with no Assert-Lease since: the '
                                    'run\'s lease may have run out meanwhile and another run taken the host over. Call '
                                    'Assert-Lease -Token $LeaseToken right before it, or say why not with '
                                    '"# lease-ok: <reason>"' % (line, script.text(name_node)))
            return
        turns = 2 if node.type in LOOPS else 1
        for dummy in range(turns):
            for child in node.children:
                walk(child, calling)

    walk(script.tree.root_node, frozenset())
    return sorted(set(problems), key=lambda text: int(text.split(':')[0].split()[1]))


def check_source(source, must_run_in_check_mode):
    """Every problem found in one script's text; empty when it passes."""
    script = Script(source)
    problems = script.syntax_errors()
    if problems:
        return problems
    functions = script.functions()
    calls = [call for call in script.calls() if call.name is not None]
    for call in calls:
        problems.extend(_binding_problems(script, call, functions))
    problems.extend(_pitfalls(script, calls))
    problems.extend(_statement_values(script))
    problems.extend(_silenced_reads(script, calls))
    problems.extend(_lease_after_wait(script))
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


def check_file(path, must_run_in_check_mode):
    return check_source(script_source(path), must_run_in_check_mode)


def collection_scripts():
    """(path, must_run_in_check_mode) for every script the collection ships, per its catalog."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG
    return [(os.path.join(SCRIPT_DIR, name + '.ps1'), not script.mutating) for name, script in sorted(CATALOG.items())]


def script_source(path):
    """What runs on the host for a script file: the collection's own scripts with their parts included."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG, script_text
    name = os.path.basename(path)[:-len('.ps1')]
    if os.path.dirname(os.path.abspath(path)) == SCRIPT_DIR and name in CATALOG:
        return script_text(name).encode('utf-8')
    with open(path, 'rb') as handle:
        return handle.read()


def main(argv):
    # A file named on the command line is checked as a probe (the stricter rule for --check).
    targets = [(path, True) for path in argv] or collection_scripts()
    failed = 0
    for path, in_check_mode in targets:
        problems = check_file(path, in_check_mode)
        for problem in problems:
            print('%s: %s' % (os.path.relpath(path, ROOT), problem))
        failed += bool(problems)
    print('%d script(s) checked, %d with problems' % (len(targets), failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
