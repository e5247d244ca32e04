#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Return a dismounted device to the host (Mount-VMHostAssignableDevice). It comes back disabled.

.DESCRIPTION
Always with an explicit -LocationPath: without one, Mount-VMHostAssignableDevice mounts every
dismounted device of the host, and with a path that matches nothing it silently does nothing,
which is why the effect is checked afterwards.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$LocationPath
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

if (@(Get-VMHostAssignableDevice -LocationPath $LocationPath).Count -gt 0) {
    Mount-VMHostAssignableDevice -LocationPath $LocationPath
    $Ansible.Changed = $true
}
if (@(Get-VMHostAssignableDevice -LocationPath $LocationPath).Count -gt 0) {
    throw "Mount-VMHostAssignableDevice reported success, but $LocationPath is still dismounted."
}

$Ansible.Result = [ordered]@{
    location_path = $LocationPath
    state = 'disabled'
}
