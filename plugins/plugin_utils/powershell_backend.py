# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The default backend: run a named .ps1 of the collection on the host with win_powershell.

The script text is constant; every user value travels in ``parameters``, bound by the script's
param() block, so nothing the user types is ever parsed as code. ``error_action: stop`` makes
the non-terminating errors of the Hyper-V cmdlets fail the run, and the first error record is
turned into one HostCommandError that carries the cmdlet's own message.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import HostCommandError, HostUnreachable
from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import script_text

# A snapshot nests result > devices > device > disks > disk > partitions > partition > volume.
RESULT_DEPTH = 10


def module_args(name, parameters, sensitive=None):
    """The win_powershell arguments for one named script run.

    ``sensitive`` maps a script parameter to a credential ({username, password}); it travels as
    win_powershell's sensitive_parameters, which builds a PSCredential and marks it no_log, so it
    never appears in parameters, logs or the module's invocation.
    """
    args = {
        'script': script_text(name),
        'parameters': dict(parameters or {}),
        'error_action': 'stop',
        'depth': RESULT_DEPTH,
    }
    if sensitive:
        args['sensitive_parameters'] = [{'name': key, 'username': value['username'], 'password': value['password']}
                                        for key, value in sorted(sensitive.items())]
    return args


def host_error(name, module_result):
    """One HostCommandError from a failed win_powershell result (error record first, else msg)."""
    for record in module_result.get('error') or []:
        exception = record.get('exception') or {}
        info = record.get('category_info') or {}
        message = exception.get('message') or (record.get('error_details') or {}).get('message') \
            or record.get('output') or 'unknown error'
        return HostCommandError(name, message.strip(), cmdlet=info.get('activity') or None,
                                error_id=record.get('fully_qualified_error_id'),
                                category=info.get('category'))
    return HostCommandError(name, (module_result.get('msg') or 'win_powershell failed without a message').strip())


class PowerShellBackend(object):
    name = 'powershell'

    def __init__(self, execute_module, task_vars):
        """execute_module is the action's ``_execute_module`` (the one seam tests replace)."""
        self._execute_module = execute_module
        self._task_vars = task_vars
        self.round_trips = 0

    @staticmethod
    def guest_not_captured(vm_name=None):
        """Always None: a real host has its guest (only a snapshot can lack a view of it, SimulatorBackend)."""
        return None

    def run(self, name, parameters=None, sensitive=None):
        """Run a named script; return (result, changed) or raise HostCommandError."""
        outcome = self._execute_module(module_name='ansible.windows.win_powershell',
                                       module_args=module_args(name, parameters, sensitive),
                                       task_vars=self._task_vars)
        self.round_trips += 1
        if outcome.get('unreachable'):
            raise HostUnreachable(outcome.get('msg') or 'The host is unreachable.')
        if outcome.get('failed'):
            raise host_error(name, outcome)
        result = outcome.get('result')
        if not isinstance(result, dict):
            raise HostCommandError(name, 'the script returned %s instead of an object; the collection '
                                   'on the controller and the script do not match' % type(result).__name__)
        return result, bool(outcome.get('changed'))
