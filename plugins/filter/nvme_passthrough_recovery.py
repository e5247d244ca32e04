# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.recovery_plan import plan_recovery


def nvme_passthrough_recovery(plan, after, target='found', part=None):
    """What a failed run of the role gives back (target found) or finishes (target planned), from the host as read
    after the failure; part: power_window (what needs the VM off, and the start) or after_window (the rest)."""
    try:
        return plan_recovery(plan, after, target, part)
    except DDAError as e:
        raise AnsibleFilterError('nvme_passthrough_recovery: %s' % e.msg)


class FilterModule(object):

    def filters(self):
        return {'nvme_passthrough_recovery': nvme_passthrough_recovery}
