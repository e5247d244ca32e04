# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument-spec pieces shared by several modules (checked against each module's docs by a test)."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.selectors import DEVICE_SELECTORS

DEVICE_SELECTOR_SPEC = dict((name, {'type': 'str'}) for name in DEVICE_SELECTORS)
DEVICE_SELECTOR_RULES = {
    'mutually_exclusive': [list(DEVICE_SELECTORS)],
    'required_one_of': [list(DEVICE_SELECTORS)],
}

VM_NAME_SPEC = {'vm_name': {'type': 'str', 'required': True}}


def spec(*parts, **options):
    """One argument spec from shared parts and the module's own options."""
    merged = {}
    for part in parts + (options,):
        merged.update(part)
    return merged
