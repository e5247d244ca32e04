# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import validate
from ansible_collections.hyperv.dda.plugins.plugin_utils.filter_data import plain
from ansible_collections.hyperv.dda.plugins.plugin_utils.rehearsal import rehearsal_snapshot as snapshot_for_rehearsal


def rehearsal_snapshot(snapshot, plan=None):
    """A host's snapshot as hyperv.dda.capture_snapshot saves it: each VM with its guest's view, or why it has none."""
    snapshot = plain(snapshot)
    problems = validate(snapshot)
    if problems:
        raise AnsibleFilterError('rehearsal_snapshot needs a hyperv.dda snapshot: %s' % '; '.join(problems[:5]))
    return snapshot_for_rehearsal(snapshot, plain(plan) if plan else None)


class FilterModule(object):

    def filters(self):
        return {'rehearsal_snapshot': rehearsal_snapshot}
