"""The published artifact works: build it, install it into an empty path, run the playbooks from there."""
import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

from ddatest import ROOT

pytestmark = pytest.mark.slow
BIN = os.path.dirname(sys.executable)


def _run(command, **kwargs):
    done = subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_build_install_and_run_from_the_artifact(tmp_path):
    _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(tmp_path)], cwd=ROOT)
    tarball = str(tmp_path / 'hyperv-dda-0.1.0.tar.gz')
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    for shipped in ('plugins/action/vm_assignable_device.py', 'powershell/survey_host.ps1', 'roles/nvme_passthrough/tasks/main.yml',
                    'playbooks/nvme_passthrough.yml', 'examples/snapshots/two_nvme_server.json', 'meta/runtime.yml'):
        assert shipped in names, shipped
    for development in ('tests/unit', 'tests/evidence', 'tests/pscheck', 'tools', '.ci', '.venv', '.collections',
                        'conftest.py', 'pytest.ini', 'requirements-dev.txt', 'extensions', '.demo'):
        assert not any(name == development or name.startswith(development + '/') for name in names), development

    # Install offline into an empty path; ansible.windows comes from the development tree.
    installed = tmp_path / 'collections'
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_NOCOLOR='1')
    env.pop('ANSIBLE_CONFIG', None)  # as a user would: not the development tree's ansible.cfg
    _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', tarball, '--no-deps', '-p', str(installed)],
         env=env, cwd=str(tmp_path))
    shutil.copytree(os.path.join(ROOT, '.collections', 'ansible_collections', 'ansible'),
                    str(installed / 'ansible_collections' / 'ansible'))
    copy = installed / 'ansible_collections' / 'hyperv' / 'dda'
    assert not os.path.islink(str(copy)) and (copy / 'MANIFEST.json').exists()

    work = tmp_path / 'work'
    work.mkdir()
    for host, example in (('hv01', 'two_nvme_server'), ('hv02', 'mixed_server')):
        shutil.copy(str(copy / 'examples' / 'snapshots' / (example + '.json')), str(work / (host + '.json')))
    inventory = work / 'inventory.json'
    inventory.write_text(json.dumps({'hyperv_hosts': {'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'hyperv_dda_backend': 'simulator',
        'hyperv_dda_simulator_state': str(work) + '/{{ inventory_hostname }}.json'}, 'hosts': {
            'hv01': {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
                     'nvme_passthrough_disable_dynamic_memory': True,
                     'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'}]},
            'hv02': {'nvme_passthrough_vm_name': 'analytics01',
                     'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0201)#PCI(0000)'}]}}}}))
    playbook = [os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory)]
    _run(playbook + ['hyperv.dda.dda_audit', '-e', 'dda_audit_report_dir=%s' % (work / 'report')], env=env, cwd=str(work))
    assert (work / 'report' / 'dda_audit.html').exists()
    applied = _run(playbook + ['hyperv.dda.nvme_passthrough'], env=env, cwd=str(work))
    assert 'failed=0' in applied.stdout
    again = _run(playbook + ['hyperv.dda.nvme_passthrough'], env=env, cwd=str(work))
    assert 'changed=0' in again.stdout and 'changed=1' not in again.stdout
    listing = _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'list', '-p', str(installed)], env=env).stdout
    assert 'hyperv.dda' in listing and '0.1.0' in listing
