"""A module task surveys only what it names (issue 14), and plans exactly as from the whole host.

- a scoped survey reports records equal to the whole survey's, for the VMs and devices it covers;
- every planner gives the same plan (or the same refusal) from the scoped survey as from the whole one,
  falling back to the whole host where it needs more (OutsideScope), on every example host, for every VM
  and every way of naming every device;
- its cost in cmdlet calls is the same on a host of 2 or 64 controllers and 10 or 400 VMs.
"""
import os
import sys

import pytest

from ddatest import EXAMPLE_NAMES, ROOT, load_example, surveyed

from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host

from ansible_collections.hyperv.dda.plugins.plugin_utils import device_plans, vm_plans
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError, OutsideScope
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import survey_scope
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, validate

sys.path.insert(0, os.path.join(ROOT, 'tests', 'evidence'))
import big_host  # noqa: E402


def _survey(doc, scope=None):
    result = surveyed(doc, None if scope is None else survey_scope(*scope))
    assert validate(result) == []
    return result


def _namings(doc):
    """Every (selector, value) that names a device of the host, and one that names none."""
    found = [('serial_number', 'NO-SUCH-SERIAL')]
    for device in doc['devices']:
        found += [('location_path', location_path(device)), ('instance_id', device['instance_id'].lower())]
        found += [('serial_number', disk[key] + ' ') for disk in device['disks'] or []
                  for key in ('serial_number', 'adapter_serial_number') if disk.get(key)]
    return found


def _cases():
    for name in EXAMPLE_NAMES:
        doc = load_example(name)
        for vm in [vm['name'] for vm in doc['vms']] + ['no-such-vm']:
            for naming in _namings(doc):
                yield name, vm.upper(), naming


CASES = list(_cases())


@pytest.mark.parametrize('example, vm, naming', CASES)
def test_scoped_survey_reports_what_the_whole_survey_reports(example, vm, naming):
    doc = load_example(example)
    whole = _survey(doc)
    scoped = _survey(doc, ([vm], [naming]))
    for key in ('devices', 'vms'):
        for record in scoped[key]:
            assert record in whole[key]
    held = set(path for record in scoped['vms'] for path in record['assigned_devices'])
    assert held <= set(location_path(device) for device in scoped['devices'])


def _outcome(planner, args, snapshot, whole):
    try:
        try:
            plan = planner(dict(args), snapshot, False)
        except OutsideScope:
            plan = planner(dict(args), whole, False)
    except DDAError as e:
        return 'refused', e.msg
    return [(step.script, step.parameters) for step in plan.steps], plan.result, plan.warnings


def _plans(vm, naming):
    key, value = naming
    device = dict.fromkeys(('location_path', 'instance_id', 'serial_number'))
    device[key] = value
    return [
        (vm_plans.stop_action_plan, {'vm_name': vm, 'action': 'TurnOff'}),
        (vm_plans.memory_plan, {'vm_name': vm, 'dynamic_memory': False, 'startup_bytes': None}),
        (vm_plans.power_plan, {'vm_name': vm, 'state': 'off', 'shutdown_timeout': 300, 'turn_off_on_timeout': False}),
        (device_plans.pnp_device_plan, dict(device, state='disabled', allow_mounted_volumes=False)),
        (device_plans.host_device_plan, dict(device, state='dismounted', force=False)),
        (device_plans.host_device_plan, dict(device, state='mounted', force=False)),
        (device_plans.vm_device_plan, dict(device, vm_name=vm, state='present')),
        (device_plans.vm_device_plan, dict(device, vm_name=vm, state='absent')),
    ]


@pytest.mark.parametrize('example, vm, naming', CASES)
def test_every_planner_plans_the_same_from_a_scoped_survey(example, vm, naming):
    doc = load_example(example)
    whole = _survey(doc)
    for planner, args in _plans(vm, naming):
        # The scope each module asks for (DDAAction.survey_scope): its vm_name and its device selector.
        scoped = _survey(doc, ([vm] if 'vm_name' in args else [], [naming] if 'location_path' in args else []))
        assert _outcome(planner, args, scoped, whole) == _outcome(planner, args, whole, whole), planner.__name__


@pytest.mark.parametrize('where', big_host.WHERE)
def test_a_scoped_survey_costs_the_same_calls_whatever_the_hosts_size(where):
    calls = set()
    # From 4 controllers on, every generated host has a device away and so the collection's records (with 2, none:
    # the survey then does not list the record key, one call less).
    for controllers in (4, 16, 64):
        for vms in (10, 100, 400):
            doc = big_host.host(controllers, vms, where)
            calls.add(big_host.survey_cost(doc, scoped=True)[0])
            whole = big_host.survey_cost(doc, scoped=False)[0]
            assert whole >= max(calls)
    assert len(calls) == 1, 'cmdlet calls of a scoped survey: %s' % sorted(calls)


def test_only_a_device_held_by_another_vm_makes_a_scoped_survey_ask_every_vm():
    for where in big_host.WHERE:
        lookups = set(big_host.assignment_lookups(big_host.host(16, vms, where)) for vms in (10, 100, 400))
        assert (len(lookups) == 1) is (where != 'assigned to another VM'), where


def test_a_scoped_survey_reads_every_vms_hard_disk_drives_in_one_call():
    # A disk passed through to any VM must stay on the host, whatever the task names (host_reads.py).
    for vms in (10, 100, 400):
        host = SimulatedHost(big_host.host(16, vms, big_host.WHERE[0]))
        survey_host(host, survey_scope(['vm0000'], [('serial_number', 'ASN000000')]))
        assert host.calls.count('Get-VMHardDiskDrive') == 1 and host.cost_by_cmdlet['Get-VMHardDiskDrive'] == vms
