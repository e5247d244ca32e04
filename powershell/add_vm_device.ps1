#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Assign a dismounted device to a VM (Add-VMAssignableDevice), then check that the VM has it.
Location paths compare case-sensitively, as Hyper-V compares them.
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
if ((Get-AssignedPath -VM $vm) -cnotcontains $LocationPath) {
    Add-VMAssignableDevice -VM $vm -LocationPath $LocationPath
    $Ansible.Changed = $true
}
$assigned = Get-AssignedPath -VM $vm
if ($assigned -cnotcontains $LocationPath) {
    throw "Add-VMAssignableDevice reported success, but VM '$($vm.Name)' does not have $LocationPath."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    assigned_devices = @($assigned)
}
