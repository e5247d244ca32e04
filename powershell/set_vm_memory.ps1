#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Turn a VM's dynamic memory on or off and set its startup memory. Hyper-V needs the VM Off.

.DESCRIPTION
Previous 'remember' keeps, for each memory setting the change changes, its value from before (unless
one is kept already) and the value set, on the host; 'forget' drops the kept values.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$VMId,
    [Parameter(Mandatory = $true)][bool]$DynamicMemoryEnabled,
    [Parameter(Mandatory = $true)][long]$StartupBytes,
    [ValidateSet('', 'remember', 'forget')][string]$Previous = '',
    # The run's token of the host's lease (parts/lease.ps1): the script acts only while its run holds the lease.
    [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$LeaseToken
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

# hyperv.dda include: lease.ps1

# Its run must hold the host's lease, before anything is read to act on.
Assert-Lease -Token $LeaseToken

# hyperv.dda include: remembered_settings.ps1

$vm = Get-VM -Id $VMId
if ([bool]$vm.DynamicMemoryEnabled -ne $DynamicMemoryEnabled -or [long]$vm.MemoryStartup -ne $StartupBytes) {
    # Only a setting whose value changes is remembered: a release gives back nothing the change kept.
    if ($Previous -eq 'remember' -and [bool]$vm.DynamicMemoryEnabled -ne $DynamicMemoryEnabled) {
        Save-Remembered -VMId ([string]$vm.Id) -Name 'DynamicMemoryEnabled' -Value ([string][bool]$vm.DynamicMemoryEnabled) -Set ([string]$DynamicMemoryEnabled)
    }
    if ($Previous -eq 'remember' -and [long]$vm.MemoryStartup -ne $StartupBytes) {
        Save-Remembered -VMId ([string]$vm.Id) -Name 'MemoryStartupBytes' -Value ([string][long]$vm.MemoryStartup) -Set ([string]$StartupBytes)
    }
    Set-VMMemory -VM $vm -DynamicMemoryEnabled $DynamicMemoryEnabled -StartupBytes $StartupBytes -Confirm:$false
    $Ansible.Changed = $true
}
if ($Previous -eq 'forget') {
    if (Clear-Remembered -VMId ([string]$vm.Id) -Names @('DynamicMemoryEnabled', 'MemoryStartupBytes')) { $Ansible.Changed = $true }
}
$now = Get-VM -Id $VMId
if ([bool]$now.DynamicMemoryEnabled -ne $DynamicMemoryEnabled -or [long]$now.MemoryStartup -ne $StartupBytes) {
    throw "Set-VMMemory reported success, but VM '$($vm.Name)' has dynamic memory $($now.DynamicMemoryEnabled) and startup memory $($now.MemoryStartup)."
}

$Ansible.Result = [ordered]@{
    vm_name = [string]$vm.Name
    dynamic_memory_enabled = [bool]$now.DynamicMemoryEnabled
    memory_startup_bytes = [long]$now.MemoryStartup
}
