# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated Hyper-V host: the snapshot document plus the behaviour of the cmdlets on it.

Twins of the named scripts call ``invoke`` at each point where the real script calls a cmdlet,
so that injected faults (snapshot ``faults``) hit the same calls they would hit on a host, and
the call log shows what the real script would have run.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.messages import MESSAGES, error_id


class CmdletError(Exception):
    """A cmdlet failed, as PowerShell would report it with -ErrorAction Stop."""

    def __init__(self, cmdlet, message, error_id=None, category=None):
        super(CmdletError, self).__init__(message)
        self.cmdlet = cmdlet
        self.message = message
        self.error_id = error_id
        self.category = category


class SimulatedHost(object):

    def __init__(self, doc, guest_vm_name=None):
        self.doc = doc
        self.calls = []
        # For a task that runs against a guest itself: the VM of this snapshot that the guest is.
        self.guest_vm_name = guest_vm_name

    def invoke(self, cmdlet, **parameters):
        """Record a cmdlet call; fail it instead if an injected fault matches (consuming it).

        A fault leaves the state as the failed cmdlet would: unchanged. Its ``match`` values
        compare exactly with the parameters of the call, as Hyper-V compares location paths.
        """
        self.calls.append(cmdlet)
        faults = self.doc.get('faults') or []
        for index, fault in enumerate(faults):
            if fault['cmdlet'].lower() != cmdlet.lower():
                continue
            if any(parameters.get(name) != value for name, value in (fault.get('match') or {}).items()):
                continue
            count = fault.get('count')
            if count is not None:
                if count <= 1:
                    del faults[index]
                else:
                    fault['count'] = count - 1
            raise CmdletError(cmdlet, fault['message'], error_id('OperationFailed', cmdlet), 'NotSpecified')

    @staticmethod
    def throw(message):
        """A script's own ``throw "..."``: PowerShell reports it as OperationStopped, the text as its id."""
        raise CmdletError(None, message, message, 'OperationStopped')

    def fail(self, cmdlet, key, **values):
        """Raise the error of the messages table that Hyper-V gives in this situation."""
        message = MESSAGES[key]
        raise CmdletError(cmdlet, message.text.format(**values), error_id(message.error_id, cmdlet), message.category)
