#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Assign a dismounted device to a VM (Add-VMAssignableDevice), take just that device away from it,
or remove the VM's stale assignments; then check that the VM's devices are as asked.

.DESCRIPTION
Remove-VMAssignableDevice has no -VM parameter (its sets are VMName, and assigned-device objects
from the pipeline), and by name without -LocationPath it removes every device of the VM. So a
device is removed as the object Get-VMAssignableDevice returns for it, chosen by its exact location
path (Hyper-V compares paths case-sensitively). A stale assignment, whose device is gone from the
host, has an empty LocationPath and can only be removed that way too. The effect is checked
afterwards, since a removal that matches nothing silently does nothing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    # The device to assign or remove; empty to act on stale assignments only.
    [string]$LocationPath = '',
    [bool]$Present = $true,
    [bool]$RemoveStale = $false,
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

$vm = Get-VM -Id $VMId
$assigned = @(Get-VMAssignableDevice -VM $vm)
if ($RemoveStale) {
    $stale = @($assigned | Where-Object { -not $_.LocationPath })
    if ($stale.Count -gt 0) {
        $stale | Remove-VMAssignableDevice -Confirm:$false
        $Ansible.Changed = $true
    }
}
if ($LocationPath) {
    $mine = @($assigned | Where-Object { $_.LocationPath -ceq $LocationPath })
    if ($Present -and $mine.Count -eq 0) {
        Add-VMAssignableDevice -VM $vm -LocationPath $LocationPath -Confirm:$false
        $Ansible.Changed = $true
    }
    elseif (-not $Present -and $mine.Count -gt 0) {
        $mine | Remove-VMAssignableDevice -Confirm:$false
        $Ansible.Changed = $true
    }
}

$after = @(Get-VMAssignableDevice -VM $vm)
$paths = @($after | Where-Object { $_.LocationPath } | ForEach-Object { [string]$_.LocationPath })
$staleCount = @($after | Where-Object { -not $_.LocationPath }).Count
if ($LocationPath -and (($paths -ccontains $LocationPath) -ne $Present)) {
    $cmdlet = if ($Present) { 'Add-VMAssignableDevice' } else { 'Remove-VMAssignableDevice' }
    throw "$cmdlet reported success, but VM '$($vm.Name)' $(if ($Present) { 'does not have' } else { 'still has' }) $LocationPath."
}
if ($RemoveStale -and $staleCount -gt 0) {
    throw "Remove-VMAssignableDevice reported success, but VM '$($vm.Name)' still has $staleCount stale assignment(s)."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    assigned_devices = @($paths)
    stale_assignments = $staleCount
}
