"""Benchmarks of the collection on simulated hosts; prints figures and writes docs/benchmarks.md.

    .venv/bin/python tools/bench.py [--sizes 1,10,50,200]

1. Round trips and side effects per host for the nvme_passthrough role (tests/evidence/role_runs.py): check
   mode on a fresh host, a fresh passthrough, a converged rerun, the same in check mode, and a release,
   against the figures before issue 14 and its targets. Script runs are round trips (one win_powershell
   run each on a real host); mutating calls are cmdlets that change the host. Per run, the script runs while
   the VM is down, and the downtime in seconds: the guest's shutdown and boot times from the snapshot, plus
   those script runs at a stated cost per round trip (--round-trip-seconds); then the downtime targets of
   issue 23.
2. The cost of one survey_host run on generated hosts of 2, 16 and 64 NVMe controllers and 10, 100 and
   400 VMs (tests/evidence/big_host.py): cmdlet calls that read the host, and the objects they look up (a
   call handed a list or pipeline input looks up each one), for the whole host and scoped to one task.
3. Fleet scale: the audit playbook and a converged passthrough on 1, 10, 50 and 200 hosts, with
   wall time and controller CPU per host, against a baseline play that runs the same number of
   trivial tasks (ansible.builtin.set_fact) per host: Ansible's own floor.
No figure is asserted anywhere; the test suites check behaviour, this measures it.
"""
import argparse
import json
import os
import platform
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'evidence'))
sys.path.append(os.path.join(ROOT, 'tests', 'unit'))  # truthful.py, which fleet.py uses
__import__('conftest')  # the collection's import path
import big_host  # noqa: E402
import role_runs  # noqa: E402
from fleet import Fleet  # noqa: E402

ROLE = role_runs.ROLE
SIZES = ((2, 10), (2, 100), (2, 400), (16, 10), (16, 100), (16, 400), (64, 10), (64, 100), (64, 400))


def per_host_table(work, round_trip_seconds):
    return [(label, role_runs.measure(os.path.join(work, label.replace(' ', '_')), role, round_trip_seconds))
            for label, role in (('one device', role_runs.ROLE), ('two devices', role_runs.TWO_DEVICES))]


def downtime_table(work, round_trip_seconds):
    return role_runs.measure_downtime(os.path.join(work, 'downtime'), round_trip_seconds)


def survey_cost_table():
    rows = []
    for controllers, vms in SIZES:
        row = [controllers, vms, big_host.survey_cost(big_host.host(controllers, vms), scoped=False)]
        row += [big_host.survey_cost(big_host.host(controllers, vms, where), scoped=True) for where in big_host.WHERE]
        rows.append(row)
    return rows


def baseline_playbook(path, tasks):
    plays = [{'name': 'Baseline', 'hosts': 'hyperv_hosts', 'gather_facts': False,
              'tasks': [{'name': 'Trivial task %d' % n, 'ansible.builtin.set_fact': {'bench_fact': n}}
                        for n in range(tasks)]}]
    with open(path, 'w') as handle:
        json.dump(plays, handle)
    return path


def tasks_per_host(result):
    """The tasks each host ran: ok, failed, and skipped too (Ansible runs a worker for a skipped task as well)."""
    recap = next(iter(result.recaps.values()))
    return recap['ok'] + recap['failed'] + recap['skipped']


PRELOAD = 'hyperv.dda.preload'


def scale_table(work, sizes):
    """Each size: the audit and a converged run; the largest also with the preload callback enabled."""
    rows = []
    for size in sizes:
        names = ['hv%03d' % n for n in range(size)]
        fleet = Fleet(os.path.join(work, 'scale_%d' % size), dict((n, 'two_nvme_server') for n in names),
                      dict((n, dict(ROLE, dda_audit_report_dir=os.path.join(work, 'report_%d' % size))) for n in names))
        forks = min(size, 25)
        assert fleet.play('playbooks/nvme_passthrough.yml', forks=forks).returncode == 0
        for callbacks in (None, PRELOAD) if size == max(sizes) else (None,):
            for label, playbook in (('audit', 'playbooks/dda_audit.yml'),
                                    ('converged passthrough', 'playbooks/nvme_passthrough.yml')):
                measured = fleet.play(playbook, forks=forks, callbacks=callbacks)
                assert measured.returncode == 0, measured.stdout
                tasks = tasks_per_host(measured)
                base = fleet.play(baseline_playbook(os.path.join(fleet.folder, 'baseline.json'), tasks), forks=forks)
                label += ' (%s)' % PRELOAD if callbacks else ''
                rows.append((label, size, forks, tasks, measured.wall, measured.cpu, base.wall, base.cpu))
        fleet.cleanup()
    return rows


def _effects(effects):
    return '%d | %d | %s' % (effects['mutating calls'], effects['VM shutdowns'], ', '.join(
        '%s %d' % item for item in effects['per cmdlet'].items()) or '-')


def _guest_times():
    with open(os.path.join(ROOT, 'examples', 'snapshots', 'two_nvme_server.json'), encoding='utf-8') as handle:
        guest = json.load(handle)['vms'][0]['guest']
    return guest['shutdown_seconds'], guest['boot_seconds']


def render(per_host, downtime, cost, scale, round_trip_seconds):
    lines = ['# Benchmarks', '',
             'Regenerate with `.venv/bin/python tools/bench.py` (after `tools/setup.sh`). Measured on %s, %d cores, '
             'Python %s, simulator backend (no network).' % (platform.machine(), os.cpu_count(), platform.python_version()),
             '', '## Round trips and side effects per host (role nvme_passthrough)', '',
             'Host: `examples/snapshots/two_nvme_server.json`, VM `sql01` running with dynamic memory and stop action '
             'Save; guest step through PowerShell Direct. A round trip is one script run (one win_powershell call on a '
             'real host). Each run starts from the host the one before left; "before" is the count before issue 14. '
             'A run that changes the host takes the host\'s lease first and gives it back at its end (set_lease, issue '
             '23): two round trips more than issue 14\'s targets, none for a run with nothing to change. '
             '`tests/evidence/test_round_trips.py` holds every run to its target. "Down" is the script runs while the '
             'VM is down (after the one that shuts it down, up to and including the one that starts it), "downtime" '
             'the seconds it is down, figured as below.', '',
             '| devices | run | round trips before | target | round trips | script runs | mutating calls | VM shutdowns | '
             'mutating calls by cmdlet | down | downtime s |', '|---|---|---|---|---|---|---|---|---|---|---|']
    for label, rows in per_host:
        for run, before, target, effects in rows:
            one = label == 'one device'
            lines.append('| %s | %s | %s | %s | %d | %s | %s | %d | %.0f |' % (
                label, run, before if one else '-', ('at most %d' % target) if one else '-', effects['round trips'],
                ', '.join(effects['scripts']), _effects(effects), effects['runs while down'], effects['downtime s']))
    shutdown, boot = _guest_times()
    lines += ['', '## VM downtime (issue 23)', '',
              'A fresh passthrough of `sql01`, running, with stop action Save: two devices with dynamic memory on, and '
              'one device with static memory. What needs no VM off (the stop action, each device disabled and '
              'dismounted) runs while the VM still runs; the power window holds only static memory, the assignments '
              'and the start. The VM is down from the moment its guest is asked to shut down until it has booted '
              'again: downtime = guest shutdown + script runs while down x cost per round trip + guest boot. The '
              'simulator takes no time, so the seconds are figured, not measured: the guest of `sql01` in '
              '`examples/snapshots/two_nvme_server.json` takes %d s to shut down and %d s to boot (its '
              '`guest.shutdown_seconds` and `boot_seconds`: a round figure for a Windows Server guest running SQL '
              'Server, which stops its database engine cleanly on shutdown and must start its services on boot; '
              'assumed, not measured), and a round trip (one win_powershell run over WinRM: connection, PowerShell '
              'start, the script) costs %.1f s (assumed; `--round-trip-seconds`). The cmdlets\' own time is not in '
              'the figure: a disable and a dismount, which can take seconds each, are now outside the window. '
              '`tests/evidence/test_round_trips.py` holds the script runs while down to the targets (counts, never '
              'times). "Before" is the count before issue 23 (the role then set the stop action and disabled and '
              'dismounted each device inside the window).' % (shutdown, boot, round_trip_seconds), '',
              '| run | down before | target | down | script runs | downtime s |', '|---|---|---|---|---|---|']
    for run, before, target, effects in downtime:
        lines.append('| %s | %d | at most %d | %d | %s | %.0f |' % (
            run, before, target, effects['runs while down'], ', '.join(effects['scripts']), effects['downtime s']))
    lines += ['', '## Cost of one host survey', '',
              'Generated hosts (`tests/evidence/big_host.py`): NVMe controllers with one disk and one volume each, '
              'every other controller assigned to a VM of its own, running VMs. Each cell is *cmdlet calls / objects '
              'looked up*: calls that read the host (computing in the script, such as ConvertFrom-Json, not counted), '
              'where a call handed a list or pipeline input looks up each of its objects. The whole host is what '
              '`hyperv_dda_info` and the audit read; a task survey is what one module task reads: its VM (`vm0000`) '
              'and its device, found on the host, assigned to the VM, or assigned to another VM.', '',
              'A task survey makes the same number of calls on every host. What it looks up grows with the NVMe '
              'controllers and their disks (one batched property read each, to find the named device) and with the '
              'VMs in one respect: every VM\'s hard disk drives are read in one call, since a disk passed through to '
              'any VM must stay on the host (docs/host_reads.md). Partitions and volumes are read whole, one call '
              'each. Where the named device is held by another VM, every VM is asked for its assignments too: '
              'Hyper-V tells which VM holds a device only VM by VM.', '',
              '| controllers | VMs | whole host | task: device on the host | task: device assigned to the VM | '
              'task: device assigned to another VM |', '|---|---|---|---|---|---|']
    for controllers, vms, *cells in cost:
        lines.append('| %d | %d | %s |' % (controllers, vms, ' | '.join('%d / %d' % cell for cell in cells)))
    lines += ['', '## Fleet scale', '',
              'Wall time and controller CPU (user + system of ansible-playbook and its workers) per host, against a '
              'baseline play with the same number of trivial tasks (`ansible.builtin.set_fact`) per host: the tasks '
              'each host ran, skipped ones included (Ansible starts a worker for a skipped task too). The targets of '
              'issue 14: at most 1.5 times the baseline at 200 hosts, for the audit and for a converged run. Rows marked '
              '(hyperv.dda.preload) ran with that callback enabled: it loads the collection\'s Python code once before '
              'Ansible forks its workers, which otherwise compile what each task imports when it runs afresh for every '
              'task on every host (`docs/benchmarks_preload.md`).', '',
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
    parser.add_argument('--round-trip-seconds', type=float, default=role_runs.ROUND_TRIP_SECONDS,
                        help='the cost of one script run (win_powershell round trip) for the downtime figure')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        text = render(per_host_table(work, options.round_trip_seconds),
                      downtime_table(work, options.round_trip_seconds), survey_cost_table(),
                      scale_table(work, [int(s) for s in options.sizes.split(',')]), options.round_trip_seconds)
    print(text)
    with open(options.output, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main()
