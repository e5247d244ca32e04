# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The Hyper-V and PnP cmdlets as the simulator models them (dda-facts §3, §9, §10).

Each function binds its call as the script writes it (host.invoke), checks the cmdlet's
preconditions on the snapshot, raises the error Hyper-V gives when one fails (texts from
messages.py), and otherwise changes the snapshot as the cmdlet would, including its silent no-ops
(Mount and Remove with a path that matches nothing do nothing) and its fallbacks (Stop-VM turns a VM
off when asked to shut down without a working Shutdown service and told -Force or -AsJob). Where the
behaviour comes from is in docs/simulator_behaviours.md (behaviours.py), one row per function here.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.names import same_vm_name
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, location_path, \
    mmio_mb, problem_code

ON_STATES = ('Running', 'Paused')
MIB = 1024 * 1024
SHUTDOWN_NAMESPACE = 'root\\virtualization\\v2'
# InitiateShutdown return values (Msvm_ShutdownComponent docs): 0 done, 32775 invalid state, 32781 locked (cannot
# be shut down without the force option), 32782 a system shutdown is in progress.
INITIATE_OK = 0
INITIATE_INVALID_STATE = 32775
INITIATE_LOCKED = 32781
INITIATE_IN_PROGRESS = 32782


# --- VMs ---------------------------------------------------------------------------------------

def vm_by_id(host, vm_id, error_action=None):
    host.invoke('Get-VM', Id=vm_id, ErrorAction=error_action)
    for vm in host.doc['vms']:
        if vm['id'].lower() == vm_id.lower():
            return vm
    host.fail('Get-VM', 'vm_id_not_found', vm=vm_id)


def list_vms(host):
    """Get-VM: every VM. A VM with the sim field ``removed_after_listing`` is listed, then deleted (someone removed it
    between this listing and the reads of it); the VM objects listed stay in the script's hands."""
    host.invoke('Get-VM')
    listed = list(host.doc['vms'])
    host.doc['vms'] = [vm for vm in listed if not vm.get('removed_after_listing')]
    return listed


def require_vms(host, cmdlet, vms):
    """A cmdlet handed VM objects reports an error for one that has been deleted since it was listed."""
    for vm in vms:
        if not any(vm is present for present in host.doc['vms']):
            host.fail(cmdlet, 'vm_deleted', vm=vm['name'])


def vms_named(host, name):
    """Get-VM (every VM) filtered by name as Hyper-V compares names (ordinal, ignoring case)."""
    host.invoke('Get-VM')
    return [vm for vm in host.doc['vms'] if same_vm_name(vm['name'], name)]


def set_vm_stop_action(host, vm, action):
    host.invoke('Set-VM', VM=vm['name'], AutomaticStopAction=action, Confirm=False)
    vm['automatic_stop_action'] = action
    host.settle()


def set_vm_memory(host, vm, dynamic, startup_bytes):
    host.invoke('Set-VMMemory', VM=vm['name'], DynamicMemoryEnabled=dynamic, StartupBytes=startup_bytes,
                Confirm=False)
    if vm['state'] != 'Off':
        host.fail('Set-VMMemory', 'set_vm_running', vm=vm['name'], state=vm['state'])
    if dynamic and vm['assigned_devices']:
        host.fail('Set-VMMemory', 'memory_dynamic_with_device', vm=vm['name'])
    vm['dynamic_memory_enabled'] = dynamic
    vm['memory_startup_bytes'] = startup_bytes
    host.settle()


def _arrive_in_guest(host, vm):
    """A passed-through volume mounted only on a folder gains a drive letter when its disk arrives in
    the guest (the VM starts), unless its partition has NoDefaultDriveLetter set."""
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import guest
    for target in guest.disks(host, vm):
        if not target.passed_through:
            continue
        for partition in target.record.get('partitions') or []:
            if partition.get('volume') and not partition.get('drive_letter') \
                    and not partition.get('no_default_drive_letter'):
                partition['drive_letter'] = guest.free_letter(host, vm)


def start_vm(host, vm):
    host.invoke('Start-VM', VM=vm['name'], Confirm=False)
    if vm.get('stale_assignments'):
        host.fail('Start-VM', 'start_element_not_found', vm=vm['name'], instance='')
    for path in vm['assigned_devices']:
        device = device_at(host, path)
        if device is None or device['state'] != 'dismounted':
            host.fail('Start-VM', 'start_element_not_found', vm=vm['name'], instance=path)
        if host.doc['host']['product_type'] == 'workstation':
            host.fail('Start-VM', 'client_sku_start', vm=vm['name'], instance=device['instance_id'])
    _check_mmio_gap(host, vm)
    vm['state'] = 'Running'
    vm['guest_shutdown_available'] = (vm.get('guest') or {}).get('shutdown_service', True)
    _arrive_in_guest(host, vm)
    host.settle()


def _check_mmio_gap(host, vm):
    """A VM whose high MMIO gap cannot hold its assigned devices' MMIO does not start (dda-facts §11, "MMIO at
    start"). The devices' need is what the hardware needs (the state's SurveyDDA figure, kept while the device is
    away, or the need the collection recorded); a device whose need the state does not know adds nothing (the
    simulator does not invent a failure)."""
    have, need = vm.get('high_mmio_bytes'), 0
    for path in vm['assigned_devices']:
        device = device_at(host, path)
        need += mmio_mb(device) or 0
        if have is not None and need * MIB > have:
            host.fail('Start-VM', 'start_mmio_gap_too_small', vm=vm['name'], instance=device['instance_id'])


def resume_vm(host, vm):
    host.invoke('Resume-VM', VM=vm['name'], Confirm=False)
    vm['state'] = 'Running'
    host.settle()


def _off(vm):
    vm['state'] = 'Off'
    vm['guest_shutdown_available'] = None
    (vm.get('guest') or {}).pop('shutdown_in_progress', None)  # a guest that is off is not shutting down


def shutdown_available(vm):
    """The Shutdown integration service is enabled and OK (VirtualMachine.IsShutdownComponentAvailable)."""
    return vm['state'] == 'Running' and vm.get('guest_shutdown_available', True) is not False


def stop_vm(host, vm, turn_off=False, force=False, as_job=False):
    """Stop-VM as Commands/StopVM.cs does it.

    -TurnOff: off at once, also from Saved or Paused (VirtualMachine.cs allows Stop from those).
    Otherwise a shutdown through the guest: with the Shutdown service available,
    a (forced, with -Force) shutdown, which a guest that ignores it leaves running; without it, the
    cmdlet asks "turn off instead?", which -Force or -AsJob answer yes (the VM is turned off) and a
    non-interactive host cannot answer (the call fails).
    """
    host.invoke('Stop-VM', VM=vm['name'], TurnOff=turn_off or None, Force=force or None, AsJob=as_job or None,
                Confirm=False)
    if turn_off:
        _off(vm)
    elif vm['state'] == 'Off':
        pass  # "already in the desired state": a warning, no change
    elif shutdown_available(vm):
        if not (vm.get('guest') or {}).get('ignores_shutdown'):
            _off(vm)
    elif force or as_job:
        _off(vm)
    else:
        host.fail('Stop-VM', 'stop_vm_prompt', vm=vm['name'])
    host.settle()


def shutdown_components(host):
    """Get-CimInstance Msvm_ShutdownComponent: {VM id (upper case): available} for running guests."""
    host.invoke('Get-CimInstance', Namespace=SHUTDOWN_NAMESPACE, ClassName='Msvm_ShutdownComponent')
    return dict((vm['id'].upper(), shutdown_available(vm)) for vm in host.doc['vms'] if vm['state'] == 'Running')


def initiate_shutdown(host, vm, arguments):
    """Msvm_ShutdownComponent.InitiateShutdown through Invoke-CimMethod, with the script's Arguments: its return value.

    It only asks the guest OS to shut down; it never turns the VM off. A guest that ignores the
    request (sim field guest.ignores_shutdown) keeps running, and so does a locked one (guest.locked) asked
    without Force, which answers 32781. A guest that is shutting down already
    (guest.shutdown_in_progress) answers 32782 and goes off. A guest that takes longer than the
    script's wait (guest.shutdown_after_timeout) accepts, keeps running, and is shutting down from then
    on: it is off when the next script runs (finish_late_shutdowns).
    """
    host.invoke('Invoke-CimMethod', InputObject=vm['id'], MethodName='InitiateShutdown', Arguments=arguments,
                Confirm=False)
    guest = vm.get('guest') or {}
    if not shutdown_available(vm):
        returned = INITIATE_INVALID_STATE
    elif guest.get('locked') and not arguments.get('Force'):
        returned = INITIATE_LOCKED
    else:
        returned = INITIATE_IN_PROGRESS if guest.get('shutdown_in_progress') else INITIATE_OK
        if guest.get('shutdown_after_timeout'):
            guest['shutdown_in_progress'] = True
        elif not guest.get('ignores_shutdown'):
            _off(vm)
    host.settle()
    return returned


def finish_late_shutdowns(doc):
    """Between two script runs: a guest that accepted a shutdown too late for the script's wait
    (guest.shutdown_after_timeout, with its shutdown in progress) has powered off by the time the next
    script reads the host. The simulator backend calls this before each run."""
    for vm in doc.get('vms') or []:
        guest = vm.get('guest') or {}
        if vm['state'] == 'Running' and guest.get('shutdown_after_timeout') and guest.get('shutdown_in_progress'):
            _off(vm)


# --- PnP ----------------------------------------------------------------------------------------

def get_pnp_device(host, instance_id, error_action=None):
    """Get-PnpDevice -InstanceId -PresentOnly: the device while its PCI\\ node is present.

    A node that is coming back after a mount stays invisible for the device's sim field
    ``reappear_lag`` lookups; not found throws unless -ErrorAction SilentlyContinue.
    """
    if not host.invoke('Get-PnpDevice', InstanceId=instance_id, PresentOnly=True, ErrorAction=error_action):
        return None
    for device in host.doc['devices']:
        if device['instance_id'].upper() == instance_id.upper() and device['state'] != 'dismounted':
            if device.get('reappear_lag'):
                device['reappear_lag'] -= 1
                break
            return device
    if error_action == 'SilentlyContinue':
        return None
    host.fail('Get-PnpDevice', 'pnp_not_found', instance=instance_id)


def _present(host, cmdlet, instance_id):
    for device in host.doc['devices']:
        if device['instance_id'].upper() == instance_id.upper() and device['state'] != 'dismounted':
            return device
    host.fail(cmdlet, 'pnp_not_found', instance=instance_id)


def disable_pnp_device(host, instance_id):
    host.invoke('Disable-PnpDevice', InstanceId=instance_id, Confirm=False)
    device = _present(host, 'Disable-PnpDevice', instance_id)
    if any(disk.get('is_boot') or disk.get('is_system') or disk.get('has_pagefile') for disk in device['disks'] or []):
        host.fail('Disable-PnpDevice', 'disable_in_use')
    device['state'] = 'disabled'
    device['problem_code'] = DISABLED_PROBLEM_CODE
    host.settle()


def enable_pnp_device(host, instance_id):
    """Enable-PnpDevice: a disabled device binds its driver again (problem code 0); a device with another
    problem keeps it."""
    host.invoke('Enable-PnpDevice', InstanceId=instance_id, Confirm=False)
    device = _present(host, 'Enable-PnpDevice', instance_id)
    if problem_code(device) == DISABLED_PROBLEM_CODE:
        device['state'] = 'enabled'
        device['problem_code'] = 0
    host.settle()


# --- DDA ----------------------------------------------------------------------------------------

def device_at(host, path):
    for device in host.doc['devices']:
        if location_path(device) == path:
            return device
    return None


def holder(host, path):
    for vm in host.doc['vms']:
        if path in vm['assigned_devices']:
            return vm
    return None


def _is_nvme(device):
    # Microsoft dismounts NVMe controllers without -Force (dda-facts §1.4). Vendor NVMe drivers
    # have other service names, but the survey only lists NVMe storage controllers (SCSIAdapter).
    return device.get('service') == 'stornvme' or device.get('class') == 'SCSIAdapter'


def _registered(device):
    """Whether the host's assignable devices show a dismounted device yet (sim field registration_lag:
    lookups that miss it after its dismount, the lag ExHyperV retries for)."""
    if device.get('registration_lag'):
        device['registration_lag'] -= 1
        return False
    return True


def pool_paths(host, path=None):
    """Get-VMHostAssignableDevice [-LocationPath]: dismounted devices (assigned ones included) that the
    host has registered. Exact, case-sensitive path match; no match is no error."""
    host.invoke('Get-VMHostAssignableDevice', LocationPath=path)
    return [location_path(d) for d in host.doc['devices']
            if d['state'] == 'dismounted' and (path is None or location_path(d) == path) and _registered(d)]


class Assigned(object):
    """A VMAssignedDevice: its location path is '' when its device is gone from the host (stale)."""

    def __init__(self, vm, location_path):
        self.vm = vm
        self.location_path = location_path


def assigned_devices(host, vm=None, vms=None):
    """Get-VMAssignableDevice -VM $vm, or with VM objects from the pipeline (``vms``)."""
    if vms is not None:
        host.invoke('Get-VMAssignableDevice', pipeline=True, inputs=len(vms))
        require_vms(host, 'Get-VMAssignableDevice', vms)
    else:
        host.invoke('Get-VMAssignableDevice', VM=vm['name'])
    found = []
    for owner in vms if vms is not None else [vm]:
        found.extend(Assigned(owner, path) for path in owner['assigned_devices'])
        found.extend(Assigned(owner, '') for dummy in range(owner.get('stale_assignments') or 0))
    return found


def nested_virtualization(host, vms):
    """Get-VMProcessor -VM (all the VMs in one call): {VM id: ExposeVirtualizationExtensions}. A snapshot without the
    field stands for a VM without nested virtualization, Hyper-V's default."""
    host.invoke('Get-VMProcessor', VM='vms', inputs=len(vms))
    require_vms(host, 'Get-VMProcessor', vms)
    return dict((vm['id'], bool(vm.get('expose_virtualization_extensions'))) for vm in vms)


def gpu_partition_adapters(host, vms):
    """Get-VMGpuPartitionAdapter -VM (all the VMs in one call): {VM id: adapters}, or None where the host has no such
    cmdlet (the survey catches CommandNotFoundException). The simulated host has it unless its snapshot says the
    count is unknown (null), as one captured from such a host does."""
    if any('gpu_partition_adapters' in vm and vm['gpu_partition_adapters'] is None for vm in host.doc['vms']):
        host.calls.append('Get-VMGpuPartitionAdapter')
        return None
    host.invoke('Get-VMGpuPartitionAdapter', VM='vms', inputs=len(vms))
    require_vms(host, 'Get-VMGpuPartitionAdapter', vms)
    return dict((vm['id'], vm.get('gpu_partition_adapters') or 0) for vm in vms)


def dismount_device(host, path, force):
    """Dismount-VMHostAssignableDevice: the device leaves the host; then the cmdlet looks the new
    assignable device up at once (timeout zero) and throws when the host has not registered it yet,
    although the device has already left (VMHostAssignableDevice.Dismount)."""
    host.invoke('Dismount-VMHostAssignableDevice', LocationPath=path, Force=force or None, Confirm=False)
    device = device_at(host, path)
    if device is None or device['state'] == 'dismounted':
        host.fail('Dismount-VMHostAssignableDevice', 'dismount_not_found', path=path)
    if device['state'] == 'enabled':
        host.fail('Dismount-VMHostAssignableDevice', 'dismount_still_enabled')
    survey = device.get('survey') or {}
    if survey.get('device_type') == 'PciExpressTreatedAsPci':
        host.fail('Dismount-VMHostAssignableDevice', 'no_pcie_control')  # -Force does not help (S15)
    if survey.get('requires_reserved_memory_region'):
        host.fail('Dismount-VMHostAssignableDevice', 'dismount_rmrr')
    if not force:
        if not device.get('mitigation_driver') and not _is_nvme(device):
            host.fail('Dismount-VMHostAssignableDevice', 'no_mitigation_driver')
        if survey.get('acs_compatible_up_hierarchy') == 'NotSupported':
            host.fail('Dismount-VMHostAssignableDevice', 'dismount_acs')
    device['state'] = 'dismounted'
    device['problem_code'] = None
    if not _registered(device):
        host.fail('Dismount-VMHostAssignableDevice', 'dismounted_device_not_found')
    host.settle()


def mount_device(host, path):
    """Mount-VMHostAssignableDevice -LocationPath: the device comes back disabled; its PCI\\ node takes
    the device's sim field ``mount_reappear_lag`` lookups to show again."""
    host.invoke('Mount-VMHostAssignableDevice', LocationPath=path, Confirm=False)
    device = device_at(host, path)
    if device is None or device['state'] != 'dismounted':
        host.settle()
        return  # no pool device matches: Mount silently does nothing
    owner = holder(host, path)
    if owner is not None:
        host.fail('Mount-VMHostAssignableDevice', 'mount_assigned', holder=owner['name'])
    device['state'] = 'disabled'  # back on the host, but disabled (dda-facts §3)
    device['problem_code'] = DISABLED_PROBLEM_CODE
    if device.get('mount_reappear_lag'):
        device['reappear_lag'] = device.pop('mount_reappear_lag')
    host.settle()


def add_vm_device(host, vm, path):
    host.invoke('Add-VMAssignableDevice', VM=vm['name'], LocationPath=path, Confirm=False)
    device = device_at(host, path)
    if device is None or device['state'] != 'dismounted':
        host.fail('Add-VMAssignableDevice', 'device_not_in_pool')
    if vm['state'] != 'Off' and not host.doc['host'].get('allow_hot_plug'):
        host.fail('Add-VMAssignableDevice', 'add_vm_running', vm=vm['name'], state=vm['state'])
    if vm['automatic_stop_action'] == 'Save':
        host.fail('Add-VMAssignableDevice', 'add_stop_action_save', vm=vm['name'])
    if vm['dynamic_memory_enabled']:
        host.fail('Add-VMAssignableDevice', 'add_dynamic_memory', vm=vm['name'])
    owner = holder(host, path)
    if owner is not None:
        host.fail('Add-VMAssignableDevice', 'add_already_assigned', vm=vm['name'], holder=owner['name'])
    vm['assigned_devices'].append(path)
    host.settle()


def remove_vm_devices(host, entries):
    """Remove-VMAssignableDevice with assigned-device objects from the pipeline, one operand each."""
    host.invoke('Remove-VMAssignableDevice', pipeline=True, Confirm=False)
    for entry in entries:
        vm = entry.vm
        if vm['state'] != 'Off' and not host.doc['host'].get('allow_hot_plug'):
            host.fail('Remove-VMAssignableDevice', 'remove_vm_running', vm=vm['name'], state=vm['state'])
        if entry.location_path:
            vm['assigned_devices'].remove(entry.location_path)
        else:
            vm['stale_assignments'] -= 1
    host.settle()
