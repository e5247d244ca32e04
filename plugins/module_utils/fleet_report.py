# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet DDA audit: what hyperv_dda_info found on every host, as one report.

``build(surveys)`` turns {host: hyperv_dda_info result} into plain rows (hosts, devices, VMs whose
settings break DDA); ``render(report, fmt)`` writes them as Markdown, CSV (devices or VMs) or one
self-contained HTML page (inline style, no script, no external asset). Every value that came from a
host is escaped for the format it is written in.
"""

from __future__ import annotations

import csv
import html
import io

FORMATS = ('markdown', 'html', 'devices_csv', 'vms_csv')
DEVICE_COLUMNS = ('host', 'location_path', 'friendly_name', 'where', 'assignable', 'disks', 'reasons')
VM_COLUMNS = ('host', 'vm', 'state', 'assigned_devices', 'problems')


def _gb(size):
    return '%.0f GB' % (size / 1e9) if size else 'unknown size'


def _where(candidate):
    if candidate['assigned_to']:
        return 'assigned to %s' % candidate['assigned_to']
    return {'enabled': 'on the host', 'disabled': 'on the host, disabled',
            'dismounted': 'dismounted, unassigned'}[candidate['state']]


def _disks(candidate):
    if candidate['disks'] is None:
        return 'unknown'
    return '; '.join('%s %s (%s)' % (disk.get('model') or 'disk', disk.get('adapter_serial_number') or
                                     disk.get('serial_number') or '', _gb(disk.get('size')))
                     for disk in candidate['disks'])


def vm_problems(vm):
    """The VM settings that break DDA, whether or not a device is assigned yet."""
    problems = []
    if vm['automatic_stop_action'] == 'Save':
        problems.append('automatic stop action Save (a VM with an assigned device cannot be saved)')
    if vm['dynamic_memory_enabled']:
        problems.append('dynamic memory on (DDA needs static memory)')
    if vm['is_clustered']:
        problems.append('clustered (DDA devices cannot be added to a clustered VM)')
    if vm.get('stale_assignments'):
        problems.append('%d stale assignment(s): devices gone from the host; the VM cannot start until they are '
                        'removed (hyperv.dda.vm_assignable_device remove_stale=true)' % vm['stale_assignments'])
    if vm.get('guest_shutdown_available') is False:
        problems.append('its guest cannot be shut down gracefully (Shutdown integration service not available): a '
                        'passthrough would have to turn it off')
    return problems


def build(surveys):
    hosts, devices, vms = [], [], []
    for name in sorted(surveys):
        survey = surveys[name]
        snapshot = survey['snapshot']
        host = snapshot['host']
        hosts.append({'host': name, 'computer': host['name'], 'os': host.get('os') or '', 'edition': host['product_type'],
                      'iov_support': host.get('iov_support'), 'devices': len(survey['candidates']),
                      'assignable': sum(1 for c in survey['candidates'] if c['assignable']), 'vms': len(snapshot['vms'])})
        for candidate in survey['candidates']:
            devices.append({'host': name, 'location_path': candidate['location_path'],
                            'friendly_name': candidate['friendly_name'] or '', 'where': _where(candidate),
                            'assignable': candidate['assignable'], 'disks': _disks(candidate),
                            'reasons': ' '.join(candidate['reasons'])})
        for vm in snapshot['vms']:
            problems = vm_problems(vm)
            if problems:
                vms.append({'host': name, 'vm': vm['name'], 'state': vm['state'],
                            'assigned_devices': ', '.join(vm['assigned_devices']), 'problems': '; '.join(problems)})
    summary = {'hosts': len(hosts), 'devices': len(devices),
               'assignable': sum(1 for d in devices if d['assignable'] and not d['where'].startswith('assigned')),
               'passed_through': sum(1 for d in devices if d['where'].startswith('assigned')),
               'blocked': sum(1 for d in devices if not d['assignable']), 'vms_to_fix': len(vms)}
    return {'summary': summary, 'hosts': hosts, 'devices': devices, 'vms': vms}


def render(report, fmt):
    if fmt not in FORMATS:
        raise ValueError('Unknown report format %r: use one of %s.' % (fmt, ', '.join(FORMATS)))
    return {'markdown': _markdown, 'html': _html, 'devices_csv': _devices_csv, 'vms_csv': _vms_csv}[fmt](report)


def _summary_line(summary):
    return ('Hosts: %(hosts)d. NVMe devices: %(devices)d (could be passed through: %(assignable)d, passed through: '
            '%(passed_through)d, blocked: %(blocked)d). VMs with settings that break DDA: %(vms_to_fix)d.' % summary)


def _yes_no(value):
    return 'unknown' if value is None else 'yes' if value else 'no'


def _md(value):
    return str(value).replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


def _md_table(columns, rows):
    lines = ['| %s |' % ' | '.join(columns), '|%s|' % '|'.join('---' for dummy in columns)]
    lines += ['| %s |' % ' | '.join(_md(cell) for cell in row) for row in rows]
    return '\n'.join(lines)


def _markdown(report):
    parts = ['# Hyper-V DDA audit', '', _summary_line(report['summary']), '', '## Hosts', '',
             _md_table(('host', 'computer', 'OS', 'edition', 'IOV support', 'NVMe devices', 'assignable', 'VMs'),
                       [(h['host'], h['computer'], h['os'], h['edition'], _yes_no(h['iov_support']), h['devices'],
                         h['assignable'], h['vms']) for h in report['hosts']]),
             '', '## NVMe devices', '',
             _md_table(('host', 'location path', 'device', 'where', 'assignable', 'disks', 'blockers'),
                       [(d['host'], d['location_path'], d['friendly_name'], d['where'], _yes_no(d['assignable']),
                         d['disks'], d['reasons']) for d in report['devices']]),
             '', '## VMs whose settings break DDA', '']
    if report['vms']:
        parts.append(_md_table(('host', 'VM', 'state', 'assigned devices', 'problems'),
                               [(v['host'], v['vm'], v['state'], v['assigned_devices'], v['problems'])
                                for v in report['vms']]))
    else:
        parts.append('None.')
    return '\n'.join(parts) + '\n'


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


STYLE = '''
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}
.summary{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #d0d7de;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font-size:.85rem}
.ok{color:#1a7f37;font-weight:600}.no{color:#cf222e;font-weight:600}.in{color:#0969da;font-weight:600}
'''


def _cell(value, css=None):
    return '<td%s>%s</td>' % (' class="%s"' % css if css else '', html.escape(str(value)))


def _html_table(headers, rows):
    head = ''.join('<th>%s</th>' % html.escape(h) for h in headers)
    return '<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (
        head, ''.join('<tr>%s</tr>' % ''.join(row) for row in rows))


def _verdict(device):
    if device['where'].startswith('assigned'):
        return _cell('passed through', 'in')
    return _cell('assignable', 'ok') if device['assignable'] else _cell('blocked', 'no')


def _html(report):
    summary = report['summary']
    cards = ''.join('<div class="card"><b>%d</b>%s</div>' % (summary[key], html.escape(label)) for key, label in (
        ('hosts', 'hosts'), ('devices', 'NVMe devices'), ('assignable', 'could be passed through'),
        ('passed_through', 'passed through'), ('blocked', 'blocked'), ('vms_to_fix', 'VMs to fix')))
    hosts = _html_table(('host', 'computer', 'OS', 'edition', 'IOV support', 'NVMe devices', 'assignable', 'VMs'), [
        [_cell(h['host']), _cell(h['computer']), _cell(h['os']), _cell(h['edition']),
         _cell(_yes_no(h['iov_support']), 'ok' if h['iov_support'] else 'no'), _cell(h['devices']),
         _cell(h['assignable']), _cell(h['vms'])]
        for h in report['hosts']])
    devices = _html_table(('host', 'location path', 'device', 'where', 'verdict', 'disks', 'blockers'), [
        [_cell(d['host']), '<td><code>%s</code></td>' % html.escape(d['location_path']), _cell(d['friendly_name']),
         _cell(d['where'], 'in' if d['where'].startswith('assigned') else None),
         _verdict(d),
         _cell(d['disks']), _cell(d['reasons'])] for d in report['devices']])
    vms = _html_table(('host', 'VM', 'state', 'assigned devices', 'problems'), [
        [_cell(v['host']), _cell(v['vm']), _cell(v['state']), _cell(v['assigned_devices']), _cell(v['problems'], 'no')]
        for v in report['vms']]) if report['vms'] else '<p>None.</p>'
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Hyper-V DDA audit</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><style>%s</style></head><body>'
            '<h1>Hyper-V DDA audit</h1><p>%s</p><div class="summary">%s</div><h2>Hosts</h2>%s'
            '<h2>NVMe devices</h2>%s<h2>VMs whose settings break DDA</h2>%s</body></html>\n'
            % (STYLE, html.escape(_summary_line(summary)), cards, hosts, devices, vms))
