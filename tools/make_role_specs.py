"""Writes the role nvme_passthrough's declarations of its variables from the one spec of them, PASSTHROUGH_SPEC
(plugins/module_utils/arg_specs.py):

- roles/nvme_passthrough/meta/argument_specs.yml: every type, required, default, choices, elements, options and
  no_log. Its prose (short_description, description of the role and of each variable, author) is kept: that file is
  where the prose is written, read back and written again here, wrapped at 120 columns.
- roles/nvme_passthrough/defaults/main.yml: every variable with a default.
- roles/nvme_passthrough/tasks/plan.yml: the variables the plan task passes, between its two marker comments.
- plugins/doc_fragments/nvme_passthrough_variables.py: the options of the module nvme_passthrough_plan (the role's
  variables), with the same prose.
- playbooks/tasks/reclaim_plan.yml: the variables the reclaim's plan filter is handed, each with its default, from
  RECLAIM_SPEC (the same file): the lines between the filter's opening and closing brackets.

    python tools/make_role_specs.py [--check] [--tree DIR]

--check writes nothing and exits 1 naming each file that is not what this writes (tests/unit/plugins/
test_role_specs.py runs it). --tree reads and writes the files of another copy of the collection (the spec is
always this checkout's). To add a variable: add it to PASSTHROUGH_SPEC, add its name and description under
options in argument_specs.yml, and run this.
"""
import argparse
import json
import os
import sys

import yaml

from generated import write_or_check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLE_SPECS = 'roles/nvme_passthrough/meta/argument_specs.yml'
DEFAULTS = 'roles/nvme_passthrough/defaults/main.yml'
TASKS = 'roles/nvme_passthrough/tasks/plan.yml'
FRAGMENT = 'plugins/doc_fragments/nvme_passthrough_variables.py'
RECLAIM = 'playbooks/tasks/reclaim_plan.yml'
RECLAIM_OPEN = '| hyperv.dda.dda_reclaim_plan({'
RECLAIM_CLOSE = '}) }}'
WIDTH = 120
SOURCE = 'PASSTHROUGH_SPEC (plugins/module_utils/arg_specs.py)'

# The one rule the role's spec has and the Python spec has not: Ansible validates a role's argument spec before the
# role's first task and converts loosely, so a number there is declared raw and the plan checks it (bounds.py).
ROLE_TYPES = {'int': 'raw', 'float': 'raw'}
RAW_NUMBER_COMMENT = (
    "raw, not int: Ansible's validator of this spec runs before the role, and would take true as 1 and digits of any "
    "script as a number, and fail on .inf without naming the variable. The role's plan checks it "
    "(hyperv.dda.nvme_passthrough_plan, module_utils/bounds.py).")

# The structural keys, in the order they are written after the description.
STRUCTURE = ('type', 'elements', 'required', 'choices', 'default', 'no_log')
PROSE = ('short_description', 'description', 'author')

TASK_BEGIN = "    # The role's variables: written by tools/make_role_specs.py from PASSTHROUGH_SPEC, do not edit."
TASK_END = '    # (end of the written variables)'


class NoProse(Exception):
    """A variable of the spec has no description in argument_specs.yml."""


def _arg_specs():
    sys.path.insert(0, ROOT)
    import conftest  # noqa: F401  (installs the collection finder)
    from ansible_collections.hyperv.dda.plugins.module_utils import arg_specs
    return arg_specs


def passthrough_spec():
    return _arg_specs().PASSTHROUGH_SPEC


def reclaim_spec():
    return _arg_specs().RECLAIM_SPEC


def _scalar(value):
    """A YAML scalar or flow list on one line."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20, sort_keys=False)
    return text[:-len('\n...\n')] if text.endswith('\n...\n') else text.rstrip('\n')


def _wrapped(first, indent, text, quoted=True):
    """Lines holding ``first`` + the string ``text`` (plain if YAML lets it be, else double-quoted; as it is when not
    ``quoted``), folded at spaces to WIDTH columns, continuation lines at ``indent``."""
    if quoted and _scalar(text) != text:
        text = json.dumps(text, ensure_ascii=False)
    words = text.split(' ')
    if '' in words:  # runs of spaces do not survive folding
        return [first + ' '.join(words)]
    lines, line = [], first + words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) > WIDTH:
            lines.append(line)
            line = indent + word
        else:
            line += ' ' + word
    return lines + [line]


def _prose(key, value, indent):
    """The lines of a prose key: a string, or a list of strings."""
    if isinstance(value, str):
        return _wrapped('%s%s: ' % (indent, key), indent + '  ', value)
    lines = ['%s%s:' % (indent, key)]
    for item in value:
        lines += _wrapped(indent + '  - ', indent + '    ', item)
    return lines


def _comment(indent, text):
    return _wrapped(indent + '# ', indent + '# ', text, quoted=False)


def _options(spec, described, where, indent, for_role):
    """The lines of the options of ``spec``, each with its description from ``described`` (the options as the file
    has them). for_role: argument_specs.yml (numbers raw, nested options, no_log) or module docs (suboptions; module
    docs have no no_log)."""
    lines = []
    for name, option in spec.items():
        given = (described or {}).get(name) or {}
        if not given.get('description'):
            raise NoProse('%s%s has no description in %s: add "%s: {description: ...}" under its options there, and '
                          'run tools/make_role_specs.py again.' % (where, name, ROLE_SPECS, name))
        lines.append('%s%s:' % (indent, name))
        inner = indent + '  '
        lines += _prose('description', given['description'], inner)
        for key in STRUCTURE:
            value = option.get(key, 'str' if key == 'type' else None)
            if value is None or (key in ('required', 'no_log') and value is False):
                continue
            if key == 'no_log' and not for_role:
                continue
            if key == 'type' and for_role and value in ROLE_TYPES:
                lines += _comment(inner, RAW_NUMBER_COMMENT)
                value = ROLE_TYPES[value]
            lines.append('%s%s: %s' % (inner, key, _scalar(value)))
        if option.get('options'):
            lines.append('%s%s:' % (inner, 'options' if for_role else 'suboptions'))
            lines += _options(option['options'], given.get('options'), where + name + '.', inner + '  ', for_role)
    return lines


def role_specs(spec, current):
    """argument_specs.yml: the prose of ``current`` (the file as it is, parsed), the rest from ``spec``."""
    main = current['argument_specs']['main']
    lines = ['---',
             *_comment('', 'Written by tools/make_role_specs.py: every type, required, default, choices, elements, '
                           'options and no_log from %s. Edit the prose here (short_description, description, author),'
                           ' the rest there, then run the tool; a test fails when this file is not what it writes.'
                           % SOURCE),
             'argument_specs:', '  main:']
    for key in PROSE:
        if key in main:
            lines += _prose(key, main[key], '    ')
    lines += ['    options:'] + _options(spec, main.get('options'), '', '      ', True)
    return '\n'.join(lines) + '\n'


def defaults(spec):
    lines = ['---', '# Written by tools/make_role_specs.py from %s; do not edit.' % SOURCE]
    lines += ['%s: %s' % (name, _scalar(option['default'])) for name, option in spec.items() if 'default' in option]
    return '\n'.join(lines) + '\n'


def task_variables(spec, current):
    """tasks/plan.yml with the plan task's variables written between the markers: each as given, or omitted when the
    spec gives it no default and the user did not set it."""
    lines = current.split('\n')
    begin, end = lines.index(TASK_BEGIN), lines.index(TASK_END)
    written = ['    %s: "{{ %s%s }}"' % (name, name, '' if option.get('required') or 'default' in option
                                         else ' | default(omit)') for name, option in spec.items()]
    return '\n'.join(lines[:begin + 1] + written + lines[end:])


def _jinja(value):
    """A default as Jinja writes it."""
    if value is None or isinstance(value, bool):
        return {None: 'none', True: 'true', False: 'false'}[value]
    return repr(value)


def reclaim_settings(spec, current):
    """reclaim_plan.yml with the settings handed to its plan filter written from RECLAIM_SPEC: every variable, with the
    spec's default (none where it has none), on the lines between the filter's brackets."""
    lines = current.split('\n')
    begin = next(number for number, line in enumerate(lines) if line.rstrip().endswith(RECLAIM_OPEN))
    end = next(number for number in range(begin + 1, len(lines)) if lines[number].rstrip().endswith(RECLAIM_CLOSE))
    indent = ' ' * (len(lines[end]) - len(lines[end].lstrip()))
    pairs = ["'%s': %s | default(%s)" % (name, name, _jinja(option.get('default'))) for name, option in spec.items()]
    written = ['%s%s,' % (indent, pair) for pair in pairs]
    written[-1] = written[-1][:-1] + RECLAIM_CLOSE
    return '\n'.join(lines[:begin + 1] + written + lines[end + 1:])


def fragment(spec, current):
    """The doc fragment of the module nvme_passthrough_plan: its options are the role's variables."""
    options = _options(spec, current['argument_specs']['main'].get('options'), '', '  ', False)
    text = '\n'.join(options)
    assert "'''" not in text and '\\' not in text, 'the descriptions must fit a raw string of Python'
    return '\n'.join([
        '# Copyright: (c) 2026, hyperv.dda contributors',
        '# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)',
        '',
        '# Written by tools/make_role_specs.py from %s and the prose of' % SOURCE,
        '# %s; do not edit.' % ROLE_SPECS,
        '',
        'from __future__ import annotations',
        '',
        '',
        'class ModuleDocFragment(object):',
        '',
        "    DOCUMENTATION = r'''",
        'options:',
        text,
        "'''",
        ''])


def _said(parsed, spec):
    """The prose of a parsed argument_specs.yml, for the variables of ``spec``."""
    def described(options, spec):
        said = {}
        for name, option in spec.items():
            nested = described(options[name].get('options') or {}, option.get('options') or {})
            said[name] = (options[name]['description'], nested)
        return said
    main = parsed['argument_specs']['main']
    return [main.get(key) for key in PROSE], described(main['options'], spec)


def files(tree, spec, reclaim=None):
    """{path: text} of every file this writes, in ``tree``."""
    def read(path):
        with open(os.path.join(tree, path), encoding='utf-8') as handle:
            return handle.read()
    current = yaml.safe_load(read(ROLE_SPECS))
    written = {
        ROLE_SPECS: role_specs(spec, current),
        DEFAULTS: defaults(spec),
        TASKS: task_variables(spec, read(TASKS)),
        FRAGMENT: fragment(spec, current),
        RECLAIM: reclaim_settings(reclaim_spec() if reclaim is None else reclaim, read(RECLAIM)),
    }
    # The prose must survive the round trip: what YAML reads back is what the file said.
    assert _said(yaml.safe_load(written[ROLE_SPECS]), spec) == _said(current, spec), 'the prose changed'
    return dict((os.path.join(tree, path), text) for path, text in written.items())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--check', action='store_true', help='write nothing; exit 1 naming each file that differs')
    parser.add_argument('--tree', default=ROOT, help='the copy of the collection whose files to write or check')
    args = parser.parse_args(argv)
    try:
        stale = write_or_check(files(args.tree, passthrough_spec()), check=args.check)
    except NoProse as e:
        print(e, file=sys.stderr)
        return 2
    for path in stale:
        print('%s is not what tools/make_role_specs.py writes from %s: run it.'
              % (os.path.relpath(path, args.tree), 'RECLAIM_SPEC' if path.endswith(RECLAIM) else SOURCE),
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == '__main__':
    sys.exit(main())
