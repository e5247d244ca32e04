# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hyperv.dda.plugins.plugin_utils.fleet_report import build
from ansible_collections.hyperv.dda.plugins.plugin_utils.report_render import render
from ansible_collections.hyperv.dda.plugins.plugin_utils.filter_data import plain


def dda_report(surveys, fmt='markdown', made=None, unreachable=None, desired=None):
    try:
        return render(build(plain(surveys), made=made, unreachable=plain(unreachable or []),
                            desired=plain(desired)), fmt)
    except (KeyError, TypeError, ValueError) as e:
        raise AnsibleFilterError('dda_report needs {host: hyperv_dda_info result}: %s' % e)


class FilterModule(object):

    def filters(self):
        return {'dda_report': dda_report}
