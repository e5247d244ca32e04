"""Helpers shared by the unit tests (importable as ``ddatest``; conftest.py holds the fixtures)."""
import json
import os
import shutil
from unittest import mock

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.hyperv.dda.plugins.module_utils import snapshot as snapshot_module

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, 'examples', 'snapshots')
RECORDED = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'win_powershell')
EXAMPLE_NAMES = sorted(name[:-5] for name in os.listdir(EXAMPLES) if name.endswith('.json'))


ARABIC_INDIC = dict(zip('0123456789', '\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669'))


def bad_numbers(bound, valid):
    """(kind, value) for every way a number a user gives can be wrong for ``bound`` (module_utils/bounds.py), around a
    ``valid`` value: what Ansible's validator would convert loosely (a boolean, non-ASCII digits, a fraction), break
    on (inf, NaN) or pass on to a script that declares a narrower type (huge)."""
    above = bound.high * 2 if bound.power_of_two else bound.high + (bound.multiple_of or 1)
    kinds = [('negative', -1), ('above the limit', above), ('boolean', True),
             ('non-ASCII digits', ''.join(ARABIC_INDIC[digit] for digit in str(valid))), ('inf', float('inf')),
             ('NaN', float('nan')), ('huge', 99999999999999999999999), ('1e308', 1e308), ('not a number', 'soon')]
    if bound.low > 0:
        kinds.append(('zero', 0))
    if bound.whole:
        kinds.append(('fraction', valid + 0.5))
    if bound.multiple_of:
        kinds.append(('not a multiple', bound.low + 1))
    if bound.power_of_two:
        kinds.append(('not a power of two', bound.low * 3))
    return kinds


def load_example(name):
    with open(os.path.join(EXAMPLES, name + '.json'), encoding='utf-8') as handle:
        return snapshot_module.parse(handle.read(), name)


def surveyed(doc, parameters=None):
    """The snapshot a survey of this simulated host gives: survey_host's twin, its result as win_powershell returns
    it (ps51.emit), read on the controller (plugin_utils/host_reads.py), as every module reads a survey."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import survey_snapshot
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host
    host = doc if isinstance(doc, SimulatedHost) else SimulatedHost(doc)
    return survey_snapshot(json.loads(json.dumps(emit(survey_host(host, parameters or {})[0]))), parameters)


def load_recorded(name):
    """A recorded-shape win_powershell result (tests/unit/fixtures/win_powershell/NAME.json)."""
    with open(os.path.join(RECORDED, name + '.json'), encoding='utf-8') as handle:
        return json.load(handle)


class ActionRunner(object):
    """Runs a collection action plugin as ansible-playbook would, with one seam replaced.

    ``execute_module`` stands in for ActionBase._execute_module (the only way the PowerShell
    backend reaches a host); it records every call so tests can see exactly what was sent.
    """

    def __init__(self):
        self.sent = []
        self.replies = []

    def execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.sent.append({'module_name': module_name, 'module_args': module_args})
        if not self.replies:
            raise AssertionError('the action made an unexpected round trip: %r' % module_name)
        return self.replies.pop(0)

    def run(self, module, args=None, host_vars=None, check_mode=False, diff=False):
        from ansible.plugins.loader import action_loader
        task = Task()
        task.action = 'hyperv.dda.%s' % module
        task.args = dict(args or {})
        task.check_mode = check_mode
        task.diff = diff
        loader = DataLoader()
        task_vars = dict(host_vars or {})
        connection = mock.MagicMock()
        connection._shell.tmpdir = None
        action = action_loader.get(task.action, task=task, connection=connection, play_context=PlayContext(),
                                   loader=loader, templar=Templar(loader=loader, variables=task_vars),
                                   shared_loader_obj=None)
        action._execute_module = self.execute_module
        return action.run(task_vars=task_vars)


class PowerShellIntoSimulator(ActionRunner):
    """The PowerShell backend end to end, with the host replaced by the simulator at the one seam.

    Each win_powershell call the action makes is answered by running the named script's twin with
    exactly the parameters (and sensitive parameters) the PowerShell backend sent, so a parameter
    the script does not take, or a cmdlet call its twin binds wrongly, fails here. Failures come
    back as win_powershell error records, as from a host.
    """

    def __init__(self, state_path):
        super(PowerShellIntoSimulator, self).__init__()
        self.state_path = state_path
        self.scripts = {}
        from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG, script_text
        for name in CATALOG:
            self.scripts[script_text(name)] = name

    def run(self, module, args=None, host_vars=None, check_mode=False, diff=False):
        self.check_mode = check_mode
        return super(PowerShellIntoSimulator, self).run(module, args, host_vars, check_mode, diff)

    def execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError
        from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend
        self.sent.append({'module_name': module_name, 'module_args': module_args})
        assert module_name == 'ansible.windows.win_powershell'
        name = self.scripts[module_args['script']]
        sensitive = dict((item['name'], {'username': item['username'], 'password': item['password']})
                         for item in module_args.get('sensitive_parameters') or [])
        backend = SimulatorBackend(self.state_path, check_mode=self.check_mode)
        try:
            result, changed = backend.run(name, module_args['parameters'], sensitive=sensitive or None)
        except HostCommandError as e:
            return {'changed': False, 'failed': True, 'result': {}, 'msg': 'script failed', 'error': [{
                'exception': {'message': e.message}, 'fully_qualified_error_id': e.error_id,
                'category_info': {'category': e.category, 'activity': e.cmdlet}}]}
        return {'changed': changed, 'failed': False, 'result': result, 'error': []}


def without_lease(text):
    """A state file's text (or bytes) as a snapshot without the host's lease: what a task that took the lease for its
    changes and gave it back leaves of the host when it changed nothing else (the lease's record keeps its version)."""
    doc = json.loads(text)
    doc['host'].pop('lease', None)
    return doc


def lease_reply(held=False, version=0, written=True, now=639132336000000000):
    """A win_powershell result of set_lease.ps1: the lease as found (held by another run, or not), whether this run's
    take or release was written, and the host's time (ticks)."""
    found = {'held': held, 'controller': 'ctl02' if held else '', 'user': 'bob' if held else '',
             'playbook': 'other.yml' if held else '', 'run_id': 'pid 2' if held else '',
             'since': now - 10 ** 9 if held else 0, 'until': now + 10 ** 10 if held else 0,
             'seconds': 900 if held else 0, 'version': version}
    return {'changed': False, 'failed': False, 'error': [], 'result': {'found': found, 'written': written, 'now': now}}


def run_playbook(inventory, playbook, log, host, *options):
    """ansible-playbook on a simulated host: (the run, its recap for the host, the simulator's log lines since the
    last run). The log is emptied, so each run's calls are its own. Every task's ``changed`` must be what the log
    shows it did (truthful.py)."""
    from playbooks import ansible_playbook, recap
    from truthful import playbook_problems
    done = ansible_playbook(inventory, playbook, *options)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    log.write_text('')
    counts = recap(done.stdout + done.stderr, host)
    untruthful = playbook_problems(done.stdout, calls, host)
    assert not untruthful, (untruthful, done.stdout)
    return done, counts, calls


def simulator_vars(path, **extra):
    variables = {'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': path}
    variables.update(extra)
    return variables


# --- fixtures, exposed by the conftest.py of each test folder ------------------------------------
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


# The token of the run a test's direct call of a twin stands for (twins_under_lease).
TEST_RUN_TOKEN = 'token-of-the-test-run'


def _under_lease(name, twin):
    from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import fenced

    def run(host, parameters):
        if 'LeaseToken' in parameters or not fenced(name, parameters):
            return twin(host, parameters)
        held = host.doc['host'].get('lease') or {}
        planted = not held.get('holder')
        if planted:
            host.doc['host']['lease'] = {
                'holder': {'controller': 'test', 'user': 'test', 'playbook': 'test', 'run_id': 'test'},
                'since': '2000-01-01T00:00:00Z', 'until': '9999-01-01T00:00:00Z', 'seconds': 900, 'expired': False,
                'version': held.get('version') or 0, 'token': TEST_RUN_TOKEN}
        try:
            return twin(host, dict(parameters, LeaseToken=host.doc['host']['lease'].get('token')))
        finally:
            if planted:
                if held:
                    host.doc['host']['lease'] = held
                else:
                    host.doc['host'].pop('lease', None)
    return run


@pytest.fixture
def twins_under_lease(monkeypatch):
    """Direct calls of the twins of scripts fenced by the host's lease, as the collection makes them (LeasedBackend):
    a call without a token is given its run's, on a host whose lease that run holds while the script runs, and which
    is as before afterwards. For tests of what the scripts do besides the lease (test_lease.py tests the lease)."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS
    for name, twin in list(TWINS.items()):
        monkeypatch.setitem(TWINS, name, _under_lease(name, twin))


THIRD_NVME = 'PCIROOT(0)#PCI(0104)#PCI(0000)'


def with_third_nvme(doc):
    """two_nvme_server with a third NVMe controller, a Samsung like the first (serial S4EWNX0N654321, an empty disk),
    at THIRD_NVME: for runs of one role call on three devices."""
    import copy
    device = copy.deepcopy(doc['devices'][0])
    device['instance_id'] = device['instance_id'].replace('2F6A1B6B', '3A7B2C7C')
    device['location_paths'] = [THIRD_NVME, 'ACPI(_SB_)#ACPI(PCI0)#ACPI(GPP4)']
    device['disks'][0].update(number=3, serial_number='0025_3852_21B3_4B18.', adapter_serial_number='S4EWNX0N654321',
                              unique_id='eui.0025385221B34B18')
    doc['devices'].append(device)
