"""The checker of issue 21: a task's ``changed`` is what the simulator's call log shows it did.

For every task of the collection that ran for real and did not fail, ``changed`` equals "the log shows a
mutating cmdlet call for this task" (cmdlet_kinds, the one classification); and every script run that did not
fail said it changed the host (its ``changed`` in the log, $Ansible.Changed on a host) exactly when it made
such a call. A run in check mode makes no mutating call at all. The fault and race tests run it over every
task they run: ``task_problems`` for one task run by the ActionRunner, ``playbook_problems`` for an
ansible-playbook run. Each returns what it found wrong, as sentences (empty: truthful).
"""
import json
import re

from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.cmdlet_kinds import mutating_calls

TASK = re.compile(r'^TASK \[(.*)\] \*+$')
STATUS = re.compile(r'^(ok|changed|failed|fatal|skipping): \[([^\]\s]+)')


def read_log(path, offset=0):
    """The log lines of a simulator log file, from a byte offset on."""
    try:
        with open(path, encoding='utf-8') as handle:
            handle.seek(offset)
            return [json.loads(line) for line in handle.read().splitlines() if line.strip()]
    except FileNotFoundError:
        return []


def script_problems(lines):
    """Script runs whose own ``changed`` disagrees with the calls they made, and mutating calls in check mode."""
    problems = []
    for line in lines:
        made = mutating_calls(line['calls'])
        if line.get('check_mode') and made:
            problems.append('%s made mutating calls in check mode: %s' % (line['script'], made))
        if line.get('changed') is not None and bool(line['changed']) != bool(made):
            problems.append('%s (task %r) said changed=%s but made %s' % (
                line['script'], line.get('task'), line['changed'], made or 'no mutating call'))
    return problems


def _task_problem(name, changed, lines):
    made = [cmdlet for line in lines for cmdlet in mutating_calls(line['calls'])]
    if bool(changed) != bool(made):
        return ['task %r reported changed=%s but the log shows %s' % (name, bool(changed), made or 'no mutating call')]
    return []


def task_problems(result, lines, check_mode=False):
    """One task run (an ActionRunner result) and the log lines it wrote."""
    problems = script_problems(lines)
    if not check_mode and not result.get('failed'):
        problems += _task_problem('the task', result.get('changed'), lines)
    return problems


def task_statuses(stdout, host):
    """{task name as Ansible shows it: the set of statuses it printed for the host} of an ansible-playbook run
    (default callback; a loop prints one status per item)."""
    found, task = {}, None
    for line in stdout.splitlines():
        header = TASK.match(line)
        if header:
            task = header.group(1)
            continue
        status = STATUS.match(line)
        if status and task is not None and status.group(2) == host:
            found.setdefault(task, set()).add('failed' if status.group(1) == 'fatal' else status.group(1))
    return found


def playbook_problems(stdout, lines, host):
    """An ansible-playbook run (its output) and the log lines one host's simulator wrote during it."""
    problems = script_problems(lines)
    statuses = task_statuses(stdout, host)
    by_task = {}
    for line in lines:
        by_task.setdefault(line.get('task'), []).append(line)
    for name, task_lines in by_task.items():
        if any(line.get('check_mode') for line in task_lines):
            continue
        seen = statuses.get(name)
        if seen is None:
            problems.append('the log names task %r, which the output of the run does not show' % name)
        elif 'failed' not in seen:
            problems += _task_problem(name, 'changed' in seen, task_lines)
    return problems
