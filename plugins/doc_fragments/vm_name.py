# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  vm_name:
    description:
      - Name of the VM, compared case-insensitively. It must name exactly one VM of the host.
    type: str
    required: true
'''
