# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction
from ansible_collections.hyperv.dda.plugins.plugin_utils.backends import backend_for, lease_timeout, run_lease
from ansible_collections.hyperv.dda.plugins.plugin_utils.lease import DEFAULT_DURATION, held_warning, identity, left_behind, \
    release, replan_needed, take, took_over_warning, waited_words


class ActionModule(DDAAction):
    """Take the host's lease for this run, or give it back (plugin_utils/lease.py). Never a change of the host."""

    ARGUMENT_SPEC = {
        'state': {'type': 'str', 'default': 'held', 'choices': ['held', 'released']},
        'timeout': {'type': 'int'},
        'duration': {'type': 'int', 'default': DEFAULT_DURATION},
        'seen': {'type': 'dict'},
    }

    def execute(self, args, task_vars):
        backend = backend_for(self, task_vars)
        timeout = lease_timeout(self, task_vars, args['timeout'])
        held = run_lease(self, task_vars)
        if args['state'] == 'released':
            return self.give_back_lease(backend, held)
        if held is not None:
            return {'changed': False, 'lease': held, 'taken': False, 'replan': False, 'waited': 0, 'waited_for': None,
                    'took_over': None, 'left': []}
        if self._task.check_mode:
            return self.report(backend)
        named = 'timeout' if args['timeout'] is not None else 'timeout (or hyperv_dda_lease_timeout)'
        taken = take(backend, identity(task_vars), args['duration'], timeout, timeout_name=named)
        result = {'changed': False, 'lease': taken['lease'], 'taken': True, 'waited': taken['waited'],
                  'waited_for': taken['waited_for'], 'took_over': taken['took_over'], 'left': [],
                  'replan': replan_needed(args['seen'] if args['seen'] is not None else False, taken['found'])}
        warnings = [waited_words(taken)] if taken['waited_for'] else []
        if taken['abandoned']:
            warnings.append(taken['abandoned'])
        if taken['took_over']:
            # What the run that stopped left, as the host's records say: one survey of the whole host.
            result['left'] = left_behind(self.survey(backend, None))
            warnings.append(took_over_warning(taken['took_over'], result['left']))
        if warnings:
            result['warnings'] = warnings
        return result

    def report(self, backend):
        """Check mode: nothing taken; a lease another run holds, told (one survey, scoped to nothing of the host)."""
        lease = self.survey(backend, ([], []))['host'].get('lease')
        warning = held_warning(lease)
        result = {'changed': False, 'lease': None, 'taken': False, 'replan': False, 'waited': 0, 'waited_for': None,
                  'took_over': None, 'left': [], 'held_by': lease if warning else None}
        if warning:
            result['warnings'] = [warning]
        return result

    def give_back_lease(self, backend, held):
        if held is None or self._task.check_mode:
            return {'changed': False, 'lease': None, 'released': False}
        given = release(backend, held)
        result = {'changed': False, 'lease': None, 'released': given['released']}
        if given['warning']:
            result['warnings'] = [given['warning']]
        return result
