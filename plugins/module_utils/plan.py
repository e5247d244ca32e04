# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""What a planner returns: plain data saying what would change, and what the task reports."""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError

# One run of a named mutating script: the script's name and its parameters.
Step = namedtuple('Step', 'script parameters')


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


def option(args, name):
    """How a message names an option: as the module's, or as the variable of the role that calls the planner."""
    return (args.get('_option_names') or {}).get(name, name)


class Preconditions(object):
    """The one rule for a precondition that is not met (api.md, "Every module").

    ``require(ok, msg)`` is an impossibility: it fails, in check mode too.
    ``require(ok, msg, earlier_step=True)`` is something an earlier step of the documented chain
    establishes (disabled before dismount, VM off before assign...): in check mode that step has
    not really run, so it becomes a warning and the task reports what it would change; outside
    check mode it fails.
    """

    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.warnings = []

    def require(self, ok, msg, earlier_step=False):
        if ok:
            return
        if earlier_step and self.check_mode:
            self.warnings.append('%s In check mode this assumes an earlier step of the chain does it.' % msg)
            return
        raise PreconditionError(msg)
