"""Bad role variables refused before anything changes (one simulated host per case, one run)."""
import pytest

from fleet import Fleet

pytestmark = pytest.mark.slow
SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
GOOD = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [{'location_path': SAMSUNG}],
        'nvme_passthrough_allow_vm_restart': True, 'nvme_passthrough_disable_dynamic_memory': True}
CASES = {
    'no-vm': ({'nvme_passthrough_vm_name': None}, 'nvme_passthrough_vm_name'),
    'devices-not-a-list': ({'nvme_passthrough_devices': {'location_path': SAMSUNG}}, 'nvme_passthrough_devices'),
    'no-selector': ({'nvme_passthrough_devices': [{'drive_letter': 'E'}]}, 'needs exactly one of location_path'),
    'two-selectors': ({'nvme_passthrough_devices': [{'location_path': SAMSUNG, 'serial_number': 'S4EWNX0N123456'}]},
                      'needs exactly one of'),
    'same-device-twice': ({'nvme_passthrough_devices': [{'location_path': SAMSUNG},
                                                        {'serial_number': 'S4EWNX0N123456'}]}, 'select the same device'),
    'unknown-device': ({'nvme_passthrough_devices': [{'serial_number': 'NOPE'}]}, "No device on host HV01 matches"),
    'bad-state': ({'nvme_passthrough_state': 'gone'}, 'nvme_passthrough_state'),
    'save-stop-action': ({'nvme_passthrough_stop_action': 'Save'}, 'nvme_passthrough_stop_action'),
    'bad-guest-mode': ({'nvme_passthrough_guest': 'ssh'}, 'nvme_passthrough_guest'),
    'direct-without-credential': ({'nvme_passthrough_guest': 'powershell_direct'},
                                  'nvme_passthrough_guest is powershell_direct but all of the following are missing: '
                                  'nvme_passthrough_guest_credential'),
    'injection-vm-name': ({'nvme_passthrough_vm_name': "'; Stop-Computer; '"}, 'has no VM named'),
    'timeout-not-a-number': ({'nvme_passthrough_shutdown_timeout': 'soon'}, 'nvme_passthrough_shutdown_timeout'),
    'dynamic-memory-kept': ({'nvme_passthrough_disable_dynamic_memory': False}, 'uses dynamic memory'),
    'bad-file-system': ({'nvme_passthrough_devices': [{'location_path': SAMSUNG, 'file_system': 'fat32'}]},
                        'file_system'),
}


def test_bad_role_variables_fail_before_any_change(tmp_path):
    host_vars = {}
    for name, (change, dummy) in CASES.items():
        variables = dict(GOOD)
        variables.update(change)
        host_vars[name] = dict((k, v) for k, v in variables.items() if v is not None)
    fleet = Fleet(str(tmp_path), dict((name, 'two_nvme_server') for name in CASES), host_vars)
    before = dict((name, open(fleet.state(name), 'rb').read()) for name in CASES)
    result = fleet.play('playbooks/nvme_passthrough.yml')
    for name, (dummy, fragment) in CASES.items():
        assert result.recaps[name]['failed'] == 1, (name, result.recaps[name])
        message = result.failure(name)
        assert message and fragment in message, (name, message)
        assert open(fleet.state(name), 'rb').read() == before[name], name
        assert {call['script'] for call in fleet.calls(name)} <= {'survey_host'}, name
