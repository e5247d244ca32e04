#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Assign a dismounted device to a VM (Add-VMAssignableDevice), or take just that device away from
it (Remove-VMAssignableDevice), then check that the VM's devices are as asked.

.DESCRIPTION
Always with an explicit -LocationPath: without one, Remove-VMAssignableDevice removes every device
of the VM, and with a path that matches nothing it silently does nothing, which is why the effect
is checked afterwards. Location paths compare case-sensitively, as Hyper-V compares them.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][string]$LocationPath,
    [Parameter(Mandatory = $true)][bool]$Present
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-AssignedPath {
    param($VM)
    @(Get-VMAssignableDevice -VM $VM | Where-Object { $_.LocationPath } | ForEach-Object { [string]$_.LocationPath })
}

$vm = Get-VM -Id $VMId
$has = (Get-AssignedPath -VM $vm) -ccontains $LocationPath
if ($Present -and -not $has) {
    Add-VMAssignableDevice -VM $vm -LocationPath $LocationPath
    $Ansible.Changed = $true
}
elseif ($has -and -not $Present) {
    Remove-VMAssignableDevice -VM $vm -LocationPath $LocationPath
    $Ansible.Changed = $true
}

$assigned = Get-AssignedPath -VM $vm
if (($assigned -ccontains $LocationPath) -ne $Present) {
    $cmdlet = if ($Present) { 'Add-VMAssignableDevice' } else { 'Remove-VMAssignableDevice' }
    throw "$cmdlet reported success, but VM '$($vm.Name)' $(if ($Present) { 'does not have' } else { 'still has' }) $LocationPath."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    assigned_devices = @($assigned)
}
