# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The fleet audit (fleet_report.build) written as Markdown, CSV (devices or VMs) or one self-contained HTML page
(inline style, no script, no external asset). Every value that came from a host is escaped for the format it is
written in.

The page is for an operator reading a fleet at a glance: counts first, each linking to its section; in the device and
VM tables a row of short facts, and under it, across the whole table, what blocks it and what to know first, so that
no column ever has to be scrolled to. A location path breaks only after a '#'. On a narrow window (a phone) each row
becomes a card of labelled lines.
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

# Each section: its anchor, title, what it means (the README says the same), its columns (header, row key), its
# findings (header, row key, how bad) and its rows' key. The HTML page shows the findings in a row of their own under
# each item, across the table; Markdown as the last columns.
SECTIONS = (
    ('left-behind', 'Left behind',
     'Devices and VMs that DDA left half-way: reclaim them with the command below (--check first).',
     (('host', 'host'), ('what', 'what'), ('state', 'state'), ('reclaimed by dda_reclaim', 'reclaimed')), (),
     'left_behind'),
    ('drift', 'Drift: what the role would do',
     "For hosts with the nvme_passthrough role's variables: what a run would change to reach them, or why it would "
     'refuse, planned from this survey (nothing was changed).',
     (('host', 'host'), ('VM', 'vm'), ('devices', 'devices'), ('verdict', 'verdict'), ('details', 'details')), (),
     'drift'),
    ('hosts', 'Hosts', 'Every host surveyed, and which run of the collection holds its lease (one controller at a time).',
     (('host', 'host'), ('computer', 'computer'), ('OS', 'os'), ('edition', 'edition'), ('IOV support', 'iov_support'),
      ('NVMe devices', 'devices'), ('assignable', 'assignable'), ('VMs', 'vms'), ('lease', 'lease')), (), 'hosts'),
    ('devices', 'NVMe devices', 'Every NVMe controller, where it is, whether it could be passed through (blockers), '
     'and what to know first (warnings: the data it holds on the host). Its serial is the one a device selector '
     'takes (the adapter serial, as Linux shows it in the guest).',
     (('host', 'host'), ('device', 'device'), ('serial', 'serial'), ('where', 'where'), ('assignable', 'assignable'),
      ('disks', 'disks'), ('MMIO MB', 'mmio_mb')),
     (('blockers', 'reasons', 'blockers'), ('warnings', 'warnings', 'warnings')), 'devices'),
    ('vms', 'VMs', 'Every VM with its DDA settings and assignments: problems break DDA, warnings may.',
     (('host', 'host'), ('VM', 'vm'), ('state', 'state'), ('gen', 'generation'),
      ('stop action', 'automatic_stop_action'), ('dynamic memory', 'dynamic_memory'), ('memory MB', 'memory_mb'),
      ('MMIO MB low / high / needed', 'mmio'), ('nested virt.', 'nested_virtualization'),
      ('GPU-P', 'gpu_partition_adapters'), ('clustered', 'clustered'), ('assigned devices', 'assigned_devices')),
     (('problems', 'problems', 'blockers'), ('warnings', 'warnings', 'warnings')), 'vms'),
)


def render(report, fmt):
    if fmt not in FORMATS:
        raise ValueError('Unknown report format %r: use one of %s.' % (fmt, ', '.join(FORMATS)))
    return {'markdown': _markdown, 'html': _html, 'devices_csv': _devices_csv, 'vms_csv': _vms_csv}[fmt](report)


def _text(value, joiner=' '):
    if value is None:
        return 'unknown'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, list):
        return joiner.join(_text(item) for item in value)
    return str(value)


def _serial(serials):
    """A serial as people type it: Windows pads NVMe serials with a '.', which no selector needs."""
    return '; '.join(serial.rstrip('. ') for serial in serials.split('; ')) if serials else ''


def _disk_serial(row):
    """The disk's own serial (what Windows shows for the disk), when the serial column shows another: the adapter's."""
    disk = _serial(row['serial_number'])
    return disk if row['adapter_serial_number'] and disk != _serial(row['adapter_serial_number']) else ''


def _value(row, key, joiner=' '):
    """A cell's text; a few cells are made of several of the row's values."""
    if key == 'mmio':
        return '/'.join(_text(row[part]) for part in ('low_mmio_mb', 'high_mmio_mb', 'mmio_needed_mb'))
    if key == 'device':
        return '%s %s' % (row['friendly_name'] or 'device', row['location_path'])
    if key == 'serial':
        # The one a device selector (serial_number) matches and a Linux guest shows: the adapter's; else the disk's.
        return _serial(row['adapter_serial_number'] or row['serial_number'])
    if key == 'disks':
        return '%s%s' % (row['disks'], ', disk serial %s' % _disk_serial(row) if _disk_serial(row) else '')
    return _text(row[key], joiner)


def _about(report):
    lines = ['Made %s by hyperv.dda %s, from %d host(s)%s.' % (
        report['made'], report['version'], len(report['surveyed']),
        ': %s' % ', '.join(report['surveyed']) if report['surveyed'] else '')]
    if report['unreachable']:
        lines.append('Not surveyed (unreachable or failed): %s.' % ', '.join(report['unreachable']))
    return lines


def _summary(report):
    return ('NVMe devices: %(devices)d (could be passed through: %(assignable)d, passed through: %(passed_through)d, '
            'blocked: %(blocked)d). VMs: %(vms)d (with settings that break DDA: %(vms_to_fix)d). Left behind: '
            '%(left_behind)d. Hosts off their role variables: %(drifted)d.' % report['summary'])


def _reclaim_command(report):
    """The reclaim command with its inventory left for last (-i ends it), so that the command is one span to copy and
    the inventory, which only the user knows, stays outside it."""
    return '%s --check -i' % report['reclaim_command'].replace(' -i INVENTORY', '')


# --- Markdown -------------------------------------------------------------------------------------

def _md(value):
    return str(value).replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


# How a list is one Markdown cell: sentences (blockers, warnings, problems) by a space, the rest by these.
_MD_JOINERS = {'details': '; ', 'devices': '; ', 'assigned_devices': ', '}


def _md_table(columns, rows):
    lines = ['| %s |' % ' | '.join(header for header, dummy in columns),
             '|%s|' % '|'.join('---' for dummy in columns)]
    lines += ['| %s |' % ' | '.join(_md(_value(row, key, _MD_JOINERS.get(key, ' '))) for dummy, key in columns)
              for row in rows]
    return '\n'.join(lines)


def _markdown(report):
    parts = ['# Hyper-V DDA audit', ''] + _about(report) + [_summary(report)]
    for dummy, title, meaning, columns, findings, key in SECTIONS:
        parts += ['', '## %s' % title, '', meaning, '']
        if key == 'left_behind' and report[key]:
            parts += ['Reclaim: `%s` INVENTORY (the inventory you audited), then the same without `--check`.'
                      % _reclaim_command(report), '']
        columns = columns + tuple((header, row_key) for header, row_key, dummy in findings)
        parts.append(_md_table(columns, report[key]) if report[key] else 'None.')
    return '\n'.join(parts) + '\n'


# --- CSV ------------------------------------------------------------------------------------------

def _csv(columns, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator='\n')
    writer.writeheader()
    for row in rows:
        # A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
        cells = dict((key, _csv_value(key, value)) for key, value in row.items() if key in columns)
        writer.writerow(dict((key, "'" + value if isinstance(value, str) and value and value[0] in '=+-@' else value)
                             for key, value in cells.items()))
    return out.getvalue()


def _csv_value(key, value):
    """A list in one cell: sentences joined by a space, paths by a comma."""
    if isinstance(value, list):
        return (', ' if key == 'assigned_devices' else ' ').join(value)
    return value


def _devices_csv(report):
    return _csv(DEVICE_COLUMNS, report['devices'])


def _vms_csv(report):
    return _csv(VM_COLUMNS, report['vms'])


# --- HTML -----------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:0 0 .2rem}p{margin:.3rem 0}
section{margin-top:1.8rem}.meaning{color:#59636e;font-size:.9rem;max-width:70rem}
.summary{display:flex;gap:.6rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.45rem .8rem;min-width:6.5rem;color:inherit;
text-decoration:none}
a.card:hover{border-color:#0969da}.card b{display:block;font-size:1.4rem}.card.bad{border-color:#cf222e}
.card.bad b{color:#cf222e}
.table{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f6f8fa;border-bottom:1px solid #d0d7de;font-weight:600}
tbody{border-bottom:1px solid #d0d7de}tbody.next-host{border-top:2px solid #8c959f}
tr.findings td{padding-top:0}
.findings div{display:flex;gap:.5rem;margin:.1rem 0 .25rem}
.findings b{flex:0 0 5.5rem;font-weight:600}.findings ul{margin:0;padding-left:1rem}
.blockers{color:#cf222e}.warnings{color:#7d5700}
.lines{margin:0;padding:0;list-style:none}.lines li+li{margin-top:.15rem}.steps{margin:0;padding-left:1rem}
.path{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.78rem;color:#59636e}
.sub{color:#59636e;font-size:.78rem}
.ok{color:#1a7f37;font-weight:600}.no{color:#cf222e;font-weight:600}.in{color:#0969da;font-weight:600}
.warn{color:#7d5700;font-weight:600}
code{font-size:.85rem;background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:.05rem .3rem}
var{font-style:italic}
.in,.ok,.no{white-space:nowrap}
@media (min-width:1000px){.path wbr{display:none}}
@media (max-width:700px){
body{margin:.8rem}.summary{gap:.4rem}.card{min-width:0;padding:.3rem .6rem;font-size:.8rem}.card b{font-size:1.1rem}
table,tbody,tr,td{display:block}thead{display:none}
tbody{border:1px solid #d0d7de;border-radius:8px;margin:.6rem 0;padding:.35rem .6rem}
td{display:grid;grid-template-columns:6.5rem minmax(0,1fr);column-gap:.6rem;padding:.1rem 0}
td::before{content:attr(data-label);color:#59636e;font-weight:400}
td.first{display:block;font-weight:600}td.first::before{content:none}
td:empty,td.skip{display:none}tbody.next-host{border-top:1px solid #d0d7de;margin-top:1.4rem}
tr.findings td{display:block;padding:.3rem 0 0}.findings div{display:block}.findings b{display:block}
}
"""
# Cells whose value colours them: red where vm_checks or candidates call it a problem, amber where a warning.
_CSS = {('assignable', 'yes'): 'ok', ('assignable', 'no'): 'no', ('verdict', 'in step'): 'ok',
        ('verdict', 'would change'): 'in', ('verdict', 'would refuse'): 'no', ('iov_support', 'no'): 'warn',
        ('dynamic_memory', 'yes'): 'no', ('automatic_stop_action', 'Save'): 'no', ('clustered', 'yes'): 'no',
        ('nested_virtualization', 'yes'): 'warn', ('generation', '1'): 'warn'}
# Cells that hold a list: one item a line.
_LISTS = ('devices', 'details', 'assigned_devices')


def _words(text):
    """Escaped text in which a location path may break only after its '#' separators."""
    return '#<wbr>'.join(html.escape(part) for part in str(text).split('#'))


def _path(path):
    return '<span class="path">%s</span>' % _words(path)


def _device(label):
    """A device as the report names it (its name, maybe its serial, then maybe 'at', then its location path: the one
    word with a '#') in two lines: the name, then the path."""
    name, sep, path = label.rpartition(' ')
    if not sep or '#' not in path:
        return _words(label)
    name = name[:-len(' at')] if name.endswith(' at') else name
    return '%s<br>%s' % (html.escape(name), _path(path))


def _cell_html(row, key):
    if key == 'device':
        return '%s<br>%s' % (html.escape(row['friendly_name'] or 'device'), _path(row['location_path']))
    if key == 'disks':
        serial = _disk_serial(row)
        return html.escape(row['disks']) + ('<br><span class="sub">disk serial %s</span>' % html.escape(serial)
                                            if serial else '')
    if key == 'what':
        return _device(row['what'])
    if key in _LISTS and isinstance(row[key], list):
        show = _device if key == 'devices' else _path if key == 'assigned_devices' else _words
        # Changes are steps (bulleted, so that a step that takes two lines still reads as one); devices are names.
        css = 'steps' if key == 'details' else 'lines'
        return '<ul class="%s">%s</ul>' % (css, ''.join('<li>%s</li>' % show(item) for item in row[key])) \
            if row[key] else ''
    return _words(_value(row, key))


def _cell(row, header, key, first):
    text = _value(row, key)
    css = [_CSS.get((key, text))]
    if key == 'where' and text.startswith('assigned'):
        css.append('in')
    if first:
        css.append('first')
    css = ' '.join(name for name in css if name)
    inner = _cell_html(row, key)
    # The span is the value's column when a narrow window lays the cell out as a label and a value.
    return '<td data-label="%s"%s>%s</td>' % (html.escape(header), ' class="%s"' % css if css else '',
                                              '<span>%s</span>' % inner if inner else '')


def _findings(row, columns, findings):
    """The row under an item, across the table (but its first column): what blocks it, what to know first."""
    said = ''.join('<div class="%s"><b>%s</b><ul>%s</ul></div>'
                   % (css, html.escape(header), ''.join('<li>%s</li>' % _words(item) for item in row[key]))
                   for header, key, css in findings if row[key])
    if not said:
        return ''
    return '<tr class="findings"><td class="skip"></td><td colspan="%d">%s</td></tr>' % (len(columns) - 1, said)


def _html_table(columns, findings, rows):
    head = ''.join('<th>%s</th>' % html.escape(header) for header, dummy in columns)
    # An item a tbody (its row and its findings row); where a host has several, a firmer line where the next begins.
    grouped = len(set(row['host'] for row in rows)) < len(rows)
    body = ''.join('<tbody%s><tr>%s</tr>%s</tbody>' % (
        ' class="next-host"' if grouped and index and row['host'] != rows[index - 1]['host'] else '',
        ''.join(_cell(row, header, key, place == 0) for place, (header, key) in enumerate(columns)),
        _findings(row, columns, findings)) for index, row in enumerate(rows))
    return '<div class="table"><table><thead><tr>%s</tr></thead>%s</table></div>' % (head, body)


# The summary cards: the figure, its words, whether a figure above zero is bad news, and the section that lists it.
CARDS = (('hosts', 'hosts', False, 'hosts'), ('unreachable', 'not surveyed', True, None),
         ('devices', 'NVMe devices', False, 'devices'), ('assignable', 'could be passed through', False, 'devices'),
         ('passed_through', 'passed through', False, 'devices'), ('blocked', 'blocked', True, 'devices'),
         ('vms_to_fix', 'VMs to fix', True, 'vms'), ('left_behind', 'left behind', True, 'left-behind'),
         ('drifted', 'hosts off their role variables', True, 'drift'))


def _card(summary, key, label, bad, anchor):
    css = 'card bad' if bad and summary[key] else 'card'
    inner = '<b>%d</b>%s' % (summary[key], html.escape(label))
    if anchor:
        return '<a class="%s" href="#%s">%s</a>' % (css, anchor, inner)
    return '<div class="%s">%s</div>' % (css, inner)


def _reclaim_html(report):
    return ('<p>Reclaim: <code>%s</code> <var>INVENTORY</var> (the inventory you audited), then the same without '
            '<code>--check</code>.</p>' % html.escape(_reclaim_command(report)))


def _html(report):
    summary = report['summary']
    parts = ['<h1>Hyper-V DDA audit</h1>'] + ['<p>%s</p>' % html.escape(line) for line in _about(report)]
    parts.append('<div class="summary">%s</div>' % ''.join(_card(summary, *card) for card in CARDS))
    for anchor, title, meaning, columns, findings, key in SECTIONS:
        parts.append('<section id="%s"><h2>%s</h2><p class="meaning">%s</p>'
                     % (anchor, html.escape(title), html.escape(meaning)))
        if key == 'left_behind' and report[key]:
            parts.append(_reclaim_html(report))
        parts.append(_html_table(columns, findings, report[key]) if report[key] else '<p>None.</p>')
        parts.append('</section>')
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Hyper-V DDA audit</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><style>%s</style></head><body>%s'
            '</body></html>\n' % (STYLE, ''.join(parts)))
