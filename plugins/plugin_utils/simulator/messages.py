# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Every error text the simulator produces, in one table.

Each text has a ``mark`` saying how it is known: ``decompiled`` (the Hyper-V module's own code and
string tables, nforgeio/neonSDK), ``code`` (the open source code of PowerShell or ansible.windows),
``documented`` (Microsoft's docs), ``seen`` (real output in a public report), ``inferred`` (reasoned
from real output of similar cmdlets) or ``placeholder`` (nobody has captured it: dda-facts.md marks it
[unknown], and the simulator invents it). ``source`` names where.
Replace a placeholder with the real text once someone records it on real hardware. The same table is
docs/simulator_behaviours.md (tools/make_behaviour_table.py).
"""

from __future__ import annotations

from collections import namedtuple

Message = namedtuple('Message', 'text error_id category mark source')
MARKS = ('documented', 'decompiled', 'code', 'seen', 'inferred', 'placeholder')

# Class names of the Hyper-V module's cmdlets, for FullyQualifiedErrorId (dda-facts §1.6).
HYPERV_CLASSES = {
    'Add-VMAssignableDevice': 'AddVmAssignableDevice',
    'Get-VMAssignableDevice': 'GetVMAssignableDevice',
    'Remove-VMAssignableDevice': 'RemoveVMAssignableDevice',
    'Dismount-VMHostAssignableDevice': 'DismountVMHostAssignableDevice',
    'Mount-VMHostAssignableDevice': 'MountVMHostAssignableDevice',
    'Get-VMHostAssignableDevice': 'GetVMHostAssignableDevice',
    'Get-VM': 'GetVM',
    'Set-VM': 'SetVM',
    'Start-VM': 'StartVM',
    'Stop-VM': 'StopVM',
    'Save-VM': 'SaveVM',
    'Set-VMMemory': 'SetVMMemory',
    'Get-VMMemory': 'GetVMMemory',
    'Get-VMHost': 'GetVMHost',
}

MESSAGES = {
    # --- seen in real output or read from the decompiled module (dda-facts §1.5, §9) ---
    'vm_id_not_found': Message(
        'Hyper-V was unable to find a virtual machine with id "{vm}".', 'ObjectNotFound', 'ObjectNotFound', 'decompiled',
        'decompiled S13: ErrorMessages.resx VMNotFoundById, VirtualizationObjectLocator.GetVirtualMachineById'),
    'device_not_in_pool': Message(
        'The specified device was not found.', 'InvalidParameter', 'InvalidArgument', 'decompiled',
        'decompiled S13: ErrorMessages.resx VMAssignableDevice_NotFound'),
    'dismounted_device_not_found': Message(
        'Cannot find dismounted assignable device.', 'ObjectNotFound', 'ObjectNotFound', 'decompiled',
        'decompiled S13: ErrorMessages.resx CannotFindDismountedDevice, VMHostAssignableDevice.Dismount'),
    'stop_vm_prompt': Message(
        'A command that prompts the user failed because the host program or the command type does not support '
        'user interaction. The host was attempting to request confirmation with the following message: Hyper-V '
        'can\'t shut down virtual machine "{vm}" because the Shutdown integration service is unavailable. You can '
        'turn off the virtual machine by selecting [Y]es, but this is similar to pulling the power on a physical '
        'machine. To avoid potential data loss, select [N]o, then pause or save the virtual machine. Do you want to '
        'turn off the virtual machine?', 'HostFunctionNotImplemented', 'NotImplemented', 'decompiled',
        'decompiled S13: CmdletResources.resx ShouldContinue_StopVM_TurnOffOnShutDown, Commands/StopVM.cs; '
        'PowerShell/PowerShell HostInterfaceExceptionsStrings.resx HostFunctionPromptNotImplemented'),
    'no_mitigation_driver': Message(
        'The operation failed.\n\nThe manufacturer of this device has not supplied any directives for securing '
        'this device while exposing it to a virtual machine. The device should only be exposed to trusted '
        'virtual machines.', 'OperationFailed', 'NotSpecified', 'seen', 'seen S9'),
    'no_pcie_control': Message(
        'The operation failed.\n\nThe current configuration does not allow for OS control of the PCI Express '
        'bus. Please check your BIOS or UEFI settings.', 'OperationFailed', 'NotSpecified', 'seen', 'seen S15, S19'),
    'client_sku_start': Message(
        "'{vm}' failed to start.\n\nVirtual Pci Express Port (Instance ID {instance}): Failed to Power on with "
        "Error 'A hypervisor feature is not available to the user'. (0xC035001E).",
        'OperationFailed', 'NotSpecified', 'seen', 'seen S20'),
    'pnp_not_found': Message(
        'No matching Win32_PnPEntity objects found by CIM query for instances of the ROOT\\cimv2\\Win32_PnPEntity '
        'class on the  CIM server: SELECT * FROM Win32_PnPEntity  WHERE ((DeviceId LIKE \'{instance}\')). '
        'Verify query parameters and retry.', 'CmdletizationQuery_NotFound_InstanceId', 'ObjectNotFound',
        'inferred', 'format inferred from other CDXML cmdlets'),
    'pnp_class_not_found': Message(
        'No matching Win32_PnPEntity objects found by CIM query for instances of the ROOT\\cimv2\\Win32_PnPEntity '
        'class on the  CIM server: SELECT * FROM Win32_PnPEntity  WHERE ((PNPClass LIKE \'SCSIAdapter\')). '
        'Verify query parameters and retry.', 'CmdletizationQuery_NotFound', 'ObjectNotFound',
        'inferred', 'format inferred from other CDXML cmdlets; an error for a filter that matches nothing: '
        'PowerShell/PowerShell cimSupport/cmdletization/cim/clientSideQuery.cs'),
    # --- [unknown] in dda-facts: placeholders until captured on a real host ---
    'vm_deleted': Message(
        'The virtual machine "{vm}" has been deleted.', 'ObjectNotFound', 'ObjectNotFound', 'placeholder',
        '[unknown]: the text a Hyper-V cmdlet gives for a VM object deleted after Get-VM listed it; that it errors '
        'per VM and goes on: decompiled S13 SelectManyWithLogging, PerformOperationWithLogging'),
    'dismount_still_enabled': Message(
        'The operation failed.\n\nThe device is enabled on the host. Disable it (Disable-PnpDevice) before '
        'dismounting it.', 'OperationFailed', 'NotSpecified', 'placeholder', 'dda-facts §1.3 [unknown]'),
    'dismount_not_found': Message(
        'The operation failed.\n\nNo device with location path {path} is present on the host.',
        'OperationFailed', 'NotSpecified', 'placeholder', 'dda-facts §9.3 [unknown]'),
    'add_vm_running': Message(
        "'{vm}' failed to add device 'PCI Express Port'.\n\nThe operation cannot be performed while the virtual "
        "machine is in its current state ({state}).", 'InvalidState', 'InvalidOperation', 'placeholder',
        'dda-facts §9.3 [unknown]'),
    'add_stop_action_save': Message(
        "'{vm}' failed to add device 'PCI Express Port'.\n\nA virtual machine with an assigned device cannot use "
        "the automatic stop action Save.", 'InvalidState', 'InvalidOperation', 'placeholder', 'dda-facts §4 [unknown]'),
    'add_dynamic_memory': Message(
        "'{vm}' failed to add device 'PCI Express Port'.\n\nA virtual machine with an assigned device cannot use "
        "dynamic memory.", 'InvalidState', 'InvalidOperation', 'placeholder', 'dda-facts §4 [unknown]'),
    'add_already_assigned': Message(
        "'{vm}' failed to add device 'PCI Express Port'.\n\nThe device is already assigned to virtual machine "
        "'{holder}'.", 'InvalidState', 'InvalidOperation', 'placeholder', 'dda-facts §9.3 [unknown]'),
    'remove_vm_running': Message(
        "'{vm}' failed to remove device 'PCI Express Port'.\n\nThe operation cannot be performed while the "
        "virtual machine is in its current state ({state}).", 'InvalidState', 'InvalidOperation', 'placeholder',
        'dda-facts §9.3 [unknown]'),
    'mount_assigned': Message(
        'Mounting an assignable device failed.\n\nThe device is assigned to virtual machine \'{holder}\'.',
        'OperationFailed', 'NotSpecified', 'placeholder', 'dda-facts §3 [unknown]; first line is the module fallback '
        '(decompiled S13: ErrorMessages.resx MountAssignableDeviceFailed)'),
    'set_vm_running': Message(
        "'{vm}' failed to modify settings.\n\nThe operation cannot be performed while the virtual machine is in "
        "its current state ({state}).", 'InvalidState', 'InvalidOperation', 'placeholder', 'dda-facts §9.4 [unknown]'),
    'dismount_rmrr': Message(
        'The operation failed.\n\nThe device requires a memory region reserved by the firmware (RMRR) and cannot be '
        'assigned to a virtual machine.', 'OperationFailed', 'NotSpecified', 'placeholder', 'dda-facts §5 [unknown]'),
    'dismount_acs': Message(
        'The operation failed.\n\nThe PCI Express hierarchy above this device does not support Access Control '
        'Services (ACS); traffic from the device may be redirected to other devices.', 'OperationFailed',
        'NotSpecified', 'placeholder', 'dda-facts §1.4 [unknown]'),
    'disable_in_use': Message(
        'Generic failure. The device is in use by the system (it holds the boot, system or page file volume) and '
        'cannot be disabled without a restart.', 'HRESULT 0x80041001,Disable-PnpDevice', 'NotSpecified', 'inferred',
        'dda-facts §9.2 [inferred]'),
    'memory_dynamic_with_device': Message(
        "'{vm}' failed to modify settings.\n\nDynamic memory cannot be enabled for a virtual machine with an "
        "assigned device.", 'InvalidState', 'InvalidOperation', 'placeholder', 'dda-facts §4 [unknown]'),
    'start_element_not_found': Message(
        "'{vm}' failed to start.\n\nVirtual Pci Express Port (Instance ID {instance}): Failed to Power on with "
        "Error 'Element not found.' (0x80070490).", 'OperationFailed', 'NotSpecified', 'seen',
        'seen S28 (message layout as the client-SKU text)'),
    'start_mmio_gap_too_small': Message(
        "'{vm}' failed to start.\n\nVirtual Pci Express Port (Instance ID {instance}): Failed to Power on with "
        "Error 'Insufficient system resources exist to complete the requested service.' (0x800705AA).",
        'OperationFailed', 'NotSpecified', 'placeholder',
        'dda-facts §11 "MMIO at start" [unknown]: no capture of Start-VM with a high MMIO gap smaller than the '
        'assigned devices need was found (searched: windowsserverdocs plan-for-deploying-devices-using-discrete-'
        'device-assignment, which gives sizes but no error; GitHub issues). Layout as client_sku_start (seen S20); '
        '0x800705AA (ERROR_NO_SYSTEM_RESOURCES) is what Start-VM reports for GPU-P VMs short of resources '
        '(jamesstringer90/Easy-GPU-PV#361, #417), not seen for DDA'),
    'disk_already_initialized': Message(
        'The disk has already been initialized.', 'MI RESULT 41001,Initialize-Disk', 'InvalidOperation', 'inferred',
        'dda-facts §9.5 [inferred]'),
    'disk_offline': Message(
        'The disk is offline.', 'StorageWMI 41016', 'InvalidOperation', 'inferred', 'Storage module [inferred]'),
    'disk_read_only': Message(
        'The media is write protected.', 'StorageWMI 19', 'InvalidOperation', 'inferred', 'Storage module [inferred]'),
    'letter_in_use': Message(
        'The requested access path is already in use.', 'StorageWMI 42002', 'InvalidArgument', 'inferred',
        'Storage module [inferred]'),
    'powershell_direct_not_windows': Message(
        'An error has occurred which Windows PowerShell cannot handle. A remote session might have ended.',
        'PSSessionOpenFailed', 'OpenError', 'placeholder', 'dda-facts §6.4 [unknown]: PowerShell Direct needs a Windows guest'),
    'powershell_direct_refused': Message(
        'The credential is invalid.', 'PSSessionOpenFailed', 'OpenError', 'placeholder', 'dda-facts §9.5 [unknown]'),
    'powershell_direct_not_running': Message(
        'The input VMId {vm} does not resolve to a single running virtual machine.',
        'PSSessionOpenFailed', 'OpenError', 'placeholder', 'dda-facts §9.5 [unknown]'),
    # --- a script's own arguments, refused by PowerShell's parameter binder before the script runs ---
    'script_argument_missing': Message(
        'Cannot process command because of one or more missing mandatory parameters: {name}.',
        'MissingMandatoryParameter', 'InvalidArgument', 'code',
        'PowerShell/PowerShell ParameterBinderStrings.resx MissingMandatoryParameter (binding.TEXTS); a host that '
        'cannot prompt fails instead of asking'),
    'script_argument_empty': Message(
        "Cannot validate argument on parameter '{name}'. The argument is null or empty. Provide an argument that is "
        'not null or empty, and then try the command again.', 'ParameterArgumentValidationError', 'InvalidData',
        'seen', 'ValidateNotNullOrEmpty (PowerShell Metadata.resx ValidateNotNullOrEmptyFailure); real output in '
        'Azure PowerShell tests (Set-AzRoleDefinition -InputFile "")'),
    'script_argument_too_small': Message(
        "Cannot validate argument on parameter '{name}'. The {value} argument is less than the minimum allowed range "
        'of {low}. Supply an argument that is greater than or equal to {low} and then try the command again.',
        'ParameterArgumentValidationError', 'InvalidData', 'seen',
        'ValidateRange (about_Functions_Advanced_Parameters, 5.1); real output in New-AzFrontDoorRulesEngineRuleObject '
        'docs (Example 2)'),
    'script_argument_too_big': Message(
        "Cannot validate argument on parameter '{name}'. The {value} argument is greater than the maximum allowed "
        'range of {high}. Supply an argument that is less than or equal to {high} and then try the command again.',
        'ParameterArgumentValidationError', 'InvalidData', 'seen',
        'ValidateRange (about_Functions_Advanced_Parameters, 5.1); real output in Hawk tests (Convert-HawkDaysToDate)'),
}


def error_id(key_or_id, cmdlet):
    """FullyQualifiedErrorId as PowerShell renders it: '<id>,<command class>'."""
    cls = HYPERV_CLASSES.get(cmdlet)
    return '%s,Microsoft.HyperV.PowerShell.Commands.%s' % (key_or_id, cls) if cls else '%s,%s' % (key_or_id, cmdlet)


def placeholders():
    """The texts nobody has captured on a real host (invented, or inferred from similar cmdlets)."""
    return sorted(key for key, message in MESSAGES.items() if message.mark in ('inferred', 'placeholder'))
