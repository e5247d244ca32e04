# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Choose the backend from the host variables every module reads.

- ``hyperv_dda_backend``: ``powershell`` (default) or ``simulator``;
- ``hyperv_dda_simulator_state``: the snapshot file the simulator runs against (required with
  ``simulator``; a relative path is taken from the controller's current directory);
- ``hyperv_dda_simulator_log``: optional file the simulator appends one line per script run to (the task's name
  as Ansible shows it, the script, the cmdlets it called, which failed, and whether it changed the host);
- ``hyperv_dda_simulator_vm``: for a task that runs against a VM's guest itself, which VM of the
  snapshot that guest is;
- ``hyperv_dda_simulator_lock_timeout``: how many seconds a run waits for another run's lock on the
  same snapshot file before it fails (default 60; a number from 0 to 86400, bounds.LOCK_TIMEOUT);
- ``hyperv_dda_lease_timeout``: how many seconds a run waits for another run's lease of the host (plugin_utils/
  lease.py) before it fails, changing nothing (default 600; whole seconds from 0 to 86400, bounds.LEASE_TIMEOUT);
- ``hyperv_dda_lease``: the lease this run holds on the host (the role, the reclaim and hyperv_dda_lease set it): a
  task under it gives its token to its scripts and takes no lease of its own.
"""

from __future__ import annotations

import os

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import LEASE_TIMEOUT, LOCK_TIMEOUT, checked_number
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import ConfigurationError

BACKENDS = ('powershell', 'simulator')


def _templated(templar, task_vars, name, default):
    value = task_vars.get(name, default)
    # A task delegated to another host (a guest, say) talks to that host: its variables, not the
    # delegating host's (a simulated Hyper-V host's guest may be a real Linux machine).
    for delegated in (task_vars.get('ansible_delegated_vars') or {}).values():
        value = delegated.get(name, default)
    return None if value is None else templar.template(value)


def _variable(templar, task_vars, name, default=None):
    value = _templated(templar, task_vars, name, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError('%s must be a string, got %s.' % (name, type(value).__name__))
    return value


def _seconds(templar, task_vars, name, default, bound):
    try:
        return float(checked_number(_templated(templar, task_vars, name, default), name, bound))
    except DDAError as e:
        raise ConfigurationError('%s Nothing was changed.' % e.msg)


def backend_name(action, task_vars):
    """'powershell' or 'simulator', from hyperv_dda_backend."""
    name = _variable(action._templar, task_vars, 'hyperv_dda_backend', 'powershell')
    if name not in BACKENDS:
        raise ConfigurationError("Unknown hyperv_dda_backend %r: use 'powershell' (run on the Hyper-V host) "
                                 "or 'simulator' (rehearse against a snapshot file)." % name)
    return name


def backend_for(action, task_vars):
    """The backend an action plugin talks to the host through, per the host's variables."""
    # Each backend is imported only where it is used: Ansible compiles a collection's modules in every worker.
    templar = action._templar
    if backend_name(action, task_vars) == 'powershell':
        from ansible_collections.hyperv.dda.plugins.plugin_utils.powershell_backend import PowerShellBackend
        return PowerShellBackend(action._execute_module, task_vars)
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.store import DEFAULT_LOCK_TIMEOUT
    state = _variable(templar, task_vars, 'hyperv_dda_simulator_state')
    if not state:
        raise ConfigurationError("hyperv_dda_backend is 'simulator' but hyperv_dda_simulator_state is not set: "
                                 "set it to the path of a snapshot file on the controller.")
    log = _variable(templar, task_vars, 'hyperv_dda_simulator_log')
    return SimulatorBackend(os.path.abspath(state), check_mode=bool(action._task.check_mode),
                            log_path=os.path.abspath(log) if log else None,
                            guest_vm=_variable(templar, task_vars, 'hyperv_dda_simulator_vm'),
                            lock_timeout=_seconds(templar, task_vars, 'hyperv_dda_simulator_lock_timeout',
                                                  DEFAULT_LOCK_TIMEOUT, LOCK_TIMEOUT),
                            task=action._task.get_name())


def lease_timeout(action, task_vars, given=None):
    """Seconds a run waits for another run's lease: ``given`` (a task's own option), else hyperv_dda_lease_timeout,
    else lease.DEFAULT_TIMEOUT."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import DEFAULT_TIMEOUT
    if given is not None:
        return given
    return int(_seconds(action._templar, task_vars, 'hyperv_dda_lease_timeout', DEFAULT_TIMEOUT, LEASE_TIMEOUT))


def run_lease(action, task_vars):
    """hyperv_dda_lease: the lease this run holds on the host ({token, holder, since, until, seconds}), or None."""
    value = _templated(action._templar, task_vars, 'hyperv_dda_lease', None)
    if value in (None, '', {}):
        return None
    if not isinstance(value, dict) or not isinstance(value.get('token'), str) or not value['token']:
        raise ConfigurationError('hyperv_dda_lease must be the lease hyperv.dda.hyperv_dda_lease returns (its lease, '
                                 'with its token), or null; got %s. Nothing was changed.' % type(value).__name__)
    return value
