"""Benchmark of guest_nvme_disk in a Linux guest; prints figures and writes docs/benchmarks_linux_guest.md.

    sudo .venv/bin/python tools/bench_linux_guest.py

A 1 GiB loop device stands in for the namespace (behind a fixture sysfs tree, as in tests/linux).
For ext4 and xfs: check mode on a blank disk, the fresh run, a converged rerun and a relabel. Each
is one round trip (one module run in the guest); inside it, every command the module runs is
counted through logging shims put first on PATH, and those that change the disk or the mounts are
the mutating ones. Wall time is the module process's, median of --repeat runs.
No figure is asserted anywhere.
"""
import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'linux'))
from linuxguest import Guest, prerequisites  # noqa: E402

TOOLS = ('blkid', 'wipefs', 'partx', 'blockdev', 'mount', 'umount', 'sgdisk', 'parted', 'mkfs.ext4', 'e2label',
         'mkfs.xfs', 'xfs_admin', 'xfs_io')
READ_ONLY = {'blkid'}
EUI = '0025_3852_21B3_4B17.'


def shims(folder, log):
    """A folder of scripts that log their own name, then run the real tool."""
    os.makedirs(folder)
    real_path = os.environ['PATH'] + ':/usr/sbin:/sbin'
    for tool in TOOLS:
        path = os.path.join(folder, tool)
        with open(path, 'w') as handle:
            handle.write('#!/bin/sh\necho %s >> %s\nPATH=%s exec %s "$@"\n' % (tool, log, real_path, tool))
        os.chmod(path, 0o755)


def measure(guest, log, args, check_mode=False):
    open(log, 'w').close()
    start = time.perf_counter()
    result = guest.run(args, check_mode=check_mode)
    seconds = time.perf_counter() - start
    assert not result.get('failed'), result.get('msg')
    with open(log) as handle:
        commands = handle.read().split()
    return result.get('changed'), commands, seconds


def rows(work, repeat):
    found = []
    for file_system, label in (('ext4', 'data'), ('xfs', 'db')):
        samples = {}
        for round_number in range(repeat):
            guest = Guest(os.path.join(work, '%s-%d' % (file_system, round_number)))
            log = os.path.join(guest.folder, 'commands.log')
            shims(os.path.join(guest.folder, 'bin'), log)
            env = guest.env
            guest.env = lambda: dict(env(), PATH=os.path.join(guest.folder, 'bin') + ':' + os.environ['PATH'])
            try:
                guest.disk(size=1024 ** 3)
                args = {'serial_number': EUI, 'file_system': file_system, 'label': label,
                        'mount_point': guest.path('data')}
                for run, kwargs, check in (('check mode, blank disk', args, True), ('fresh', args, False),
                                           ('converged rerun', args, False),
                                           ('relabel (mounted)', dict(args, label=label + '2'), False)):
                    samples.setdefault(run, []).append(measure(guest, log, kwargs, check))
            finally:
                guest.cleanup()
        for run, measured in samples.items():
            changed, commands, dummy = measured[0]
            mutating = [c for c in commands if c not in READ_ONLY]
            found.append((file_system, run, changed, len(commands), len(mutating),
                          ', '.join(sorted(set(mutating), key=mutating.index)) or '-',
                          statistics.median(seconds for dummy, dummy, seconds in measured)))
    return found


def render(found, repeat):
    lines = ['# Benchmarks: guest_nvme_disk in a Linux guest', '',
             'Regenerate with `sudo .venv/bin/python tools/bench_linux_guest.py`. Measured on %s, %d cores, '
             'Python %s, kernel %s, a 1 GiB loop device; median of %d runs.'
             % (platform.machine(), os.cpu_count(), platform.python_version(), platform.release(), repeat), '',
             'Every run is one round trip: the action plugin sends the module once and it surveys, plans and '
             'applies in the guest. Commands are the tools the module ran (blkid is the only read-only one).', '',
             '| file system | run | changed | commands | mutating commands | mutating, in order | module wall s |',
             '|---|---|---|---|---|---|---|']
    for file_system, run, changed, commands, mutating, which, seconds in found:
        lines.append('| %s | %s | %s | %d | %d | %s | %.2f |' % (file_system, run, changed, commands, mutating,
                                                                 which, seconds))
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--output', default=os.path.join(ROOT, 'docs', 'benchmarks_linux_guest.md'))
    options = parser.parse_args()
    why = prerequisites()
    if why:
        sys.exit('bench_linux_guest: %s' % why)
    with tempfile.TemporaryDirectory() as work:
        text = render(rows(work, options.repeat), options.repeat)
    print(text)
    with open(options.output, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main()
