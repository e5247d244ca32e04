# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Hyper-V and PnP cmdlets that change a host, as the simulator models them (dda-facts §3, §9).

Each function checks the cmdlet's preconditions on the snapshot, raises the error Hyper-V gives
when one fails (texts from messages.py), and otherwise changes the snapshot as the cmdlet would.
It does only what the real cmdlet does, including its silent no-ops: Mount and Remove with a path
that matches nothing do nothing, which is why every script verifies its effect afterwards.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path

ON_STATES = ('Running', 'Paused')


# --- lookups, as Get-VM -Id / Get-PnpDevice -InstanceId / the pool list see them ----------------

def vm_by_id(host, vm_id):
    host.invoke('Get-VM', Id=vm_id)
    for vm in host.doc['vms']:
        if vm['id'].lower() == vm_id.lower():
            return vm
    host.fail('Get-VM', 'vm_not_found', vm=vm_id)


def present_device(host, cmdlet, instance_id):
    """The device whose PCI\\ node is present (enabled or disabled); the PnP not-found error otherwise."""
    for device in host.doc['devices']:
        if device['instance_id'].upper() == instance_id.upper() and device['state'] != 'dismounted':
            return device
    host.fail(cmdlet, 'pnp_not_found', instance=instance_id)


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


# --- VM cmdlets -------------------------------------------------------------------------------

def set_vm_stop_action(host, vm, action):
    host.invoke('Set-VM', VM=vm['name'], AutomaticStopAction=action)
    vm['automatic_stop_action'] = action


def set_vm_memory(host, vm, dynamic, startup_bytes):
    host.invoke('Set-VMMemory', VM=vm['name'], DynamicMemoryEnabled=dynamic, StartupBytes=startup_bytes)
    if vm['state'] != 'Off':
        host.fail('Set-VMMemory', 'set_vm_running', vm=vm['name'], state=vm['state'])
    if dynamic and vm['assigned_devices']:
        host.fail('Set-VMMemory', 'memory_dynamic_with_device', vm=vm['name'])
    vm['dynamic_memory_enabled'] = dynamic
    vm['memory_startup_bytes'] = startup_bytes


def start_vm(host, vm):
    host.invoke('Start-VM', VM=vm['name'])
    for path in vm['assigned_devices']:
        device = device_at(host, path)
        if device is None or device['state'] != 'dismounted':
            host.fail('Start-VM', 'start_element_not_found', vm=vm['name'], instance=path)
        if host.doc['host']['product_type'] == 'workstation':
            host.fail('Start-VM', 'client_sku_start', vm=vm['name'], instance=device['instance_id'])
    vm['state'] = 'Running'


def resume_vm(host, vm):
    host.invoke('Resume-VM', VM=vm['name'])
    vm['state'] = 'Running'


def stop_vm(host, vm, turn_off):
    """Stop-VM: a graceful shutdown through the guest, or with -TurnOff a power-off.

    Returns False when the guest did not shut down (the simulated guest ignores shutdown requests
    when its sim field ``ignores_shutdown`` is true); the script then waits out its timeout.
    """
    host.invoke('Stop-VM', VM=vm['name'], TurnOff=turn_off)
    if not turn_off and (vm.get('guest') or {}).get('ignores_shutdown'):
        return False
    vm['state'] = 'Off'
    return True


# --- PnP cmdlets ------------------------------------------------------------------------------

def disable_pnp_device(host, instance_id):
    host.invoke('Disable-PnpDevice', InstanceId=instance_id, Confirm=False)
    device = present_device(host, 'Disable-PnpDevice', instance_id)
    if any(disk.get('is_boot') or disk.get('is_system') or disk.get('has_pagefile') for disk in device['disks']):
        host.fail('Disable-PnpDevice', 'disable_in_use')
    device['state'] = 'disabled'


def enable_pnp_device(host, instance_id):
    host.invoke('Enable-PnpDevice', InstanceId=instance_id, Confirm=False)
    present_device(host, 'Enable-PnpDevice', instance_id)['state'] = 'enabled'


# --- DDA cmdlets --------------------------------------------------------------------------------

def _is_nvme(device):
    # Microsoft dismounts NVMe controllers without -Force (dda-facts §1.4). Vendor NVMe drivers
    # have other service names, but the survey only lists NVMe storage controllers (SCSIAdapter).
    return device.get('service') == 'stornvme' or device.get('class') == 'SCSIAdapter'


def pool_paths(host, path=None):
    """Get-VMHostAssignableDevice [-LocationPath]: dismounted devices, assigned ones included."""
    host.invoke('Get-VMHostAssignableDevice', LocationPath=path)
    return [location_path(d) for d in host.doc['devices']
            if d['state'] == 'dismounted' and (path is None or location_path(d) == path)]


def assigned_paths(host, vm):
    host.invoke('Get-VMAssignableDevice', VM=vm['name'])
    return list(vm['assigned_devices'])


def dismount_device(host, path, force):
    host.invoke('Dismount-VMHostAssignableDevice', LocationPath=path, Force=force)
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


def mount_device(host, path):
    host.invoke('Mount-VMHostAssignableDevice', LocationPath=path)
    device = device_at(host, path)
    if device is None or device['state'] != 'dismounted':
        return  # no pool device matches: Mount silently does nothing
    owner = holder(host, path)
    if owner is not None:
        host.fail('Mount-VMHostAssignableDevice', 'mount_assigned', holder=owner['name'])
    device['state'] = 'disabled'  # back on the host, but disabled (dda-facts §3)


def add_vm_device(host, vm, path):
    host.invoke('Add-VMAssignableDevice', VM=vm['name'], LocationPath=path)
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


def remove_vm_device(host, vm, path):
    host.invoke('Remove-VMAssignableDevice', VM=vm['name'], LocationPath=path)
    if vm['state'] != 'Off' and not host.doc['host'].get('allow_hot_plug'):
        host.fail('Remove-VMAssignableDevice', 'remove_vm_running', vm=vm['name'], state=vm['state'])
    if path in vm['assigned_devices']:  # else a silent no-op, as Hyper-V's
        vm['assigned_devices'].remove(path)
