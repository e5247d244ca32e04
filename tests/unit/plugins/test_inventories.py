"""The example inventories parse, and the real-host ones keep secrets out of the file."""
import glob
import json
import os
import subprocess
import sys

import pytest

from ddatest import ROOT

INVENTORIES = sorted(glob.glob(os.path.join(ROOT, 'examples', 'inventory', '*.yml')))


@pytest.mark.parametrize('path', INVENTORIES, ids=os.path.basename)
def test_inventory_parses(path):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', path, '--list'],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0 and '[WARNING]' not in done.stderr, done.stderr
    hosts = json.loads(done.stdout)['hyperv_hosts']['hosts']
    assert hosts


@pytest.mark.parametrize('path', [p for p in INVENTORIES if 'simulated' not in p], ids=os.path.basename)
def test_real_host_inventories_take_passwords_from_vault(path):
    with open(path) as handle:
        for line in handle:
            if 'password:' in line and not line.lstrip().startswith('#'):
                assert '{{ vault_' in line, line
