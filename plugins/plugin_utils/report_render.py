# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The fleet audit (fleet_report.build) written as Markdown, CSV (devices or VMs) or one self-contained HTML page
(inline style, no script, no external asset; wide tables scroll inside the page on a narrow window). Every value that
came from a host is escaped for the format it is written in.
"""

from __future__ import annotations

import csv
import html
import io

FORMATS = ('markdown', 'html', 'devices_csv', 'vms_csv')
DEVICE_COLUMNS = ('host', 'location_path', 'friendly_name', 'where', 'assignable', 'states', 'disks', 'serial_number',
                  'adapter_serial_number', 'mmio_mb', 'reasons', 'warnings')
VM_COLUMNS = ('host', 'vm', 'state', 'generation', 'automatic_stop_action', 'dynamic_memory', 'memory_mb',
              'low_mmio_mb', 'high_mmio_mb', 'mmio_needed_mb', 'clustered', 'nested_virtualization',
              'gpu_partition_adapters', 'assigned_devices', 'states', 'problems', 'warnings')

# Each section: title, what it means (the README says the same), columns (header, row key) and its rows' key.
SECTIONS = (
    ('Left behind', 'Devices and VMs that DDA left half-way: reclaim them with the command below (--check first).',
     (('host', 'host'), ('what', 'what'), ('state', 'state'), ('reclaimed by dda_reclaim', 'reclaimed')), 'left_behind'),
    ('Drift: what the role would do', "For hosts with the nvme_passthrough role's variables: what a run would change "
     'to reach them, or why it would refuse, planned from this survey (nothing was changed).',
     (('host', 'host'), ('VM', 'vm'), ('devices', 'devices'), ('verdict', 'verdict'), ('details', 'details')), 'drift'),
    ('Hosts', 'Every host surveyed, and which run of the collection holds its lease (one controller at a time).',
     (('host', 'host'), ('computer', 'computer'), ('OS', 'os'), ('edition', 'edition'), ('IOV support', 'iov_support'),
      ('NVMe devices', 'devices'), ('assignable', 'assignable'), ('VMs', 'vms'), ('lease', 'lease')), 'hosts'),
    ('NVMe devices', 'Every NVMe controller, where it is, whether it could be passed through (blockers), and what '
     'to know first (warnings: the data it holds on the host).',
     (('host', 'host'), ('location path', 'location_path'), ('device', 'friendly_name'), ('where', 'where'),
      ('assignable', 'assignable'), ('disks', 'disks'), ('serial', 'serial_number'),
      ('adapter serial', 'adapter_serial_number'), ('MMIO MB', 'mmio_mb'), ('blockers', 'reasons'),
      ('warnings', 'warnings')), 'devices'),
    ('VMs', 'Every VM with its DDA settings and assignments: problems break DDA, warnings may.',
     (('host', 'host'), ('VM', 'vm'), ('state', 'state'), ('gen', 'generation'),
      ('stop action', 'automatic_stop_action'), ('dynamic memory', 'dynamic_memory'), ('memory MB', 'memory_mb'),
      ('MMIO low/high/needed MB', 'mmio'), ('nested virt.', 'nested_virtualization'),
      ('GPU-P', 'gpu_partition_adapters'), ('clustered', 'clustered'), ('assigned devices', 'assigned_devices'),
      ('problems', 'problems'), ('warnings', 'warnings')), 'vms'),
)


def render(report, fmt):
    if fmt not in FORMATS:
        raise ValueError('Unknown report format %r: use one of %s.' % (fmt, ', '.join(FORMATS)))
    return {'markdown': _markdown, 'html': _html, 'devices_csv': _devices_csv, 'vms_csv': _vms_csv}[fmt](report)


def _text(value):
    if value is None:
        return 'unknown'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return str(value)


def _value(row, key):
    if key == 'mmio':
        return '/'.join(_text(row[part]) for part in ('low_mmio_mb', 'high_mmio_mb', 'mmio_needed_mb'))
    return _text(row[key])


def _about(report):
    lines = ['Made %s by hyperv.dda %s, from %d host(s)%s.' % (
        report['made'], report['version'], len(report['surveyed']),
        ': %s' % ', '.join(report['surveyed']) if report['surveyed'] else '')]
    if report['unreachable']:
        lines.append('Not surveyed (unreachable or failed): %s.' % ', '.join(report['unreachable']))
    summary = report['summary']
    lines.append('NVMe devices: %(devices)d (could be passed through: %(assignable)d, passed through: '
                 '%(passed_through)d, blocked: %(blocked)d). VMs: %(vms)d (with settings that break DDA: '
                 '%(vms_to_fix)d). Left behind: %(left_behind)d. Hosts off their role variables: %(drifted)d.' % summary)
    return lines


def _reclaim(report):
    return 'Reclaim: %s --check, then without --check.' % report['reclaim_command']


# --- Markdown -------------------------------------------------------------------------------------

def _md(value):
    return str(value).replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


def _md_table(columns, rows):
    lines = ['| %s |' % ' | '.join(header for header, dummy in columns),
             '|%s|' % '|'.join('---' for dummy in columns)]
    lines += ['| %s |' % ' | '.join(_md(_value(row, key)) for dummy, key in columns) for row in rows]
    return '\n'.join(lines)


def _markdown(report):
    parts = ['# Hyper-V DDA audit', ''] + _about(report)
    for title, meaning, columns, key in SECTIONS:
        parts += ['', '## %s' % title, '', meaning, '']
        if key == 'left_behind' and report[key]:
            parts += ['`%s`' % _reclaim(report), '']
        parts.append(_md_table(columns, report[key]) if report[key] else 'None.')
    return '\n'.join(parts) + '\n'


# --- CSV ------------------------------------------------------------------------------------------

def _csv(columns, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator='\n')
    writer.writeheader()
    for row in rows:
        # A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
        writer.writerow(dict((key, "'" + value if isinstance(value, str) and value and value[0] in '=+-@' else value)
                             for key, value in row.items() if key in columns))
    return out.getvalue()


def _devices_csv(report):
    return _csv(DEVICE_COLUMNS, report['devices'])


def _vms_csv(report):
    return _csv(VM_COLUMNS, report['vms'])


# --- HTML -----------------------------------------------------------------------------------------

STYLE = '''
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.8rem 0 .3rem}p{margin:.3rem 0}
.meaning{color:#59636e;font-size:.9rem}
.summary{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.5rem .9rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}.card.bad b{color:#cf222e}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border-bottom:1px solid #d0d7de;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;white-space:nowrap}td{min-width:4rem}code{font-size:.8rem;word-break:break-all}
.ok{color:#1a7f37;font-weight:600}.no{color:#cf222e;font-weight:600}.in{color:#0969da;font-weight:600}
.warn{color:#9a6700}
@media (max-width:700px){body{margin:.8rem}.summary{gap:.4rem}.card{min-width:0;padding:.3rem .6rem;font-size:.8rem}
.card b{font-size:1.1rem}table{min-width:44rem}}
'''
# Cells whose value colours them.
_CSS = {('assignable', 'yes'): 'ok', ('assignable', 'no'): 'no', ('verdict', 'in step'): 'ok',
        ('verdict', 'would change'): 'in', ('verdict', 'would refuse'): 'no', ('iov_support', 'no'): 'warn'}
_ALWAYS = {'problems': 'no', 'reasons': 'no', 'warnings': 'warn'}


def _cell(row, key):
    text = _value(row, key)
    if key == 'location_path':
        return '<td><code>%s</code></td>' % html.escape(text)
    css = _CSS.get((key, text)) or _ALWAYS.get(key)
    if key == 'where' and text.startswith('assigned'):
        css = 'in'
    return '<td%s>%s</td>' % (' class="%s"' % css if css else '', html.escape(text))


def _html_table(columns, rows):
    head = ''.join('<th>%s</th>' % html.escape(header) for header, dummy in columns)
    body = ''.join('<tr>%s</tr>' % ''.join(_cell(row, key) for dummy, key in columns) for row in rows)
    return '<div class="scroll"><table><thead><tr>%s</tr></thead><tbody>%s</tbody></table></div>' % (head, body)


# The summary cards: the figure, its words, and whether a figure above zero is bad news.
CARDS = (('hosts', 'hosts', False), ('unreachable', 'not surveyed', True), ('devices', 'NVMe devices', False),
         ('assignable', 'could be passed through', False), ('passed_through', 'passed through', False),
         ('blocked', 'blocked', True), ('vms_to_fix', 'VMs to fix', True), ('left_behind', 'left behind', True),
         ('drifted', 'hosts off their role variables', True))


def _html(report):
    summary = report['summary']
    cards = ''.join('<div class="card%s"><b>%d</b>%s</div>'
                    % (' bad' if bad and summary[key] else '', summary[key], html.escape(label))
                    for key, label, bad in CARDS)
    parts = ['<h1>Hyper-V DDA audit</h1>'] + ['<p>%s</p>' % html.escape(line) for line in _about(report)]
    parts.append('<div class="summary">%s</div>' % cards)
    for title, meaning, columns, key in SECTIONS:
        parts.append('<h2>%s</h2><p class="meaning">%s</p>' % (html.escape(title), html.escape(meaning)))
        if key == 'left_behind' and report[key]:
            parts.append('<p><code>%s</code></p>' % html.escape(_reclaim(report)))
        parts.append(_html_table(columns, report[key]) if report[key] else '<p>None.</p>')
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Hyper-V DDA audit</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><style>%s</style></head><body>%s'
            '</body></html>\n' % (STYLE, ''.join(parts)))
