# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.role_story import failure_message, failure_story, \
    power_outcome, reclaim_failure_story, restart_steps


class FilterModule(object):

    def filters(self):
        return {'failure_message': failure_message, 'power_outcome': power_outcome, 'failure_story': failure_story,
                'reclaim_failure_story': reclaim_failure_story, 'restart_steps': restart_steps}
