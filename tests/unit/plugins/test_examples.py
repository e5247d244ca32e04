"""Every module's and filter's EXAMPLES run as written: each block is a play, by real ansible-playbook, against a
fresh copy of a shipped example snapshot on the simulator backend; every task of it must run (not be skipped) and
none may fail.

What the test adds is only what an example's own words assume: the host it runs against (which shipped snapshot),
the state its first words name ("the dismounted controller": tasks that dismount it first, with the collection's own
modules), and the variables it names as the user's own secrets (vault_...). A filter's example defines its inputs
itself, with the tasks that make them.
"""
import importlib
import json
import os
import re
import shutil
import sys

import pytest
import yaml

from ddatest import ROOT
from playbooks import ansible_playbook

pytestmark = pytest.mark.slow

EXAMPLES = os.path.join(ROOT, 'examples', 'snapshots')
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if name.endswith('.py') and name != '__init__.py')
FILTERS = sorted(name[:-4] for name in os.listdir(os.path.join(ROOT, 'plugins', 'filter')) if name.endswith('.yml'))

# The guest account of the example snapshots' VMs, for the variables the examples name as the user's vault.
GUEST = {'username': 'Administrator', 'password': 'example-only'}
USER_VARS = {'vault_sql01_admin_password': GUEST['password'], 'sql01_credential': GUEST}

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'  # two_nvme_server's Samsung controller, S4EWNX0N123456
SHUT_DOWN = {'name': 'Given: sql01 is off', 'hyperv.dda.hyperv_vm_power': {'vm_name': 'sql01', 'state': 'off'}}
READY = [SHUT_DOWN,
         {'name': 'Given: its stop action is TurnOff', 'hyperv.dda.hyperv_vm_stop_action': {'vm_name': 'sql01'}},
         {'name': 'Given: its memory is static',
          'hyperv.dda.hyperv_vm_memory': {'vm_name': 'sql01', 'dynamic_memory': False}}]
DISABLED = [{'name': 'Given: the controller is disabled',
             'hyperv.dda.pnp_device_disable': {'location_path': SAMSUNG}}]
DISMOUNTED = DISABLED + [{'name': 'Given: the controller is dismounted',
                          'hyperv.dda.vmhost_assignable_device': {'location_path': SAMSUNG}}]
ASSIGNED = READY + DISMOUNTED + [
    {'name': 'Given: the controller is assigned to sql01',
     'hyperv.dda.vm_assignable_device': {'vm_name': 'sql01', 'location_path': SAMSUNG}},
    {'name': 'Given: sql01 runs', 'hyperv.dda.hyperv_vm_power': {'vm_name': 'sql01', 'state': 'running'}}]

# Per plugin: the shipped snapshot its examples run against (two_nvme_server unless named: sql01 runs, with dynamic
# memory and stop action Save; web01 runs; the Samsung controller is on the host), and the state their words assume.
GIVEN = {
    'hyperv_vm_memory': ('two_nvme_server', [SHUT_DOWN]),
    'vmhost_assignable_device': ('two_nvme_server', DISABLED),
    'vm_assignable_device': ('two_nvme_server', READY + DISMOUNTED),
    'guest_nvme_disk': ('two_nvme_server', ASSIGNED),
    # What DDA left behind, for the reclaim to plan.
    'dda_reclaim_plan': ('left_behind', []),
    'reclaim_failure_story': ('left_behind', []),
}
# Example tasks that cannot run against a snapshot, with the reason and where they run instead.
ELSEWHERE = {
    ('guest_nvme_disk', 'In a Linux guest (reached over SSH), xfs on /srv/pgdata, in /etc/fstab by UUID with nofail'):
        'the simulator models Windows guests only; tests/linux runs the module in a Linux guest for real',
}


def _examples(kind, name):
    if kind == 'module':
        text = importlib.import_module('ansible_collections.hyperv.dda.plugins.modules.%s' % name).EXAMPLES
    else:
        with open(os.path.join(ROOT, 'plugins', 'filter', name + '.yml'), encoding='utf-8') as handle:
            text = yaml.safe_load(handle)['EXAMPLES']
    return yaml.safe_load(text)


def _uses(task, kind, name):
    """Whether a task (or a task inside its block, rescue or always) uses the plugin."""
    if kind == 'filter':
        return re.search(r'\|\s*hyperv\.dda\.%s\b' % name, json.dumps(task)) is not None
    return 'hyperv.dda.%s' % name in task or any(
        _uses(inner, kind, name) for part in ('block', 'rescue', 'always') for inner in task.get(part, []))


def _ran(output, task_name):
    """Whether the task ran on hv01 (or for it, delegated): ok or changed, not skipped."""
    chunks = output.split('TASK [%s]' % task_name)
    return len(chunks) > 1 and re.search(r'^(ok|changed): \[hv01', chunks[1].split('\nTASK [')[0], re.M) is not None


def _rendered_not_failed(task):
    """A task that fails on purpose (ansible.builtin.fail, to fail with a filter's story) as ansible.builtin.debug of
    the same message: the message is rendered, and the play goes on."""
    task = dict(task)
    if 'ansible.builtin.fail' in task:
        task['ansible.builtin.debug'] = task.pop('ansible.builtin.fail')
    for part in ('block', 'rescue', 'always'):
        if part in task:
            task[part] = [_rendered_not_failed(inner) for inner in task[part]]
    return task


def _play(tmp_path, snapshot, tasks):
    state = tmp_path / 'hv01.json'
    shutil.copy(os.path.join(EXAMPLES, snapshot + '.json'), str(state))
    common = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
              'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': str(state)}
    inventory = {'hyperv_hosts': {'hosts': {'hv01': common}},
                 # The VM's guest as an inventory host, for the examples that run against the guest itself.
                 'guests': {'hosts': {'sql01': dict(common, hyperv_dda_simulator_vm='sql01')}}}
    (tmp_path / 'inventory.yml').write_text(json.dumps(inventory))
    (tmp_path / 'play.yml').write_text(json.dumps([{'name': 'Examples', 'hosts': 'hv01', 'gather_facts': False,
                                                    'vars': USER_VARS, 'tasks': tasks}]))
    return ansible_playbook('inventory.yml', 'play.yml', env={'ANSIBLE_CONFIG': None}, cwd=str(tmp_path))


@pytest.mark.parametrize('kind, name', [('module', m) for m in MODULES] + [('filter', f) for f in FILTERS],
                         ids=lambda value: value)
def test_the_examples_run_as_written(kind, name, tmp_path):
    examples = _examples(kind, name)
    here = [task for task in examples if (name, task['name']) not in ELSEWHERE]
    assert any(_uses(task, kind, name) for task in here), 'no example uses hyperv.dda.%s' % name
    snapshot, given = GIVEN.get(name, ('two_nvme_server', []))
    done = _play(tmp_path, snapshot, given + [_rendered_not_failed(task) for task in here])
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    for task in here:
        for step in [task] + [inner for part in ('block', 'rescue') for inner in task.get(part, [])]:
            if _uses(step, kind, name) and 'block' not in step:
                assert _ran(done.stdout, step['name']), (step['name'], output[-4000:])
