# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""A simulated Hyper-V host: the snapshot document plus the behaviour of the cmdlets on it.

Twins of the named scripts call ``invoke`` at each point where the real script calls a cmdlet, with
the parameter names the script writes, so that:

- every call is bound as PowerShell binds it (binding.py, from Microsoft's documented signatures):
  a parameter the cmdlet does not have fails here with PowerShell's own error, as on a host;
- injected faults (snapshot ``faults``) hit the same calls they would hit on a host;
- the call log shows what the real script would have run (``calls``, and ``shapes`` for the
  contract test that holds each twin to its script).
"""

from __future__ import annotations

import time

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import binding
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import LOCAL_CMDLETS, \
    SCRIPT_BLOCK_RUNNERS, changes_host
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.messages import MESSAGES, error_id


# -ErrorAction values under which a cmdlet's non-terminating error neither stops the script nor shows
# (about_CommonParameters).
SILENT_ACTIONS = ('silentlycontinue', 'ignore')
# Cmdlets of the scripts that the twins do in Python (filtering, sorting, the clock, waiting), never as a call: a
# fault on one could never fire. tests/unit/plugins/test_after_effect.py holds this to the twins.
IN_PYTHON = frozenset(('ForEach-Object', 'Get-Date', 'Select-Object', 'Sort-Object', 'Start-Sleep', 'Where-Object'))


def impossible_faults(faults):
    """Why each injected fault could never fire: a cmdlet no script calls (or one the simulator does in Python), a
    match key that is not a parameter of that cmdlet (matched exactly, as the scripts write it), or a count of zero.
    Empty when every one can."""
    problems = []
    for index, fault in enumerate(faults or []):
        where = 'faults[%d]' % index
        try:
            name, cmdlet_signature = binding.signature(fault['cmdlet'])
        except binding.BindingError:
            problems.append('%s: no script of the collection calls a cmdlet named %s' % (where, fault['cmdlet']))
            continue
        if name in IN_PYTHON:
            problems.append('%s: the simulator does %s in Python, not as a cmdlet call, so a fault on it never fires; '
                            'inject it on a cmdlet that reads or changes the host' % (where, name))
            continue
        parameters = set(cmdlet_signature['parameters']) | set(binding.table()['common_parameters'])
        for key in sorted(fault.get('match') or {}):
            if key not in parameters:
                problems.append('%s.match: %s is not a parameter of %s (use its documented name, e.g. %s)' % (
                    where, key, name, ', '.join(sorted(cmdlet_signature['parameters'])[:4])))
        if fault.get('count') == 0:
            problems.append('%s.count: 0 means the fault never fires; remove it, or leave count out for always' % where)
    return problems


class CmdletError(Exception):
    """A cmdlet failed, as PowerShell would report it with -ErrorAction Stop."""

    def __init__(self, cmdlet, message, error_id=None, category=None):
        super(CmdletError, self).__init__(message)
        self.cmdlet = cmdlet
        self.message = message
        self.error_id = error_id
        self.category = category

    @property
    def not_found(self):
        """The error a CDXML cmdlet gives for a filter that matches nothing (CmdletizationQuery_NotFound[_<property>],
        PowerShell/PowerShell cimSupport/cmdletization/cim/clientSideQuery.cs), which a script may take as "none"."""
        return str(self.error_id or '').startswith('CmdletizationQuery_NotFound')


class SimulatedHost(object):

    def __init__(self, doc, guest_vm_name=None, on_hang=None, what_if=False):
        self.doc = doc
        # The script runs under --check: win_powershell passes it -WhatIf (its win_powershell.ps1), and a cmdlet
        # that offers -WhatIf and is not told -WhatIf:$false reads nothing (see invoke).
        self.what_if = what_if
        self.calls = []
        self.shapes = []
        # The work the calls ask of the host: one per call, or per object for a call handed a list.
        self.cost = 0
        self.cost_by_cmdlet = {}
        # Called when a fault makes a cmdlet hang, before it sleeps (the backend writes what the script changed so far,
        # then logs the hang at once).
        self.on_hang = on_hang
        # For a task that runs against a guest itself: the VM of this snapshot that the guest is.
        self.guest_vm_name = guest_vm_name
        self._after_effect = []

    def invoke(self, cmdlet, pipeline=False, inputs=None, **parameters):
        """Record and bind a cmdlet call; fail it instead if an injected fault matches (consuming it). True when the
        call went through; False when it returns nothing and goes on, as a cmdlet whose error -ErrorAction
        SilentlyContinue (or Ignore) silences does, or one that -WhatIf keeps from running.

        ``parameters`` are the named parameters as the script writes them (None: not passed);
        ``pipeline`` says the call takes objects from the pipeline; ``inputs`` is how many objects the call
        works through (from the pipeline, or in a list parameter), which ``cost`` counts. A fault leaves the state as the
        failed cmdlet would: unchanged, unless it is marked ``after_effect`` (the cmdlet does its work,
        then reports the error), or ``hang`` (seconds the call takes before it goes on
        as usual). Its ``match`` values compare exactly with the parameters of the call, as Hyper-V
        compares location paths.

        An after-effect error of a cmdlet that changes the host (cmdlet_kinds) is held until the model of the
        cmdlet has done its work and calls ``settle``, which raises it there, as the cmdlet reports it at its end;
        that of Invoke-Command is held until its script block has run. A cmdlet that only reads leaves nothing
        behind, so its after-effect error is raised at once; one that -ErrorAction SilentlyContinue silences is
        done and shows no error.
        """
        self._check_settled(cmdlet)
        given = dict((name, value) for name, value in parameters.items() if value is not None)
        self.calls.append(cmdlet)
        if cmdlet not in LOCAL_CMDLETS:
            self.cost += 1 if inputs is None else inputs
            self.cost_by_cmdlet[cmdlet] = self.cost_by_cmdlet.get(cmdlet, 0) + (1 if inputs is None else inputs)
        self.shapes.append((cmdlet, tuple(sorted(given)), bool(pipeline)))
        try:
            binding.bind(cmdlet, list(given), 0, pipeline)
        except binding.BindingError as e:
            raise CmdletError(cmdlet, e.message, error_id(e.reason, cmdlet), e.category)
        if self.what_if and cmdlet not in LOCAL_CMDLETS and given.get('WhatIf') is not False and \
                'WhatIf' in binding.signature(cmdlet)[1]['parameters']:
            return False
        fault = self._take_fault(cmdlet, given)
        if fault is None:
            return True
        if fault.get('hang'):
            # A call that does not return for a while (a stuck WMI job, a lost connection): what a controller
            # killed meanwhile leaves behind is the state before this cmdlet.
            if self.on_hang:
                self.on_hang(cmdlet)
            time.sleep(fault['hang'])
            return True
        failure = CmdletError(cmdlet, fault['message'], error_id('OperationFailed', cmdlet), 'NotSpecified')
        silenced = str(given.get('ErrorAction', '')).lower() in SILENT_ACTIONS
        if fault.get('after_effect'):
            if silenced:
                return True  # done, and its error silenced: the script goes on as if it had worked
            if changes_host(cmdlet) or cmdlet in SCRIPT_BLOCK_RUNNERS:
                self._after_effect.append(failure)
                return True
        if silenced:
            return False  # a non-terminating error, silenced: the call returns what it got (nothing) and goes on
        raise failure

    def settle(self):
        """The end of a cmdlet that has done its work: raise the error an after-effect fault holds for it. Every model
        of a cmdlet that changes the host calls this once its effect is applied."""
        self._raise_held(lambda cmdlet: cmdlet not in SCRIPT_BLOCK_RUNNERS)

    def end_script_block(self):
        """The script block Invoke-Command ran is done: raise the after-effect error Invoke-Command holds, if any (a
        guest twin calls this at the end of what its script runs through PowerShell Direct)."""
        self._raise_held(lambda cmdlet: cmdlet in SCRIPT_BLOCK_RUNNERS)

    def _raise_held(self, chosen):
        for index in range(len(self._after_effect) - 1, -1, -1):
            if chosen(self._after_effect[index].cmdlet):
                raise self._after_effect.pop(index)

    def unsettled(self):
        """The cmdlets whose after-effect error is still held (a model that never settles; empty when none)."""
        return [failure.cmdlet for failure in self._after_effect]

    def _check_settled(self, cmdlet):
        """A call while another cmdlet's after-effect error is held means its model forgot to settle: the error would
        surface at a later cmdlet, or never. Only a script block's own calls come between Invoke-Command and its end."""
        held = [name for name in self.unsettled() if name not in SCRIPT_BLOCK_RUNNERS]
        if held:
            raise SimulatorBug('the model of %s never settled its after-effect fault before %s was called'
                               % (held[-1], cmdlet))

    def _take_fault(self, cmdlet, given):
        faults = self.doc.get('faults') or []
        for index, fault in enumerate(faults):
            if fault['cmdlet'].lower() != cmdlet.lower():
                continue
            if any(given.get(name) != value for name, value in (fault.get('match') or {}).items()):
                continue
            if fault.get('skip'):
                fault['skip'] -= 1
                continue
            count = fault.get('count')
            if count is not None:
                if count <= 1:
                    del faults[index]
                else:
                    fault['count'] = count - 1
            return fault
        return None

    def throw(self, message):
        """A script's own ``throw "..."``: PowerShell reports it as OperationStopped, the text as its id. An error
        stops what was under way, with any after-effect error it held (the first error is the one reported)."""
        del self._after_effect[:]
        raise CmdletError(None, message, message, 'OperationStopped')

    def fail(self, cmdlet, key, **values):
        """Raise the error of the messages table that Hyper-V gives in this situation: the cmdlet did not do its work,
        so an after-effect error it held is not reported (nor one of the Invoke-Command it runs in)."""
        del self._after_effect[:]
        message = MESSAGES[key]
        raise CmdletError(cmdlet, message.text.format(**values), error_id(message.error_id, cmdlet), message.category)


class SimulatorBug(DDAError):
    """A twin or a cmdlet model broke a rule of the simulator itself (never a host's behaviour)."""

    def __init__(self, what):
        super(SimulatorBug, self).__init__('Internal error in the simulator: %s. This is a bug in hyperv.dda: please '
                                           'report it with the state file and the task.' % what)
