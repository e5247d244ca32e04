"""The role's planner (plan_passthrough) as a table: what it refuses, changes, and whether it shuts down."""
import pytest

from ansible_collections.hyperv.dda.plugins.module_utils.passthrough_plan import plan_passthrough

from ddatest import load_example

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
INTEL = 'PCIROOT(0)#PCI(0103)#PCI(0000)'


def host(**sql01):
    doc = load_example('two_nvme_server')
    doc['vms'][0].update(sql01)
    return doc


def test_fresh_passthrough_of_a_running_vm():
    plan = plan_passthrough(host(), 'sql01', [{'location_path': SAMSUNG}], disable_dynamic_memory=True)
    assert plan['errors'] == []
    assert plan['shutdown'] is True and plan['restart'] is True and plan['start'] is False
    assert plan['work'] == ["set the automatic stop action of VM 'sql01' from Save to TurnOff",
                            "turn dynamic memory of VM 'sql01' off", 'disable %s on the host' % SAMSUNG,
                            'dismount %s from the host' % SAMSUNG, "assign %s to VM 'sql01'" % SAMSUNG]
    assert plan['changes'] == ["shut VM 'sql01' down"] + plan['work'] + ["start VM 'sql01' again"]


def test_two_devices_need_one_shutdown():
    plan = plan_passthrough(host(dynamic_memory_enabled=False), 'sql01',
                            [{'location_path': SAMSUNG}, {'serial_number': 'PHLJ9120012A2P0BGN'}])
    assert plan['errors'] == [] and plan['changes'].count("shut VM 'sql01' down") == 1


@pytest.mark.parametrize('sql01,devices,options,fragment', [
    ({}, [{'location_path': SAMSUNG}], {}, 'uses dynamic memory, and DDA needs static memory'),
    ({'is_clustered': True}, [{'location_path': SAMSUNG}], {'disable_dynamic_memory': True}, 'is clustered'),
    ({'state': 'Saved'}, [{'location_path': SAMSUNG}], {'disable_dynamic_memory': True}, 'is Saved; the run needs it Off'),
    ({}, [{'location_path': SAMSUNG}, {'serial_number': 'S4EWNX0N123456'}], {'disable_dynamic_memory': True},
     'select the same device'),
    ({}, [{'drive_letter': 'E'}], {'disable_dynamic_memory': True}, 'needs exactly one of'),
    ({}, [{'location_path': '', 'serial_number': 'S4EWNX0N123456'}], {'disable_dynamic_memory': True},
     'got location_path, serial_number'),
    ({}, [{'location_path': ''}], {'disable_dynamic_memory': True}, 'location_path must not be empty'),
    ({}, [{'serial_number': 'nope'}], {'disable_dynamic_memory': True}, 'No device on host HV01 matches'),
    ({'state': 'Off'}, [{'location_path': SAMSUNG}], {'disable_dynamic_memory': True, 'guest': 'powershell_direct'},
     'set nvme_passthrough_allow_vm_restart: true to let the role start it'),
    ({}, [{'location_path': SAMSUNG, 'drive_letter': 'E', 'mount_point': '/srv/data'}],
     {'disable_dynamic_memory': True}, 'mixes Windows guest settings (drive_letter) with Linux ones (mount_point)'),
    ({}, [{'location_path': SAMSUNG, 'file_system': 'xfs', 'access_path': 'D:\\mnt'}],
     {'disable_dynamic_memory': True}, 'with Linux ones (file_system: xfs)'),
    ({}, [{'location_path': SAMSUNG, 'mount_point': '/srv/data'}],
     {'disable_dynamic_memory': True, 'guest': 'powershell_direct'}, 'PowerShell Direct reaches Windows guests only'),
])
def test_refusals(sql01, devices, options, fragment):
    plan = plan_passthrough(host(**sql01), 'sql01', devices, **options)
    assert any(fragment in error for error in plan['errors']), plan['errors']


def test_unknown_vm_is_the_only_error():
    plan = plan_passthrough(host(), 'db9', [{'location_path': SAMSUNG}])
    assert plan['errors'] == ["Hyper-V host HV01 has no VM named 'db9' (VMs: sql01, web01). Check vm_name."]
    assert plan['changes'] == [] and plan['shutdown'] is False


def test_device_of_another_vm_and_host_critical_device_are_refused():
    doc = load_example('passed_through')
    plan = plan_passthrough(doc, 'sql02', [{'location_path': SAMSUNG}], state='present')
    assert plan['errors'] == [] and plan['changes'] == []
    doc['vms'].append(dict(doc['vms'][0], name='other', id='x', assigned_devices=[]))
    plan = plan_passthrough(doc, 'other', [{'location_path': SAMSUNG}])
    assert plan['errors'] == ["%s is assigned to VM 'sql02'. Release it there first." % SAMSUNG]
    boot = plan_passthrough(load_example('boot_nvme_server'), 'app01', [{'location_path': 'PCIROOT(0)#PCI(1D00)#PCI(0000)'}])
    assert "It backs the host's boot disk (disk 0)." in boot['errors'][0]


def test_release_and_start_for_the_guest():
    doc = load_example('passed_through')
    plan = plan_passthrough(doc, 'sql02', [{'serial_number': 'S7KHNJ0W654321'}], state='absent')
    assert plan['work'] == ["remove %s from VM 'sql02'" % SAMSUNG, 'mount %s on the host' % SAMSUNG,
                            'enable %s on the host' % SAMSUNG]
    assert plan['shutdown'] is True
    doc['vms'][0]['state'] = 'Off'
    plan = plan_passthrough(doc, 'sql02', [{'serial_number': 'S7KHNJ0W654321', 'drive_letter': 'E'}],
                            guest='powershell_direct', allow_vm_restart=True)
    assert plan['errors'] == [] and plan['start'] is True and plan['shutdown'] is False
    assert plan['devices'][0]['guest'] == {'drive_letter': 'E'}
    assert plan['devices'][0]['guest_identity'] == {'serial_number': '0025_3853_41A2_7C11.'}


def test_linux_guest_settings_reach_the_guest_step():
    plan = plan_passthrough(host(dynamic_memory_enabled=False), 'sql01',
                            [{'location_path': SAMSUNG, 'mount_point': '/srv/data', 'mount_options': 'noatime',
                              'file_system': 'xfs', 'label': 'db'}], guest='inventory')
    assert plan['errors'] == []
    assert plan['devices'][0]['guest'] == {'mount_point': '/srv/data', 'mount_options': 'noatime',
                                           'file_system': 'xfs', 'label': 'db'}
