"""The fleet audit report: content, and escaping for each format (the page in a real browser:
test_audit_page_in_chromium.py)."""
import csv
import io

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.plugin_utils.fleet_report import build
from ansible_collections.hyperv.dda.plugins.plugin_utils.report_render import render
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import select_device
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path, without_sim_fields
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
    assert "It backs the host's boot disk (disk 0)." in blocked['reasons']
    # Every VM is listed, with its DDA settings; the one whose settings break DDA says why.
    assert [(v['host'], v['vm']) for v in report['vms']] == [
        ('azl-n1', 'avd-host01'), ('hv01', 'sql01'), ('hv01', 'web01'), ('hv02', 'analytics01'), ('hv03', 'sql02')]
    sql01 = report['vms'][1]
    assert [('dynamic memory' in problem, 'stop action Save' in problem) for problem in sql01['problems']] == [
        (True, False), (False, True)], 'one problem an item'
    assert (sql01['generation'], sql01['high_mmio_mb'], sql01['mmio_needed_mb']) == (2, 512, 0)
    # Serial numbers have their own columns; the data a device holds on the host is a warning.
    scratch = [d for d in report['devices'] if d['location_path'] == 'PCIROOT(0)#PCI(0103)#PCI(0000)'][0]
    assert scratch['adapter_serial_number'] == 'PHLJ9120012A2P0BGN' and scratch['serial_number'] == '5CD2_E4A3_1F09_0100.'
    assert "E: 'scratch'" in scratch['warnings'][0] and scratch['mmio_mb'] == 1


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
    assert ('Reclaim: `ansible-playbook hyperv.dda.dda_reclaim --check -i` INVENTORY (the inventory you audited), '
            'then the same without `--check`.') in render(report, 'markdown')
    # The code span holds the command only: the inventory, which only the user knows, and the prose stay outside.
    assert ('Reclaim: <code>ansible-playbook hyperv.dda.dda_reclaim --check -i</code> <var>INVENTORY</var> (the '
            'inventory you audited), then the same without <code>--check</code>.') in render(report, 'html')


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
    assert rows['hv01']['details'] == [
        'set the automatic stop action of the VM from Save to TurnOff', 'disable the device on the host',
        'dismount the device from the host', 'shut the VM down', 'turn dynamic memory of the VM off',
        'assign the device to the VM', 'start the VM again']
    assert rows['hv01']['devices'] == ['Samsung NVMe Controller (S4EWNX0N123456) at PCIROOT(0)#PCI(0102)#PCI(0000)']
    assert 'boot disk' in rows['hv02']['details'][0] and rows['hv03']['details'] == ['nothing to change on the host']
    assert 'nvme_passthrough_devices' in rows['azl-n1']['details'][0]
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


def test_a_host_without_iov_support_is_a_warning_in_the_audit_not_a_blocker():
    """dda-facts §11 (IovSupport): SurveyDDA calls SR-IOV support only "mostly equivalent" to DDA support."""
    reason = 'The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported.'
    report = build({'hv01': _survey('two_nvme_server', lambda doc: doc['host'].update(
        iov_support=False, iov_support_reasons=[reason]))})
    assert report['summary']['blocked'] == 0 and report['summary']['assignable'] == 2
    for device in report['devices']:
        assert device['reasons'] == [] and 'no IOV support' in device['warnings'][0] and \
            'DMA remapping' in device['warnings'][0]
    page = render(report, 'html')
    assert '<td data-label="IOV support" class="warn"><span>no</span></td>' in page
    assert '<td data-label="assignable" class="no">' not in page


def test_drift_says_each_change_once_in_the_roles_order_and_leaves_the_devices_to_their_column():
    desired = {'hv01': {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
                        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_allow_mounted_volumes': True,
                        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'},
                                                     {'serial_number': 'PHLJ9120012A2P0BGN'}]}}
    row = build(fleet(), desired=desired)['drift'][0]
    assert row['details'] == [
        'set the automatic stop action of the VM from Save to TurnOff', 'disable the 2 devices on the host',
        'dismount the 2 devices from the host', 'shut the VM down', 'turn dynamic memory of the VM off',
        'assign the 2 devices to the VM', 'start the VM again']
    page = render(build(fleet(), desired=desired), 'html')
    assert page.count('S4EWNX0N123456') == 2, 'the devices column and the NVMe table'
    assert '<ul class="steps"><li>set the automatic stop action of the VM from Save to TurnOff</li>' in page


def test_drift_names_the_devices_of_a_run_on_some_of_them():
    from ansible_collections.hyperv.dda.plugins.plugin_utils.fleet_report import _said_once
    one, two = 'Disk A (S1) at PCIROOT(0)#PCI(01)', 'Disk B (S2) at PCIROOT(0)#PCI(02)'
    plan = {'devices': [{'label': one}, {'label': two}], 'steps': [
        {'label': one, 'change': 'disable %s on the host' % one},
        {'label': "VM 'v'", 'change': "shut VM 'v' down"},
        {'label': two, 'change': 'disable %s on the host' % two}]}
    assert _said_once(plan, 'v') == ['disable Disk A (S1) on the host', 'shut the VM down',
                                     'disable Disk B (S2) on the host']


def test_the_serial_on_the_page_is_the_one_a_selector_takes():
    """Windows reports an NVMe disk's serial as an EUI/NGUID-like string padded with a '.', the controller's as the
    one printed on the drive and shown by Linux: the device label, the role's examples and a user type that one."""
    report = build(fleet())
    page, markdown = render(report, 'html'), render(report, 'markdown')
    assert '<td data-label="serial"><span>S4EWNX0N123456</span></td>' in page
    assert '<span class="sub">disk serial 0025_3852_21B3_4B17</span>' in page and '4B17.' not in page
    assert '| Samsung NVMe Controller PCIROOT(0)#PCI(0102)#PCI(0000) | S4EWNX0N123456 |' in markdown
    snapshot = fleet()['hv01']['snapshot']
    assert location_path(select_device(snapshot, 'serial_number', 'S4EWNX0N123456')) == \
        'PCIROOT(0)#PCI(0102)#PCI(0000)'


def test_a_location_path_breaks_only_after_a_hash():
    page = render(build(fleet()), 'html')
    assert '<span class="path">PCIROOT(0)#<wbr>PCI(0102)#<wbr>PCI(0000)</span>' in page
    for anywhere in ('break-all', 'anywhere'):
        assert anywhere not in page


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
        'nvme_passthrough_vm_name': 'sql01',
        'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0102)#PCI(0000)'}],
        'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True}})
    host = next(row for row in report['hosts'] if row['host'] == 'hv01')
    assert host['lease'] == ('run AWX job 77 of nvme_passthrough.yml by bob on controller ctl02, since '
                             '2026-05-01T11:50:00Z, until 2026-05-01T12:10:00Z host time')
    row = next(row for row in report['left_behind'] if row['what'] == 'VM sql01')
    assert "(or under way: run AWX job 77" in row['state'] and row['reclaimed'].startswith('not while that run holds')
    drift = report['drift'][0]
    assert any(line.startswith("a run now would first wait for the host's lease, held by run AWX job 77")
               for line in drift['details'])
    assert 'run AWX job 77' in render(report, 'markdown') and 'run AWX job 77' in render(report, 'html')


def test_a_lease_that_ran_out_leaves_its_runs_leftovers_to_the_reclaim():
    report = build(fleet(_leased('2026-05-01T11:55:00Z', True)))
    hv01 = next(row for row in report['hosts'] if row['host'] == 'hv01')
    assert 'run out: that run stopped renewing it' in hv01['lease']
    row = next(row for row in report['left_behind'] if row['what'] == 'VM sql01')
    assert row['reclaimed'] == 'yes' and 'under way' not in row['state']
    assert [row['lease'] for row in report['hosts'] if row['host'] != 'hv01'] == ['free'] * 3
