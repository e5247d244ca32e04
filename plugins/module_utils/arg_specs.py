# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument-spec pieces shared by several modules (checked against each module's docs by a test)."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import DISK_SELECTORS
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import DEVICE_SELECTORS

DEVICE_SELECTOR_SPEC = dict((name, {'type': 'str'}) for name in DEVICE_SELECTORS)
DEVICE_SELECTOR_RULES = {
    'mutually_exclusive': [list(DEVICE_SELECTORS)],
    'required_one_of': [list(DEVICE_SELECTORS)],
}

VM_NAME_SPEC = {'vm_name': {'type': 'str', 'required': True}}

# Every host module: a snapshot to plan from instead of surveying the host (the role hands its own).
SURVEY_SPEC = {'survey': {'type': 'dict'}}

# The VM settings the role changes for DDA, kept as they were so that a release can give them back.
PREVIOUS_SPEC = {'previous': {'type': 'str', 'choices': ['remember', 'forget']}}


def spec(*parts, **options):
    """One argument spec from shared parts and the module's own options."""
    merged = {}
    for part in parts + (options,):
        merged.update(part)
    return merged


# guest_nvme_disk: one spec for both guests. The action plugin validates it on the controller; the
# Python module that does the work in a Linux guest validates it again there. Options that do not
# apply to the guest's OS are refused by that OS's planner (guest_plans, linux_disk_plans).
GUEST_DISK_SPEC = {
    'serial_number': {'type': 'str'},
    'adapter_serial_number': {'type': 'str'},
    'unique_id': {'type': 'str'},
    'disk_number': {'type': 'int'},
    'partition_style': {'type': 'str', 'default': 'gpt', 'choices': ['gpt', 'mbr']},
    'file_system': {'type': 'str', 'choices': ['ntfs', 'refs', 'ext4', 'xfs']},
    'label': {'type': 'str'},
    'drive_letter': {'type': 'str'},
    'access_path': {'type': 'str'},
    'allocation_unit_size': {'type': 'int'},
    'mount_point': {'type': 'str'},
    'mount_options': {'type': 'str'},
    'fstab': {'type': 'str'},
    'state': {'type': 'str', 'default': 'formatted', 'choices': ['formatted', 'online']},
    'force': {'type': 'bool', 'default': False},
    'vm_name': {'type': 'str'},
    # Windows guests: a guest survey to plan from instead of surveying the guest (the role hands its own).
    'survey': {'type': 'dict'},
    'guest_credential': {'type': 'dict', 'options': {
        'username': {'type': 'str', 'required': True},
        'password': {'type': 'str', 'required': True, 'no_log': True},
    }},
}
GUEST_DISK_RULES = {
    'mutually_exclusive': [list(DISK_SELECTORS), ['drive_letter', 'access_path']],
    'required_one_of': [list(DISK_SELECTORS)],
    'required_together': [['vm_name', 'guest_credential']],
}
