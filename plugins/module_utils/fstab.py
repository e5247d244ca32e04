# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""/etc/fstab as data: read it, find the lines that name a file system, and write one line back.

Pure text in, text out. Every line the change does not concern stays byte for byte as it was
(comments, spacing, order); the managed line takes the place of the first line it replaces.
"""

from __future__ import annotations

import re

OCTAL = re.compile(r'\\([0-7]{3})')


def unescape(field):
    """fstab(5), /proc/self/mountinfo and /proc/swaps write a space in a path as \\040; return the path itself."""
    return OCTAL.sub(lambda match: chr(int(match.group(1), 8)), field)


def entries(text):
    """The mount lines of an fstab: (line index, fields), fields unescaped; comments skipped."""
    found = []
    for index, line in enumerate(text.splitlines()):
        fields = line.split()
        if fields and not fields[0].startswith('#') and len(fields) >= 2:
            found.append((index, [unescape(field) for field in fields]))
    return found


UNIQUE = (('UUID', 'uuid', '/dev/disk/by-uuid/'), ('PARTUUID', 'partuuid', '/dev/disk/by-partuuid/'))
LABELS = (('LABEL', 'label', '/dev/disk/by-label/'), ('PARTLABEL', 'partlabel', '/dev/disk/by-partlabel/'))


def names(source, identity, by_label=False):
    """Whether an fstab source field names the file system or partition described by identity.

    identity: ``uuid``, ``partuuid``, ``label``, ``partlabel`` (file system and GPT values) and
    ``devices`` (its device node paths). Labels are not unique (two disks can carry the same one),
    so they count only with by_label.
    """
    for tag, key, folder in UNIQUE + (LABELS if by_label else ()):
        value = identity.get(key)
        if not value:
            continue
        folded = key in ('uuid', 'partuuid')
        for given in (source[len(tag) + 1:] if source.upper().startswith(tag + '=') else None,
                      source[len(folder):] if source.startswith(folder) else None):
            if given is not None and (given.strip('"').lower() == value.lower() if folded
                                      else given.strip('"') == value):
                return True
    return source in (identity.get('devices') or ())


def line(source, mount_point, file_system, options, passno):
    """One fstab line, the mount point escaped as fstab(5) wants."""
    escaped = ''.join('\\%03o' % ord(c) if c in ' \t\\' else c for c in mount_point)
    return '%s %s %s %s 0 %d' % (source, escaped, file_system, options, passno)


def replace(text, drop, new_line):
    """text with the lines whose fields drop(fields) is true removed, and new_line in the place of the
    first of them (or at the end). A kept line equal in fields to new_line is left as it is."""
    lines = text.splitlines()
    wanted = new_line.split() if new_line else None
    dropped = [index for index, fields in entries(text) if drop(fields)]
    if wanted is not None and [lines[index].split() for index in dropped] == [wanted]:
        return text
    kept, placed = [], False
    for index, original in enumerate(lines):
        if index in dropped:
            if new_line and not placed:
                kept.append(new_line)
                placed = True
            continue
        kept.append(original)
    if new_line and not placed:
        kept.append(new_line)
    return '\n'.join(kept) + '\n' if kept else ''
