# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import reclaim_settings
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.reclaim_plan import plan_reclaim
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.plain import plain


def dda_reclaim_plan(snapshot, settings):
    """What dda_reclaim would do on a host, from its snapshot (hyperv_dda_info) and the dda_reclaim_ variables."""
    snapshot, settings = plain(snapshot), plain(settings)
    problems = validate(snapshot)
    if problems:
        raise AnsibleFilterError('dda_reclaim_plan needs a hyperv.dda snapshot: %s' % '; '.join(problems[:5]))
    if snapshot.get('scope'):
        raise AnsibleFilterError('dda_reclaim_plan needs a survey of the whole host (hyperv.dda.hyperv_dda_info): '
                                 'what is left behind is found across all its devices and VMs.')
    try:
        return plan_reclaim(snapshot, reclaim_settings(settings))
    except DDAError as e:
        raise AnsibleFilterError(e.msg)


class FilterModule(object):

    def filters(self):
        return {'dda_reclaim_plan': dda_reclaim_plan}
