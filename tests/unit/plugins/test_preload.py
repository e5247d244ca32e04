"""The preload callback: loads every action plugin of the collection (and what they use) in the controller's main
process, and changes nothing about a run."""
import importlib
import json
import os
import re
import subprocess
import sys

import pytest

from ddatest import ROOT, run_playbook

from ansible_collections.hyperv.dda.plugins.callback.preload import PRELOAD


def test_it_names_every_action_plugin_and_only_modules_that_exist():
    actions = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'action')) if name.endswith('.py'))
    named = sorted(name.rsplit('.', 1)[1] for name in PRELOAD if '.plugins.action.' in name)
    assert named == actions
    for name in PRELOAD:
        importlib.import_module(name)


@pytest.mark.slow
def test_a_run_with_it_is_the_run_without_it(tmp_path, state_file, monkeypatch):
    state = state_file('two_nvme_server')
    log = tmp_path / 'calls.jsonl'
    inventory = tmp_path / 'inventory.json'
    inventory.write_text(json.dumps({'hyperv_hosts': {'hosts': {'hv01': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'hyperv_dda_backend': 'simulator',
        'hyperv_dda_simulator_state': state, 'hyperv_dda_simulator_log': str(log),
        'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True,
        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'}]}}}}))
    playbook = os.path.join(ROOT, 'playbooks', 'nvme_passthrough.yml')
    monkeypatch.delenv('ANSIBLE_CALLBACKS_ENABLED', raising=False)
    runs = [run_playbook(inventory, playbook, log, 'hv01', '--check')]
    monkeypatch.setenv('ANSIBLE_CALLBACKS_ENABLED', 'hyperv.dda.preload')
    runs.append(run_playbook(inventory, playbook, log, 'hv01', '--check'))
    (plain, recap, calls), (preloaded, recap_preloaded, calls_preloaded) = runs
    assert recap == recap_preloaded and recap['changed'] > 0 and calls == calls_preloaded
    assert plain.stdout == preloaded.stdout and preloaded.stderr == ''


def test_ansible_doc_knows_it():
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '-t', 'callback',
                           'hyperv.dda.preload'], capture_output=True, text=True, check=False,
                          env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections')))
    assert done.returncode == 0 and 'callbacks_enabled' in done.stdout, done.stderr


def test_the_docs_quote_the_measured_saving():
    """The callback's documentation and the README say what tools/bench_preload.py measured, in the same words."""
    def text(*path):
        with open(os.path.join(ROOT, *path), encoding='utf-8') as handle:
            return ' '.join(handle.read().split())
    measured = re.search(r'Saved per task and host: (.+?) \(the median', text('docs', 'benchmarks_preload.md')).group(1)
    assert 'on a real host' in measured and 'in a rehearsal' in measured
    assert measured in text('README.md')
    assert measured in text('plugins', 'callback', 'preload.py')
