"""Make the repository importable as ansible_collections.hyperv.dda for pytest.

tools/setup.sh links the repo into .collections/ansible_collections/hyperv/dda; this does the same
if the link is missing, then installs ansible-core's collection finder on that folder, so tests
import plugins exactly as ansible-playbook does (ansible.windows is found beside it).
"""
import os

ROOT = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(ROOT, '.collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'hyperv', 'dda')

if not os.path.lexists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[COLLECTIONS])._install()

collect_ignore = ['.collections', '.venv', 'tests/output']

# Fixtures and helpers shared by the test folders (all on pytest's pythonpath).
pytest_plugins = ['ddatest', 'linuxguest']

# The core set: what each ansible-core version of the matrix runs besides sanity (tools/matrix.sh), where the
# versions differ: the action plugins through Ansible's loader, the docs, the filters under that version's
# templating, one role run, one reclaim run, one audit and the preload callback. The whole suite runs once, on the
# newest version. Each entry is a test file or one test of it (a pytest node id without parameters).
CORE = (
    'tests/unit/plugins/test_host_modules.py',
    'tests/unit/plugins/test_docs.py',
    'tests/unit/plugins/test_plan_filters.py',
    'tests/unit/plugins/test_preload.py',
    'tests/unit/plugins/test_role.py::test_two_vms_two_devices_check_apply_rerun',
    'tests/unit/plugins/test_reclaim.py::test_check_names_everything_then_the_run_reclaims_it_and_a_rerun_changes_nothing',
    'tests/unit/plugins/test_audit_playbook.py',
)


def pytest_collection_modifyitems(config, items):
    """Mark the core set, and fail the run when an entry names no test: a renamed test must not silently leave
    the set."""
    import pytest
    matched = set()
    for item in items:
        node = item.nodeid.split('[', 1)[0]
        for entry in CORE:
            if node == entry or node.startswith(entry + '::'):
                item.add_marker(pytest.mark.core)
                matched.add(entry)
    collected_files = set(item.nodeid.split('::', 1)[0] for item in items)
    lost = [entry for entry in CORE if entry not in matched and entry.split('::', 1)[0] in collected_files]
    missing = [entry for entry in CORE if not os.path.exists(os.path.join(ROOT, entry.split('::', 1)[0]))]
    if lost or missing:
        raise pytest.UsageError('conftest.CORE names tests that do not exist: %s' % ', '.join(lost + missing))
