# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): the one VM a PowerShell Direct session from the host
# reaches. Used by survey_guest_disks.ps1 and format_guest_disk.ps1.

function Get-TargetVMId {
    # PowerShell Direct by Id: Invoke-Command -VMName resolves like Get-VM -Name (wildcards, duplicates).
    # Hyper-V compares VM names ignoring case, character by character (ordinal), as this does.
    param([string]$Name)
    $found = @(Get-VM | Where-Object { [string]::Equals([string]$_.Name, $Name, [StringComparison]::OrdinalIgnoreCase) })
    if ($found.Count -ne 1) {
        throw "PowerShell Direct needs exactly one VM named '$Name' on this host; found $($found.Count)."
    }
    $found[0].Id
}
