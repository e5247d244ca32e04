# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.passthrough_plan import plan_run
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.plain import plain


def nvme_passthrough_plan(snapshot, settings):
    """What the role would do on a host, from its snapshot and the role's variables (no round trip)."""
    snapshot, settings = plain(snapshot), plain(settings)
    problems = validate(snapshot)
    if problems:
        raise AnsibleFilterError('nvme_passthrough_plan needs a hyperv.dda snapshot: %s' % '; '.join(problems[:5]))
    try:
        return plan_run(snapshot, passthrough_settings(settings), check_mode=True)
    except DDAError as e:
        raise AnsibleFilterError(e.msg)


class FilterModule(object):

    def filters(self):
        return {'nvme_passthrough_plan': nvme_passthrough_plan}
