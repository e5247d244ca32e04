"""A real Linux guest for guest_nvme_disk's tests: loop devices standing in for NVMe namespaces.

The module finds namespaces in a sysfs tree (HYPERV_DDA_SYSFS_ROOT); here that tree is a fixture
folder whose namespaces point, by device number, at loop devices. Everything after discovery is
real: partition tables, mkfs, mounts, swap, the kernel's view of them. Mount points live in a
temporary folder and fstab is a temporary file; everything is unmounted and detached afterwards.

These tests need root and loop devices. Without root they skip; tools/test.sh runs as root in CI
and sets HYPERV_DDA_LINUX_TESTS=required, which turns a missing prerequisite into a failure.
"""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, 'plugins', 'modules', 'guest_nvme_disk.py')
COLLECTIONS = os.path.join(ROOT, '.collections')


def prerequisites():
    """None when the real tests can run here, else why not."""
    if os.geteuid() != 0:
        return 'needs root (loop devices, mkfs, mount)'
    if not os.path.exists('/dev/loop-control'):
        return 'needs loop devices (/dev/loop-control)'
    return None


def require_real_guest():
    why = prerequisites()
    if why and os.environ.get('HYPERV_DDA_LINUX_TESTS') == 'required':
        pytest.fail('The Linux guest tests are required here but cannot run: %s.' % why)
    if why:
        pytest.skip(why)


def sh(*command, **kwargs):
    return subprocess.run(list(command), check=kwargs.pop('check', True), capture_output=True, text=True,
                          **kwargs)


def blkid(node):
    out = sh('blkid', '-p', '-o', 'export', node, check=False).stdout
    return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)


def dev_of(node):
    info = os.stat(node)
    return '%d:%d' % (os.major(info.st_rdev), os.minor(info.st_rdev))


class LoopDisk(object):
    """A sparse file attached to a loop device with partition scanning."""

    def __init__(self, folder, name, size):
        self.image = os.path.join(folder, name + '.img')
        with open(self.image, 'wb') as handle:
            handle.truncate(size)
        self.node = sh('losetup', '--find', '--show', '--partscan', self.image).stdout.strip()
        self.dev = dev_of(self.node)

    def part(self, number=1):
        return '%sp%d' % (self.node, number)

    def detach(self):
        for row in open('/proc/swaps').read().splitlines()[1:]:
            if row.split()[0].startswith(self.node):
                sh('swapoff', row.split()[0], check=False)
        for row in reversed(open('/proc/self/mountinfo').read().splitlines()):
            fields = row.split(' ')
            source = row.split(' - ', 1)[1].split(' ')[1]
            if source.startswith(self.node):
                sh('umount', fields[4], check=False)
        sh('losetup', '--detach', self.node, check=False)
        os.unlink(self.image)


class Guest(object):
    """The fixture sysfs tree, fstab and mount folder of one test, and a way to run the module."""

    def __init__(self, folder):
        self.folder = folder
        self.sysfs = os.path.join(folder, 'sys')
        self.fstab = os.path.join(folder, 'fstab')
        self.mnt = os.path.join(folder, 'mnt')
        os.makedirs(self.mnt)
        with open(self.fstab, 'w') as handle:
            handle.write('# fstab of the test guest\n/dev/vda / ext4 defaults 0 1\n')
        self.disks = []
        self.faults = None

    def disk(self, name='nvme0n1', size=512 * 1024 * 1024, controller='nvme0', serial='S4EWNX0N123456',
             model='Samsung SSD 970 EVO Plus 1TB', eui='00 25 38 52 21 b3 4b 17', nguid=None, wwid=None,
             path_entry=None, dev=None):
        """A namespace in the fixture sysfs; backed by a new loop device unless dev names a device number."""
        loop = None
        if dev is None:
            loop = LoopDisk(self.folder, name, size)
            self.disks.append(loop)
            dev = loop.dev
        block = os.path.join(self.sysfs, 'block', name)
        ctrl = os.path.join(self.sysfs, 'class', 'nvme', controller)
        os.makedirs(block)
        os.makedirs(os.path.join(ctrl, path_entry or name), exist_ok=True)
        files = {os.path.join(ctrl, 'serial'): serial.ljust(20), os.path.join(ctrl, 'model'): model.ljust(40),
                 os.path.join(block, 'dev'): dev, os.path.join(block, 'eui'): eui,
                 os.path.join(block, 'nguid'): nguid, os.path.join(block, 'wwid'): wwid or (
                     'eui.' + eui.replace(' ', '') if eui else None)}
        for path, text in files.items():
            if text is not None:
                with open(path, 'w') as handle:
                    handle.write(text + '\n')
        return loop

    def path(self, *parts):
        return os.path.join(self.mnt, *parts)

    def read_fstab(self):
        with open(self.fstab) as handle:
            return handle.read()

    def env(self):
        env = dict(os.environ, HYPERV_DDA_SYSFS_ROOT=self.sysfs, PYTHONPATH=COLLECTIONS,
                   ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
        if self.faults:
            # The module looks tools up on PATH first (AnsibleModule.get_bin_path).
            env['PATH'] = self.faults + ':' + env['PATH']
        return env

    def fault(self, tool):
        """From now on, tool fails (exit 1, a message on stderr) instead of running; None heals it."""
        self.faults = os.path.join(self.folder, 'faults') if tool else None
        if tool:
            os.makedirs(self.faults, exist_ok=True)
            path = os.path.join(self.faults, tool)
            with open(path, 'w') as handle:
                handle.write('#!/bin/sh\necho "injected fault in %s" >&2\nexit 1\n' % tool)
            os.chmod(path, 0o755)

    def run(self, args, check_mode=False, diff=True):
        """The module itself, as AnsiballZ runs it on the guest (a real process)."""
        args = dict({'fstab': self.fstab}, **args)
        args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        path = os.path.join(self.folder, 'args.json')
        with open(path, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        done = subprocess.run([sys.executable, MODULE, path], capture_output=True, text=True, env=self.env(),
                              check=False)
        try:
            return json.loads(done.stdout)
        except ValueError:
            raise AssertionError('the module printed no JSON:\n%s\n%s' % (done.stdout, done.stderr))

    def cleanup(self):
        for disk in self.disks:
            disk.detach()


def warnings(result):
    """The warning texts of a module result (ansible-core 2.19 wraps them in records)."""
    def texts(value):
        if isinstance(value, dict):
            return [value['msg']] if isinstance(value.get('msg'), str) else sum((texts(v) for v in value.values()), [])
        return [value] if isinstance(value, str) else []
    return sum((texts(warning) for warning in result.get('warnings', [])), [])


@pytest.fixture
def guest(tmp_path):
    require_real_guest()
    made = Guest(str(tmp_path))
    try:
        yield made
    finally:
        made.cleanup()


def _version(text):
    return tuple(int(part) for part in text.split('.'))


def guest_min_python():
    """The oldest guest Python the module's documentation promises ("Python 3.8 or later")."""
    with open(MODULE, encoding='utf-8') as handle:
        return _version(re.search(r'Linux guests: Python (\d+\.\d+) or later', handle.read()).group(1))


def supported_target_pythons():
    """The Pythons ansible-core runs modules with that the module supports: ansible-core 2.16 still runs
    modules on 2.7 and 3.6, which the module's documentation excludes."""
    from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS
    return [v for v in REMOTE_ONLY_PYTHON_VERSIONS + CONTROLLER_PYTHON_VERSIONS if _version(v) >= guest_min_python()]


def target_pythons():
    """{version: interpreter} for the supported target Pythons, where this machine has them."""
    import glob
    found = {}
    for version in supported_target_pythons():
        candidates = sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/%s.*/bin/python%s' % (version, version))))
        if candidates:
            found[version] = candidates[-1]
        elif sys.version_info[:2] == _version(version):
            found[version] = sys.executable
    return found


def ansible_adhoc(guest, args, python, check_mode=False):
    """guest_nvme_disk through ansible itself: the action plugin on the controller, the module over a
    local (POSIX) connection with the given interpreter. Returns the task result."""
    tree = os.path.join(guest.folder, 'tree')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-c', 'local', '-t', tree,
               '-e', 'ansible_python_interpreter=%s' % python, '-m', 'hyperv.dda.guest_nvme_disk',
               '-a', json.dumps(dict({'fstab': guest.fstab}, **args))] + (['--check'] if check_mode else [])
    env = dict(guest.env(), ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    try:
        with open(os.path.join(tree, 'localhost')) as handle:
            return json.load(handle)
    except (IOError, ValueError):
        raise AssertionError('ansible wrote no result:\n%s\n%s' % (done.stdout, done.stderr))
