"""The role's declarations of its variables are written from the one spec, PASSTHROUGH_SPEC, by tools/make_role_specs.py
(argument_specs.yml but its prose, defaults/main.yml, the plan task's variables, the plan module's doc fragment); a
file that drifts from what the tool writes, or a spec the files do not follow, fails its --check."""
import copy
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ddatest import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tools'))
import make_role_specs  # noqa: E402

TOOL = os.path.join(ROOT, 'tools', 'make_role_specs.py')
WRITTEN = (make_role_specs.ROLE_SPECS, make_role_specs.DEFAULTS, make_role_specs.TASKS, make_role_specs.FRAGMENT,
           make_role_specs.RECLAIM)


def _check(tree=ROOT):
    return subprocess.run([sys.executable, TOOL, '--check', '--tree', str(tree)],
                          check=False, capture_output=True, text=True)


@pytest.fixture
def tree(tmp_path):
    """A copy of the files the tool reads and writes."""
    for path in WRITTEN:
        os.makedirs(os.path.dirname(os.path.join(tmp_path, path)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, path), os.path.join(tmp_path, path))
    return tmp_path


def _edit(tree, path, old, new):
    with open(os.path.join(tree, path), encoding='utf-8') as handle:
        text = handle.read()
    assert old in text, (path, old)
    with open(os.path.join(tree, path), 'w', encoding='utf-8') as handle:
        handle.write(text.replace(old, new, 1))


def test_the_committed_files_are_what_the_tool_writes():
    done = _check()
    assert done.returncode == 0, done.stderr


# One hand edit of each written file, of what the spec decides.
DRIFTS = {
    make_role_specs.ROLE_SPECS: ('choices: [present, absent]', 'choices: [present, absent, gone]'),
    make_role_specs.DEFAULTS: ('nvme_passthrough_force_format: false', 'nvme_passthrough_force_format: true'),
    make_role_specs.TASKS: ('    nvme_passthrough_force_format: "{{ nvme_passthrough_force_format }}"\n', ''),
    make_role_specs.FRAGMENT: ('    default: 300', '    default: 600'),
    make_role_specs.RECLAIM: ('dda_reclaim_shutdown_timeout | default(300)', 'dda_reclaim_shutdown_timeout | default(30)'),
}


@pytest.mark.parametrize('path', WRITTEN)
def test_a_file_edited_by_hand_fails_the_check_which_names_it(tree, path):
    assert _check(tree).returncode == 0
    _edit(tree, path, *DRIFTS[path])
    done = _check(tree)
    assert done.returncode == 1
    source = 'RECLAIM_SPEC' if path == make_role_specs.RECLAIM else make_role_specs.SOURCE
    assert done.stderr.strip() == '%s is not what tools/make_role_specs.py writes from %s: run it.' % (path, source)


def test_a_missing_file_fails_the_check(tree):
    os.remove(os.path.join(tree, make_role_specs.FRAGMENT))
    done = _check(tree)
    assert done.returncode == 1 and make_role_specs.FRAGMENT in done.stderr


def _stale(tree, spec):
    written = make_role_specs.files(str(tree), spec)
    return sorted(os.path.relpath(path, str(tree)) for path in make_role_specs.write_or_check(written, check=True))


def test_a_changed_spec_fails_the_check_of_every_file_that_declares_it(tree):
    spec = copy.deepcopy(make_role_specs.passthrough_spec())
    assert _stale(tree, spec) == []
    spec['nvme_passthrough_force_format']['default'] = True
    assert _stale(tree, spec) == sorted([make_role_specs.ROLE_SPECS, make_role_specs.DEFAULTS, make_role_specs.FRAGMENT])
    del spec['nvme_passthrough_force_format']['default']
    assert make_role_specs.TASKS in _stale(tree, spec), 'without a default, the task omits it when unset'


def test_the_reclaim_playbook_hands_its_filter_every_variable_of_its_spec_with_the_specs_default(tree):
    spec = copy.deepcopy(make_role_specs.reclaim_spec())
    written = make_role_specs.files(str(tree), make_role_specs.passthrough_spec(), reclaim=spec)
    assert make_role_specs.write_or_check(written, check=True) == []
    spec['dda_reclaim_allow_vm_restart']['default'] = True
    spec['dda_reclaim_new'] = {'type': 'str'}
    written = make_role_specs.files(str(tree), make_role_specs.passthrough_spec(), reclaim=spec)
    playbook = written[os.path.join(str(tree), make_role_specs.RECLAIM)]
    assert "'dda_reclaim_allow_vm_restart': dda_reclaim_allow_vm_restart | default(true)," in playbook
    assert "'dda_reclaim_new': dda_reclaim_new | default(none)}) }}" in playbook
    assert yaml.safe_load(playbook)[1]['name'] == 'Plan the reclaim, changing nothing'


def test_the_prose_is_kept_and_a_new_variable_needs_its_own(tree):
    spec = copy.deepcopy(make_role_specs.passthrough_spec())
    spec['nvme_passthrough_new'] = {'type': 'int', 'default': 5}
    with pytest.raises(make_role_specs.NoProse, match='nvme_passthrough_new has no description'):
        make_role_specs.files(str(tree), spec)
    _edit(tree, make_role_specs.ROLE_SPECS, '    options:\n',
          '    options:\n      nvme_passthrough_new:\n        description: A new number, from 0 to 9.\n')
    # A prose edit, wrapped as the editor likes, is kept word for word.
    _edit(tree, make_role_specs.ROLE_SPECS, 'description: The VM. It must name', 'description: The VM.\n          It must name')
    written = make_role_specs.files(str(tree), spec)
    role = yaml.safe_load(written[os.path.join(str(tree), make_role_specs.ROLE_SPECS)])['argument_specs']['main']
    assert role['options']['nvme_passthrough_new'] == {'description': 'A new number, from 0 to 9.', 'type': 'raw',
                                                       'default': 5}
    assert role['options']['nvme_passthrough_vm_name']['description'] == \
        'The VM. It must name exactly one VM of the host.'
    assert 'nvme_passthrough_new: 5\n' in written[os.path.join(str(tree), make_role_specs.DEFAULTS)]


def test_numbers_are_raw_in_the_role_and_int_in_the_module_docs():
    """Ansible validates the role's spec before its first task and converts loosely; the plan checks numbers."""
    with open(os.path.join(ROOT, make_role_specs.ROLE_SPECS), encoding='utf-8') as handle:
        text = handle.read()
    options = yaml.safe_load(text)['argument_specs']['main']['options']
    numbers = [name for name, option in make_role_specs.passthrough_spec().items() if option.get('type') == 'int']
    assert numbers and all(options[name]['type'] == 'raw' for name in numbers)
    assert text.count("# raw, not int: Ansible's validator") == len(numbers)
    from ansible_collections.hyperv.dda.plugins.doc_fragments.nvme_passthrough_variables import ModuleDocFragment
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert all(documented[name]['type'] == 'int' for name in numbers)
