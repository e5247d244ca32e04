"""The execution environment: ansible-builder finds the collection's requirements and writes a build context."""
import os
import subprocess
import sys

import pytest

from ddatest import ROOT

pytestmark = pytest.mark.slow
BUILDER = os.path.join(os.path.dirname(sys.executable), 'ansible-builder')


def test_introspection_finds_the_collection_requirements():
    done = subprocess.run([BUILDER, 'introspect', '--sanitize', os.path.join(ROOT, '.collections')], check=False,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert 'pywinrm[kerberos,credssp]>=0.4.3  # from collection hyperv.dda' in done.stdout
    assert 'pypsrp[kerberos,credssp]>=0.8.1  # from collection hyperv.dda' in done.stdout
    assert 'krb5-workstation [platform:rpm]  # from collection hyperv.dda' in done.stdout


def test_create_writes_the_build_context(tmp_path):
    definition = os.path.join(ROOT, 'examples', 'execution-environment', 'execution-environment.yml')
    done = subprocess.run([BUILDER, 'create', '-f', definition, '-c', str(tmp_path), '--output-filename',
                           'Containerfile'], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    containerfile = (tmp_path / 'Containerfile').read_text()
    assert 'quay.io/fedora/python-311' in containerfile
    requirements = (tmp_path / '_build' / 'requirements.yml').read_text()
    assert 'hyperv.dda' in requirements and 'ansible.windows' in requirements
