# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): a PnP device that may be briefly missing. Used by
# set_pnp_device.ps1, dismount_device.ps1 and mount_device.ps1.

function Get-PresentDevice {
    # The device while its node is present, or $null while it is not: -InstanceId is a filter, and a CDXML cmdlet
    # answers a filter that matches nothing with the error 'CmdletizationQuery_NotFound_InstanceId' (PowerShell/
    # PowerShell cimSupport/cmdletization/cim/clientSideQuery.cs, QueryJobBase.cs). Any other error is a failure.
    param([string]$Id)
    try {
        Get-PnpDevice -InstanceId $Id -PresentOnly -ErrorAction Stop
    }
    catch {
        if ([string]$_.FullyQualifiedErrorId -like 'CmdletizationQuery_NotFound*') { return $null }
        throw
    }
}
