"""The planner filters (nvme_passthrough_plan, dda_reclaim_plan): the planners' answers, and bad input as filter
errors."""
import pytest

from ansible.errors import AnsibleFilterError

from ddatest import load_example

from ansible_collections.hyperv.dda.plugins.filter.dda_reclaim_plan import dda_reclaim_plan
from ansible_collections.hyperv.dda.plugins.filter.nvme_passthrough_plan import nvme_passthrough_plan
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import without_sim_fields

ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'}],
        'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True}


def test_the_filters_plan_as_their_planners_do():
    plan = nvme_passthrough_plan(without_sim_fields(load_example('two_nvme_server')), ROLE)
    assert plan['errors'] == [] and plan['shutdown'] is True
    reclaim = dda_reclaim_plan(without_sim_fields(load_example('left_behind')), {})
    assert [step['key'] for step in reclaim['steps']] == ['remove_stale', 'restart', 'mount', 'enable']


@pytest.mark.parametrize('plan, settings', [(nvme_passthrough_plan, ROLE), (dda_reclaim_plan, {})])
def test_what_is_not_a_snapshot_fails_the_filter(plan, settings):
    with pytest.raises(AnsibleFilterError, match='needs a hyperv.dda snapshot: host: is missing'):
        plan({'schema': 'hyperv.dda.snapshot/v1', 'devices': [], 'vms': []}, settings)


@pytest.mark.parametrize('plan, settings, fragment', [
    (nvme_passthrough_plan, dict(ROLE, nvme_passthrough_devices='not a list'), 'nvme_passthrough variables are not'),
    (dda_reclaim_plan, {'dda_reclaim_allow_vm_restart': 'perhaps'}, 'dda_reclaim variables are not valid'),
])
def test_bad_variables_fail_the_filter_naming_them(plan, settings, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        plan(without_sim_fields(load_example('left_behind')), settings)


def test_the_reclaim_refuses_a_scoped_survey():
    snapshot = dict(without_sim_fields(load_example('left_behind')),
                    scope={'vm_names': ['sql03'], 'location_paths': [], 'instance_ids': [], 'serial_numbers': []})
    with pytest.raises(AnsibleFilterError, match='needs a survey of the whole host'):
        dda_reclaim_plan(snapshot, {})
