"""Bad role and playbook variables refused before anything changes (one simulated host per case, one run each).

Every number a user gives the role (nvme_passthrough_shutdown_timeout), the dda_reclaim playbook
(dda_reclaim_shutdown_timeout) and the simulator (hyperv_dda_simulator_lock_timeout) is tried with every kind of bad
value (ddatest.bad_numbers), set as a user sets it: in a YAML host_vars file, so that .inf, .nan and true arrive as
YAML makes them. Each is refused once, naming the variable and its range, with the state file byte-identical.
"""
import math
import os

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import LOCK_TIMEOUT, SHUTDOWN_TIMEOUT

from ddatest import bad_numbers
from fleet import Fleet

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
GOOD = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'location_path': SAMSUNG}],
        'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True}
CASES = {
    'no-vm': ({'nvme_passthrough_vm_name': None}, 'nvme_passthrough_vm_name'),
    'devices-not-a-list': ({'nvme_passthrough_devices': {'location_path': SAMSUNG}}, 'nvme_passthrough_devices'),
    'no-selector': ({'nvme_passthrough_devices': [{'drive_letter': 'E'}]}, 'needs exactly one of location_path'),
    'two-selectors': ({'nvme_passthrough_devices': [{'location_path': SAMSUNG, 'serial_number': 'S4EWNX0N123456'}]},
                      'needs exactly one of'),
    'same-device-twice': ({'nvme_passthrough_devices': [{'location_path': SAMSUNG},
                                                        {'serial_number': 'S4EWNX0N123456'}]}, 'select the same device'),
    'unknown-device': ({'nvme_passthrough_devices': [{'serial_number': 'NOPE'}]}, "No device on host HV01 matches"),
    'bad-state': ({'nvme_passthrough_state': 'gone'}, 'nvme_passthrough_state'),
    'save-stop-action': ({'nvme_passthrough_stop_action': 'Save'}, 'nvme_passthrough_stop_action'),
    'bad-guest-mode': ({'nvme_passthrough_guest': 'ssh'}, 'nvme_passthrough_guest'),
    'direct-without-credential': ({'nvme_passthrough_guest': 'powershell_direct'},
                                  'nvme_passthrough_guest is powershell_direct but all of the following are missing: '
                                  'nvme_passthrough_guest_credential'),
    'injection-vm-name': ({'nvme_passthrough_vm_name': "'; Stop-Computer; '"},
                          '''has no VM named "'; Stop-Computer; '" (VMs: sql01, web01). Check nvme_passthrough_vm_name.'''),
    'timeout-not-a-number': ({'nvme_passthrough_shutdown_timeout': 'soon'}, 'nvme_passthrough_shutdown_timeout'),
    'dynamic-memory-kept': ({'nvme_passthrough_disable_dynamic_memory': False}, 'uses dynamic memory'),
    'bad-file-system': ({'nvme_passthrough_devices': [{'location_path': SAMSUNG, 'file_system': 'fat32'}]},
                        'file_system'),
    # A list is not a VM name (its text was: no VM named "['sql01']").
    'vm-name-a-list': ({'nvme_passthrough_vm_name': ['sql01']},
                       "nvme_passthrough_vm_name must be a string; got a list, ['sql01']."),
    # No state file: the plan task fails, and says why (not "object of type 'dict' has no attribute 'errors'").
    'no-state-file': ({'hyperv_dda_simulator_state': 'missing.json'}, 'missing.json does not exist'),
}
# The numbers: (variable, its range, a valid value), each tried with every kind of bad value.
ROLE_NUMBERS = [('nvme_passthrough_shutdown_timeout', SHUTDOWN_TIMEOUT, 300),
                ('hyperv_dda_simulator_lock_timeout', LOCK_TIMEOUT, 60)]
RECLAIM_NUMBERS = [('dda_reclaim_shutdown_timeout', SHUTDOWN_TIMEOUT, 300),
                   ('hyperv_dda_simulator_lock_timeout', LOCK_TIMEOUT, 60)]


def _number_cases(numbers):
    """{host name: (variable, its range, the bad value)}."""
    return dict(('%s-%s' % (name, kind.replace(' ', '-')), (name, bound, value))
                for name, bound, valid in numbers for kind, value in bad_numbers(bound, valid))


def _yaml(value):
    """The value as a user writes it in YAML: .inf, .nan, true, a quoted string."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and math.isnan(value):
        return '.nan'
    if value == float('inf'):
        return '.inf'
    if isinstance(value, float) and '.' not in repr(value):
        return repr(value).replace('e', '.0e')  # YAML reads 1e+308 as a string, 1.0e+308 as a float
    return '"%s"' % value if isinstance(value, str) else repr(value)


def _host_vars(folder, cases):
    """Each case's number in its host's host_vars file, beside the inventory."""
    os.makedirs(os.path.join(folder, 'host_vars'))
    for host, (name, dummy, value) in cases.items():
        with open(os.path.join(folder, 'host_vars', host + '.yml'), 'w', encoding='utf-8') as handle:
            handle.write('%s: %s\n' % (name, _yaml(value)))


def _refused_once_before_any_change(fleet, result, host, fragment, before):
    assert result.recaps[host]['failed'] == 1, (host, result.recaps[host])
    message = result.failure(host)
    assert message and fragment in message, (host, message)
    assert message.count(' must be ') <= 1, (host, message)  # once, and no follow-on
    # The role's failed_when read the result of a task that failed before it planned (no state file): this once
    # replaced the message (older ansible-core) or stood beside it in the result (failed_when_result).
    assert 'Error while evaluating conditional' not in result.stdout, result.stdout
    if before is not None:
        assert open(fleet.state(host), 'rb').read() == before, host
    assert {call['script'] for call in fleet.calls(host)} <= {'survey_host'}, host


def test_bad_role_variables_fail_before_any_change(tmp_path):
    host_vars = {}
    for name, (change, dummy) in CASES.items():
        variables = dict(GOOD)
        variables.update(change)
        host_vars[name] = dict((k, v) for k, v in variables.items() if v is not None)
    numbers = _number_cases(ROLE_NUMBERS)
    hosts = dict((name, 'two_nvme_server') for name in list(CASES) + list(numbers))
    fleet = Fleet(str(tmp_path), hosts, dict(host_vars, **dict((name, dict(GOOD)) for name in numbers)))
    _host_vars(str(tmp_path), numbers)
    before = dict((name, open(fleet.state(name), 'rb').read()) for name in hosts)
    result = fleet.play('playbooks/nvme_passthrough.yml')
    for name, (dummy, fragment) in CASES.items():
        _refused_once_before_any_change(fleet, result, name, fragment, before[name])
    assert not os.path.exists(os.path.join(str(tmp_path), 'missing.json'))
    for host, (name, bound, dummy) in numbers.items():
        _refused_once_before_any_change(fleet, result, host, '%s must be %s; got ' % (name, bound.describe()),
                                        before[host])


def _left_behind_running(doc):
    """left_behind, with the VM that holds a stale assignment running: its reclaim shuts it down."""
    for vm in doc['vms']:
        if vm.get('stale_assignments'):
            vm['state'] = 'Running'


def test_bad_reclaim_variables_fail_once_before_any_change(tmp_path):
    numbers = _number_cases(RECLAIM_NUMBERS)
    fleet = Fleet(str(tmp_path), dict((host, ('left_behind', _left_behind_running)) for host in numbers),
                  dict((host, {'dda_reclaim_allow_vm_restart': True}) for host in numbers))
    _host_vars(str(tmp_path), numbers)
    before = dict((host, open(fleet.state(host), 'rb').read()) for host in numbers)
    result = fleet.play('playbooks/dda_reclaim.yml')
    for host, (name, bound, dummy) in numbers.items():
        _refused_once_before_any_change(fleet, result, host, '%s must be %s; got ' % (name, bound.describe()),
                                        before[host])
