# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a planner returns: plain data saying what would change, and what the task reports."""

from __future__ import annotations


class Plan(object):
    """The outcome of planning one task.

    ``steps`` are the changes to apply, in order (empty: nothing to do, changed is false);
    ``result`` holds the task's return values as they will be after the steps; ``before`` and
    ``after`` are the managed settings for diff mode; ``warnings`` are shown to the user.
    """

    def __init__(self, steps=(), result=None, before=None, after=None, warnings=()):
        self.steps = list(steps)
        self.result = dict(result or {})
        self.before = before
        self.after = after
        self.warnings = list(warnings)

    @property
    def changed(self):
        return bool(self.steps)

    @property
    def diff(self):
        if self.before is None and self.after is None:
            return None
        return {'before': self.before, 'after': self.after}
