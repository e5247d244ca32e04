"""The fault matrix: a failure at every mutating cmdlet the role calls, and the controller killed at each
of those points, one simulated host each.

``run(folder)`` does the whole scenario and returns one row per fault or kill with what was observed (with, after a
fault, whether the host is as the run found it or as planned: ``dda_state``);
tests/evidence/test_faults.py asserts on the rows, tools/reliability.py publishes them.

A fault fails the call (count 1). A kill makes the call hang (a simulator fault with ``hang``), and once
every host of the run hangs, the whole ansible-playbook process group is killed with SIGKILL: the host is
left exactly as a controller that died before that call leaves it (no rescue, no always). Then the same
run without faults must converge, with the VM in its original power state, and a third run change nothing.
Every task of every run that played to its end said changed exactly when the call log shows it made a
mutating call (truthful.py): ``untruthful`` lists what did not.
"""
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import dumps, parse

from ddatest import surveyed
from fleet import ROOT, Fleet
from playbooks import playbook_command

SAMSUNG = 'PCIROOT(0)#PCI(0102)#PCI(0000)'
PENDING = 'HKLM:\\SOFTWARE\\hyperv.dda\\RestartPending'
ROLE = {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
        'nvme_passthrough_disable_dynamic_memory': True, 'nvme_passthrough_guest': 'powershell_direct',
        'nvme_passthrough_guest_credential': {'username': 'Administrator', 'password': 'example-only'},
        'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456', 'drive_letter': 'E', 'label': 'data'}]}
# Every mutating call of a passthrough and of a release, in the order the role reaches them: (what it does,
# the cmdlet, the parameters that pick that call). The last three of a passthrough run in the guest.
PASSTHROUGH = [
    ('remember the stop action', 'Set-ItemProperty', {'Name': 'AutomaticStopAction'}),
    ('set the stop action', 'Set-VM', {}),
    ('record the MMIO need', 'Set-ItemProperty', {'Name': 'MmioMb'}),
    ('disable', 'Disable-PnpDevice', {}),
    ('record the identity', 'Set-ItemProperty', {'Name': 'InstanceId'}),
    ('dismount', 'Dismount-VMHostAssignableDevice', {}),
    ('record the start owed', 'New-Item', {'Path': PENDING}),
    ('shut down', 'Invoke-CimMethod', {}),
    ('remember the memory', 'Set-ItemProperty', {'Name': 'DynamicMemoryEnabled'}),
    ('static memory', 'Set-VMMemory', {}),
    ('assign', 'Add-VMAssignableDevice', {}),
    ('start again', 'Start-VM', {}),
    ('clear the start owed', 'Remove-Item', {'LiteralPath': PENDING}),
    ('initialize', 'Initialize-Disk', {}),
    ('partition', 'New-Partition', {}),
    ('format', 'Format-Volume', {}),
]
RELEASE = [
    ('record the start owed', 'New-Item', {'Path': PENDING}),
    ('shut down', 'Invoke-CimMethod', {}),
    ('remove from the VM', 'Remove-VMAssignableDevice', {}),
    ('start again', 'Start-VM', {}),
    ('clear the start owed', 'Remove-Item', {'LiteralPath': PENDING}),
    ('mark the return', 'Set-ItemProperty', {'Name': 'ReturnPending'}),
    ('mount', 'Mount-VMHostAssignableDevice', {}),
    ('enable', 'Enable-PnpDevice', {}),
    ('clear the mark of the return', 'Remove-ItemProperty', {'Name': 'ReturnPending'}),
]
HANG = 900  # seconds; the hosts are killed long before


def _fault(point, hang=False):
    label, cmdlet, match = point
    fault = {'cmdlet': cmdlet, 'match': match, 'count': 1}
    if hang:
        fault['hang'] = HANG
    else:
        fault['message'] = 'Injected %s failure.' % cmdlet
    return fault


def dda_state(doc):
    """What DDA is about on a host: where each device is (its state, problem code, a return owed) and each VM's power,
    the settings DDA needs, its assignments (in no order) and a start owed. Not the collection's records, not the
    guest's disks."""
    devices = dict((device['location_paths'][0],
                    (device['state'], device.get('problem_code'), bool(device.get('return_pending'))))
                   for device in doc['devices'])
    vms = dict((vm['name'],
                (vm['state'], vm['automatic_stop_action'], vm['dynamic_memory_enabled'], vm['memory_startup_bytes'],
                 sorted(vm['assigned_devices']), bool(vm.get('restart_pending')), vm.get('stale_assignments')))
               for vm in doc['vms'])
    return devices, vms


def consistent(fleet, name):
    """Parse the state as a snapshot, and check the survey reports each device as the state holds it."""
    doc = parse(dumps(fleet.read(name)))
    reported = surveyed(doc)
    states = dict((d['location_paths'][0], d['state']) for d in reported['devices'])
    return doc, all(states[d['location_paths'][0]] == d['state'] for d in doc['devices'])


def _killed_run(fleet, playbook, names, timeout=300):
    """Run the playbook until every named host hangs at its fault, then kill the controller (SIGKILL)."""
    command, env = playbook_command(fleet.inventory, os.path.join(ROOT, playbook), '--limit', ','.join(names),
                                    env={'ANSIBLE_FORKS': str(len(names) + 1), 'ANSIBLE_STRATEGY': 'free'})
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                               cwd=fleet.folder, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            hanging = [name for name in names if any(call.get('hang') for call in fleet.calls(name, reset=False))]
            if len(hanging) == len(names):
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.5)
        return False
    finally:
        # Ansible's workers start sessions of their own (setsid): kill every process of this run.
        for pid in [int(entry) for entry in os.listdir('/proc') if entry.isdigit()]:
            try:
                with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                    mine = fleet.inventory.encode() in handle.read()
                if mine:
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                continue
        process.wait()


def _without_faults(fleet, name):
    """The host without its faults, at a time the next run can go on: a killed run keeps the host's lease until its
    time runs out (issue 23), so the simulated host's clock is moved past it, as the next run on a real host would
    wait (or come later). That run takes the dead run's lease over and is told what it left."""
    doc = fleet.read(name)
    doc['faults'] = []
    lease = doc['host'].get('lease') or {}
    if lease.get('holder'):
        until = datetime.strptime(lease['until'], '%Y-%m-%dT%H:%M:%SZ')
        doc['clock'] = (until + timedelta(seconds=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
    fleet.write(name, doc)
    fleet.calls(name)


def _observe(fleet, name, run, kind, point, result=None):
    doc, truthful = consistent(fleet, name)
    vm = doc['vms'][0]
    return {'run': run, 'kind': kind, 'host': name, 'step': point[0], 'cmdlet': point[1], 'left': dda_state(doc),
            'message': result.failure(name) if result is not None else None, 'vm_after': vm['state'],
            'owed_after': bool(vm.get('restart_pending')), 'device_after': doc['devices'][0]['state'],
            'assigned_after': vm['assigned_devices'], 'truthful': truthful, 'faults_left': doc['faults']}


def run(folder):
    points = {'passthrough': PASSTHROUGH, 'release': RELEASE}
    hosts = {}
    for run_name, listed in points.items():
        for kind in ('fault', 'kill'):
            for n in range(len(listed)):
                hosts['%s%s%02d' % (run_name[0], kind[0], n)] = 'two_nvme_server'
    fleet = Fleet(folder, hosts, dict((name, ROLE) for name in hosts))
    release_hosts = [name for name in hosts if name.startswith('r')]
    prepared = fleet.play('playbooks/nvme_passthrough.yml', '--limit', ','.join(release_hosts))
    untruthful = {}

    def told(result):
        for name, problems in result.untruthful.items():
            untruthful.setdefault(name, []).extend(problems)
        return result
    told(prepared)
    rows = []
    for run_name, playbook in (('passthrough', 'playbooks/nvme_passthrough.yml'),
                               ('release', 'playbooks/nvme_release.yml')):
        listed = points[run_name]
        faulty = ['%sf%02d' % (run_name[0], n) for n in range(len(listed))]
        killed = ['%sk%02d' % (run_name[0], n) for n in range(len(listed))]
        found = dict((name, dda_state(fleet.read(name))) for name in faulty + killed)
        for name, point in zip(faulty, listed):
            doc = fleet.read(name)
            doc['faults'] = [_fault(point)]
            fleet.write(name, doc)
        for name, point in zip(killed, listed):
            doc = fleet.read(name)
            doc['faults'] = [_fault(point, hang=True)]
            fleet.write(name, doc)
        failed = told(fleet.play(playbook, '--limit', ','.join(faulty)))
        rows += [_observe(fleet, name, run_name, 'fault', point, failed) for name, point in zip(faulty, listed)]
        hung = _killed_run(fleet, playbook, killed)
        rows += [dict(_observe(fleet, name, run_name, 'kill', point), hung=hung) for name, point in zip(killed, listed)]
        for name in faulty + killed:
            _without_faults(fleet, name)
        again = told(fleet.play(playbook, '--limit', ','.join(faulty + killed)))
        third = told(fleet.play(playbook, '--limit', ','.join(faulty + killed)))
        for row in [r for r in rows if r['run'] == run_name]:
            row['rerun_failed'] = again.recaps[row['host']]['failed']
            row['third_changed'] = third.recaps[row['host']]['changed']
            doc, row['truthful_after_rerun'] = consistent(fleet, row['host'])
            # All or nothing (issue 23): the failed run left the host as it found it, or as the rerun (as planned).
            row['as_found'] = row['left'] == found[row['host']]
            row['as_planned'] = row['left'] == dda_state(doc)
            vm = doc['vms'][0]
            row['vm_after_rerun'] = vm['state']
            row['owed_after_rerun'] = bool(vm.get('restart_pending'))
            if run_name == 'passthrough':
                row['converged'] = vm['assigned_devices'] == [SAMSUNG] and vm['state'] == 'Running'
            else:
                row['converged'] = doc['devices'][0]['state'] == 'enabled' and not vm['assigned_devices'] and \
                    vm['state'] == 'Running' and not doc['devices'][0].get('return_pending')
    back = told(fleet.play('playbooks/nvme_release.yml', '--limit', ','.join(name for name in hosts if name[0] == 'p')))
    for row in rows:
        row['untruthful'] = untruthful.get(row['host'], [])
        doc, dummy = consistent(fleet, row['host'])
        row['released'] = doc['devices'][0]['state'] == 'enabled' and not doc['vms'][0]['assigned_devices'] and \
            not doc['devices'][0].get('return_pending') and (
                row['run'] == 'release' or back.recaps[row['host']]['failed'] == 0)
    return rows, all(prepared.recaps[name]['failed'] == 0 for name in release_hosts)
