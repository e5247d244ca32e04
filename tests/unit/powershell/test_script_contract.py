"""The contract between planners, .ps1 scripts and their simulator twins.

For every named script, a real planner produces the step that runs it. Then:
- the parameters the planner passes are parameters of the script's param() block, and every
  mandatory one is passed;
- the twin, run with those parameters, returns exactly the keys the .ps1 puts into $Ansible.Result
  (read statically from its syntax tree);
- survey_host and its twin return records with the same keys, and the controller's reading of them
  (plugin_utils/host_reads.py) sets every field of the snapshot schema.
"""
import copy
import os
import re
import sys

import pytest

from ddatest import ROOT, load_example

sys.path.insert(0, os.path.join(ROOT, 'tests', 'pscheck'))
import pscheck  # noqa: E402

from ansible_collections.hyperv.dda.plugins.module_utils import guest_plans
from ansible_collections.hyperv.dda.plugins.plugin_utils import device_plans, vm_plans  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import survey_snapshot  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import fenced  # noqa: E402
from ansible_collections.hyperv.dda.plugins.module_utils.plan import Step  # noqa: E402
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import SNAPSHOT, field_names  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG, script_text  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS  # noqa: E402

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
SELECT = {'location_path': SAMSUNG, 'instance_id': None, 'serial_number': None}


def _vm(doc, **values):
    doc['vms'][0].update(values)
    return doc


def _device(doc, **values):
    doc['devices'][0].update(values)
    return doc


def _ready(doc):
    """two_nvme_server with sql01 off, static memory, TurnOff, and the Samsung dismounted."""
    return _device(_vm(doc, state='Off', dynamic_memory_enabled=False, automatic_stop_action='TurnOff'),
                   state='dismounted')


def _running_with_samsung(doc):
    _vm(_ready(doc), state='Running', assigned_devices=[SAMSUNG])
    return doc


GUEST = {'serial_number': '0025_3852_21B3_4B17.', 'adapter_serial_number': None, 'unique_id': None, 'disk_number': None,
         'partition_style': 'gpt', 'file_system': 'ntfs', 'label': 'data', 'drive_letter': 'E', 'access_path': None,
         'allocation_unit_size': None, 'state': 'formatted', 'force': False, 'vm_name': 'sql01',
         'guest_credential': {'username': 'Administrator', 'password': 'example-only'}}


def _guest_scenario():
    """format_guest_disk as the planner asks for it, on a guest surveyed by the twin."""
    doc = _running_with_samsung(load_example('two_nvme_server'))
    credential = {'Credential': GUEST['guest_credential']}
    survey = TWINS['survey_guest_disks'](SimulatedHost(doc), dict({'VMName': 'sql01', 'AccessPaths': []}, **credential))
    steps = guest_plans.guest_disk_plan(dict(GUEST), survey[0], False).steps
    assert [step.script for step in steps] == ['format_guest_disk']
    return doc, steps[0], credential


# (script, planner, args, example, prepare): the planner must produce a step running the script;
# the guest scripts are planned from a surveyed guest instead (see _planned).
SCENARIOS = [
    ('survey_host', None, None, 'two_nvme_server', None),
    ('survey_host', None, {'Scoped': True, 'VMName': ['sql01'], 'LocationPath': [SAMSUNG], 'InstanceId': [],
                           'SerialNumber': []}, 'two_nvme_server', None),
    ('set_vm_stop_action', vm_plans.stop_action_plan, {'vm_name': 'sql01', 'action': 'TurnOff'},
     'two_nvme_server', None),
    ('set_vm_memory', vm_plans.memory_plan, {'vm_name': 'sql01', 'dynamic_memory': False, 'startup_bytes': None},
     'two_nvme_server', lambda doc: _vm(doc, state='Off')),
    ('set_vm_power', vm_plans.power_plan, {'vm_name': 'sql01', 'state': 'off', 'shutdown_timeout': 300,
                                           'turn_off_on_timeout': False}, 'two_nvme_server', None),
    ('set_pnp_device', device_plans.pnp_device_plan, dict(SELECT, state='disabled', allow_mounted_volumes=False),
     'two_nvme_server', None),
    ('dismount_device', device_plans.host_device_plan, dict(SELECT, state='dismounted', force=False),
     'two_nvme_server', lambda doc: _device(doc, state='disabled')),
    ('mount_device', device_plans.host_device_plan, dict(SELECT, state='mounted', force=False),
     'two_nvme_server', lambda doc: _device(doc, state='dismounted')),
    ('set_vm_device', device_plans.vm_device_plan, dict(SELECT, vm_name='sql01', state='present'),
     'two_nvme_server', _ready),
    ('set_vm_device', device_plans.vm_device_plan, dict(SELECT, vm_name='sql01', state='absent'),
     'two_nvme_server', lambda doc: _vm(_ready(doc), assigned_devices=[SAMSUNG])),
    ('survey_guest_disks', None, None, 'two_nvme_server', _running_with_samsung),
    ('format_guest_disk', None, None, None, None),
    ('set_lease', None, {'Action': 'take', 'Token': 'a-token', 'Controller': 'ctl01', 'User': 'alice',
                         'Playbook': 'nvme_passthrough.yml', 'RunId': 'pid 1', 'Seconds': 900}, 'two_nvme_server', None),
]

# The lease record's own fields (parts/lease.ps1), which the registry holds and no script returns as they are, and what
# Update-Lease returns to set_lease.ps1 (the survey includes the part but reads the record only).
LEASE_RECORD_KEYS = {'Token', 'Controller', 'User', 'Playbook', 'RunId', 'Since', 'Until', 'Seconds', 'Version', 'found',
                     'written', 'now', 'abandoned', 'Action'}


def _leased(doc, token='a-token', until='2999-01-01T00:00:00Z'):
    """The host's lease held by a run whose token is ``token``."""
    doc['host']['lease'] = {'holder': {'controller': 'ctl01', 'user': 'alice', 'playbook': 'nvme_passthrough.yml',
                                       'run_id': 'pid 1'}, 'since': '2026-01-01T00:00:00Z', 'until': until,
                            'seconds': 900, 'expired': False, 'version': 3, 'token': token}
    return doc


def _script(name):
    return pscheck.Script(script_text(name))


def _under_lease(doc, step):
    """A step as the run applies it (plugin_utils/lease.py LeasedBackend): a script fenced by the host's lease gets
    the run's token, on a host whose lease that run holds."""
    if not fenced(step.script, step.parameters):
        return doc, step
    return _leased(doc), Step(step.script, dict(step.parameters, LeaseToken='a-token'))


def _planned(scenario):
    name, planner, args, example, prepare = scenario
    if name == 'format_guest_disk':
        return _under_lease(*_guest_scenario()[:2])
    doc = load_example(example)
    if prepare:
        prepare(doc)
    if planner is None:
        guest = {'VMName': 'sql01', 'AccessPaths': []} if name == 'survey_guest_disks' else {}
        return doc, Step(name, args or guest)
    steps = planner(args, doc, False).steps
    assert [step.script for step in steps] == [name]
    return _under_lease(doc, steps[0])


def test_every_script_has_a_scenario():
    assert {s[0] for s in SCENARIOS} == set(CATALOG)


@pytest.mark.parametrize('scenario', SCENARIOS, ids=['%s-%d' % (s[0], n) for n, s in enumerate(SCENARIOS)])
def test_planner_passes_the_script_its_parameters(scenario):
    dummy, step = _planned(scenario)
    script = _script(step.script)
    sensitive = {'Credential'} if CATALOG[step.script].guest else set()
    assert set(step.parameters) | sensitive <= script.script_parameters(), 'parameters the script does not take'
    assert script.mandatory_parameters() <= set(step.parameters), 'mandatory parameters not passed'


@pytest.mark.parametrize('scenario', SCENARIOS, ids=['%s-%d' % (s[0], n) for n, s in enumerate(SCENARIOS)])
def test_twin_returns_the_keys_of_the_script(scenario):
    doc, step = _planned(scenario)
    sensitive = {'Credential': GUEST['guest_credential']} if CATALOG[step.script].guest else {}
    result, changed = TWINS[step.script](SimulatedHost(doc), dict(step.parameters, **sensitive))
    assert set(result) <= _script(step.script).result_keys()
    # The lease is bookkeeping between controllers: taking it never changes the host.
    assert changed is (CATALOG[step.script].mutating and step.script != 'set_lease'), \
        'a planned step changes the host; a probe never does'


def test_twins_return_every_key_of_their_script():
    seen = {}
    for scenario in SCENARIOS:
        doc, step = _planned(scenario)
        sensitive = {'Credential': GUEST['guest_credential']} if CATALOG[step.script].guest else {}
        result, dummy = TWINS[step.script](SimulatedHost(doc), dict(step.parameters, **sensitive))
        seen.setdefault(step.script, set()).update(result)
    for name, keys in seen.items():
        assert _script(name).result_keys() == keys, name


def _walk_keys(value, seen):
    if isinstance(value, dict):
        seen.update(value)
        for item in value.values():
            _walk_keys(item, seen)
    elif isinstance(value, list):
        for item in value:
            _walk_keys(item, seen)
    return seen


def _surveyed_hosts():
    """Example hosts, and one with a passthrough disk and remembered settings, whole and scoped."""
    remembered = load_example('two_nvme_server')
    _vm(remembered, remembered_settings={'automatic_stop_action': 'Save', 'dynamic_memory_enabled': True,
                                         'memory_startup_bytes': 4294967296})
    remembered['devices'][1]['disks'][0]['passed_through_to'] = 'sql01'
    # A host whose lease a run holds, and one whose lease record cannot be read.
    unreadable = _leased(load_example('two_nvme_server'))
    unreadable['faults'] = [{'cmdlet': 'ConvertFrom-Json', 'match': {'InputObject': 'Record'}, 'message': 'Invalid JSON.'}]
    hosts = [load_example(name) for name in ('passed_through', 'two_nvme_server', 'left_behind')] + [remembered] + [
        _leased(load_example('two_nvme_server')), unreadable]
    for doc in hosts:
        for parameters in ({}, {'Scoped': True, 'VMName': ['sql01'], 'LocationPath': [], 'InstanceId': [],
                                'SerialNumber': []}):
            yield doc, parameters


def test_survey_script_and_its_twin_build_the_same_records():
    # Every key of every record the script returns (its hashtable literals, its parts' included) is one the twin
    # returns, and no other: host_reads.py reads both alike.
    script = _script('survey_host')
    seen = set()
    for doc, parameters in _surveyed_hosts():
        _walk_keys(TWINS['survey_host'](SimulatedHost(copy.deepcopy(doc)), parameters)[0], seen)
    assert (script.hashtable_keys() - LEASE_RECORD_KEYS) | script.result_keys() == seen


def test_the_survey_read_on_the_controller_sets_every_field_a_real_host_reports():
    seen = set()
    for doc, parameters in _surveyed_hosts():
        reads, changed = TWINS['survey_host'](SimulatedHost(copy.deepcopy(doc)), parameters)
        assert changed is False
        _walk_keys(survey_snapshot(emit(reads), parameters), seen)
    assert field_names(SNAPSHOT) - seen == set()


def _script_shapes(name):
    """Every cmdlet call of the script as (name, parameter names, takes pipeline input), lower case."""
    script = _script(name)
    functions = script.functions()
    return {(call.name.lower(), frozenset(p.lower() for p in call.parameters), call.pipeline)
            for call in script.calls() if call.name and call.name.lower() not in functions}


# More runs of the twins than the planned steps reach: other branches of the same scripts.
BRANCHES = [
    ('set_vm_device', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'LocationPath': '', 'Present': False,
                       'RemoveStale': True},
     lambda doc: _vm(doc, state='Off', stale_assignments=1)),
    ('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'off', 'TurnOffOnTimeout': True},
     lambda doc: _vm(doc, guest_shutdown_available=False)),
    ('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'running'},
     lambda doc: _vm(doc, state='Off')),
    ('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'running'},
     lambda doc: _vm(doc, state='Paused')),
    ('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'off', 'TurnOffOnTimeout': True},
     lambda doc: _vm(doc, state='Saved')),
    ('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'off', 'RecordRestart': True},
     lambda doc: doc['vms'][0]['guest'].update(locked=True)),
    ('set_vm_power', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'State': 'off', 'RecordRestart': True},
     lambda doc: doc['vms'][0]['guest'].update(shutdown_after_timeout=True)),
    ('set_pnp_device', {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                        'Enabled': True}, lambda doc: _device(doc, state='disabled', reappear_lag=1)),
    ('dismount_device', {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                         'LocationPath': SAMSUNG, 'Force': True},
     lambda doc: _device(doc, state='disabled', registration_lag=1)),
    ('dismount_device', {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                         'LocationPath': SAMSUNG},
     lambda doc: doc.update(faults=[{'cmdlet': 'Dismount-VMHostAssignableDevice', 'message': 'x'}]) or
     _device(doc, state='disabled')),
    ('mount_device', {'LocationPath': SAMSUNG,
                      'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010'},
     lambda doc: doc.update(faults=[{'cmdlet': 'Mount-VMHostAssignableDevice', 'message': 'x', 'after_effect': True}])
     or _device(doc, state='dismounted')),
    ('survey_host', {}, lambda doc: _device(doc, state='dismounted', identity_recorded=True)),
    # A return the collection began: enabling clears its mark (and a key that held only the mark); a dismount clears it.
    ('set_pnp_device', {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                        'Enabled': True, 'LocationPath': SAMSUNG},
     lambda doc: _device(doc, state='disabled', return_pending=True)),
    ('dismount_device', {'InstanceId': 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010',
                         'LocationPath': SAMSUNG},
     lambda doc: _device(doc, state='disabled', identity_recorded=True, return_pending=True)),
    ('survey_host', {}, lambda doc: _device(doc, state='disabled', return_pending=True)),
    # The lease: given back; renewed by a script that changes the host; refused to a run whose token is not the host's.
    ('set_lease', {'Action': 'release', 'Token': 'a-token'}, _leased),
    ('set_vm_stop_action', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'Action': 'TurnOff', 'LeaseToken': 'a-token'},
     _leased),
    ('set_vm_stop_action', {'VMId': '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'Action': 'TurnOff', 'LeaseToken': 'stale'},
     _leased),
]


def _twin_runs():
    for scenario in SCENARIOS:
        doc, step = _planned(scenario)
        yield step.script, dict(step.parameters), doc
    for name, parameters, prepare in BRANCHES:
        doc = load_example('two_nvme_server')
        prepare(doc)
        if 'LeaseToken' not in parameters:
            doc, step = _under_lease(doc, Step(name, parameters))
            parameters = step.parameters
        yield name, parameters, doc


@pytest.mark.parametrize('run', list(_twin_runs()), ids=lambda run: run[0])
def test_twin_calls_each_cmdlet_as_its_script_writes_it(run):
    """A twin may not call a cmdlet with parameters its script does not write (so the binder checks the
    script's own calls), nor take pipeline input where the script does not."""
    name, parameters, doc = run
    host = SimulatedHost(doc)
    sensitive = {'Credential': GUEST['guest_credential']} if CATALOG[name].guest else {}
    try:
        TWINS[name](host, dict(parameters, **sensitive))
    except CmdletError as e:
        assert e.cmdlet is None or e.cmdlet in host.calls, e.message  # a refusal by the script, not by binding
    written = _script_shapes(name)
    for cmdlet, given, pipeline in host.shapes:
        shape = (cmdlet.lower(), frozenset(p.lower() for p in given), pipeline)
        assert shape in written, '%s calls %s -%s%s, which %s.ps1 never writes' % (
            name, cmdlet, ' -'.join(given), ' (from the pipeline)' if pipeline else '', name)


# --- the host's lease, as the scripts declare and check it (parts/lease.ps1) ---------------------------------------

def _fenced_scripts():
    """Every script that changes the host under its lease: all mutating host scripts but set_lease."""
    return sorted(name for name, operation in CATALOG.items()
                  if operation.mutating and not operation.guest and name != 'set_lease')


def _parameter_attributes(script, name):
    top = [c for c in script.tree.root_node.children if c.type == 'param_block']
    for block in top:
        for parameter in script.nodes('script_parameter', root=block):
            variable = next(c for c in parameter.children if c.type == 'variable')
            if script.text(variable)[1:].lower() == name.lower():
                # Its attributes as written, without the type it is cast to (the last [..] before the variable).
                declared = script.source[parameter.start_byte:variable.start_byte].decode('utf-8').replace(' ', '')
                return re.sub(r'\[[\w.]+\]$', '', declared.strip())
    return None


@pytest.mark.parametrize('name', _fenced_scripts())
def test_every_fenced_script_requires_a_token_and_checks_it_before_anything_else(name):
    script = _script(name)
    assert _parameter_attributes(script, 'LeaseToken') == '[Parameter(Mandatory=$true)][ValidateNotNullOrEmpty()]'
    first = next(call for call in script.calls() if call.name and call.name.lower() not in ('join-path',)
                 and script.enclosing(call.node, ('function_statement',)) is None)
    assert first.name == 'Assert-Lease' and first.has('Token'), 'the first command the script runs checks the lease'


def test_set_lease_requires_a_token_and_a_duration_within_the_controllers_bound():
    from ansible_collections.hyperv.dda.plugins.module_utils.bounds import LEASE_DURATION
    script = _script('set_lease')
    assert _parameter_attributes(script, 'Token') == '[Parameter(Mandatory=$true)][ValidateNotNullOrEmpty()]'
    bound = '[ValidateRange(%d,%d)]' % (LEASE_DURATION.low, LEASE_DURATION.high)
    assert _parameter_attributes(script, 'Seconds') == bound


def test_format_guest_disk_checks_the_hosts_lease_before_it_reaches_the_guest_through_the_host():
    script = _script('format_guest_disk')
    calls = [call.name for call in script.calls() if call.name in ('Assert-Lease', 'Invoke-Command')
             and script.enclosing(call.node, ('function_statement',)) is None]
    assert calls == ['Assert-Lease', 'Invoke-Command']


def test_tokens_are_compared_case_sensitively():
    # -eq/-ne ignore case for strings; -ceq/-cne do not (about_Comparison_Operators, PowerShell 5.1).
    for name in ('set_lease', 'set_vm_stop_action'):
        text = script_text(name)
        assert len(re.findall(r'Token\s+-c(eq|ne)\b', text)) >= 1
        assert re.findall(r'Token\s+-(i?eq|i?ne)\b', text) == [], name


def test_update_lease_checks_the_key_it_creates_and_closes_only_a_key_it_has():
    # RegistryKey.CreateSubKey returns null when the operation failed (.NET docs): a null key is refused with its own
    # message, before the finally that closes it.
    text = script_text('set_lease')
    created = text.index('CreateSubKey(')
    checked = text.index('if ($null -eq $key)', created)
    assert checked < text.index('try {', created) < text.index('$key.Close()', created)


def test_the_scripts_and_their_twins_say_the_same_words_of_the_lease():
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import lease_twins
    text = script_text('set_lease')
    for template in (lease_twins.UNREADABLE, lease_twins.NO_TOKEN, lease_twins.NOT_HELD):
        for fragment in template.split('%s'):
            assert fragment in text, fragment
    for fragment in ('whose record gives no end time (Until 0), so its time counts as run out',
                     'whose time ran out at ', 'host time (that run stopped renewing it)'):
        assert fragment in text
