"""Benchmark of the hyperv.dda.preload callback; prints figures and writes docs/benchmarks_preload.md.

    .venv/bin/python tools/bench_preload.py [--forks 15] [--hosts 20] [--tasks 5] [--repeat 3]

Ansible forks a worker process for each task on each host. ansible-core's collection loader keeps no bytecode for a
collection's Python code, so whatever a worker imports of it is compiled afresh in that worker. The main process
loads each task's action plugin before it forks (the linear and free strategies read the plugin's BYPASS_HOST_LOOP),
so workers inherit the plugin and what it imports at its top; each still imports what the plugin imports when it
runs: the backend (plugin_utils/backends.py). The callback imports all of it once in the main process.

1. Per task: the controller CPU one worker spends importing what a task of each module imports when it runs, forked
   from a process that holds what ansible-playbook's main process holds (its command line, the playbook executor,
   the linear strategy, the templar, and the task's action plugin), without and with the callback's imports done
   first. User + system CPU of the worker (resource.getrusage), median of --forks workers.
2. End to end, in a rehearsal: ansible-playbook on --hosts simulated hosts, each running --tasks hyperv_dda_info
   tasks, without and with the callback: the controller CPU (user + system of ansible-playbook and its workers)
   saved, divided by the hosts times the tasks. Median of --repeat runs each, alternating. (There is no Windows host
   here to measure a real host's runs end to end.)
No figure is asserted anywhere.
"""
import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'evidence'))
sys.path.append(os.path.join(ROOT, 'tests', 'unit'))  # truthful.py, which fleet.py uses
__import__('conftest')  # the collection's import path
import ansible.release  # noqa: E402

from ansible_collections.hyperv.dda.plugins.callback.preload import PRELOAD  # noqa: E402

PACKAGE = 'ansible_collections.hyperv.dda.plugins.'
ACTIONS = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'action')) if name.endswith('.py'))
# What ansible-playbook's main process holds before it forks a worker, besides the task's action plugin.
MAIN = ('ansible.cli.playbook', 'ansible.executor.playbook_executor', 'ansible.executor.task_queue_manager',
        'ansible.executor.task_executor', 'ansible.plugins.loader', 'ansible.plugins.strategy.linear',
        'ansible.plugins.callback.default', 'ansible.template')
# What a task imports when it runs, as plugin_utils/backends.py imports it for each backend.
BACKENDS = {
    'real host': ('plugin_utils.powershell_backend',),
    'rehearsal': ('plugin_utils.simulator_backend', 'plugin_utils.simulator.store'),
}


def _forked(work):
    """Run work() in a forked child and return what it returns (a float)."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        os.write(writing, repr(work()).encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as handle:
        value = float(handle.read())
    os.waitpid(pid, 0)
    return value


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_cpu(main_holds, worker_loads, forks):
    """Median CPU seconds a worker spends importing worker_loads, forked from a main process that holds main_holds."""
    def main():
        for module in main_holds:
            importlib.import_module(module)

        def worker():
            start = _cpu()
            for module in worker_loads:
                importlib.import_module(module)
            return _cpu() - start
        return statistics.median(_forked(worker) for dummy in range(forks))
    return _forked(main)


def per_task_table(forks):
    loaded = [name for name in sys.modules if name.startswith((PACKAGE + 'action', PACKAGE + 'plugin_utils'))]
    assert not loaded, 'measured without the callback, the collection must not be loaded yet: %s' % loaded
    rows = []
    for action in ACTIONS:
        main = list(MAIN) + [PACKAGE + 'action.' + action]
        for backend, modules in BACKENDS.items():
            at_run = [PACKAGE + module for module in modules]
            rows.append((action, backend, worker_cpu(main, at_run, forks),
                         worker_cpu(main + list(PRELOAD), at_run, forks)))
    return rows


def end_to_end(work, hosts, tasks, repeat):
    from fleet import Fleet
    names = ['hv%03d' % n for n in range(hosts)]
    fleet = Fleet(os.path.join(work, 'fleet'), dict((name, 'two_nvme_server') for name in names))
    playbook = os.path.join(work, 'surveys.json')
    with open(playbook, 'w') as handle:
        json.dump([{'name': 'Surveys', 'hosts': 'hyperv_hosts', 'gather_facts': False, 'tasks': [
            {'name': 'Survey the VM %d' % n, 'hyperv.dda.hyperv_dda_info': {'vm_names': ['sql01']}}
            for n in range(tasks)]}], handle)
    runs = {None: [], 'hyperv.dda.preload': []}
    for dummy in range(repeat):
        for callbacks in runs:
            done = fleet.play(playbook, forks=min(hosts, 25), callbacks=callbacks)
            assert done.returncode == 0, done.stdout + done.stderr
            runs[callbacks].append(done.cpu)
    fleet.cleanup()
    return statistics.median(runs[None]), statistics.median(runs['hyperv.dda.preload'])


def _about(seconds):
    """The median over the modules, in whole ms, to 5 ms from 10 ms up: a figure the docs can quote, which a rerun
    does not change with every millisecond of noise."""
    ms = statistics.median(seconds) * 1000
    return 'about %d ms' % (round(ms) if ms < 10 else 5 * round(ms / 5))


def render(per_task, totals, options):
    lines = ['# Benchmark of the preload callback', '',
             'Regenerate with `.venv/bin/python tools/bench_preload.py` (after `tools/setup.sh`). Measured on %s, %d '
             'cores, Python %s, ansible-core %s.' % (
                 platform.machine(), os.cpu_count(), platform.python_version(), ansible.release.__version__),
             '', 'Ansible forks a worker for each task on each host, and ansible-core keeps no bytecode for a '
             'collection\'s Python code: what a worker imports of it is compiled afresh there. The main process loads '
             'each task\'s action plugin before it forks (the linear and free strategies read its BYPASS_HOST_LOOP), '
             'so a worker inherits the plugin; it still imports what the plugin imports when it runs, the backend '
             '(`plugin_utils/backends.py`): the PowerShell backend on a real host, the simulator in a rehearsal. '
             '`hyperv.dda.preload` imports all of it once in the main process, before the forks.', '',
             '## Per task and host', '',
             'Controller CPU (user + system) one worker spends importing what a task imports when it runs, forked from '
             'a process that holds what ansible-playbook\'s main process holds (its command line, the playbook '
             'executor, the linear strategy, the templar and the task\'s action plugin), without and with the '
             'callback\'s imports done first. Median of %d workers.' % options.forks, '',
             '| module | backend | ms without the callback | ms with it |', '|---|---|---|---|']
    for action, backend, before, after in per_task:
        lines.append('| %s | %s | %.1f | %.1f |' % (action, backend, before * 1000, after * 1000))
    real = [row[2] for row in per_task if row[1] == 'real host']
    rehearsal = [row[2] for row in per_task if row[1] == 'rehearsal']
    lines += ['', 'Saved per task and host: %s on a real host, %s in a rehearsal (the median over the modules).' % (
        _about(real), _about(rehearsal))]
    without, preloaded = totals
    pairs = options.hosts * options.tasks
    lines += ['', '## End to end', '',
              'A rehearsal: `ansible-playbook` on %d simulated hosts, each running %d `hyperv_dda_info` tasks (%d '
              'workers), forks %d: controller CPU of ansible-playbook and its workers, median of %d runs each. There is '
              'no Windows host here to measure a real host\'s runs end to end.' % (
                  options.hosts, options.tasks, pairs, min(options.hosts, 25), options.repeat), '',
              '| run | CPU s |', '|---|---|',
              '| without the callback | %.2f |' % without, '| with `hyperv.dda.preload` | %.2f |' % preloaded, '',
              'Saved: %.2f s, %.0f ms per task and host.' % (without - preloaded, (without - preloaded) / pairs * 1000)]
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--forks', type=int, default=15)
    parser.add_argument('--hosts', type=int, default=20)
    parser.add_argument('--tasks', type=int, default=5)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--output', default=os.path.join(ROOT, 'docs', 'benchmarks_preload.md'))
    options = parser.parse_args()
    per_task = per_task_table(options.forks)
    with tempfile.TemporaryDirectory() as work:
        totals = end_to_end(work, options.hosts, options.tasks, options.repeat)
    text = render(per_task, totals, options)
    print(text)
    with open(options.output, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main()
