# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain data for the planners, from what Ansible hands a filter."""

from __future__ import annotations

import json


def plain(value):
    """A plain copy of JSON-like data. What Ansible hands a filter can be lazy containers that template each value as
    it is read; the planners read and copy a snapshot many times, which made the audit's drift section 150 ms a host
    slower (measured: 33 s instead of 3 s for 50 hosts)."""
    return json.loads(json.dumps(value))
