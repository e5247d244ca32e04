# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Twins of the scripts that change a Hyper-V host (see twins.py)."""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.plugin_utils.host_reads import StorageMap
from ansible_collections.hyperv.dda.plugins.plugin_utils.remembered import MEMORY, REGISTRY_NAMES, forget_value, kept, \
    remember
from ansible_collections.hyperv.dda.plugins.plugin_utils.safety import disk_claims, mounted_volumes
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, problem_code
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import cmdlets, reads, survey
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import CmdletError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.lease_twins import assert_lease, fence, test_lease

_REGISTRY = survey.DEVICE_RECORDS
_SETTINGS = survey.SETTINGS_RECORDS
_PENDING = survey.PENDING_RECORDS
# The value of a device's key that marks a return the collection has begun (mount_device.ps1).
_RETURN_MARK = 'ReturnPending'


# --- mutating scripts ---------------------------------------------------------------------------

def _remember(host, vm, changes):
    """parts/remembered_settings.ps1 Save-Remembered, for each setting of ``changes`` ({setting: (found, set)}): keep
    the value found unless one is kept already, and the value set. (A key without values, which New-Item makes, is no
    record in the simulator: the record comes with its first value.)"""
    for name, (found, value) in changes.items():
        host.invoke('Join-Path', Path=_SETTINGS, ChildPath=vm['id'])
        host.invoke('Test-Path', LiteralPath=_SETTINGS)
        if not vm.get('remembered_settings'):
            host.invoke('New-Item', Path=_SETTINGS, Force=True, Confirm=False)
            host.settle()
        host.invoke('Get-Item', LiteralPath=_SETTINGS)
        if kept(vm.get('remembered_settings'))[name] is None:
            host.invoke('Set-ItemProperty', LiteralPath=_SETTINGS, Name=REGISTRY_NAMES[name], Value=str(found),
                        Confirm=False)
            vm['remembered_settings'] = remember(vm.get('remembered_settings'), {name: (found, None)})
            host.settle()
        host.invoke('Set-ItemProperty', LiteralPath=_SETTINGS, Name=REGISTRY_NAMES[name] + 'Set', Value=str(value),
                    Confirm=False)
        vm['remembered_settings'] = remember(vm['remembered_settings'], {name: (found, value)})
        host.settle()


def _forget(host, vm, names):
    """parts/remembered_settings.ps1 Clear-Remembered: whether it removed anything (a value, or the key). The simulator
    keeps a setting's value found and its value set apart, as the registry does."""
    host.invoke('Join-Path', Path=_SETTINGS, ChildPath=vm['id'])
    host.invoke('Test-Path', LiteralPath=_SETTINGS)
    if not vm.get('remembered_settings'):
        return False
    removed = False
    for name in names:
        # The value set first, then the value found, as the script does: a run stopped between them leaves the value
        # found alone (a half-written record, which a release forgets again).
        for is_set in (True, False):
            record = kept(vm['remembered_settings'])
            host.invoke('Get-Item', LiteralPath=_SETTINGS)
            if (record['set'] if is_set else record)[name] is not None:
                host.invoke('Remove-ItemProperty', LiteralPath=_SETTINGS,
                            Name=REGISTRY_NAMES[name] + ('Set' if is_set else ''), Confirm=False)
                vm['remembered_settings'] = forget_value(vm['remembered_settings'], name, is_set)
                host.settle()
                removed = True
    host.invoke('Get-Item', LiteralPath=_SETTINGS)
    if vm['remembered_settings'] is None:
        host.invoke('Remove-Item', LiteralPath=_SETTINGS, Force=True, Confirm=False)
        host.settle()
        removed = True
    return removed


def set_vm_stop_action(host, parameters):
    fence(host, parameters, 'set_vm_stop_action')
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    previous = vm['automatic_stop_action']
    changed = previous != parameters['Action']
    if changed:
        if parameters['Action'] == 'Save' and cmdlets.assigned_devices(host, vm):
            host.throw("Refusing to set the automatic stop action of VM '%s' to Save: it has assigned devices, and a "
                       "VM with an assigned device cannot be saved." % vm['name'])
        if parameters.get('Previous') == 'remember':
            _remember(host, vm, {'automatic_stop_action': (previous, parameters['Action'])})
        cmdlets.set_vm_stop_action(host, vm, parameters['Action'])
    if parameters.get('Previous') == 'forget' and _forget(host, vm, ['automatic_stop_action']):
        changed = True
    now = cmdlets.vm_by_id(host, parameters['VMId'])['automatic_stop_action']
    _verify(host, now == parameters['Action'], "Set-VM reported success, but the automatic stop action of VM '%s' is "
            "still %s." % (vm['name'], now))
    return {'vm_name': vm['name'], 'automatic_stop_action': now, 'previous_automatic_stop_action': previous}, changed


def set_vm_memory(host, parameters):
    fence(host, parameters, 'set_vm_memory')
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    wanted = (parameters['DynamicMemoryEnabled'], parameters['StartupBytes'])
    changed = (vm['dynamic_memory_enabled'], vm['memory_startup_bytes']) != wanted
    if changed:
        if parameters.get('Previous') == 'remember':
            # Only a setting whose value changes is remembered.
            _remember(host, vm, dict((name, (vm[name], value)) for name, value in zip(MEMORY, wanted)
                                     if vm[name] != value))
        cmdlets.set_vm_memory(host, vm, *wanted)
    if parameters.get('Previous') == 'forget' and _forget(host, vm, ['dynamic_memory_enabled', 'memory_startup_bytes']):
        changed = True
    now = cmdlets.vm_by_id(host, parameters['VMId'])
    _verify(host, (now['dynamic_memory_enabled'], now['memory_startup_bytes']) == wanted,
            "Set-VMMemory reported success, but VM '%s' has other memory settings." % vm['name'])
    return {'vm_name': vm['name'], 'dynamic_memory_enabled': now['dynamic_memory_enabled'],
            'memory_startup_bytes': now['memory_startup_bytes']}, changed


# The states set_vm_power.ps1 acts on; any other is a transition or a *Critical state.
SETTLED_STATES = ('Running', 'Off', 'Saved', 'Paused')
# What set_vm_power.ps1 passes to InitiateShutdown, and the return values it takes as accepted (0 done,
# 4096 job started, 32782 a shutdown is already in progress).
SHUTDOWN_ARGUMENTS = {'Force': False, 'Reason': 'hyperv.dda: shut down for a device change'}
SHUTDOWN_ACCEPTED = (0, 4096, 32782)


def set_vm_power(host, parameters):
    fence(host, parameters, 'set_vm_power')
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    previous = vm['state']
    turned_off = changed = False
    host.invoke('Join-Path', Path=_PENDING, ChildPath=vm['id'])
    if previous not in SETTLED_STATES:
        host.throw("VM '%s' is %s, not Running, Off, Saved or Paused, and was left as it is. Wait until it has "
                   "settled (a state ending in Critical means Hyper-V reports a problem with the VM, such as its "
                   "storage), then run the task again." % (vm['name'], previous))
    if parameters['State'] == 'running' and previous != 'Running':
        (cmdlets.resume_vm if previous == 'Paused' else cmdlets.start_vm)(host, vm)
        changed = True
    elif parameters['State'] == 'off' and previous in ('Saved', 'Paused'):
        if not parameters.get('TurnOffOnTimeout'):
            host.throw("VM '%s' is %s, so its guest cannot be asked to shut down, and it was left as it is. %s it "
                       "first (state=running) and shut it down then, turn it off yourself, or set turn_off_on_timeout: "
                       "true to turn it off (its memory state is lost)."
                       % (vm['name'], previous, 'Resume' if previous == 'Paused' else 'Start'))
        cmdlets.stop_vm(host, vm, turn_off=True)
        turned_off = changed = True
    elif parameters['State'] == 'off' and previous == 'Running':
        made_record = False
        if parameters.get('RecordRestart'):
            host.invoke('Test-Path', LiteralPath=_PENDING)
        if parameters.get('RecordRestart') and not vm.get('restart_pending'):
            host.invoke('New-Item', Path=_PENDING, Force=True, Confirm=False)
            vm['restart_pending'] = True  # the key is the record
            host.settle()
            host.invoke('Set-ItemProperty', LiteralPath=_PENDING, Name='Since', Value='now', Confirm=False)
            host.settle()
            made_record = True
        progress = {'accepted': False, 'asked': False}
        try:
            turned_off = _stop_guest(host, vm, parameters, progress)
        except CmdletError:
            # Nothing was shut down: no start is owed. A guest that accepted may still power off later.
            # Only while this run holds the lease: the failure may be that it lost it.
            if made_record and not progress['accepted'] and \
                    cmdlets.vm_by_id(host, parameters['VMId'])['state'] == 'Running' and \
                    test_lease(host, parameters['LeaseToken']):
                host.invoke('Remove-Item', LiteralPath=_PENDING, Recurse=True, Force=True, Confirm=False)
                vm['restart_pending'] = False
                host.settle()
            raise
        # What this run did: a VM that went Off by other means before it was asked changed nothing here.
        changed = made_record or progress['asked'] or turned_off
    if parameters['State'] == 'running':
        host.invoke('Test-Path', LiteralPath=_PENDING)
        if vm.get('restart_pending'):
            host.invoke('Remove-Item', LiteralPath=_PENDING, Recurse=True, Force=True, Confirm=False)
            vm['restart_pending'] = False
            host.settle()
            changed = True
    now = cmdlets.vm_by_id(host, parameters['VMId'])['state']
    expected = 'Running' if parameters['State'] == 'running' else 'Off'
    _verify(host, now == expected, "VM '%s' is %s after the power change, not %s." % (vm['name'], now, expected))
    host.invoke('Test-Path', LiteralPath=_PENDING)
    return {'vm_name': vm['name'], 'state': now, 'previous_state': previous, 'turned_off': turned_off,
            'restart_pending': bool(vm.get('restart_pending'))}, changed


def _stop_guest(host, vm, parameters, progress):
    """set_vm_power.ps1's Stop-Guest: True when the VM was turned off; progress['accepted'] once the guest
    accepted the shutdown, progress['asked'] once it was asked."""
    available = cmdlets.shutdown_components(host).get(vm['id'].upper(), False)
    if available:
        returned = cmdlets.initiate_shutdown(host, vm, dict(SHUTDOWN_ARGUMENTS))
        progress['asked'] = True
        locked = returned == cmdlets.INITIATE_LOCKED
        if locked and not parameters.get('TurnOffOnTimeout'):
            host.throw("The guest of VM '%s' is locked and shuts down only when forced to close applications that may "
                       "hold unsaved data (InitiateShutdown returned 32781); it was not shut down and is still running. "
                       "Sign out of the guest's console session, shut the guest down from inside, or set "
                       "turn_off_on_timeout: true to turn the VM off." % vm['name'])
        if not locked and returned not in SHUTDOWN_ACCEPTED:
            host.throw("The guest of VM '%s' did not accept the shutdown request (InitiateShutdown returned %d); "
                       "the VM is still running." % (vm['name'], returned))
        if not locked:
            progress['accepted'] = True
            cmdlets.vm_by_id(host, parameters['VMId'], error_action='Stop')  # polled until Off or the timeout
    if cmdlets.vm_by_id(host, parameters['VMId'])['state'] == 'Off':
        return False
    if not parameters.get('TurnOffOnTimeout'):
        if available:
            later = ' The host keeps the record that the VM is owed a start, so a later run starts it again.' \
                if parameters.get('RecordRestart') else ''
            host.throw("VM '%s' did not shut down within %d seconds and is still running, but its guest accepted the "
                       "shutdown and may still power off later.%s Raise shutdown_timeout, check the guest, or set "
                       "turn_off_on_timeout." % (vm['name'], parameters.get('ShutdownTimeout', 300), later))
        host.throw("VM '%s' cannot be shut down gracefully: the Shutdown integration service of its guest is not "
                   "available (disabled in the VM's settings, or not running in the guest), and it was not turned off. "
                   "Enable the service, shut the guest down from inside, or set turn_off_on_timeout: true to turn the "
                   "VM off." % vm['name'])
    # The wait may have outlasted the run's lease, and another run taken the host over: checked again first.
    assert_lease(host, parameters['LeaseToken'])
    cmdlets.stop_vm(host, vm, turn_off=True)
    return True


def _host_claims(host, instance_id, planned, allow_mounted):
    """set_pnp_device.ps1's Get-HostClaim: the same reads (reads.storage), decided by the collection's own rules."""
    host.invoke('Get-VM')
    storage = StorageMap(reads.storage(host, host.doc['vms']))
    disks = storage.disks_of(instance_id)
    if disks is None:
        return ['which disks sit behind it is unknown (%s)' % storage.why_unknown(instance_id)]
    disks = sorted(disks, key=lambda disk: disk['number'])
    numbers = [disk['number'] for disk in disks]
    if numbers != sorted(planned):
        return ['the disks behind it are now [%s], not [%s] as planned' % (
            ', '.join(str(n) for n in numbers), ', '.join(str(n) for n in sorted(planned)))]
    claims = []
    for disk in disks:
        claims += disk_claims(disk)
        for partition in [] if allow_mounted else disk['partitions']:
            mounts = mounted_volumes({'disks': [{'partitions': [partition]}]})
            if mounts:
                claims.append('its disk %d has mounted volumes (%s)' % (disk['number'], ', '.join(mounts)))
    return claims


def _present_device(host, instance_id):
    """parts/present_device.ps1 Get-PresentDevice: not found (the CDXML query's ObjectNotFound) is None; any other
    error fails the script."""
    try:
        return cmdlets.get_pnp_device(host, instance_id, error_action='Stop')
    except CmdletError as e:
        if e.not_found:
            return None
        raise


def _problem_code(host, instance_id):
    device = _present_device(host, instance_id)
    return None if device is None else problem_code(device)


def _wait_problem_code(host, instance_id, wanted, settle_seconds):
    """The script's settle-wait: one read a second until the code is wanted or the time is up."""
    code = _problem_code(host, instance_id)
    for dummy in range(settle_seconds):
        if code == wanted:
            break
        code = _problem_code(host, instance_id)
    return code


def _record_mmio(host, device, parameters):
    """set_pnp_device.ps1 keeps the MMIO need of a device it disables in the device's record."""
    if not parameters.get('LocationPath') or parameters.get('MmioMb', -1) < 0:
        return
    key = _device_key(parameters['LocationPath'])
    host.invoke('Join-Path', Path=_REGISTRY, ChildPath=parameters['LocationPath'])
    host.invoke('Test-Path', LiteralPath=key)
    if not _has_record(device):
        host.invoke('New-Item', Path=key, Force=True, Confirm=False)
        host.settle()  # a key without values is no record in the simulator
    host.invoke('Set-ItemProperty', LiteralPath=key, Name='MmioMb', Value=str(parameters['MmioMb']), Confirm=False)
    if device is not None:
        device['recorded_mmio_mb'] = parameters['MmioMb']
    host.settle()


def set_pnp_device(host, parameters):
    fence(host, parameters, 'set_pnp_device')
    instance_id, enabled = parameters['InstanceId'], parameters['Enabled']
    settle = parameters.get('SettleSeconds', 30)
    code = _problem_code(host, instance_id)
    for dummy in range(settle):
        if code is not None:
            break
        code = _problem_code(host, instance_id)
    if code is None:
        host.throw('Device %s is not present on the host. If it was dismounted, mount it first '
                   '(hyperv.dda.vmhost_assignable_device state=mounted).' % instance_id)
    changed = False
    # The settle-wait may have outlasted the run's lease: each change checks it again.
    if enabled and code == DISABLED_PROBLEM_CODE:
        assert_lease(host, parameters['LeaseToken'])
        cmdlets.enable_pnp_device(host, instance_id)
        changed = True
    elif not enabled and code != DISABLED_PROBLEM_CODE:
        claims = _host_claims(host, instance_id, parameters.get('DiskNumber') or [],
                              parameters.get('AllowMountedVolumes', False))
        if claims:
            host.throw('Refusing to disable %s: %s. The host is not as it was surveyed; run the task again to plan '
                       'from the host as it is.' % (instance_id, '; '.join(claims)))
        assert_lease(host, parameters['LeaseToken'])
        _record_mmio(host, cmdlets.device_at(host, parameters.get('LocationPath') or ''), parameters)
        cmdlets.disable_pnp_device(host, instance_id)
        changed = True
    wanted = 0 if enabled else DISABLED_PROBLEM_CODE
    code = _wait_problem_code(host, instance_id, wanted, settle)
    if code != wanted:
        shown = 'it is not present' if code is None else 'its problem code is %d' % code
        host.throw('Device %s did not become %s within %d seconds: %s. A restart of the host may be needed, or the '
                   'device has a problem of its own (see Device Manager).' % (
                       instance_id, 'enabled (problem code 0)' if enabled else 'disabled (problem code 22)',
                       settle, shown))
    if enabled and parameters.get('LocationPath'):
        changed = _clear_return_mark(host, parameters['LocationPath'], parameters['LeaseToken']) or changed
    return {'instance_id': instance_id, 'state': 'enabled' if enabled else 'disabled', 'problem_code': code}, changed


def _has_record(device):
    """Whether the device's key exists in the simulated registry: it holds its identity, its MMIO need, the mark of a
    return, or some of them."""
    return bool(device and (device.get('identity_recorded') or device.get('recorded_mmio_mb') is not None or
                            device.get('return_pending')))


def _device_key(path):
    """The device's key in the collection's registry records (HKLM:\\SOFTWARE\\hyperv.dda\\Devices\\<location path>)."""
    return _REGISTRY + '\\' + path


def _remove_return_mark(host, path, device):
    """Remove-ItemProperty of mount_device.ps1's mark of a return, from the device's key."""
    host.invoke('Remove-ItemProperty', LiteralPath=_device_key(path), Name=_RETURN_MARK, Confirm=False)
    device.pop('return_pending', None)
    host.settle()


def _clear_return_mark(host, path, token):
    """set_pnp_device.ps1, once the device is enabled: clear mount_device.ps1's mark, and a key that held only it,
    while this run holds the lease (the settle wait may have outlasted it)."""
    key = _device_key(path)
    device = cmdlets.device_at(host, path)
    host.invoke('Join-Path', Path=_REGISTRY, ChildPath=path)
    host.invoke('Test-Path', LiteralPath=key)
    if not _has_record(device):
        return False
    host.invoke('Get-Item', LiteralPath=key)
    if not device.get('return_pending') or not test_lease(host, token):
        return False
    _remove_return_mark(host, path, device)
    host.invoke('Get-Item', LiteralPath=key)
    if not _has_record(device):
        host.invoke('Remove-Item', LiteralPath=key, Force=True, Confirm=False)
        host.settle()
    return True


def _wait_dismounted(host, path, settle_seconds):
    """The script's Wait-Dismounted: a lookup every half second until the time is up."""
    for dummy in range(settle_seconds * 2 + 1):
        if cmdlets.pool_paths(host, path):
            return True
    return False


def dismount_device(host, parameters):
    fence(host, parameters, 'dismount_device')
    path, instance_id = parameters['LocationPath'], parameters['InstanceId']
    settle = parameters.get('SettleSeconds', 10)
    warnings = []
    changed = not cmdlets.pool_paths(host, path)
    if changed:
        device = cmdlets.device_at(host, path)
        record_before = dict((key, device[key]) for key in ('identity_recorded', 'recorded_mmio_mb')
                             if device and key in device)
        host.invoke('Join-Path', Path=_REGISTRY, ChildPath=path)
        host.invoke('Test-Path', LiteralPath=_device_key(path))
        created = not _has_record(device)
        if created:
            host.invoke('New-Item', Path=_device_key(path), Force=True, Confirm=False)
            if device is not None:
                device['identity_recorded'] = True  # the key is the record; the simulator's keeps the device's disks
            host.settle()
        recorded = parameters.get('MmioMb', -1)
        for name in ('InstanceId', 'FriendlyName', 'Class', 'Service', 'Disks') + (('MmioMb',) if recorded >= 0 else ()):
            host.invoke('Set-ItemProperty', LiteralPath=_device_key(path), Name=name, Value='...', Confirm=False)
            host.settle()
        if device is not None:
            device['identity_recorded'] = True
            if recorded >= 0:
                device['recorded_mmio_mb'] = recorded
        try:
            cmdlets.dismount_device(host, path, bool(parameters.get('Force')))
        except CmdletError as failure:
            if _wait_dismounted(host, path, settle):
                warnings.append("Dismount-VMHostAssignableDevice reported an error, but %s did leave the host and is "
                                "among its assignable devices: %s" % (path, failure.message))
            else:
                on_host = _present_device(host, instance_id) is not None
                # Only while this run holds the lease: after the wait, the key may be another run's.
                if on_host and created and test_lease(host, parameters['LeaseToken']) and device is not None:
                    # Remove the record this run made: the device is as it was, key and all.
                    host.invoke('Remove-Item', LiteralPath=_device_key(path), Recurse=True, Force=True,
                                Confirm=False)
                    for key in ('identity_recorded', 'recorded_mmio_mb'):
                        device.pop(key, None)
                    device.update(record_before)
                    host.settle()
                if on_host:
                    raise
                host.throw("Dismount-VMHostAssignableDevice failed (%s), and %s is neither on the host nor among its "
                           "assignable devices after %d seconds. Its identity record is kept; look at the device in "
                           "Device Manager and run the task again." % (failure.message, path, settle))
        # The device has left the host: a return of it that had begun is over (not before: a failed dismount leaves
        # the device as it was, its mark included).
        host.invoke('Get-Item', LiteralPath=_device_key(path))
        if device is not None and device.get('return_pending'):
            _remove_return_mark(host, path, device)
    _verify(host, _wait_dismounted(host, path, settle), 'Dismount-VMHostAssignableDevice reported success, but %s is '
            "not among the host's assignable devices." % path)
    return {'location_path': path, 'state': 'dismounted', 'identity_recorded': True, 'warnings': warnings}, changed


def mount_device(host, parameters):
    fence(host, parameters, 'mount_device')
    path, instance_id = parameters['LocationPath'], parameters['InstanceId']
    settle = parameters.get('SettleSeconds', 30)
    warnings = []
    failure = None
    host.invoke('Join-Path', Path=_REGISTRY, ChildPath=path)
    changed = bool(cmdlets.pool_paths(host, path))
    if changed:
        device = cmdlets.device_at(host, path)
        host.invoke('Test-Path', LiteralPath=_device_key(path))
        created = not _has_record(device)
        if created:
            host.invoke('New-Item', Path=_device_key(path), Force=True, Confirm=False)
            host.settle()  # a key without values is no record in the simulator
        host.invoke('Set-ItemProperty', LiteralPath=_device_key(path), Name=_RETURN_MARK, Value='...',
                    Confirm=False)
        device['return_pending'] = True
        host.settle()
        try:
            cmdlets.mount_device(host, path)
        except CmdletError as e:
            failure = e
    for dummy in range(settle + 1):
        back = not cmdlets.pool_paths(host, path) and \
            _present_device(host, instance_id) is not None
        if back:
            break
    if not back:
        if changed and cmdlets.pool_paths(host, path) and test_lease(host, parameters['LeaseToken']):
            # Still away: no return began, so its mark goes (with the key, if this run made it); only while this run
            # holds the lease: after the wait, the key may be another run's.
            if created:
                host.invoke('Remove-Item', LiteralPath=_device_key(path), Recurse=True, Force=True, Confirm=False)
                device.pop('return_pending', None)
                host.settle()
            else:
                _remove_return_mark(host, path, device)
        if failure is not None:
            raise failure
        if not changed:
            host.throw("%s is neither among the host's assignable devices nor present on the host as %s (waited %d "
                       "seconds): there was nothing to mount, and Mount-VMHostAssignableDevice was not run."
                       % (path, instance_id, settle))
        host.throw('Mount-VMHostAssignableDevice reported success, but %s has not come back to the host within %d '
                   'seconds.' % (path, settle))
    if failure is not None:
        warnings.append('Mount-VMHostAssignableDevice reported an error, but %s is back on the host: %s'
                        % (path, failure.message))
    return {'location_path': path, 'state': 'disabled', 'warnings': warnings}, changed


def set_vm_device(host, parameters):
    fence(host, parameters, 'set_vm_device')
    vm = cmdlets.vm_by_id(host, parameters['VMId'])
    path, present = parameters.get('LocationPath') or '', parameters.get('Present', True)
    before = cmdlets.assigned_devices(host, vm)
    changed = False
    if parameters.get('RemoveStale'):
        stale = [entry for entry in before if not entry.location_path]
        if stale:
            cmdlets.remove_vm_devices(host, stale)
            changed = True
    if path:
        mine = [entry for entry in before if entry.location_path == path]
        if present and not mine:
            cmdlets.add_vm_device(host, vm, path)
            changed = True
        elif mine and not present:
            cmdlets.remove_vm_devices(host, mine)
            changed = True
    after = cmdlets.assigned_devices(host, vm)
    assigned = [entry.location_path for entry in after if entry.location_path]
    stale_count = len([entry for entry in after if not entry.location_path])
    cmdlet = 'Add-VMAssignableDevice' if present else 'Remove-VMAssignableDevice'
    _verify(host, not path or (path in assigned) == present, "%s reported success, but VM '%s' %s %s." % (
        cmdlet, vm['name'], 'does not have' if present else 'still has', path))
    _verify(host, not (parameters.get('RemoveStale') and stale_count),
            "Remove-VMAssignableDevice reported success, but VM '%s' still has %d stale assignment(s)."
            % (vm['name'], stale_count))
    return {'vm_name': vm['name'], 'assigned_devices': assigned, 'stale_assignments': stale_count}, changed


def _verify(host, ok, message):
    """The after-check every mutating script makes: the cmdlet really did what it said."""
    if not ok:
        host.throw(message)
