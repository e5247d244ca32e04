# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run
from ansible_collections.hyperv.dda.plugins.plugin_utils.filter_data import plan_snapshot


def nvme_passthrough_plan(snapshot, settings):
    """What the role would do on a host, from its snapshot and the role's variables (no round trip)."""
    return plan_snapshot('nvme_passthrough_plan', snapshot, settings, lambda snapshot, settings: plan_run(
        snapshot, passthrough_settings(settings), check_mode=True))


class FilterModule(object):

    def filters(self):
        return {'nvme_passthrough_plan': nvme_passthrough_plan}
