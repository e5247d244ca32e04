"""The VM's requirements, once (issue 22): every caller decides from the same coded items, by its own policy.

For each code, one host where the VM has just that, and the device to assign: vm_assignable_device, the role's plan,
hyperv_dda_info and the audit each do what their policy says with the item, in the item's words. The module refuses
what the role refuses.
"""
import pytest

from ddatest import load_example

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError
from ansible_collections.hyperv.dda.plugins.plugin_utils import fleet_report
from ansible_collections.hyperv.dda.plugins.plugin_utils.device_plans import MODULE_POLICY, vm_device_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.info import info_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run, role_policy
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_checks import INFO_POLICY
from ansible_collections.hyperv.dda.plugins.plugin_utils.vm_requirements import ACTIONS, CODES, IGNORE, PLAN, \
    REFUSE, WARN, vm_requirements

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'


def _away(device, recorded):
    """A device the collection took from the host: no survey figures, its MMIO need recorded (None: not)."""
    device.update(state='dismounted', survey=None, problem_code=None, recorded_mmio_mb=recorded)


def _ready():
    """two_nvme_server with sql01 ready for the Samsung: off, stop action TurnOff, static memory; the Samsung
    dismounted by the collection."""
    doc = load_example('two_nvme_server')
    doc['vms'][0].update(state='Off', automatic_stop_action='TurnOff', dynamic_memory_enabled=False,
                         guest_shutdown_available=None)
    _away(doc['devices'][0], 1)
    return doc


def _too_small(doc):
    """sql01 already holds the Intel drive, and has no high MMIO space: too little for it, and for the Samsung."""
    _away(doc['devices'][1], 1)
    doc['vms'][0].update(assigned_devices=[INTEL], high_mmio_bytes=0)


# code: (how the host differs from _ready, the role's variables)
SCENARIOS = {
    'clustered': (lambda doc: doc['vms'][0].update(is_clustered=True), {}),
    'dynamic_memory': (lambda doc: doc['vms'][0].update(dynamic_memory_enabled=True), {}),
    'stop_action_save': (lambda doc: doc['vms'][0].update(automatic_stop_action='Save'), {}),
    'stale_assignments': (lambda doc: doc['vms'][0].update(stale_assignments=2), {}),
    'mmio_too_small': (_too_small, {}),
    'mmio_unknown': (lambda doc: doc['devices'][0].update(recorded_mmio_mb=None), {}),
    'vm_not_off': (lambda doc: doc['vms'][0].update(state='Running', guest_shutdown_available=True), {}),
    'generation_1': (lambda doc: doc['vms'][0].update(generation=1), {}),
    'nested_virtualization': (lambda doc: doc['vms'][0].update(expose_virtualization_extensions=True), {}),
    'gpu_partitioning': (lambda doc: doc['vms'][0].update(gpu_partition_adapters=1), {}),
    'guest_shutdown_unavailable': (lambda doc: doc['vms'][0].update(guest_shutdown_available=False), {}),
    'restart_pending': (lambda doc: doc['vms'][0].update(restart_pending=True), {}),
}
CASES = [(code, {}) for code in CODES] + [('dynamic_memory', {'disable_dynamic_memory': False})]


def _host(code):
    doc = _ready()
    SCENARIOS[code][0](doc)
    return doc


def _settings(values):
    base = dict({'vm_name': 'sql01', 'devices': [{'location_path': SAMSUNG}], 'allow_vm_restart': True,
                 'disable_dynamic_memory': True}, **values)
    return passthrough_settings(dict(('nvme_passthrough_' + key, value) for key, value in base.items()))


def _item(items, code):
    found = [item for item in items if item['code'] == code]
    return found[0] if found else None


def _module(doc):
    """vm_assignable_device assigning the Samsung to sql01: (refusal message or None, warnings)."""
    args = {'location_path': SAMSUNG, 'instance_id': None, 'serial_number': None, 'vm_name': 'sql01',
            'state': 'present', 'remove_stale': False}
    try:
        plan = vm_device_plan(args, doc, False)
    except PreconditionError as e:
        return e.msg, []
    assert [step.script for step in plan.steps] == ['set_vm_device']
    return None, plan.warnings


def test_every_caller_has_a_decision_for_every_code():
    """A new code needs each caller's decision: decide() fails on a code a policy does not name."""
    for policy in (MODULE_POLICY, INFO_POLICY, role_policy({'disable_dynamic_memory': True}),
                   role_policy({'disable_dynamic_memory': False})):
        assert sorted(policy) == sorted(CODES) and set(policy.values()) <= set(ACTIONS)
    assert sorted(SCENARIOS) == sorted(CODES)


@pytest.mark.parametrize('code,values', CASES, ids=[code + ('-kept' if values else '') for code, values in CASES])
def test_the_module_the_role_info_and_the_audit_decide_from_the_same_item(code, values):
    doc = _host(code)
    vm = doc['vms'][0]
    item = _item(vm_requirements(doc, vm, new=[SAMSUNG]), code)
    assert item is not None and [i['code'] for i in vm_requirements(_ready(), _ready()['vms'][0], [SAMSUNG])] == []
    settings = _settings(values)

    # The module, assigning the Samsung: it refuses with the item's words (naming the module that fixes it).
    refusal, warnings = _module(doc)
    module = MODULE_POLICY[code]
    if module == REFUSE:
        assert refusal == 'Cannot assign %s: %s' % (SAMSUNG, item['message'])
        assert item['fix'] is None or 'hyperv.dda.%s' % item['fix'] in refusal
    else:
        assert refusal is None
        assert (item['message'] in warnings) is (module == WARN), warnings

    # The role: refuses in the item's words (its own remedy where its variable fixes it), plans the step that fixes
    # it, or warns.
    plan = plan_run(doc, settings)
    role = role_policy(settings)[code]
    refused = [error for error in plan['errors'] if error.startswith(item['problem'])]
    assert bool(refused) is (role == REFUSE), plan['errors']
    if role == REFUSE:
        assert module == REFUSE, 'the module refuses what the role refuses'
        assert plan['steps'] == []
    if role == PLAN:
        assert plan['errors'] == [] and item['fix'] in [step['module'] for step in plan['steps']], plan['steps']
        assert module in (REFUSE, IGNORE), 'the module does not plan: what a step of the role fixes, it refuses'
    assert (item['message'] in plan['warnings']) is (role == WARN), plan['warnings']
    if role == WARN:
        assert module == WARN, 'the module warns what the role warns'

    # hyperv_dda_info and the audit: the VM as it is, no device to assign.
    verdict = next(entry for entry in info_plan({}, doc).result['vms'] if entry['name'] == 'sql01')
    row = next(row for row in fleet_report.build({'hv01': {'snapshot': doc}})['vms'] if row['vm'] == 'sql01')
    seen = _item(vm_requirements(doc, vm), code)
    info = INFO_POLICY[code]
    if seen is None:
        assert info == IGNORE, 'info sees no device to assign, so a code about one is not its concern'
        return
    assert (seen['message'] in verdict['reasons']) is (info == REFUSE), verdict['reasons']
    assert (seen['message'] in verdict['warnings']) is (info == WARN), verdict['warnings']
    assert (seen['message'] in row['problems']) is (info == REFUSE) and (seen['message'] in row['warnings']) is (
        info == WARN), row
    if role == REFUSE:
        assert info == REFUSE, 'what the role refuses, info reports as a problem of the VM'
