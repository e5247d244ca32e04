"""Fixtures shared by the unit tests."""
import json
import os
import shutil

import pytest

from ddatest import EXAMPLES, ActionRunner


@pytest.fixture
def state_file(tmp_path):
    """Copy an example snapshot to a fresh state file and return its path."""
    def make(name, mutate=None):
        path = tmp_path / ('%s.json' % name)
        shutil.copy(os.path.join(EXAMPLES, name + '.json'), str(path))
        if mutate is not None:
            doc = json.loads(path.read_text())
            mutate(doc)
            path.write_text(json.dumps(doc, indent=2))
        return str(path)
    return make


@pytest.fixture
def runner():
    return ActionRunner()
