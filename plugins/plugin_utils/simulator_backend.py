# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The simulator backend: run the Python twin of a named script against a snapshot file.

It never contacts the host. Each run is one round trip, as on the PowerShell backend: the state
file is read, locked, changed as Hyper-V would change it, and written back. In check mode it is
never written. With a log path, each run appends one JSON line (the task, the script, the cmdlets called,
which failed, and whether the script said it changed the host), which is how benchmarks count round trips
and mutating calls, and how tests hold each task's ``changed`` to the calls it made. Parameter values are
not logged.
"""

from __future__ import annotations

import json

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import dumps
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import ConfigurationError, HostCommandError
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import lookup
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError, SimulatedHost, \
    SimulatorBug, impossible_faults
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.store import DEFAULT_LOCK_TIMEOUT, transaction, \
    writable, write_atomically
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS


class SimulatorBackend(object):
    name = 'simulator'

    def __init__(self, state_path, check_mode=False, log_path=None, guest_vm=None, lock_timeout=DEFAULT_LOCK_TIMEOUT,
                 task=None):
        self.state_path = state_path
        self.task = task
        self.lock_timeout = lock_timeout
        self.check_mode = check_mode
        self.log_path = log_path
        self.guest_vm = guest_vm
        self.round_trips = 0

    def run(self, name, parameters=None, sensitive=None):
        """Run a named script's twin; return (result, changed) or raise HostCommandError.

        Sensitive values (credentials) reach the twin and nothing else: not the log, not the state.
        """
        script = lookup(name)
        parameters = dict(parameters or {})
        if script.guest and not parameters.get('VMName') and not self.guest_vm:
            raise ConfigurationError(
                'This task runs against the guest itself, so the simulator must know which VM of %s the guest is: '
                'set hyperv_dda_simulator_vm for this host.' % self.state_path)
        if script.mutating and self.check_mode:
            # The action template never applies in check mode; reaching here is a bug, not input.
            raise DDAError('Internal error: mutating script %s was called in check mode.' % name)
        may_write = not self.check_mode and writable(self.state_path)
        if script.mutating and not self.check_mode and not may_write:
            raise ConfigurationError('The simulator state file %s is read-only, and %s would change the host it stands '
                                     'for; nothing was changed. Make it writable, or run in check mode.'
                                     % (self.state_path, name))
        self._check_log()
        failure = None
        with transaction(self.state_path, write=may_write, lock_timeout=self.lock_timeout) as doc:
            impossible = impossible_faults(doc.get('faults'))
            if impossible:
                raise ConfigurationError('The simulator state file %s injects faults that can never fire: %s. Nothing '
                                         'was changed.' % (self.state_path, '; '.join(impossible)))
            # What the host did on its own since the last run: a guest that accepted a shutdown late has powered off.
            cmdlets.finish_late_shutdowns(doc)
            host = SimulatedHost(doc, self.guest_vm, on_hang=lambda cmdlet: self._hang(name, cmdlet, doc, may_write),
                                 what_if=self.check_mode)
            changed = None
            try:
                result, changed = TWINS[name](host, dict(parameters, **(sensitive or {})))
            except CmdletError as e:
                failure = e
            else:
                if host.unsettled():
                    raise SimulatorBug('the model of %s never settled its after-effect fault' % host.unsettled()[-1])
            self.round_trips += 1
            self._log(name, host.calls, failure, changed)
        if failure is not None:
            raise HostCommandError(name, failure.message, cmdlet=failure.cmdlet,
                                   error_id=failure.error_id, category=failure.category)
        # What crosses the wire is what win_powershell makes of the result, as JSON: a copy that shares nothing
        # with the state.
        return json.loads(json.dumps(emit(result))), changed

    def guest_not_captured(self, vm_name=None):
        """Why the snapshot has no view of the guest of the VM of that name (the one VM of hyperv_dda_simulator_vm
        when None), or None when it has one or the name does not pick one VM (the script then fails as on a host). A
        captured snapshot says it per VM (vms[].guest_not_captured); reading it is no round trip to a host."""
        name = vm_name or self.guest_vm
        if not name:
            return None
        with transaction(self.state_path, write=False, lock_timeout=self.lock_timeout) as doc:
            found = [vm for vm in doc['vms'] if same_vm_name(vm['name'], name)]
        return found[0].get('guest_not_captured') if len(found) == 1 else None

    def _hang(self, name, cmdlet, doc, may_write):
        """A cmdlet of the script is stuck. What the script changed before it is on the host already (a registry
        value it wrote, a VM it stopped): written now, so that a controller killed during the hang leaves the host as
        it is before the stuck cmdlet, not as it was before the script. Then the log says it hangs."""
        if may_write:
            write_atomically(self.state_path, dumps(doc))
        self._log(name, [cmdlet], None, None, hang=True)

    def _check_log(self):
        """A log that cannot be written fails the run before it changes anything, not after."""
        if not self.log_path:
            return
        try:
            with open(self.log_path, 'a', encoding='utf-8'):
                pass
        except OSError as e:
            raise ConfigurationError('Cannot write the simulator log %s (hyperv_dda_simulator_log): %s. Nothing was '
                                     'changed.' % (self.log_path, e.strerror))

    def _log(self, name, calls, failure, changed, hang=False):
        if not self.log_path:
            return
        entry = {'task': self.task, 'script': name, 'check_mode': self.check_mode, 'calls': calls,
                 'failed': None if failure is None else failure.cmdlet, 'changed': changed}
        if hang:
            entry['hang'] = calls[-1]
        with open(self.log_path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(entry) + '\n')
