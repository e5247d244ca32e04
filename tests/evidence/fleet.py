"""A simulated fleet for the evidence suites and benchmarks: one state file per host, real ansible-playbook.

Each host is a copy of an example snapshot (optionally changed), with its own state file and call
log, in an inventory written to a work folder. ``play`` runs a playbook of the collection against
it and returns the exit code, the output and each host's recap.
"""
import json
import os
import re
import resource
import shutil
import sys
import time

from playbooks import ansible_playbook, recaps
from truthful import playbook_problems, read_log

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, 'examples', 'snapshots')


class Fleet(object):

    def __init__(self, folder, hosts, host_vars=None):
        """hosts: {name: example snapshot name or (example, mutate)}; host_vars: {name: {var: value}}."""
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.hosts = {}
        for name, spec in hosts.items():
            example, mutate = spec if isinstance(spec, tuple) else (spec, None)
            with open(os.path.join(EXAMPLES, example + '.json'), encoding='utf-8') as handle:
                doc = json.load(handle)
            if mutate:
                mutate(doc)
            self.hosts[name] = doc
            self.write(name, doc)
        variables = {}
        for name in hosts:
            variables[name] = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                               'hyperv_dda_backend': 'simulator', 'hyperv_dda_simulator_state': self.state(name),
                               'hyperv_dda_simulator_log': self.log(name)}
            variables[name].update((host_vars or {}).get(name, {}))
        self.inventory = os.path.join(folder, 'inventory.json')
        with open(self.inventory, 'w', encoding='utf-8') as handle:
            json.dump({'hyperv_hosts': {'hosts': variables}}, handle)

    def state(self, name):
        return os.path.join(self.folder, name + '.json')

    def log(self, name):
        return os.path.join(self.folder, name + '.calls.jsonl')

    def write(self, name, doc):
        with open(self.state(name), 'w', encoding='utf-8') as handle:
            json.dump(doc, handle, indent=2)

    def read(self, name):
        with open(self.state(name), encoding='utf-8') as handle:
            return json.load(handle)

    def calls(self, name, reset=True):
        """The script runs logged for a host since the last call (and forget them)."""
        path = self.log(name)
        if not os.path.exists(path):
            return []
        with open(path, encoding='utf-8') as handle:
            lines = [json.loads(line) for line in handle.read().splitlines()]
        if reset:
            open(path, 'w').close()
        return lines

    def play(self, playbook, *options, forks=20, callbacks=None):
        """Run a playbook on the fleet. The Result has each host's log lines of this run (``calls``) and what the
        truthfulness checker (truthful.py) found wrong in them (``untruthful``: {host: [problem]}, empty hosts left
        out)."""
        offsets = dict((name, os.path.getsize(self.log(name)) if os.path.exists(self.log(name)) else 0)
                       for name in self.hosts)
        env = dict(ANSIBLE_FORKS=str(forks), ANSIBLE_HOST_KEY_CHECKING='False')
        if callbacks:
            env['ANSIBLE_CALLBACKS_ENABLED'] = callbacks
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        done = ansible_playbook(self.inventory, playbook if os.path.isabs(playbook) else os.path.join(ROOT, playbook),
                                *options, env=env, cwd=self.folder)
        after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic() - started
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result = Result(done.returncode, done.stdout, done.stderr, recaps(done.stdout), wall, cpu)
        result.calls = dict((name, read_log(self.log(name), offsets[name])) for name in self.hosts)
        result.untruthful = dict((name, problems) for name, problems in (
            (name, playbook_problems(done.stdout, result.calls[name], name)) for name in self.hosts) if problems)
        return result

    def cleanup(self):
        shutil.rmtree(self.folder, ignore_errors=True)


class Result(object):

    def __init__(self, returncode, stdout, stderr, recaps, wall, cpu):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.recaps, self.wall, self.cpu = recaps, wall, cpu

    def failure(self, host):
        """The message Ansible printed for a host's failed task (the last one), or None."""
        # A plain task fails as 'fatal: [host]: FAILED! => {...}', a looped one as 'failed: [host] (item=...) => {...}'.
        pattern = r'^(?:fatal: \[%s\]: FAILED!|failed: \[%s\] \(item=.*?\)) => (\{.*\})$' % ((re.escape(host),) * 2)
        found = re.findall(pattern, self.stdout, re.M)
        return json.loads(found[-1])['msg'] if found else None
