"""Module documentation and action argument specs say the same thing; the metadata lists every module.

Sanity's validate-modules cannot compare them for doc-only modules whose code is an action plugin,
so this test does: every option's type, required, default, choices, elements and no_log.
"""
import importlib
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ddatest import ROOT

MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if name.endswith('.py') and name != '__init__.py')
# no_log cannot be documented (module docs have no such key): test_secrets_are_no_log checks it.
DOC_KEYS = ('type', 'required', 'default', 'choices', 'elements', 'aliases')


def _rendered():
    """Every module's documentation as ansible-doc renders it, doc fragments merged (one process)."""
    if not _RENDERED:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'), ANSIBLE_NOCOLOR='1')
        done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '--json', '-t', 'module']
                              + ['hyperv.dda.%s' % module for module in MODULES],
                              check=False, capture_output=True, text=True, env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert '[WARNING]' not in done.stderr, done.stderr
        _RENDERED.update(json.loads(done.stdout))
    return _RENDERED


_RENDERED = {}


def _documentation(module):
    return _rendered()['hyperv.dda.%s' % module]['doc']


def _action(module):
    return importlib.import_module('ansible_collections.hyperv.dda.plugins.action.%s' % module).ActionModule


def _normalise(options):
    spec = {}
    for name, option in (options or {}).items():
        entry = {key: option[key] for key in DOC_KEYS if option.get(key) not in (None, False, [])}
        # ansible-doc renders the default of a bool as true/false and leaves others as written.
        entry.setdefault('type', 'str')
        if option.get('options') or option.get('suboptions'):
            entry['options'] = _normalise(option.get('options') or option.get('suboptions'))
        spec[name] = entry
    return spec


@pytest.mark.parametrize('module', MODULES)
def test_documented_options_are_the_argument_spec(module):
    documented = _normalise(_documentation(module).get('options'))
    assert documented == _normalise(_action(module).ARGUMENT_SPEC)


@pytest.mark.parametrize('module', MODULES)
def test_docs_have_examples_and_returns(module):
    rendered = _rendered()['hyperv.dda.%s' % module]
    assert yaml.safe_load(rendered['examples'])
    assert rendered['return']
    assert rendered['doc']['module'] == module


def test_every_module_has_an_action_plugin_and_is_in_the_action_group():
    actions = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'action'))
                     if name.endswith('.py') and name != '__init__.py')
    assert actions == MODULES
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        runtime = yaml.safe_load(handle)
    assert sorted(runtime['action_groups']['hyperv']) == MODULES


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders(module):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'), ANSIBLE_NOCOLOR='1')
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), 'hyperv.dda.%s' % module],
                          check=False,
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert 'hyperv.dda.%s' % module in done.stdout
    assert 'hyperv_dda_backend' in done.stdout, 'the backend doc fragment is included'
    assert '[WARNING]' not in done.stderr, done.stderr


def _options(spec):
    for name, option in spec.items():
        yield name, option
        yield from _options(option.get('options') or {})


@pytest.mark.parametrize('module', MODULES)
def test_secrets_are_no_log(module):
    for name, option in _options(_action(module).ARGUMENT_SPEC):
        if 'password' in name or 'secret' in name:
            assert option.get('no_log') is True, name


def _says_the_range(text, bound):
    return 'from %s' % bound.low in text and 'to %s' % bound.high in text


@pytest.mark.parametrize('module', MODULES)
def test_every_number_option_documents_its_range(module):
    from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import NUMBERS
    options = _documentation(module).get('options') or {}
    for name, option in _action(module).ARGUMENT_SPEC.items():
        if option.get('type') == 'int':
            description = options[name]['description']
            text = ' '.join(description if isinstance(description, list) else [description])
            assert _says_the_range(text, NUMBERS[name]), (name, text)


def test_the_role_and_playbook_variables_document_their_range():
    from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import NUMBERS
    with open(os.path.join(ROOT, 'roles', 'nvme_passthrough', 'meta', 'argument_specs.yml')) as handle:
        role = yaml.safe_load(handle)['argument_specs']['main']['options']
    with open(os.path.join(ROOT, 'plugins', 'filter', 'dda_reclaim_plan.yml')) as handle:
        reclaim = ' '.join(yaml.safe_load(handle)['DOCUMENTATION']['options']['settings']['description'])
    with open(os.path.join(ROOT, 'README.md')) as handle:
        readme = handle.read()
    for name, bound in NUMBERS.items():
        if name.startswith('nvme_passthrough_'):
            assert _says_the_range(' '.join(role[name]['description']), bound), name
            # Ansible validates a role's argument spec before the role runs, converting loosely: the plan checks it.
            assert role[name]['type'] == 'raw', name
        if name.startswith(('nvme_passthrough_', 'dda_reclaim_')):
            assert '`%s`' % name in readme and _says_the_range(readme, bound), name
        if name.startswith('dda_reclaim_'):
            assert name in reclaim and _says_the_range(reclaim, bound), name


def _user_documents():
    """Every text a user of the installed collection reads: the README, the docs and guides, the plugins' and the
    role's documentation, the examples, and the playbooks' own comments."""
    import glob
    patterns = ('README.md', 'docs/**/*.md', 'docs/**/*.rst', 'plugins/modules/*.py', 'plugins/filter/*.yml',
                'plugins/callback/*.py', 'plugins/doc_fragments/*.py', 'roles/**/*.yml', 'roles/**/*.md',
                'examples/**/*.yml', 'playbooks/*.yml')
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            with open(path, encoding='utf-8') as handle:
                yield os.path.relpath(path, ROOT), handle.read()


def test_documents_name_the_collections_playbooks_by_their_fully_qualified_names():
    playbooks = sorted(name[:-4] for name in os.listdir(os.path.join(ROOT, 'playbooks')) if name.endswith('.yml'))
    by_path = re.compile(r'(?<![\w./-])playbooks/(%s)\.yml' % '|'.join(playbooks))
    found = []
    for path, text in _user_documents():
        found += ['%s: playbooks/%s.yml, not hyperv.dda.%s' % (path, name, name) for name in by_path.findall(text)]
        # A command that runs a file of the checkout works only from its top folder.
        for command in re.findall(r'ansible-playbook\b[^\n`]*', text):
            found += ['%s: %s' % (path, command) for word in command.split()
                      if word.endswith('.yml') and os.path.exists(os.path.join(ROOT, word))]
    assert not found, found


def _ansible_doc_text(plugin_type, names):
    """ansible-doc's text of those plugins, as a terminal without colours shows it."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'), ANSIBLE_NOCOLOR='1')
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '-t', plugin_type] + names,
                          check=False, capture_output=True, text=True, env=env, cwd=ROOT)
    # ansible-core 2.21 warns of a collection of its own ('ansible._protomatter') that has no version: not ours.
    warnings = [line for line in done.stderr.splitlines() if '[WARNING]' in line and '/_protomatter' not in line]
    assert done.returncode == 0 and not warnings, done.stderr
    return done.stdout


def _plugin_names(folder, suffix):
    return sorted('hyperv.dda.' + name[:-len(suffix)] for name in os.listdir(os.path.join(ROOT, 'plugins', folder))
                  if name.endswith(suffix) and name != '__init__.py')


@pytest.mark.parametrize('plugin_type, names', [
    ('module', ['hyperv.dda.%s' % module for module in MODULES]),
    ('filter', _plugin_names('filter', '.yml')),
    ('callback', _plugin_names('callback', '.py')),
    ('role', ['hyperv.dda.nvme_passthrough']),
], ids=('module', 'filter', 'callback', 'role'))
def test_ansible_doc_shows_references_as_words(plugin_type, names):
    text = _ansible_doc_text(plugin_type, names)
    # P(...) renders as [[name]] without colours (ansible-doc brackets it twice); R(name, label) renders as the name.
    assert '[[' not in text, re.findall(r'.*\[\[.*', text)
    # A shared doc fragment speaks of what every module that includes it has, not of placeholders for it.
    assert not re.search(r'\((?:its|the) [\w ]+ (?:option|selector)\)', text), text
