# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Typed errors of the domain layer.

Each error carries a whole-sentence message (object, reason, remedy) and optional result data;
the action template turns any of them into ``failed``/``msg`` in one place.
"""

from __future__ import annotations


class DDAError(Exception):
    """Base of every error the collection reports to the user."""

    def __init__(self, msg, **result):
        super(DDAError, self).__init__(msg)
        self.msg = msg
        self.result = result


class SnapshotError(DDAError):
    """A snapshot document does not follow hyperv.dda.snapshot/v1."""


class SelectorError(DDAError):
    """A device or VM selector matched nothing, or more than one thing."""


class PreconditionError(DDAError):
    """The host is not in a state where the requested change can be made."""


class OutsideScope(Exception):
    """A plan needs more of the host than a scoped survey reported (a VM or device it did not name).

    Not a DDAError: it never reaches the user as a failure. The task surveys the whole host and plans
    again (plugin_utils/action_template.py).
    """
