# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The VM settings a passthrough changed, as the host keeps them, and what a release gives back of them.

A change made with ``previous: remember`` keeps on the host, for each setting whose value it changes, the value it
found (unless one is kept already: the first change wins) and the value it set (the last change wins); nothing for a
setting it leaves as it is (parts/remembered_settings.ps1; ``vms[].remembered_settings`` and its ``set``).

A release with nvme_passthrough_restore_vm_settings gives a setting back only while the VM still has the value the
passthrough set: a value someone changed since is theirs, and is left as it is (the plan says so). Either way the
record is forgotten.

A record written before the set values were kept (an earlier version of the collection) has a found value and no
set value. Its only writer was the role's passthrough, so the role's own change is assumed: the stop action it sets
(nvme_passthrough_stop_action), dynamic memory off (DDA needs static memory), startup memory as it was (the role
never changes it). A setting that does not have that value now is left, and the plan says why. The same holds for a
record a run left half written (the value found kept, the value set not yet).
"""

from __future__ import annotations

SETTINGS = ('automatic_stop_action', 'dynamic_memory_enabled', 'memory_startup_bytes')
# The registry value names of parts/remembered_settings.ps1, by setting; the value set is kept as <name>Set.
REGISTRY_NAMES = {'automatic_stop_action': 'AutomaticStopAction', 'dynamic_memory_enabled': 'DynamicMemoryEnabled',
                  'memory_startup_bytes': 'MemoryStartupBytes'}
MEMORY = ('dynamic_memory_enabled', 'memory_startup_bytes')
MIB = 1024 * 1024


def kept(record):
    """A VM's record with every field (null: not kept), whatever version wrote it."""
    record = record or {}
    return dict(((name, record.get(name)) for name in SETTINGS),
                set=dict((name, (record.get('set') or {}).get(name)) for name in SETTINGS))


def _or_none(record):
    return record if any(record[name] is not None for name in SETTINGS) else None


def remember(record, changes):
    """The record after a change that remembers; ``changes`` is {setting: (value found, value set)} of the settings
    whose value the change changes."""
    record = kept(record)
    for name, (found, value) in changes.items():
        if record[name] is None:
            record[name] = found
        record['set'][name] = value
    return _or_none(record)


def forget(record, names):
    """The record without these settings (None when nothing is left)."""
    record = kept(record)
    for name in names:
        record[name] = record['set'][name] = None
    return _or_none(record)


def forget_value(record, name, value_set):
    """The record without one of a setting's two values: the value set (``value_set``) or the value found. A record
    left with values set only keeps nothing a release reads (None)."""
    record = kept(record)
    if value_set:
        record['set'][name] = None
    else:
        record[name] = None
    return _or_none(record)


def holds(record, names):
    """Whether the record keeps any of these settings."""
    return any(kept(record)[name] is not None for name in names)


def _words(name, value):
    if name == 'automatic_stop_action':
        return value
    if name == 'dynamic_memory_enabled':
        return 'on' if value else 'off'
    return '%d MB' % (value // MIB)


_NAMES = {'automatic_stop_action': 'automatic stop action', 'dynamic_memory_enabled': 'dynamic memory',
          'memory_startup_bytes': 'startup memory'}
_EARLIER = (" (Its record was written by an earlier version of the collection, which did not keep what it set: the "
            "role's own change was assumed.)")


def _assumed(name, record, stop_action):
    """The value the role's passthrough set, for a record that does not say (see the module's docstring)."""
    if name == 'automatic_stop_action':
        return stop_action
    if name == 'dynamic_memory_enabled':
        return False
    return record[name]


def give_back(vm, stop_action):
    """What a release gives back of the VM's record: ({setting: value to have}, notes).

    Every setting the record keeps is in the first: its value found when the VM still has the value the passthrough
    set, else its value now (the task then only forgets it). ``stop_action`` is the role's nvme_passthrough_stop_action
    (for a record of an earlier version)."""
    record = kept(vm.get('remembered_settings'))
    targets, notes = {}, []
    for name in SETTINGS:
        found, current = record[name], vm[name]
        if found is None:
            continue
        value = record['set'][name]
        earlier = value is None
        if earlier:
            value = _assumed(name, record, stop_action)
        if current == value:
            targets[name] = found
            continue
        targets[name] = current
        if current != found:
            notes.append("VM '%s' keeps its %s %s: the passthrough %s %s, and it was changed since, so the release "
                         "does not give back %s.%s" % (
                             vm['name'], _NAMES[name], _words(name, current), 'left it at' if value == found else 'set',
                             _words(name, value), _words(name, found), _EARLIER if earlier else ''))
    return targets, notes


def stop_action_change(vm, target):
    """The plan's words for the step that gives back (or only forgets) the stop action."""
    record = kept(vm.get('remembered_settings'))
    if target == vm['automatic_stop_action']:
        return "forget the automatic stop action VM '%s' had before the passthrough (%s)" % (
            vm['name'], record['automatic_stop_action'])
    return "give VM '%s' back its automatic stop action %s (the passthrough set %s)" % (
        vm['name'], target, vm['automatic_stop_action'])


def memory_change(vm, target):
    """The plan's words for the step that gives back (or only forgets) the memory settings; target is {setting: value}
    of MEMORY."""
    back = ['%s %s' % (_NAMES[name], _words(name, target[name])) for name in MEMORY if target[name] != vm[name]]
    if not back:
        return "forget the memory settings VM '%s' had before the passthrough" % vm['name']
    return "give VM '%s' back %s" % (vm['name'], ' and '.join(back))
