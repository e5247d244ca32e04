"""What is public and what is not: module_utils holds only what runs on a target (the Linux guest's module and
what it imports), every internal file says it is internal, and nothing shipped imports a controller-only file
from module_utils."""
import ast
import os

import pytest

from ddatest import ROOT

PLUGINS = os.path.join(ROOT, 'plugins')
PREFIX = 'ansible_collections.hyperv.dda.plugins.'
HEADER = 'FOR INTERNAL COLLECTION USE ONLY'


def _python_files(folder):
    for here, dummy, names in os.walk(os.path.join(PLUGINS, folder)):
        for name in sorted(names):
            if name.endswith('.py'):
                yield os.path.join(here, name)


def _imported_module_utils(path):
    """The names of the collection's module_utils files that one file imports."""
    with open(path, encoding='utf-8') as source:
        tree = ast.parse(source.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX + 'module_utils'):
            rest = node.module[len(PREFIX + 'module_utils'):]
            found.update([rest.lstrip('.')] if rest else [alias.name for alias in node.names])
    return found


def _target_closure():
    """module_utils files that a module running on a target needs, transitively."""
    module_utils = os.path.join(PLUGINS, 'module_utils')
    todo = set()
    for path in _python_files('modules'):
        todo |= _imported_module_utils(path)
    needed = set()
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo |= _imported_module_utils(os.path.join(module_utils, name + '.py'))
    return needed


def test_module_utils_holds_only_what_a_target_runs():
    present = {os.path.basename(path)[:-3] for path in _python_files('module_utils')}
    assert present == _target_closure(), 'move controller-only files to plugins/plugin_utils/'


@pytest.mark.parametrize('folder', ['module_utils', 'plugin_utils'])
def test_every_internal_file_says_so(folder):
    unmarked = []
    for path in _python_files(folder):
        with open(path, encoding='utf-8') as source:
            if HEADER not in ''.join(source.readline() for dummy in range(5)):
                unmarked.append(os.path.relpath(path, ROOT))
    assert not unmarked
