# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Part of a script (see powershell/parts/README.md): the VM settings the collection changed for DDA,
# kept on the host as they were before, with the value it set (<Name>Set), in HKLM:\SOFTWARE\hyperv.dda\VMs\<VM Id>,
# so that a release can give back what still has the value it set. Used by set_vm_stop_action.ps1 and set_vm_memory.ps1.

function Save-Remembered {
    # Keep a setting's value from before a change, unless one is kept already (the first change wins), and the value
    # the change sets (the last change wins).
    param([string]$VMId, [string]$Name, [string]$Value, [string]$Set)
    $key = Join-Path -Path 'HKLM:\SOFTWARE\hyperv.dda\VMs' -ChildPath $VMId
    if (-not (Test-Path -LiteralPath $key)) { $null = New-Item -Path $key -Force -Confirm:$false }
    # RegistryKey.GetValue answers $null for a value the key does not hold; a key that cannot be read fails.
    if ($null -eq (Get-Item -LiteralPath $key).GetValue($Name)) {
        Set-ItemProperty -LiteralPath $key -Name $Name -Value $Value -Confirm:$false
    }
    Set-ItemProperty -LiteralPath $key -Name "${Name}Set" -Value $Set -Confirm:$false
}

function Clear-Remembered {
    # Forget kept values; the VM's key goes when nothing is left in it. $true when it removed anything (a value or
    # the key), for the script's $Ansible.Changed.
    param([string]$VMId, [string[]]$Names)
    $key = Join-Path -Path 'HKLM:\SOFTWARE\hyperv.dda\VMs' -ChildPath $VMId
    if (-not (Test-Path -LiteralPath $key)) { return $false }
    $removed = $false
    foreach ($name in $Names) {
        # The value set first: a run stopped between the two leaves the value found alone, which a release reads as
        # a half-written record and forgets again; the value set alone would be read as nothing kept, and stay.
        foreach ($value in @("${name}Set", $name)) {
            if ($null -ne (Get-Item -LiteralPath $key).GetValue($value)) {
                Remove-ItemProperty -LiteralPath $key -Name $value -Confirm:$false
                $removed = $true
            }
        }
    }
    if (@((Get-Item -LiteralPath $key).Property).Count -eq 0) {
        Remove-Item -LiteralPath $key -Force -Confirm:$false
        $removed = $true
    }
    $removed
}
