# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The simulator's state file: read, change and write back, safely under many forks.

One exclusive lock (a sidecar ``<state>.lock`` file, flock) covers the whole read-run-write of a
script, so forks that share a state file run their scripts one at a time and lose no update. A run
waits for the lock a bounded time (hyperv_dda_simulator_lock_timeout), then fails naming both files.
The new state is written to a temporary file in the same folder and renamed over the old one,
so a reader never sees half a file and a crash leaves the old state intact.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import fcntl
import os
import stat
import tempfile
import time

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import dumps, parse
from ansible_collections.hyperv.dda.plugins.plugin_utils.errors import ConfigurationError


# Byte order marks, longest first: Windows PowerShell 5.1's Out-File and Set-Content write UTF-16 LE with one.
_BOMS = ((codecs.BOM_UTF8, 'utf-8-sig'), (codecs.BOM_UTF16_LE, 'utf-16'), (codecs.BOM_UTF16_BE, 'utf-16'))


def decode(data, path):
    """The text of a snapshot file: UTF-8, with or without a byte order mark, or UTF-16 with one."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), 'utf-8')
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise ConfigurationError('The simulator state file %s is not a text snapshot: byte %d is not %s. Save the '
                                 'snapshot as UTF-8 or UTF-16 JSON.' % (path, e.start, encoding.upper()))


def read_text(path):
    try:
        with open(path, 'rb') as handle:
            return decode(handle.read(), path)
    except FileNotFoundError:
        raise ConfigurationError(
            'The simulator state file %s does not exist. Point hyperv_dda_simulator_state at a snapshot '
            '(hyperv.dda.hyperv_dda_info returns one; examples/snapshots/ has samples).' % path)
    except OSError as e:
        raise ConfigurationError('Cannot read the simulator state file %s: %s.' % (path, e.strerror))


def writable(path):
    """Whether the simulator may write the state file back: a read-only snapshot is never rewritten, also not by
    root (who may write any file, but whose read-only file says what its owner wants)."""
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(real, os.W_OK)


def write_atomically(path, text):
    # A snapshot path that is a symlink: the file it points to gets the new state, the link stays.
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=folder)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if os.path.exists(path):
            os.chmod(temporary, os.stat(path).st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# A script run holds the lock for milliseconds; a minute of waiting means a run is stuck, not busy.
DEFAULT_LOCK_TIMEOUT = 60.0
_LOCK_POLL = 0.05


def lock_path(path):
    # Beside the file the snapshot really is: two links to one snapshot share one lock.
    return os.path.realpath(path) + '.lock'


def _acquire(lock, path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ConfigurationError(
                    'Gave up after %g s waiting for the lock %s on the simulator state file %s: another run holds it. '
                    'Nothing was changed. Wait for that run (or stop it), or raise hyperv_dda_simulator_lock_timeout.'
                    % (timeout, lock.name, path))
            time.sleep(_LOCK_POLL)


@contextlib.contextmanager
def locked(path, timeout=DEFAULT_LOCK_TIMEOUT):
    try:
        lock = open(lock_path(path), 'a')
    except OSError as e:
        raise ConfigurationError('Cannot lock the simulator state file %s: %s.' % (path, e.strerror))
    with lock:
        _acquire(lock, path, timeout)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def transaction(path, write=True, lock_timeout=DEFAULT_LOCK_TIMEOUT):
    """Yield the parsed snapshot under the lock; write it back if it changed and write is true.

    The document is written back even when the body raises, because a failing cmdlet can still
    change state the way the real one would (a consumed fault, a partial effect).
    """
    with locked(path, lock_timeout):
        doc = parse(read_text(path), source='The simulator state file %s' % path)
        original = copy.deepcopy(doc)
        try:
            yield doc
        finally:
            if write and doc != original:
                write_atomically(path, dumps(doc))
