"""The contract between each .ps1 and its simulator twin: same result keys, same parameters.

The keys a script puts into $Ansible.Result are read statically from its syntax tree; the twin's
are read by running it on an example host. For survey_host, whose result is the snapshot, every
field of the snapshot schema must be built by the script, and the script builds no other field.
"""
import os
import sys

import pytest

from ddatest import ROOT, load_example

sys.path.insert(0, os.path.join(ROOT, 'tests', 'pscheck'))
import pscheck  # noqa: E402

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import SNAPSHOT, field_names  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG, script_path  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS  # noqa: E402

# The parameters each action passes to each script (the planner's side of the contract).
PARAMETERS = {
    'survey_host': {},
}


def _script(name):
    with open(script_path(name), 'rb') as handle:
        return pscheck.Script(handle.read())


@pytest.mark.parametrize('name', sorted(CATALOG))
def test_result_keys_of_script_and_twin_are_equal(name):
    result, changed = TWINS[name](SimulatedHost(load_example('two_nvme_server')), PARAMETERS[name])
    assert _script(name).result_keys() == set(result)
    if not CATALOG[name].mutating:
        assert changed is False, 'a probe never reports a change'


@pytest.mark.parametrize('name', sorted(CATALOG))
def test_script_parameters_are_the_ones_passed(name):
    assert _script(name).script_parameters() == set(PARAMETERS[name])


def test_survey_builds_exactly_the_snapshot_fields():
    keys = {key for key in _script('survey_host').hashtable_keys() if not key.isdigit()}
    schema = field_names(SNAPSHOT)
    assert schema - keys == set(), 'fields of the schema the script never sets'
    assert keys - schema == set(), 'fields the script sets that the schema does not know'


def test_twin_of_survey_sets_every_field_a_real_host_reports():
    result, changed = TWINS['survey_host'](SimulatedHost(load_example('passed_through')), {})
    assert changed is False
    seen = set()

    def walk(value):
        if isinstance(value, dict):
            seen.update(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(result)
    survey_fields = {'device_type', 'acs_compatible_up_hierarchy', 'requires_reserved_memory_region', 'interrupts',
                     'mmio_mb', 'drive_letter', 'access_paths', 'volume', 'file_system', 'label',
                     'allocation_unit_size'}
    # passed_through has no survey (device away) and no partitions reported; all else must appear.
    assert field_names(SNAPSHOT) - survey_fields - seen == set()
