"""The guest_nvme_disk planner as a table over what the guest shows and what is asked."""
import copy

import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError, SelectorError
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import check_args, guest_disk_plan

GIB = 1024 ** 3
SYSTEM = {'number': 0, 'model': 'Msft Virtual Disk', 'serial_number': None, 'adapter_serial_number': None,
          'unique_id': '60022480A1B2C3D4', 'size': 127 * GIB, 'bus_type': 'SCSI', 'is_boot': True, 'is_system': True,
          'is_offline': False, 'is_read_only': False, 'partition_style': 'GPT',
          'partitions': [{'number': 1, 'size': 100 * 2 ** 20, 'type': 'System', 'drive_letter': None,
                          'access_paths': [], 'volume': {'file_system': 'FAT32', 'label': '', 'size': 100 * 2 ** 20,
                                                         'allocation_unit_size': 4096}},
                         {'number': 2, 'size': 126 * GIB, 'type': 'Basic', 'drive_letter': 'C', 'access_paths': [],
                          'volume': {'file_system': 'NTFS', 'label': '', 'size': 126 * GIB,
                                     'allocation_unit_size': 4096}}]}
RAW = {'number': 1, 'model': 'Samsung SSD 970 EVO Plus 1TB', 'serial_number': '0025_3852_21B3_4B17.',
       'adapter_serial_number': 'S4EWNX0N123456', 'unique_id': 'eui.0025385221B34B17', 'size': 1000204886016,
       'bus_type': 'NVMe', 'is_boot': False, 'is_system': False, 'is_offline': False, 'is_read_only': False,
       'partition_style': 'RAW', 'partitions': []}


def formatted(letter='E', label='data', fs='NTFS', unit=4096, style='GPT', paths=()):
    disk = copy.deepcopy(RAW)
    disk['partition_style'] = style
    disk['partitions'] = [
        {'number': 1, 'size': 16 * 2 ** 20, 'type': 'Reserved', 'drive_letter': None, 'access_paths': [], 'volume': None},
        {'number': 2, 'size': 999 * 10 ** 9, 'type': 'Basic', 'drive_letter': letter, 'access_paths': list(paths),
         'volume': {'file_system': fs, 'label': label, 'allocation_unit_size': unit, 'size': 999 * 10 ** 9}}]
    return disk


def survey(disk, used=('C',), folder=None):
    disks = [SYSTEM] + ([disk] if disk else [])
    return {'disks': disks, 'used_letters': list(used), 'folders': [folder] if folder else []}


def args(**extra):
    base = {'serial_number': '0025_3852_21B3_4B17.', 'adapter_serial_number': None, 'unique_id': None,
            'disk_number': None, 'partition_style': 'gpt', 'file_system': 'ntfs', 'label': 'data', 'drive_letter': 'E',
            'access_path': None, 'allocation_unit_size': None, 'state': 'formatted', 'force': False,
            'vm_name': 'sql01', 'guest_credential': None}
    base.update(extra)
    return base


def _offline(disk):
    disk = copy.deepcopy(disk)
    disk['is_offline'] = True
    return disk


def _read_only(disk):
    disk = copy.deepcopy(disk)
    disk['is_read_only'] = True
    return disk


TABLE = [
    # label, guest survey, arguments, actions or 'fail', fragment (error, or a warning)
    ('RAW disk', survey(RAW, used=('C',)), args(), ['initialize', 'partition', 'format'], None),
    ('matching disk', survey(formatted(), used=('C', 'E')), args(), [], None),
    ('different label', survey(formatted(label='old'), used=('C', 'E')), args(), ['label'], None),
    ('label not given keeps it', survey(formatted(label='old'), used=('C', 'E')), args(label=None), [], None),
    ('different letter', survey(formatted(letter='F'), used=('C', 'F')), args(), ['letter'], None),
    ('letter in use', survey(formatted(letter='F'), used=('C', 'E', 'F')), args(), 'fail',
     'Drive letter E is already in use in the guest of VM \'sql01\''),
    ('foreign partitions', survey(formatted(fs='NTFS'), used=('C', 'E')), args(file_system='refs'), 'fail',
     "holds GPT with partition 1 (Reserved, 0.0 GB, no file system); partition 2 (Basic, 999.0 GB, NTFS 'data', E:), "
     "which does not match the request (GPT, one REFS volume). Set force: true"),
    ('foreign partitions with force', survey(formatted(fs='NTFS'), used=('C', 'E')), args(file_system='refs', force=True),
     ['clear', 'initialize', 'partition', 'format'], 'force wipes it'),
    ('other allocation unit', survey(formatted(unit=4096), used=('C', 'E')), args(allocation_unit_size=65536),
     'fail', 'does not match the request'),
    ('other partition style', survey(formatted(style='MBR'), used=('C', 'E')), args(), 'fail', 'holds MBR'),
    ('boot disk', survey(None), args(serial_number=None, unique_id='60022480A1B2C3D4'), 'fail', 'not an NVMe disk'),
    ('offline disk', survey(_offline(RAW)), args(state='online'), ['online'], 'was offline; it is brought online'),
    ('read-only disk', survey(_read_only(formatted()), used=('C', 'E')), args(), ['writable'], 'was read-only'),
    ('offline RAW formatted', survey(_offline(RAW)), args(), ['online', 'initialize', 'partition', 'format'], 'offline'),
    ('two matching disks', {'disks': [SYSTEM, RAW, dict(RAW, number=2)], 'used_letters': ['C'], 'folders': []},
     args(), 'fail', 'matches 2 NVMe disks'),
    ('no match', survey(RAW), args(serial_number='nope'), 'fail',
     "No NVMe disk in the guest of VM 'sql01' matches serial_number 'nope'. The guest sees: disk 0 (Msft Virtual Disk"),
    ('by adapter serial', survey(RAW), args(serial_number=None, adapter_serial_number='s4ewnx0n123456'),
     ['initialize', 'partition', 'format'], None),
    ('by disk number', survey(RAW), args(serial_number=None, disk_number=1), ['initialize', 'partition', 'format'], None),
    ('by disk number, no identity', survey(dict(RAW, serial_number=None, adapter_serial_number=None, unique_id=None)),
     args(serial_number=None, disk_number=1), 'fail', 'reports neither a serial number nor a unique ID'),
    ('folder mount on a new volume', survey(RAW, folder={'path': 'D:\\mnt\\data\\', 'exists': False, 'entries': 0}),
     args(drive_letter=None, access_path='D:\\mnt\\data'),
     ['initialize', 'partition', 'format', 'folder', 'access_path'], None),
    ('folder not empty', survey(RAW, folder={'path': 'D:\\mnt\\data\\', 'exists': True, 'entries': 2}),
     args(drive_letter=None, access_path='D:\\mnt\\data'), 'fail', 'is not empty'),
    ('folder already the mount', survey(formatted(letter=None, paths=['D:\\mnt\\data\\'])),
     args(drive_letter=None, access_path='D:\\mnt\\data\\'), [], None),
    ('state online on a formatted disk', survey(formatted(), used=('C', 'E')), args(state='online', label='other'), [],
     None),
]


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('label,observed,asked,expected,fragment', TABLE, ids=[t[0] for t in TABLE])
def test_guest_disk_plan(label, observed, asked, expected, fragment, check_mode):
    if check_mode and label == 'no match':
        expected, fragment = 'not there yet', None  # an earlier step may bring it: test_a_disk_not_there_yet_...
    try:
        plan = guest_disk_plan(asked, observed, check_mode)
    except (PreconditionError, SelectorError) as e:
        assert expected == 'fail', e.msg
        assert fragment in e.msg
        return
    if expected == 'not there yet':
        assert plan.changed and 'In check mode this assumes an earlier step' in plan.warnings[0]
        return
    assert expected != 'fail', 'planned %s' % plan.steps
    actions = plan.steps[0].parameters['Actions'] if plan.steps else []
    assert actions == expected
    if fragment:
        assert any(fragment in warning for warning in plan.warnings)
    if expected:
        assert plan.steps[0].script == 'format_guest_disk'
        assert 'guest_credential' not in str(plan.steps[0].parameters)


def test_boot_disk_is_refused_even_with_force_and_when_nvme():
    boot = dict(formatted(), is_boot=True, is_system=True)
    with pytest.raises(PreconditionError, match="it is the guest's boot or system disk, whatever the options"):
        guest_disk_plan(args(force=True), survey(boot), False)


def test_plan_reports_the_volume_to_be_and_a_diff():
    plan = guest_disk_plan(args(), survey(RAW), True)
    assert plan.result == {
        'disk': {'number': 1, 'serial_number': '0025_3852_21B3_4B17.', 'adapter_serial_number': 'S4EWNX0N123456',
                 'size': 1000204886016, 'partition_style': 'GPT'},
        'volume': {'drive_letter': 'E', 'access_path': None, 'file_system': 'NTFS', 'label': 'data', 'size': None}}
    assert plan.diff['before'] == {'disk': {'partition_style': 'RAW'}, 'volume': None}
    relabel = guest_disk_plan(args(label='logs'), survey(formatted(), used=('C', 'E')), True)
    assert relabel.diff['before']['volume']['label'] == 'data'
    assert relabel.diff['after']['volume']['label'] == 'logs'
    assert relabel.result['volume']['size'] == 999 * 10 ** 9


@pytest.mark.parametrize('bad,fragment', [
    ({'drive_letter': 'CD'}, 'drive_letter must be one letter'),
    ({'drive_letter': '1'}, 'drive_letter must be one letter'),
    ({'drive_letter': None, 'access_path': 'mnt\\data'}, 'access_path must be an absolute folder path'),
    ({'drive_letter': None, 'access_path': 'D:\\mnt\\..\\Windows'}, 'access_path must be an absolute folder path'),
    ({'label': 'x' * 33}, 'label must be at most 32 characters'),
    ({'label': 'two\nlines'}, 'label must be at most 32 characters on one line'),
    ({'allocation_unit_size': 1000}, 'allocation_unit_size must be a whole number of bytes from 512 to 2097152 that '
                                     'is a power of two; got 1000.'),
    ({'allocation_unit_size': -4096}, 'allocation_unit_size must be a whole number of bytes from 512'),
    ({'serial_number': '  '}, 'serial_number must not be empty'),
])
def test_bad_arguments(bad, fragment):
    with pytest.raises((PreconditionError, SelectorError), match=fragment):
        check_args(args(**bad))


def test_letter_with_colon_and_lower_case_is_accepted():
    assert check_args(args(drive_letter='e:'))['drive_letter'] == 'E'
    assert check_args(args(drive_letter=None, access_path='D:\\mnt\\data'))['access_path'] == 'D:\\mnt\\data\\'


def test_a_volume_without_a_known_file_system_is_data_never_a_crash():
    """The schema lets file_system be null (a volume Windows cannot name): it fits nothing, so it is data."""
    with pytest.raises(PreconditionError, match='force'):
        guest_disk_plan(args(), survey(formatted(fs=None)), False)
    plan = guest_disk_plan(args(force=True), survey(formatted(fs=None)), False)
    assert plan.changed


def test_a_disk_chosen_by_number_carries_the_identity_it_was_planned_from():
    """Disk numbers change across reboots (StorageDsc about_Disk): the script checks the disk of that number by these."""
    parameters = guest_disk_plan(args(serial_number=None, disk_number=1), survey(RAW), False).steps[0].parameters
    assert (parameters['DiskNumber'], parameters['SerialNumber'], parameters['UniqueId']) == \
        (1, '0025_3852_21B3_4B17.', 'eui.0025385221B34B17')
    assert 'AdapterSerialNumber' not in parameters, 'used only to find a disk planned without its number'


@pytest.mark.parametrize('state', ['formatted', 'online'])
def test_a_disk_not_there_yet_is_assumed_in_check_mode_and_fails_for_real(state):
    """In check mode a disk the guest does not show yet may come from an earlier step of the chain (assign, start):
    a change with a warning, as every precondition an earlier step establishes. For real, the disk must be there."""
    asked = args(serial_number='S4EWNX0N123456', drive_letter='E', label='data', state=state)
    plan = guest_disk_plan(asked, survey(None), True)
    assert plan.changed and plan.warnings == [
        "No NVMe disk in the guest of VM 'sql01' matches serial_number 'S4EWNX0N123456' yet. In check mode this "
        "assumes an earlier step of the chain passes its device through to the VM and starts it; what the step does "
        "to the disk (and whether it holds data that needs force) is decided once the disk is there."]
    assert plan.result['disk']['serial_number'] == 'S4EWNX0N123456'
    assert (plan.result['volume'] or {}).get('drive_letter') == ('E' if state == 'formatted' else None)
    with pytest.raises(SelectorError, match="No NVMe disk in the guest of VM 'sql01' matches serial_number 'S4EW"):
        guest_disk_plan(asked, survey(None), False)


def test_a_disk_that_is_there_but_not_nvme_fails_in_check_mode_too():
    scsi = dict(formatted(), bus_type='SCSI', serial_number='S4EWNX0N123456')
    with pytest.raises(SelectorError, match='which is not an NVMe disk'):
        guest_disk_plan(args(serial_number='S4EWNX0N123456'), survey(scsi), True)
