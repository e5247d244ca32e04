# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import reclaim_settings
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.reclaim_plan import plan_reclaim
from ansible_collections.hyperv.dda.plugins.plugin_utils.filter_data import plan_snapshot


def _reclaim(snapshot, settings):
    if snapshot.get('scope'):
        raise DDAError('dda_reclaim_plan needs a survey of the whole host (hyperv.dda.hyperv_dda_info): what is left '
                       'behind is found across all its devices and VMs.')
    return plan_reclaim(snapshot, reclaim_settings(settings))


def dda_reclaim_plan(snapshot, settings):
    """What dda_reclaim would do on a host, from its snapshot (hyperv_dda_info) and the dda_reclaim_ variables."""
    return plan_snapshot('dda_reclaim_plan', snapshot, settings, _reclaim)


class FilterModule(object):

    def filters(self):
        return {'dda_reclaim_plan': dda_reclaim_plan}
