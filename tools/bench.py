"""Benchmarks of the collection on simulated hosts; prints figures and writes docs/benchmarks.md.

    .venv/bin/python tools/bench.py [--sizes 1,10,50,200]

1. Round trips and side effects per host for the nvme_passthrough role: a fresh passthrough, a
   converged rerun, a check-mode run on a fresh host, and a release. Script runs are round trips
   (one win_powershell run each on a real host); mutating calls are cmdlets that change the host.
2. Fleet scale: the audit playbook and a converged passthrough on 1, 10, 50 and 200 hosts, with
   wall time and controller CPU per host, against a baseline play that runs the same number of
   trivial tasks (ansible.builtin.set_fact) per host: Ansible's own floor.
No figure is asserted anywhere; the test suites check behaviour, this measures it.
"""
import argparse
import collections
import json
import os
import platform
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'evidence'))
from fleet import MUTATING, Fleet  # noqa: E402

ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
        'nvme_passthrough_guest_credential': {'username': 'Administrator', 'password': 'example-only'},
        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}
TWO_DEVICES = dict(ROLE, nvme_passthrough_allow_mounted_volumes=True, nvme_passthrough_devices=[
    {'serial_number': 'S4EWNX0N123456'}, {'serial_number': 'PHLJ9120012A2P0BGN'}])


def side_effects(fleet, name):
    calls = fleet.calls(name)
    cmdlets = [cmdlet for call in calls for cmdlet in call['calls']]
    mutating = collections.Counter(c for c in cmdlets if c in MUTATING)
    # A shutdown is InitiateShutdown (Invoke-CimMethod), or Stop-VM -TurnOff where turning off is allowed.
    shutdowns = mutating['Invoke-CimMethod'] + mutating['Stop-VM']
    return {'round trips': len(calls), 'mutating calls': sum(mutating.values()), 'VM shutdowns': shutdowns,
            'per cmdlet': dict(sorted(mutating.items()))}


def per_host_table(work):
    rows = []
    for label, role in (('one device', ROLE), ('two devices', TWO_DEVICES)):
        fleet = Fleet(os.path.join(work, label.replace(' ', '_')), {'hv01': 'two_nvme_server'}, {'hv01': role})
        for run, options in (('check mode on a fresh host', ['--check']), ('fresh passthrough', []),
                             ('converged rerun', []), ('release', None)):
            if options is None:
                result = fleet.play('playbooks/nvme_release.yml')
            else:
                result = fleet.play('playbooks/nvme_passthrough.yml', *options)
            assert result.returncode == 0, result.stdout
            rows.append((label, run, side_effects(fleet, 'hv01')))
    return rows


def baseline_playbook(path, tasks):
    plays = [{'name': 'Baseline', 'hosts': 'hyperv_hosts', 'gather_facts': False,
              'tasks': [{'name': 'Trivial task %d' % n, 'ansible.builtin.set_fact': {'bench_fact': n}}
                        for n in range(tasks)]}]
    with open(path, 'w') as handle:
        json.dump(plays, handle)
    return path


def tasks_per_host(result):
    recap = next(iter(result.recaps.values()))
    return recap['ok'] + recap['failed']


def scale_table(work, sizes):
    rows = []
    for size in sizes:
        names = ['hv%03d' % n for n in range(size)]
        fleet = Fleet(os.path.join(work, 'scale_%d' % size), dict((n, 'two_nvme_server') for n in names),
                      dict((n, dict(ROLE, dda_audit_report_dir=os.path.join(work, 'report_%d' % size))) for n in names))
        forks = min(size, 25)
        for label, playbook in (('audit', 'playbooks/dda_audit.yml'), ('converged passthrough', None)):
            if playbook is None:
                assert fleet.play('playbooks/nvme_passthrough.yml', forks=forks).returncode == 0
                playbook = 'playbooks/nvme_passthrough.yml'
            measured = fleet.play(playbook, forks=forks)
            assert measured.returncode == 0, measured.stdout
            tasks = tasks_per_host(measured)
            base = fleet.play(baseline_playbook(os.path.join(fleet.folder, 'baseline.json'), tasks), forks=forks)
            rows.append((label, size, forks, tasks, measured.wall, measured.cpu, base.wall, base.cpu))
        fleet.cleanup()
    return rows


def render(per_host, scale):
    lines = ['# Benchmarks', '',
             'Regenerate with `.venv/bin/python tools/bench.py` (after `tools/setup.sh`). Measured on %s, %d cores, '
             'Python %s, simulator backend (no network).' % (platform.machine(), os.cpu_count(), platform.python_version()),
             '', '## Round trips and side effects per host (role nvme_passthrough)', '',
             'Host: `examples/snapshots/two_nvme_server.json`, VM `sql01` running with dynamic memory and stop action '
             'Save; guest step through PowerShell Direct. A round trip is one script run (one win_powershell call on a '
             'real host).', '',
             '| devices | run | round trips | mutating calls | VM shutdowns | mutating calls by cmdlet |',
             '|---|---|---|---|---|---|']
    for label, run, effects in per_host:
        lines.append('| %s | %s | %d | %d | %d | %s |' % (label, run, effects['round trips'], effects['mutating calls'],
                                                          effects['VM shutdowns'], ', '.join(
                                                              '%s %d' % item for item in effects['per cmdlet'].items()) or '-'))
    lines += ['', '## Fleet scale', '',
              'Wall time and controller CPU (user + system of ansible-playbook and its workers) per host, against a '
              'baseline play with the same number of trivial tasks (`ansible.builtin.set_fact`) per host.', '',
              '| play | hosts | forks | tasks per host | wall s | wall s per host | CPU s per host | baseline CPU s per '
              'host | CPU ratio to baseline |', '|---|---|---|---|---|---|---|---|---|']
    for label, size, forks, tasks, wall, cpu, base_wall, base_cpu in scale:
        lines.append('| %s | %d | %d | %d | %.1f | %.3f | %.3f | %.3f | %.2f |' % (
            label, size, forks, tasks, wall, wall / size, cpu / size, base_cpu / size, cpu / base_cpu))
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1,10,50,200')
    parser.add_argument('--output', default=os.path.join(ROOT, 'docs', 'benchmarks.md'))
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        text = render(per_host_table(work), scale_table(work, [int(s) for s in options.sizes.split(',')]))
    print(text)
    with open(options.output, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main()
