"""All or nothing (issue 23), with two and three devices (one device: test_faults.py): a fault at every mutating cmdlet
of a passthrough and of a release leaves the host as the run found it or as planned, never in between, and the failure
says where each device is; the controller killed at each of them (two devices), the same run again finishes it.

The matrix is all_or_nothing.py: the points come from a run without faults, and the release hosts start from one
converged passthrough. "As found" and "as planned" leave out the collection's own records on the host (what it
remembers of the VM's settings, a device's identity and MMIO need); what a run owes (a start, a return) counts.
"""
import re

import pytest

from all_or_nothing import run

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def rows(tmp_path_factory):
    found = run(str(tmp_path_factory.mktemp('all_or_nothing')), counts=(2,), kinds=('fault', 'kill'))
    found += run(str(tmp_path_factory.mktemp('all_or_nothing_3')), counts=(3,), kinds=('fault',))
    return found


def _where(message, serial):
    """What the failure says of one device: its sentence."""
    found = re.search(r'\(%s\) at \S+ is ([^.]*)\.' % serial, message or '')
    return found.group(1) if found else None


def test_every_run_of_two_and_three_devices_has_its_faults_and_two_its_kills(rows):
    kinds = set((row['count'], row['run'], row['kind']) for row in rows)
    assert kinds == {(2, 'passthrough', 'fault'), (2, 'release', 'fault'), (2, 'passthrough', 'kill'),
                     (2, 'release', 'kill'), (3, 'passthrough', 'fault'), (3, 'release', 'fault')}
    for count in (2, 3):
        cmdlets = set(row['cmdlet'] for row in rows if row['count'] == count)
        assert {'Disable-PnpDevice', 'Dismount-VMHostAssignableDevice', 'Add-VMAssignableDevice', 'Set-VM',
                'Set-VMMemory', 'Invoke-CimMethod', 'Start-VM', 'Remove-VMAssignableDevice',
                'Mount-VMHostAssignableDevice', 'Enable-PnpDevice', 'Set-ItemProperty'} <= cmdlets, count


def test_a_fault_leaves_the_host_as_found_or_as_planned_and_says_where_each_device_is(rows):
    faults = [row for row in rows if row['kind'] == 'fault']
    wrong = [(row['host'], row['step'], row['cmdlet']) for row in faults
             if not (row['as_found'] or row['as_planned']) or row['failed'] != 1 or row['faults_left']]
    assert wrong == [], wrong
    for row in faults:
        assert '(%s): Injected %s failure.' % (row['cmdlet'], row['cmdlet']) in row['message'], row
        for serial in row['serials']:
            where = _where(row['message'], serial)
            assert where and where.endswith(('as before the run', 'as planned')), (row['host'], serial, row['message'])
        assert row['untruthful'] == [], row


def test_a_kill_is_finished_by_the_same_run_again(rows):
    kills = [row for row in rows if row['kind'] == 'kill']
    assert kills and all(row['hung'] for row in kills), 'every host reached its kill point'
    wrong = [(row['host'], row['step'], row['cmdlet']) for row in kills
             if row['rerun_failed'] or not row['as_planned'] or row['third_changed'] or row['untruthful']]
    assert wrong == [], wrong
