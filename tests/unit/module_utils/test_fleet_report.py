"""The fleet audit report: content, escaping for each format, and a real render in Chromium."""
import csv
import io
import os
import shutil
import subprocess

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.module_utils.fleet_report import build, render
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import without_sim_fields

from ddatest import load_example


def _survey(name, mutate=None):
    doc = load_example(name)
    if mutate:
        mutate(doc)
    snapshot = without_sim_fields(doc)
    return {'snapshot': snapshot, 'candidates': candidates(snapshot)}


def fleet(mutate=None):
    return {'hv01': _survey('two_nvme_server', mutate), 'hv02': _survey('mixed_server'),
            'azl-n1': _survey('pool_member'), 'hv03': _survey('passed_through')}


def test_report_rows_and_summary():
    report = build(fleet())
    assert [h['host'] for h in report['hosts']] == ['azl-n1', 'hv01', 'hv02', 'hv03']
    assert report['summary'] == {'hosts': 4, 'devices': 7, 'assignable': 3, 'passed_through': 1, 'blocked': 3,
                                 'vms_to_fix': 1}
    assigned = [d for d in report['devices'] if d['host'] == 'hv03'][0]
    assert assigned['where'] == 'assigned to sql02'
    blocked = [d for d in report['devices'] if d['host'] == 'hv02' and not d['assignable']][0]
    assert "boot disk (disk 0)" in blocked['reasons']
    assert report['vms'] == [{'host': 'hv01', 'vm': 'sql01', 'state': 'Running', 'assigned_devices': '',
                              'problems': 'automatic stop action Save (a VM with an assigned device cannot be saved); '
                                          'dynamic memory on (DDA needs static memory)'}]


def test_markdown_escapes_table_cells():
    def hostile(doc):
        doc['devices'][0]['friendly_name'] = 'Evil | name\nwith newline'
    text = render(build(fleet(hostile)), 'markdown')
    assert 'Evil \\| name with newline' in text
    assert text.startswith('# Hyper-V DDA audit\n')


def test_csv_is_parseable_and_guards_formulas():
    def hostile(doc):
        doc['devices'][0]['friendly_name'] = '=HYPERLINK("http://x")'
    rows = list(csv.DictReader(io.StringIO(render(build(fleet(hostile)), 'devices_csv'))))
    assert len(rows) == 7
    assert rows[2]['friendly_name'] == '\'=HYPERLINK("http://x")'
    assert rows[2]['reasons'] == '', 'an empty cell stays empty'
    vms = list(csv.DictReader(io.StringIO(render(build(fleet()), 'vms_csv'))))
    assert [row['vm'] for row in vms] == ['sql01']


def test_html_is_self_contained_and_escaped():
    def hostile(doc):
        doc['vms'][0]['name'] = '<script>alert(1)</script>'
    page = render(build(fleet(hostile)), 'html')
    assert '<script>' not in page and '&lt;script&gt;alert(1)&lt;/script&gt;' in page
    for external in ('http://', 'https://', '<link', 'src='):
        assert external not in page


def test_unknown_format():
    with pytest.raises(ValueError, match="Unknown report format 'pdf'"):
        render(build(fleet()), 'pdf')


def test_html_renders_in_headless_chromium(tmp_path):
    browser = shutil.which('chromium')
    assert browser, "Chromium is missing: tools/setup.sh installs Debian's chromium"
    page = tmp_path / 'dda_audit.html'
    page.write_text(render(build(fleet()), 'html'))
    flags = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--user-data-dir=%s' % (tmp_path / 'profile')]
    dom = subprocess.run(flags + ['--dump-dom', 'file://%s' % page], check=False, capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count('<tr>') == 4 + 7 + 1 + 3, 'every row of the three tables, with their headers'
    assert 'could be passed through' in dom.stdout
    shot = tmp_path / 'shot.png'
    done = subprocess.run(flags + ['--window-size=1400,1100', '--screenshot=%s' % shot, 'file://%s' % page],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with open(str(shot), 'rb') as handle:
        header = handle.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    assert int.from_bytes(header[16:20], 'big') == 1400 and int.from_bytes(header[20:24], 'big') == 1100
    assert os.path.getsize(str(shot)) > 20000, 'a page with content, not a blank image'
