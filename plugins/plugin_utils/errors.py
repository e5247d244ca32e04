# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Errors raised by the controller glue (backends, configuration)."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.known_failures import explain


class ConfigurationError(DDAError):
    """A host variable of the collection (backend, simulator state) is wrong."""


class HostCommandError(DDAError):
    """A cmdlet failed on the host (or in the simulator): carries the cmdlet's own message.

    ``cmdlet`` names the failing cmdlet, ``error_id`` is PowerShell's FullyQualifiedErrorId and
    ``category`` its ErrorCategory, so callers can tell failures apart without parsing text.
    """

    def __init__(self, script, message, cmdlet=None, error_id=None, category=None):
        where = ' (%s)' % cmdlet if cmdlet else ''
        # A known failure whose cause is far away (firmware, policy, edition) gets its cause and remedy after it.
        super(HostCommandError, self).__init__(
            'Script %s failed on the host%s: %s%s' % (script, where, message, explain(cmdlet, message)),
            host_error={'script': script, 'cmdlet': cmdlet, 'message': message,
                        'error_id': error_id, 'category': category})
        self.script = script
        self.cmdlet = cmdlet
        self.message = message
        self.error_id = error_id
        self.category = category


class HostUnreachable(DDAError):
    """The connection to the host failed; reported as ``unreachable`` like any Ansible task."""


class GuestNotCaptured(DDAError):
    """The simulator's snapshot has no view of a VM's guest (vms[].guest_not_captured): a rehearsal cannot run the
    guest step, which is checked at run time. Only the simulator raises it; a real host has its guest."""

    def __init__(self, vm_name, reason):
        super(GuestNotCaptured, self).__init__(
            "The snapshot has no view of the guest of VM '%s': %s. This rehearsal cannot run a script in the guest; "
            "the guest step is checked at run time, against the real guest. To rehearse it too, capture the snapshot "
            "again with the guest's credential (hyperv.dda.capture_snapshot with nvme_passthrough_guest_credential)."
            % (vm_name, reason))
        self.vm_name = vm_name
        self.reason = reason
