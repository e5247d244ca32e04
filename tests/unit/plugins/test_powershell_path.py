"""Every module through the PowerShell backend, with the simulator answering exactly what it sends.

The action plugins build win_powershell arguments (script text, parameters, sensitive parameters)
as they would for a real host; PowerShellIntoSimulator runs each named script's twin with exactly
those parameters, and the twin binds each cmdlet call as PowerShell would. So a script parameter the
plugin gets wrong, or a cmdlet parameter the script gets wrong, fails here rather than on a host.
"""
import json

from ddatest import PowerShellIntoSimulator

from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
CRED = {'username': 'Administrator', 'password': 'example-only'}
CHAIN = [
    ('hyperv_dda_info', {}, False),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}, True),
    ('hyperv_vm_stop_action', {'vm_name': 'sql01'}, True),
    ('hyperv_vm_memory', {'vm_name': 'sql01', 'dynamic_memory': False}, True),
    ('pnp_device_disable', {'serial_number': 'S4EWNX0N123456'}, True),
    ('vmhost_assignable_device', {'serial_number': 'S4EWNX0N123456'}, True),
    ('vm_assignable_device', {'vm_name': 'sql01', 'serial_number': 'S4EWNX0N123456'}, True),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'running'}, True),
    ('guest_nvme_disk', {'vm_name': 'sql01', 'guest_credential': CRED, 'adapter_serial_number': 'S4EWNX0N123456',
                         'drive_letter': 'E', 'label': 'data'}, True),
    ('hyperv_vm_power', {'vm_name': 'sql01', 'state': 'off'}, True),
    ('vm_assignable_device', {'vm_name': 'sql01', 'serial_number': 'S4EWNX0N123456', 'state': 'absent'}, True),
    ('vmhost_assignable_device', {'serial_number': 'S4EWNX0N123456', 'state': 'mounted'}, True),
    ('pnp_device_disable', {'serial_number': 'S4EWNX0N123456', 'state': 'enabled'}, True),
]


def test_the_whole_chain_and_its_reverse_on_the_powershell_backend(state_file):
    path = state_file('two_nvme_server')
    sent = []
    for module, args, changes in CHAIN:
        for check_mode in (True, False):
            runner = PowerShellIntoSimulator(path)
            result = runner.run(module, args, check_mode=check_mode)
            assert result.get('failed') is not True, (module, result.get('msg'))
            assert result['changed'] is changes, module
            sent.extend(runner.sent)
        again = PowerShellIntoSimulator(path)
        assert again.run(module, args)['changed'] is False, '%s is idempotent' % module
    scripts = {again.scripts[call['module_args']['script']] for call in sent}
    assert scripts == set(CATALOG), 'every script ran: %s' % sorted(set(CATALOG) - scripts)
    for call in sent:
        args = call['module_args']
        assert 'example-only' not in json.dumps(args['parameters']), 'credentials only as sensitive_parameters'
    end = json.load(open(path))
    assert end['devices'][0]['state'] == 'enabled' and end['vms'][0]['assigned_devices'] == []
    assert end['devices'][0]['disks'][0]['partitions'][1]['volume']['label'] == 'data', 'the data came back'
