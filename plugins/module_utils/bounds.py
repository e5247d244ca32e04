# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The one rule for a number a user gives: its range, and what counts as a number.

Ansible's own validator converts loosely: a boolean passes as an int (true is 1 second), a string of
non-ASCII digits goes through int() (\u0663\u0660\u0660 is 300), and .inf breaks it without naming the option.
So every number a user gives (module options, the role's and the playbooks' variables, the simulator's
lock timeout) is read here first, as written, and refused outside its range, naming the variable as the
user knows it (its caller passes that name) and saying the range. A boolean is never a number.

Each range fits what the host accepts: the type the script declares for the parameter the value is
passed to, and below any limit documented for the cmdlet it reaches. Each range names its source.
"""

from __future__ import annotations

import math
import re

from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError

INT32_MAX = 2147483647  # [int] in PowerShell is System.Int32
MB = 1024 * 1024
TB = 1024 * 1024 * MB
_WHOLE = re.compile(r'^[+-]?[0-9]+$')  # ASCII digits only: [0-9] is not \d
_DECIMAL = re.compile(r'^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$')
_SHOWN = 40  # characters of a refused value a message repeats


class Bound(object):
    """A range of numbers: ``low`` to ``high`` inclusive, in ``unit`` (or none), whole numbers unless ``whole`` is
    false, optionally a multiple of ``multiple_of`` or a power of two."""

    def __init__(self, low, high, unit=None, whole=True, multiple_of=None, power_of_two=False):
        self.low, self.high, self.unit, self.whole = low, high, unit, whole
        self.multiple_of, self.power_of_two = multiple_of, power_of_two

    def describe(self):
        """The range in words, as messages and documentation say it."""
        text = '%s%s from %s to %s' % ('a whole number' if self.whole else 'a number',
                                       ' of %s' % self.unit if self.unit else '', self.low, self.high)
        if self.multiple_of:
            text += ' that is a multiple of %d' % self.multiple_of
        if self.power_of_two:
            text += ' that is a power of two'
        return text

    def holds(self, number):
        if not self.low <= number <= self.high:
            return False
        if self.multiple_of and number % self.multiple_of:
            return False
        return not (self.power_of_two and number & (number - 1))


# shutdown_timeout: set_vm_power.ps1 declares [int]$ShutdownTimeout (Int32) and waits with
# (Get-Date).AddSeconds($ShutdownTimeout); 0 asks the guest and gives it no time.
SHUTDOWN_TIMEOUT = Bound(0, INT32_MAX, 'seconds')
# startup_bytes: set_vm_memory.ps1 declares [long]$StartupBytes, Set-VMMemory -StartupBytes is Int64
# (windows-powershell-docs, docset/winserver2025-ps/Hyper-V/Set-VMMemory.md); Hyper-V's largest VM memory is 240 TB
# (generation 2, Windows Server 2022 and 2025; 12 TB on 2016 and 2019, whose hosts refuse more themselves): Plan for
# Hyper-V scalability in Windows Server (windowsserverdocs, virtualization/hyper-v/plan/
# plan-hyper-v-scalability-in-windows-server.md). Hyper-V memory sizes are multiples of 2 MB.
STARTUP_BYTES = Bound(2 * MB, 240 * TB, 'bytes', multiple_of=2 * MB)
# allocation_unit_size: format_guest_disk.ps1 declares [long]$AllocationUnitSize; Format-Volume -AllocationUnitSize
# is UInt32 (docset/winserver2025-ps/Storage/Format-Volume.md); cluster sizes are powers of two, 512 B to 2 MB.
ALLOCATION_UNIT_SIZE = Bound(512, 2 * MB, 'bytes', power_of_two=True)
# disk_number: format_guest_disk.ps1 declares [int]$DiskNumber (its -1, "find the disk by its identity", is the
# planner's, not the user's); Get-Disk -Number is UInt32 (docset/winserver2025-ps/Storage/Get-Disk.md).
DISK_NUMBER = Bound(0, INT32_MAX)
# hyperv_dda_simulator_lock_timeout: seconds on the controller (a fraction allowed); a run holds the lock for
# milliseconds, so a day of waiting is far beyond any use.
LOCK_TIMEOUT = Bound(0, 86400, 'seconds', whole=False)
# hyperv_dda_lease_timeout, nvme_passthrough_lease_timeout, hyperv_dda_lease's timeout: whole seconds on the controller
# that a run waits for another run's lease of the host; a day is far beyond any run of the role.
LEASE_TIMEOUT = Bound(0, 86400, 'seconds')
# hyperv_dda_lease's duration: how long the lease lasts after each step; set_lease.ps1 declares [long]$Seconds, and a
# minute is the least that outlasts a step's round trip. Int32 like the longest wait of a step (shutdown_timeout).
LEASE_DURATION = Bound(60, INT32_MAX, 'seconds')


def _shown(value):
    if isinstance(value, bool):
        return '%s (a boolean)' % str(value).lower()
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + '...'


def _parsed(value, whole):
    """The number a value is, or None when it is not one as written (a boolean, text that is not ASCII digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if not whole and math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if _WHOLE.match(text):
            try:
                return int(text)
            except ValueError:  # more digits than Python converts: far above any range
                return float('inf')
        if not whole and _DECIMAL.match(text):
            return float(text)
    return None


def checked_number(value, name, bound):
    """``value`` as the number it is (an int for a whole-number range), when it is one and within ``bound``;
    otherwise PreconditionError naming ``name`` (the variable as the user knows it) and the range."""
    number = _parsed(value, bound.whole)
    if number is None or not bound.holds(number):
        raise PreconditionError('%s must be %s; got %s.' % (name, bound.describe(), _shown(value)))
    return number
