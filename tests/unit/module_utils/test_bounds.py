"""The one number rule (module_utils/bounds.py): its edges are accepted, each range fits the type the script it
reaches declares for it, and the role's and the reclaim's plans refuse a bad timeout once, naming their variable."""
import importlib
import os
import re

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import GUEST_DISK_SPEC, NUMBERS, PASSTHROUGH_SPEC, \
    RECLAIM_SPEC
from ansible_collections.hyperv.dda.plugins.module_utils.bounds import ALLOCATION_UNIT_SIZE, DISK_NUMBER, \
    LOCK_TIMEOUT, SHUTDOWN_TIMEOUT, STARTUP_BYTES, checked_number
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run
from ansible_collections.hyperv.dda.plugins.plugin_utils.reclaim_plan import plan_reclaim

from ddatest import ROOT, load_example

BOUNDS = [SHUTDOWN_TIMEOUT, STARTUP_BYTES, ALLOCATION_UNIT_SIZE, DISK_NUMBER, LOCK_TIMEOUT]
# The script parameter each number is passed to, and the largest value of the type PowerShell declares it with.
PS_TYPES = {'[int]': 2 ** 31 - 1, '[long]': 2 ** 63 - 1}
PASSED_TO = [(SHUTDOWN_TIMEOUT, 'set_vm_power.ps1', 'ShutdownTimeout'),
             (STARTUP_BYTES, 'set_vm_memory.ps1', 'StartupBytes'),
             (ALLOCATION_UNIT_SIZE, 'format_guest_disk.ps1', 'AllocationUnitSize'),
             (DISK_NUMBER, 'format_guest_disk.ps1', 'DiskNumber')]


@pytest.mark.parametrize('bound', BOUNDS, ids=lambda bound: bound.describe())
def test_the_edges_are_numbers_as_written(bound):
    for number in (bound.low, bound.high):
        assert checked_number(number, 'x', bound) == number
        assert checked_number(str(number), 'x', bound) == number  # Ansible 2.16 templates "{{ 300 }}" to '300'


@pytest.mark.parametrize('bound,script,parameter', PASSED_TO, ids=[case[2] for case in PASSED_TO])
def test_each_range_fits_the_type_its_script_declares(bound, script, parameter):
    with open(os.path.join(ROOT, 'powershell', script), encoding='utf-8') as handle:
        declared = re.search(r'(\[int\]|\[long\])\$%s\b' % parameter, handle.read())
    assert declared, '%s declares no [int] or [long] $%s' % (script, parameter)
    assert 0 <= bound.low <= bound.high <= PS_TYPES[declared.group(1)]


def test_a_fraction_is_a_number_of_seconds_only_where_the_range_says_so():
    assert checked_number('0.2', 'hyperv_dda_simulator_lock_timeout', LOCK_TIMEOUT) == 0.2
    with pytest.raises(DDAError, match='shutdown_timeout must be a whole number of seconds from 0 to 2147483647; '
                                       'got 0.5.'):
        checked_number(0.5, 'shutdown_timeout', SHUTDOWN_TIMEOUT)


def _int_options(spec):
    for name, option in spec.items():
        if option.get('type') == 'int':
            yield name
        yield from _int_options(option.get('options') or {})


def test_every_int_option_and_variable_has_a_range():
    specs = [PASSTHROUGH_SPEC, RECLAIM_SPEC, GUEST_DISK_SPEC]
    for name in os.listdir(os.path.join(ROOT, 'plugins', 'action')):
        if name.endswith('.py'):
            specs.append(importlib.import_module('ansible_collections.hyperv.dda.plugins.action.' + name[:-3])
                         .ActionModule.ARGUMENT_SPEC)
    names = set(name for spec in specs for name in _int_options(spec))
    assert 'nvme_passthrough_shutdown_timeout' in names and 'dda_reclaim_shutdown_timeout' in names
    assert names <= set(NUMBERS)


@pytest.mark.parametrize('value', [-1, True, '\u0663\u0660\u0660', float('inf')])
def test_the_role_plan_refuses_its_timeout_once_naming_the_variable(value):
    # Handed to plan_run directly (the module and the filter check it before): one error, no steps.
    doc = load_example('two_nvme_server')
    settings = {'vm_name': 'sql01', 'devices': [{'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'}],
                'state': 'present', 'allow_vm_restart': True, 'shutdown_timeout': value, 'stop_action': 'TurnOff',
                'disable_dynamic_memory': True, 'allow_mounted_volumes': False, 'guest': 'none',
                'force_format': False, 'restore_vm_settings': False}
    plan = plan_run(doc, settings)
    assert plan['steps'] == [] and len(plan['errors']) == 1
    assert plan['errors'][0].startswith('nvme_passthrough_shutdown_timeout must be a whole number of seconds from 0 '
                                        'to 2147483647; got ')


@pytest.mark.parametrize('value', [-1, True, '\u0663\u0660\u0660', float('nan')])
def test_the_reclaim_plan_refuses_its_timeout_once_naming_the_variable(value):
    doc = load_example('left_behind')
    for vm in doc['vms']:
        if vm.get('stale_assignments'):
            vm['state'] = 'Running'  # its reclaim shuts it down and starts it again: two power steps
    with pytest.raises(DDAError) as refused:
        plan_reclaim(doc, {'devices': None, 'allow_vm_restart': True, 'shutdown_timeout': value})
    message = refused.value.msg
    assert message.startswith('dda_reclaim_shutdown_timeout must be a whole number of seconds from 0 to 2147483647; '
                              'got ') and message.count(' must be ') == 1
