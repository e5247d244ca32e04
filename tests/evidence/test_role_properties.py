"""Check mode predicts the run, for any starting host and any role variables (hypothesis).

Each example is a small fleet of simulated hosts, each with a random starting state (the VM's power, stop
action and memory, where the Samsung drive is, a start owed by an interrupted run, data on the drive) and
random role variables (release or passthrough, restart allowed, dynamic memory, mounted volumes, a guest
step through PowerShell Direct with a drive letter). The role runs by the real playbook, in --check and
then for real. For every host:
- the tasks that report a change are the same in check mode and for real, and so is failing;
- check mode changes nothing;
- a third run changes nothing;
- in every run, each task's changed is what the call log shows it did (truthful.py).
"""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleet import Fleet
from test_role_promises import changed_tasks

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
HOSTS = 6


@st.composite
def hosts(draw):
    """(a mutation of two_nvme_server, the role's variables) for one host."""
    vm_state = draw(st.sampled_from(['Running', 'Off']))
    where = draw(st.sampled_from(['enabled', 'disabled', 'dismounted', 'assigned']))
    owed = vm_state == 'Off' and draw(st.booleans())
    stop = draw(st.sampled_from(['Save', 'TurnOff', 'ShutDown']))
    dynamic = where != 'assigned' and draw(st.booleans())
    data = draw(st.booleans())

    def mutate(doc):
        vm = doc['vms'][0]
        vm.update(state=vm_state, automatic_stop_action=stop if where != 'assigned' else 'TurnOff',
                  dynamic_memory_enabled=dynamic, restart_pending=owed,
                  guest_shutdown_available=True if vm_state == 'Running' else None)
        device = doc['devices'][0]
        if where in ('disabled', 'dismounted', 'assigned'):
            device.update(state='disabled', problem_code=22, survey=None)
        if where in ('dismounted', 'assigned'):
            device.update(state='dismounted', problem_code=None, identity_recorded=True)
        if where == 'assigned':
            vm['assigned_devices'] = [SAMSUNG]
        if data:
            device['disks'][0].update(partition_style='GPT', partitions=[
                {'number': 1, 'size': 10 ** 9, 'type': 'Basic', 'drive_letter': None, 'access_paths': [],
                 'volume': {'file_system': 'NTFS', 'label': 'old', 'allocation_unit_size': 4096}}])

    guest = draw(st.booleans())
    entry = {'serial_number': 'S4EWNX0N123456'}
    if guest:
        entry.update(drive_letter=draw(st.sampled_from(['E', 'F'])), label='data')
    variables = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_devices': [entry],
                 'nvme_passthrough_state': draw(st.sampled_from(['present', 'absent'])),
                 'nvme_passthrough_allow_vm_restart': draw(st.sampled_from([True, 'true', False, 'false'])),
                 'nvme_passthrough_disable_dynamic_memory': draw(st.sampled_from([True, 'false'])),
                 'nvme_passthrough_force_format': draw(st.booleans())}
    if guest:
        variables.update(nvme_passthrough_guest='powershell_direct', nvme_passthrough_guest_credential={
            'username': 'Administrator', 'password': 'example-only'})
    return mutate, variables


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(hosts(), min_size=HOSTS, max_size=HOSTS))
def test_check_mode_predicts_the_real_run(tmp_path_factory, drawn):
    folder = str(tmp_path_factory.mktemp('fleet'))
    names = ['h%d' % n for n in range(len(drawn))]
    fleet = Fleet(folder, dict((name, ('two_nvme_server', mutate)) for name, (mutate, dummy) in zip(names, drawn)),
                  dict((name, variables) for name, (dummy, variables) in zip(names, drawn)))
    before = dict((name, open(fleet.state(name), 'rb').read()) for name in names)
    checked = fleet.play('playbooks/nvme_passthrough.yml', '--check')
    for name in names:
        assert open(fleet.state(name), 'rb').read() == before[name], (name, 'check mode changed the host')
    applied = fleet.play('playbooks/nvme_passthrough.yml')
    assert checked.untruthful == applied.untruthful == {}, (applied.untruthful, checked.untruthful)
    predicted, done = changed_tasks(checked.stdout), changed_tasks(applied.stdout)
    for name, (dummy, variables) in zip(names, drawn):
        case = (name, json.dumps(variables), fleet.read(name)['vms'][0])
        assert checked.recaps[name]['failed'] == applied.recaps[name]['failed'], case
        assert predicted.get(name, set()) == done.get(name, set()), (case, predicted.get(name), done.get(name))
    third = fleet.play('playbooks/nvme_passthrough.yml')
    assert third.untruthful == {}, third.untruthful
    for name in names:
        if applied.recaps[name]['failed'] == 0:
            assert third.recaps[name]['changed'] == 0, (name, third.stdout[-2000:])
