#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Take one device away from a VM (Remove-VMAssignableDevice), leaving its other devices alone.

.DESCRIPTION
Always with an explicit -LocationPath: without one, Remove-VMAssignableDevice removes every device
of the VM, and with a path that matches nothing it silently does nothing, which is why the
effect is checked afterwards.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][string]$LocationPath
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-AssignedPath {
    param($VM)
    @(Get-VMAssignableDevice -VM $VM | Where-Object { $_.LocationPath } | ForEach-Object { [string]$_.LocationPath })
}

$vm = Get-VM -Id $VMId
if ((Get-AssignedPath -VM $vm) -ccontains $LocationPath) {
    Remove-VMAssignableDevice -VM $vm -LocationPath $LocationPath
    $Ansible.Changed = $true
}
$assigned = Get-AssignedPath -VM $vm
if ($assigned -ccontains $LocationPath) {
    throw "Remove-VMAssignableDevice reported success, but VM '$($vm.Name)' still has $LocationPath."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    assigned_devices = @($assigned)
}
