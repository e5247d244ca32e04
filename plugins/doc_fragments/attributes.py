# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The attributes of every module that changes a Hyper-V host.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    support: full
    description: Reports exactly what would change and changes nothing. After an earlier task of the collection that
      changes the host, in the same run, the task plans on the host as that change would leave it (handed on as the
      host fact C(hyperv_dda__check_mode_chain)), so a chain run with C(--check) fails where the real run fails.
      Outside check mode C(changed) is what the task did on the host, so a host that reached the planned state by
      other means since it was surveyed reports no change.
  diff_mode:
    support: full
    description: Returns C(before) and C(after) of the settings the module manages.
  platform:
    support: full
    platforms: windows
    description: Runs against a Hyper-V host (Windows Server 2016 or later, Azure Local).
'''
