"""The fleet audit report: content, escaping for each format, and a real render in Chromium."""
import csv
import io
import os
import shutil
import subprocess

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.plugin_utils.fleet_report import build
from ansible_collections.hyperv.dda.plugins.plugin_utils.report_render import render
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import without_sim_fields
from ansible_collections.hyperv.dda.plugins.plugin_utils.version import COLLECTION_VERSION

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
    assert report['summary'] == {'hosts': 4, 'unreachable': 0, 'devices': 7, 'assignable': 3, 'passed_through': 1,
                                 'blocked': 3, 'vms': 5, 'vms_to_fix': 1, 'left_behind': 0, 'drifted': 0}
    assigned = [d for d in report['devices'] if d['host'] == 'hv03'][0]
    assert assigned['where'] == 'assigned to sql02'
    blocked = [d for d in report['devices'] if d['host'] == 'hv02' and not d['assignable']][0]
    assert "boot disk (disk 0)" in blocked['reasons']
    # Every VM is listed, with its DDA settings; the one whose settings break DDA says why.
    assert [(v['host'], v['vm']) for v in report['vms']] == [
        ('azl-n1', 'avd-host01'), ('hv01', 'sql01'), ('hv01', 'web01'), ('hv02', 'analytics01'), ('hv03', 'sql02')]
    sql01 = report['vms'][1]
    assert 'stop action Save' in sql01['problems'] and 'dynamic memory' in sql01['problems']
    assert (sql01['generation'], sql01['high_mmio_mb'], sql01['mmio_needed_mb']) == (2, 512, 0)
    # Serial numbers have their own columns; the data a device holds on the host is a warning.
    scratch = [d for d in report['devices'] if d['location_path'] == 'PCIROOT(0)#PCI(0103)#PCI(0000)'][0]
    assert scratch['adapter_serial_number'] == 'PHLJ9120012A2P0BGN' and scratch['serial_number'] == '5CD2_E4A3_1F09_0100.'
    assert "E: 'scratch'" in scratch['warnings'] and scratch['mmio_mb'] == 1


def test_the_report_says_when_by_what_and_from_which_hosts():
    report = build(fleet(), made='2026-11-27 18:00 UTC', unreachable=['hv09'])
    text = render(report, 'markdown')
    assert ('Made 2026-11-27 18:00 UTC by hyperv.dda %s, from 4 host(s): azl-n1, hv01, hv02, hv03.'
            % COLLECTION_VERSION) in text
    assert 'Not surveyed (unreachable or failed): hv09.' in text
    assert report['summary']['unreachable'] == 1


def test_left_behind_has_its_section_with_the_reclaim_command():
    surveys = {'hv04': _survey('left_behind')}
    report = build(surveys)
    states = sorted((row['what'], row['state'].split(':')[0]) for row in report['left_behind'])
    assert states == [('KIOXIA NVMe Controller PCIROOT(0)#PCI(0302)#PCI(0000)', 'disabled on the host, never dismounted'),
                      ('Samsung NVMe Controller PCIROOT(0)#PCI(0301)#PCI(0000)', 'orphan'),
                      ('VM app02', 'restart pending'), ('VM sql03', 'stale assignment(s)')]
    for fmt in ('markdown', 'html'):
        assert 'ansible-playbook -i INVENTORY hyperv.dda.dda_reclaim --check' in render(report, fmt)


def test_drift_shows_what_the_role_would_do_and_what_would_refuse():
    desired = {
        'hv01': {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'}],
                 'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True},
        'hv02': {'nvme_passthrough_vm_name': 'analytics01',
                 'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0101)#PCI(0000)'}]},
        'hv03': {'nvme_passthrough_vm_name': 'sql02', 'nvme_passthrough_devices': [{'serial_number': 'S7KHNJ0W654321'}]},
        'azl-n1': {'nvme_passthrough_vm_name': 'avd-host01', 'nvme_passthrough_devices': 'not a list'},
    }
    report = build(fleet(), desired=desired)
    verdicts = dict((row['host'], row['verdict']) for row in report['drift'])
    assert verdicts == {'azl-n1': 'would refuse', 'hv01': 'would change', 'hv02': 'would refuse', 'hv03': 'in step'}
    rows = dict((row['host'], row) for row in report['drift'])
    assert "shut VM 'sql01' down" in rows['hv01']['details'] and 'boot disk' in rows['hv02']['details']
    assert 'nvme_passthrough_devices' in rows['azl-n1']['details']
    assert report['summary']['drifted'] == 3
    assert '| hv03 | sql02 |' in render(report, 'markdown')


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
    assert [row['vm'] for row in vms] == ['avd-host01', 'sql01', 'web01', 'analytics01', 'sql02']
    assert rows[1]['adapter_serial_number'] == 'BTNH9123456W1P0B' and rows[1]['mmio_mb'] == '1'


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
    assert dom.stdout.count('<tr>') == (4 + 1) + (7 + 1) + (5 + 1), 'every row of the three tables, with their headers'
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


def test_a_host_without_iov_support_is_a_warning_in_the_audit_not_a_blocker():
    """dda-facts §11 (IovSupport): SurveyDDA calls SR-IOV support only "mostly equivalent" to DDA support."""
    reason = 'The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported.'
    report = build({'hv01': _survey('two_nvme_server', lambda doc: doc['host'].update(
        iov_support=False, iov_support_reasons=[reason]))})
    assert report['summary']['blocked'] == 0 and report['summary']['assignable'] == 2
    for device in report['devices']:
        assert device['reasons'] == '' and 'no IOV support' in device['warnings'] and 'DMA remapping' in device['warnings']
    page = render(report, 'html')
    assert '<td class="warn">no</td>' in page and '<td class="no">no</td>' not in page


def _leased(until, expired):
    def mutate(doc):
        doc['vms'][0].update(state='Off', restart_pending=True, guest_shutdown_available=None)
        doc['host']['lease'] = {'holder': {'controller': 'ctl02', 'user': 'bob', 'playbook': 'nvme_passthrough.yml',
                                           'run_id': 'AWX job 77'}, 'since': '2026-05-01T11:50:00Z', 'until': until,
                                'seconds': 1200, 'expired': expired, 'version': 4}
    return mutate


def test_a_restart_owed_while_a_run_holds_the_lease_is_work_under_way_not_an_interrupted_run():
    """Issue 23: an audit taken mid-run called the running run's restart record an interrupted run and told the user
    to reclaim it."""
    report = build(fleet(_leased('2026-05-01T12:10:00Z', False)), desired={'hv01': {
        'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'}],
        'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True}})
    host = next(row for row in report['hosts'] if row['host'] == 'hv01')
    assert host['lease'] == ('run AWX job 77 of nvme_passthrough.yml by bob on controller ctl02, since '
                             '2026-05-01T11:50:00Z, until 2026-05-01T12:10:00Z host time')
    row = next(row for row in report['left_behind'] if row['what'] == 'VM sql01')
    assert "(or under way: run AWX job 77" in row['state'] and row['reclaimed'].startswith('not while that run holds')
    drift = report['drift'][0]
    assert "A run now would first wait for the host's lease, held by run AWX job 77" in drift['details']
    assert 'run AWX job 77' in render(report, 'markdown') and 'run AWX job 77' in render(report, 'html')


def test_a_lease_that_ran_out_leaves_its_runs_leftovers_to_the_reclaim():
    report = build(fleet(_leased('2026-05-01T11:55:00Z', True)))
    assert 'run out: that run stopped renewing it' in next(row for row in report['hosts'] if row['host'] == 'hv01')['lease']
    row = next(row for row in report['left_behind'] if row['what'] == 'VM sql01')
    assert row['reclaimed'] == 'yes' and 'under way' not in row['state']
    assert [row['lease'] for row in report['hosts'] if row['host'] != 'hv01'] == ['free'] * 3
