# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.errors import SnapshotError
from ansible_collections.hyperv.dda.plugins.module_utils.info import info_plan
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction


class ActionModule(DDAAction):

    ARGUMENT_SPEC = {
        'vm_names': {'type': 'list', 'elements': 'str'},
    }

    def probe(self, backend, args):
        snapshot, dummy = backend.run('survey_host')
        problems = validate(snapshot)
        if problems:
            raise SnapshotError(
                'The survey of the host returned a document that is not a valid snapshot (%s). This is a bug '
                'in hyperv.dda: please report it with the output of this task at -vvv.' % '; '.join(problems[:5]),
                problems=problems)
        return snapshot

    def plan(self, args, observed):
        return info_plan(observed, args['vm_names'])
