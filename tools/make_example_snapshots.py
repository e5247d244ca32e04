"""Writes examples/snapshots/*.json: realistic hosts for tests, the demo and users' rehearsals.

The JSON files are the source of truth once written; this script documents how they were made
and rewrites them identically (a test checks that), so edit here and rerun to change them.
"""
import copy
import json
import os
import sys

from generated import write_or_check

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples', 'snapshots')
GIB = 1024 ** 3

SURVEY_OK = {'device_type': 'PciExpressEndpoint', 'acs_compatible_up_hierarchy': 'Supported',
             'requires_reserved_memory_region': False, 'interrupts': 'msi', 'mmio_mb': 1}


def volume(fs, label, unit=4096):
    return {'file_system': fs, 'label': label, 'allocation_unit_size': unit}


def partition(number, size, letter=None, vol=None, paths=(), kind='Basic'):
    return {'number': number, 'size': size, 'type': kind, 'drive_letter': letter, 'access_paths': list(paths),
            'volume': vol}


def disk(number, model, serial, adapter, uid, size, style='RAW', partitions=(), boot=False, system=False,
         pagefile=False, pool=None):
    return {'number': number, 'model': model, 'serial_number': serial, 'adapter_serial_number': adapter,
            'unique_id': uid, 'size': size, 'is_boot': boot, 'is_system': system, 'has_pagefile': pagefile,
            'storage_pool': pool, 'partition_style': style, 'partitions': list(partitions)}


def nvme(instance, paths, name, disks, state='enabled', survey=None):
    return {'instance_id': instance, 'location_paths': paths, 'friendly_name': name, 'class': 'SCSIAdapter',
            'service': 'stornvme', 'state': state, 'problem_code': {'enabled': 0, 'disabled': 22}.get(state),
            'mitigation_driver': False,
            'survey': copy.deepcopy(survey or SURVEY_OK) if state == 'enabled' else None, 'disks': disks}


def guest_system_disk():
    system = disk(0, 'Msft Virtual Disk', None, None, '60022480A1B2C3D4', 127 * GIB, 'GPT',
                  [partition(1, 100 * 1024 ** 2, vol=volume('FAT32', ''), kind='System'),
                   partition(2, 127 * GIB - 100 * 1024 ** 2, 'C', volume('NTFS', ''))],
                  boot=True, system=True, pagefile=True)
    system['bus_type'] = 'SCSI'
    return system


def vm(name, uid, state='Off', stop='TurnOff', dynamic=False, memory=8 * GIB, assigned=(), guest=True, times=None):
    record = {'name': name, 'id': uid, 'state': state, 'generation': 2, 'automatic_stop_action': stop,
              'dynamic_memory_enabled': dynamic, 'memory_startup_bytes': memory, 'low_mmio_bytes': 128 * 1024 ** 2,
              'high_mmio_bytes': 512 * 1024 ** 2, 'guest_controlled_cache_types': False, 'is_clustered': False,
              'assigned_devices': list(assigned), 'stale_assignments': 0,
              'guest_shutdown_available': True if state == 'Running' else None, 'restart_pending': False,
              'remembered_settings': None}
    if guest:
        record['guest'] = {'os': 'windows', 'credential': {'username': 'Administrator', 'password': 'example-only'},
                           'disks': [guest_system_disk()]}
        if times:
            record['guest'].update(shutdown_seconds=times[0], boot_seconds=times[1])
    return record


def away(device):
    """A device dismounted from the host: the host keeps only the identity and the MMIO need the collection recorded."""
    for item in device['disks']:
        item.update(number=None, is_boot=None, is_system=None, has_pagefile=None, storage_pool=None,
                    partition_style=None, partitions=None)
    return dict(device, identity_recorded=True, recorded_mmio_mb=SURVEY_OK['mmio_mb'])


def host(name, os_name, product='server', iov=True, reasons=()):
    return {'name': name, 'os': os_name, 'product_type': product, 'iov_support': iov,
            'iov_support_reasons': list(reasons)}


def snapshot(host_record, devices, vms):
    return {'schema': 'hyperv.dda.snapshot/v1', 'host': host_record, 'devices': devices, 'vms': vms, 'faults': []}


SAMSUNG = 'PCI\\VEN_144D&DEV_A808&SUBSYS_A801144D&REV_00\\4&2F6A1B6B&0&0010'
INTEL = 'PCI\\VEN_8086&DEV_0A54&SUBSYS_4802108E&REV_00\\4&1C3A9F02&0&0018'

EXAMPLES = {
    # A server with two NVMe controllers, one blank and one with an old data volume, and a
    # running VM that still has dynamic memory and the default stop action Save.
    'two_nvme_server': snapshot(
        host('HV01', 'Microsoft Windows Server 2022 Datacenter'),
        [nvme(SAMSUNG, ['PCIROOT(0)#PCI(0102)#PCI(0000)', 'ACPI(_SB_)#ACPI(PCI0)#ACPI(GPP2)'],
              'Samsung NVMe Controller',
              [disk(1, 'Samsung SSD 970 EVO Plus 1TB', '0025_3852_21B3_4B17.', 'S4EWNX0N123456',
                    'eui.0025385221B34B17', 1000204886016)]),
         nvme(INTEL, ['PCIROOT(0)#PCI(0103)#PCI(0000)', 'ACPI(_SB_)#ACPI(PCI0)#ACPI(GPP3)'],
              'Standard NVM Express Controller',
              [disk(2, 'INTEL SSDPE2KX020T8', '5CD2_E4A3_1F09_0100.', 'PHLJ9120012A2P0BGN',
                    'eui.5CD2E4A31F090100', 2000398934016, 'GPT',
                    [partition(1, 16 * 1024 ** 2, kind='Reserved'),
                     partition(2, 2000398934016 - 16 * 1024 ** 2, 'E', volume('NTFS', 'scratch'))])])],
        # sql01's guest takes 30 s to shut down and 60 s to boot (tools/bench.py's downtime; docs/benchmarks.md says
        # why these figures).
        [vm('sql01', '6f1c2a9e-3b1d-4c55-9a0e-5d3f1b2c7e10', 'Running', 'Save', dynamic=True, times=(30, 60)),
         vm('web01', '0b7d4e21-8a3f-4e6b-b1c2-93d4e5f60718', 'Running', 'ShutDown', memory=4 * GIB)]),

    # A server whose only NVMe holds the host's boot, system and pagefile disk.
    'boot_nvme_server': snapshot(
        host('HV02', 'Microsoft Windows Server 2019 Standard'),
        [nvme('PCI\\VEN_1C5C&DEV_1339&SUBSYS_00001C5C&REV_00\\4&3B9E1D7A&0&00E8',
              ['PCIROOT(0)#PCI(1D00)#PCI(0000)'], 'Standard NVM Express Controller',
              [disk(0, 'SK hynix PC611 NVMe 512GB', 'ACE4_2E00_1A2B_3C4D.', 'CN0ABCDEF0123',
                    'eui.ACE42E001A2B3C4D', 512110190592, 'GPT',
                    [partition(1, 100 * 1024 ** 2, vol=volume('FAT32', ''), kind='System'),
                     partition(2, 16 * 1024 ** 2, kind='Reserved'),
                     partition(3, 511000000000, 'C', volume('NTFS', ''))],
                    boot=True, system=True, pagefile=True)])],
        [vm('app01', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', 'Off')]),

    # Client Windows with Hyper-V: the cmdlets run, but a VM with a DDA device cannot start.
    'client_windows': snapshot(
        host('WS-DEV07', 'Microsoft Windows 11 Pro', product='workstation'),
        [nvme('PCI\\VEN_15B7&DEV_5011&SUBSYS_501115B7&REV_01\\4&27D3A4B9&0&0008',
              ['PCIROOT(0)#PCI(0104)#PCI(0000)'], 'WD_BLACK SN850X NVMe Controller',
              [disk(1, 'WD_BLACK SN850X 2000GB', 'E823_8FA6_BF53_0001_001B_448B_4A1B_2C3D.', '22471X800123',
                    'eui.E8238FA6BF530001001B448B4A1B2C3D', 2000398934016)])],
        [vm('lab01', '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a', 'Off')]),

    # An Azure Local node whose NVMe drives belong to the Storage Spaces Direct pool, plus one
    # SurveyDDA-blocked device (firmware kept PCIe control) and no IOV support reported.
    'pool_member': snapshot(
        host('AZL-N1', 'Azure Stack HCI', iov=False,
             reasons=['The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported.']),
        [nvme('PCI\\VEN_144D&DEV_A824&SUBSYS_A809144D&REV_00\\6&1F0A2B3C&0&00080010',
              ['PCIROOT(16)#PCI(0200)#PCI(0000)'], 'Samsung NVMe Controller',
              [disk(3, 'SAMSUNG MZQL23T8HCLS-00A07', '3636_3030_5283_2651_0025_3845_0000_0001.',
                    'S64HNE0T501234', 'eui.36363030528326510025384500000001', 3840755982336,
                    pool='S2D on AZL-CL01')]),
         nvme('PCI\\VEN_8086&DEV_F1A8&SUBSYS_390A8086&REV_03\\4&2B1C0D9E&0&00E0',
              ['PCIROOT(0)#PCI(1C04)#PCI(0000)'], 'Standard NVM Express Controller',
              [disk(4, 'INTEL SSDPEKNW010T8', '0000_0000_0100_0000_E4D2_5C12_3456_7801.', 'BTNH9123456W1P0B',
                    'eui.0000000001000000E4D25C1234567801', 1024209543168)],
              survey=dict(SURVEY_OK, device_type='PciExpressTreatedAsPci', acs_compatible_up_hierarchy='NotSupported'))],
        [vm('avd-host01', '7e6d5c4b-3a29-4187-b6c5-d4e3f2a1b0c9', 'Running', 'ShutDown', memory=16 * GIB)]),

    # A Windows Server 2025 host: one blank NVMe for an analytics VM that is off, with static memory
    # and stop action ShutDown; a second NVMe holds the host's own boot disk.
    'mixed_server': snapshot(
        host('HV02', 'Microsoft Windows Server 2025 Datacenter'),
        [nvme('PCI\\VEN_1E0F&DEV_0007&SUBSYS_00011E0F&REV_01\\4&3A1B2C4D&0&0020',
              ['PCIROOT(0)#PCI(0201)#PCI(0000)'], 'KIOXIA NVMe Controller',
              [disk(1, 'KIOXIA KCD8XRUG3T84', '8CE3_8E10_0001_A2B3.', 'X3F0A0J1T1K9', 'eui.8CE38E100001A2B3',
                    3840755982336)]),
         nvme('PCI\\VEN_1344&DEV_51C3&SUBSYS_21001344&REV_01\\4&1D2E3F40&0&0008',
              ['PCIROOT(0)#PCI(0101)#PCI(0000)'], 'Micron NVMe Controller',
              [disk(0, 'Micron_7450_MTFDKBA480TFR', '000000000000000100A075213B1C2D3E.', '22133B1C2D3E',
                    'eui.000000000000000100a075213b1c2d3e', 480103981056, 'GPT',
                    [partition(1, 100 * 1024 ** 2, vol=volume('FAT32', ''), kind='System'),
                     partition(2, 16 * 1024 ** 2, kind='Reserved'),
                     partition(3, 479000000000, 'C', volume('NTFS', ''))],
                    boot=True, system=True, pagefile=True)])],
        [vm('analytics01', '5b4a3928-1706-4f5e-8d9c-0b1a2c3d4e5f', 'Off', 'ShutDown', memory=32 * GIB)]),

    # A device already passed through: dismounted (identity recorded) and assigned to a VM.
    'passed_through': snapshot(
        host('HV03', 'Microsoft Windows Server 2025 Datacenter'),
        [dict(nvme(SAMSUNG.replace('4&2F6A1B6B', '4&19A2C0FE'), ['PCIROOT(0)#PCI(0102)#PCI(0000)'],
                   'Samsung NVMe Controller',
                   [disk(1, 'Samsung SSD 990 PRO 2TB', '0025_3853_41A2_7C11.', 'S7KHNJ0W654321',
                         'eui.0025385341A27C11', 2000398934016, 'GPT',
                         [partition(1, 16 * 1024 ** 2, kind='Reserved'),
                          partition(2, 2000398934016 - 16 * 1024 ** 2, 'E', volume('NTFS', 'data'))])],
                   state='dismounted'), identity_recorded=True, recorded_mmio_mb=SURVEY_OK['mmio_mb'])],
        [vm('sql02', '2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b', 'Running', 'TurnOff',
            assigned=['PCIROOT(0)#PCI(0102)#PCI(0000)'])]),

    # What DDA left behind (playbooks/dda_reclaim.yml): a device dismounted for a VM that was deleted since (an
    # orphan), one a run disabled and stopped before dismounting (disabled, never dismounted), a VM holding the
    # assignment of a device gone from the host (stale), and a VM an interrupted run shut down and owes a start.
    'left_behind': snapshot(
        host('HV04', 'Microsoft Windows Server 2022 Datacenter'),
        [away(nvme('PCI\\VEN_144D&DEV_A80A&SUBSYS_A812144D&REV_00\\4&2C3D4E5F&0&0008',
                   ['PCIROOT(0)#PCI(0301)#PCI(0000)'], 'Samsung NVMe Controller',
                   [disk(1, 'SAMSUNG MZQL21T9HCJR-00A07', '3636_3030_5271_2345_0025_3845_0000_0001.',
                         'S64GNE0R712345', 'eui.36363030527123450025384500000001', 1920383410176)],
                   state='dismounted')),
         nvme('PCI\\VEN_1E0F&DEV_0007&SUBSYS_00011E0F&REV_01\\4&1A2B3C4D&0&0010',
              ['PCIROOT(0)#PCI(0302)#PCI(0000)'], 'KIOXIA NVMe Controller',
              [disk(2, 'KIOXIA KCD8XRUG1T92', '8CE3_8E10_0002_B3C4.', 'Y4G0B0K2T2L8', 'eui.8CE38E100002B3C4',
                    1920383410176)],
              state='disabled')],
        [vm('sql03', '4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8', 'Off', 'TurnOff'),
         vm('app02', '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'Off', 'TurnOff'),
         vm('web02', '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e', 'Running', 'ShutDown', memory=4 * GIB)]),

    # Every known blocker of one host's VMs and devices (hyperv_dda_info's reasons and warnings, the role's
    # refusals): nested virtualization, GPU partitioning, generation 1, a device needing more MMIO than its VM has,
    # and each of SurveyDDA's verdicts on a device.
    'dda_blockers': snapshot(
        host('HV05', 'Microsoft Windows Server 2025 Datacenter'),
        [nvme('PCI\\VEN_144D&DEV_A80C&SUBSYS_A813144D&REV_00\\4&3D4E5F60&0&0008',
              ['PCIROOT(0)#PCI(0401)#PCI(0000)'], 'Samsung NVMe Controller',
              [disk(1, 'SAMSUNG MZWLO3T8HCLS-00A07', '3636_3030_5290_1111_0025_3845_0000_0001.', 'S7EANE0W901111',
                    'eui.36363030529011110025384500000001', 3840755982336)],
              survey=dict(SURVEY_OK, mmio_mb=2048)),
         nvme('PCI\\VEN_1C5C&DEV_2849&SUBSYS_00001C5C&REV_00\\4&4E5F6071&0&0010',
              ['PCIROOT(0)#PCI(0402)#PCI(0000)'], 'Standard NVM Express Controller',
              [disk(2, 'SK hynix PE8110 3.84TB', 'ACE4_2E00_2B3C_4D5E.', 'SJC4N0000010', 'eui.ACE42E002B3C4D5E',
                    3840755982336)],
              survey=dict(SURVEY_OK, requires_reserved_memory_region=True)),
         nvme('PCI\\VEN_1E0F&DEV_0011&SUBSYS_00011E0F&REV_01\\4&5F607182&0&0018',
              ['PCIROOT(0)#PCI(0403)#PCI(0000)'], 'KIOXIA NVMe Controller',
              [disk(3, 'KIOXIA KCMYXRUG3T84', '8CE3_8E10_0003_C4D5.', 'Z5H0C0L3T3M7', 'eui.8CE38E100003C4D5',
                    3840755982336)],
              survey=dict(SURVEY_OK, acs_compatible_up_hierarchy='NotSupported')),
         nvme('PCI\\VEN_8086&DEV_0953&SUBSYS_370E8086&REV_01\\4&60718293&0&0020',
              ['PCIROOT(0)#PCI(0404)#PCI(0000)'], 'Standard NVM Express Controller',
              [disk(4, 'INTEL SSDPEDMD400G4', 'CVFT4123000A400BGN.', 'CVFT4123000A400BGN', 'eui.0000000001000000E4D25C0000000004',
                    400088457216)],
              survey=dict(SURVEY_OK, interrupts='line')),
         nvme('PCI\\VEN_1B4B&DEV_1092&SUBSYS_10921B4B&REV_00\\4&718293A4&0&0028',
              ['PCIROOT(0)#PCI(0405)#PCI(0000)'], 'Standard NVM Express Controller',
              [disk(5, 'Marvell 88NV1140 256GB', '0000_0000_0000_0005.', 'MRV0000000005', 'eui.0000000000000005',
                    256060514304)],
              survey=dict(SURVEY_OK, device_type='LegacyEndpoint'))],
        [dict(vm('nested01', '8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f'), expose_virtualization_extensions=True),
         dict(vm('gpup01', '9d0e1f2a-3b4c-4d5e-9f6a-7b8c9d0e1f2a'), gpu_partition_adapters=1),
         vm('tinymmio01', 'ae1f2a3b-4c5d-4e6f-a07b-8c9d0e1f2a3b'),
         dict(vm('legacy01', 'bf2a3b4c-5d6e-4f70-b18c-9d0e1f2a3b4c'), generation=1)]),
}
EXAMPLES['left_behind']['vms'][0]['stale_assignments'] = 1
EXAMPLES['left_behind']['vms'][1]['restart_pending'] = True


def render(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + '\n'


def main(check=False):
    return write_or_check(dict((os.path.join(OUT, name + '.json'), render(doc)) for name, doc in EXAMPLES.items()),
                          check)


if __name__ == '__main__':
    problems = main(check='--check' in sys.argv)
    for path in problems:
        print('out of date: %s' % path)
    sys.exit(1 if problems else 0)
