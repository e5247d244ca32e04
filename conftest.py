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
