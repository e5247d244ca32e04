"""tests/pscheck: every shipped script passes, and broken scripts are caught."""
import os
import sys

import pytest

from ddatest import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tests', 'pscheck'))
import pscheck  # noqa: E402

from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator import binding  # noqa: E402

GOOD_HEADER = '[CmdletBinding(SupportsShouldProcess)]\nparam([string]$LocationPath)\n$Ansible.Changed = $false\n'


@pytest.mark.parametrize('path,in_check_mode', pscheck.collection_scripts(),
                         ids=lambda value: os.path.basename(value) if isinstance(value, str) else '')
def test_collection_script_passes(path, in_check_mode):
    assert pscheck.check_file(path, in_check_mode) == []


def test_every_script_file_has_a_row_of_the_operations_table():
    # The catalog and the twins both come from the table (operations.py); that each row has a script file, a twin
    # and an effect is the contract test's (test_operations_contract.py). This holds the other direction.
    files = {name[:-4] for name in os.listdir(pscheck.SCRIPT_DIR) if name.endswith('.ps1')}
    assert files == set(CATALOG)


def test_a_good_sample_passes():
    assert pscheck.check_source(GOOD_HEADER + 'Get-VMHostAssignableDevice -LocationPath $LocationPath\n', True) == []


# A script fenced by the host's lease that waits for a guest, then turns its VM off (set_vm_power.ps1's shape).
LEASED = GOOD_HEADER + ('function Assert-Lease {\n    param([string]$Token)\n}\n'
                        'function Wait-Off {\n    while ($true) { Start-Sleep -Seconds 2 }\n}\n'
                        'Assert-Lease -Token $LocationPath\n$vm = Get-VM -Id $LocationPath\nWait-Off\n')
TURN_OFF = 'Stop-VM -VM $vm -TurnOff -Confirm:$false\n'

BROKEN = [
    ('a change after a wait without the lease checked again', LEASED + TURN_OFF,
     'Stop-VM may run after a wait (Start-Sleep) with no Assert-Lease since'),
    ('a change in a waiting loop, on its second turn', GOOD_HEADER + 'function Assert-Lease {\n    param([string]$Token)\n'
     '}\nAssert-Lease -Token $LocationPath\nwhile ($true) {\n    Remove-Item -LiteralPath $LocationPath -Confirm:$false\n'
     '    Start-Sleep -Seconds 1\n}\n', 'Remove-Item may run after a wait'),
    ('syntax error', GOOD_HEADER + 'if ($x {\n', 'syntax error'),
    ('unknown parameter', GOOD_HEADER + 'Get-VMHostAssignableDevice -Path $LocationPath\n',
     "Get-VMHostAssignableDevice -Path: A parameter cannot be found that matches parameter name 'Path'."),
    ('parameter of another parameter set of a cousin cmdlet', GOOD_HEADER + 'Mount-VMHostAssignableDevice -VMName x\n',
     "A parameter cannot be found that matches parameter name 'VMName'"),
    ('unknown cmdlet', GOOD_HEADER + 'Format-Disk -Number 1\n',
     'Format-Disk is not a function of this script nor a cmdlet of the signature table'),
    ('unknown parameter of own function', GOOD_HEADER + 'function Get-X {\n    param([string]$Name)\n    $Name\n}\n'
     'Get-X -Nmae a\n', 'Get-X has no parameter -Nmae (function)'),
    # Finding 1 of the review: the line set_vm_device.ps1 had. Remove-VMAssignableDevice has the sets
    # VMName and VMAssignableDevice (objects): -VM is a prefix of both.
    ('ambiguous prefix (the old removal)', GOOD_HEADER + '$vm = Get-VM -Id $LocationPath\n'
     'Remove-VMAssignableDevice -VM $vm -LocationPath $LocationPath -Confirm:$false\n',
     "Remove-VMAssignableDevice -VM: Parameter cannot be processed because the parameter name 'VM' is ambiguous. "
     "Possible matches include: -VMAssignableDevice -VMName. (AmbiguousParameter)"),
    ('parameters of two sets', GOOD_HEADER + 'Get-VM -Id $LocationPath -ClusterObject $x\n',
     'Get-VM does not bind: Parameter set cannot be resolved using the specified named parameters.'),
    ('mandatory parameter missing', GOOD_HEADER + 'Get-VMAssignableDevice -LocationPath $LocationPath\n',
     'Get-VMAssignableDevice does not bind: Cannot process command because of one or more missing mandatory '
     'parameters: VMName.'),
    ('an alias instead of the name', GOOD_HEADER + 'Get-PnpDevice -InstanceId $LocationPath -ea SilentlyContinue\n',
     'spell out -ErrorAction (written -ea)'),
    ('a parameter older Windows Server does not document', GOOD_HEADER +
     'Format-Volume -DriveLetter E -DevDrive -Confirm:$false\n', 'is not documented in winserver2016-ps'),
    # Finding 3: on Windows PowerShell 5.1 @(ConvertFrom-Json '[...]') has one element.
    ('ConvertFrom-Json directly in @()', GOOD_HEADER + '$d = @(ConvertFrom-Json -InputObject $LocationPath)\n',
     'ConvertFrom-Json directly inside @(...)'),
    ('ConvertFrom-Json at the end of a pipeline in @()', GOOD_HEADER +
     '$d = @($LocationPath | ConvertFrom-Json)\n', 'ConvertFrom-Json directly inside @(...)'),
    # Finding 8.
    ('PowerShell Direct by name', GOOD_HEADER + 'Invoke-Command -VMName $LocationPath -ScriptBlock { 1 }\n',
     'Invoke-Command -VMName resolves the name like Get-VM -Name'),
    ('a VM by name', GOOD_HEADER + '$vm = Get-VM -Name $LocationPath\n', 'Get-VM by name takes wildcards'),
    # Finding 2: the old graceful shutdown.
    ('Stop-VM -Force -AsJob', GOOD_HEADER + '$vm = Get-VM -Id $LocationPath\n'
     '$job = Stop-VM -VM $vm -Force -AsJob -Confirm:$false\n', 'Stop-VM without -TurnOff'),
    # Finding 5 and 6: lookups that throw when the object is briefly missing.
    ('Get-Disk -Number in a loop', GOOD_HEADER + 'foreach ($d in @(Get-CimInstance -ClassName Win32_DiskDrive)) {\n'
     '    $disk = Get-Disk -Number $d.Index\n}\n', 'Get-Disk in a loop throws'),
    ('a settle-wait through a function', GOOD_HEADER + 'function Test-Disabled {\n    param([string]$Id)\n'
     '    $device = Get-PnpDevice -InstanceId $Id -PresentOnly\n    $device\n}\n'
     'while (Test-Disabled -Id $LocationPath) { Start-Sleep -Seconds 1 }\n', 'Test-Disabled in a loop throws'),
    ('a lookup in a ForEach-Object block', GOOD_HEADER +
     '$x = @(1, 2) | ForEach-Object { Get-VM -Id $_ }\n', 'Get-VM in a loop throws'),
    # Finding 9 and dda-facts §1.7: a prompt cannot be answered in a remote session.
    ('a mutating cmdlet without -Confirm:$false', GOOD_HEADER + 'Disable-PnpDevice -InstanceId $LocationPath\n',
     'Disable-PnpDevice can prompt, and a remote session cannot answer; pass -Confirm:$false'),
    ('Mount without a device', GOOD_HEADER + 'Mount-VMHostAssignableDevice -Confirm:$false\n',
     'Mount-VMHostAssignableDevice without -LocationPath or -InstancePath acts on every device'),
    ('read-only script without SupportsShouldProcess', GOOD_HEADER.replace('(SupportsShouldProcess)', '()'),
     'does not declare [CmdletBinding(SupportsShouldProcess)]'),
    ('SupportsShouldProcess spelled so win_powershell misses it',
     GOOD_HEADER.replace('(SupportsShouldProcess)', '(SupportsShouldProcess = $true)'),
     'does not declare [CmdletBinding(SupportsShouldProcess)]'),
    ('Changed never set', GOOD_HEADER.replace('$Ansible.Changed = $false\n', 'Get-VMHost\n'),
     'never sets $Ansible.Changed'),
    ('Invoke-Expression', GOOD_HEADER + 'Invoke-Expression "Get-VM $LocationPath"\n', 'runs text as code'),
    ('iex alias', GOOD_HEADER + 'iex $LocationPath\n', 'runs text as code'),
    ('Add-Type', GOOD_HEADER + 'Add-Type -TypeDefinition $LocationPath\n', 'Add-Type runs text as code'),
    ('scriptblock from text', GOOD_HEADER + '$b = [scriptblock]::Create($LocationPath)\n', 'builds code from a string'),
    ('computed command', GOOD_HEADER + '& $LocationPath\n', 'invokes a computed command'),
    # Issue 20, defect 1: the survey's disks as it built them (a statement used as a value unrolls an array).
    ('the old survey: disks from an if statement', GOOD_HEADER +
     '$d = [ordered]@{\n    disks = if ($entry.Unknown) { $null } else { @($entry.Drives | ForEach-Object { $_ }) }\n}\n',
     'is the output of a statement used as a value'),
    ('the old survey: a dismounted device\'s disks', GOOD_HEADER +
     '$d = [ordered]@{ disks = if ($record) { $record.disks } else { @() } }\n', '@() is the output of a statement'),
    ('an array from a foreach statement', GOOD_HEADER + '$x = foreach ($i in @(1)) { @($i) }\n',
     'is the output of a statement used as a value'),
    # Issue 20, defect 2: a read that fails reads as "nothing".
    ('the old part: a silenced parent read', GOOD_HEADER + '$p = @(Get-PnpDeviceProperty -InstanceId $LocationPath '
     '-KeyName DEVPKEY_Device_Parent -ErrorAction SilentlyContinue)\n', 'turns a failed read into "nothing found"'),
    ('a silenced read with a reason but no source', GOOD_HEADER + '# silent-ok: nothing there is fine\n'
     '$d = Get-Disk -ErrorAction SilentlyContinue\n', 'turns a failed read into "nothing found"'),
    ('Ignore is silent too', GOOD_HEADER + '$v = Get-Volume -ErrorAction Ignore\n', 'turns a failed read into'),
    ('a scriptblock variable that is no parameter', GOOD_HEADER + 'function Get-X {\n    param([string]$Read)\n'
     '    & $Read\n}\n', 'invokes a computed command'),
]

GOOD = [
    ('an array built in a variable, then used', '$all = @(Get-Disk -ErrorAction Stop)\n$h = @{ disks = $all }\n'),
    ('an array put whole through a statement with the comma', '$h = @{ d = if ($x) { ,@(1) } else { ,@() } }\n'),
    ('a count of an array in a branch', '$h = @{ n = if ($x) { @($x).Count } else { 0 } }\n'),
    ('a silenced read with its reason and source', '# silent-ok: an absent key holds no records (Test-Path reference)\n'
     '$d = Get-Disk -ErrorAction SilentlyContinue\n'),
    ('a scriptblock parameter invoked', 'function Read-Rows {\n    param([scriptblock]$Read)\n    @(& $Read)\n}\n'),
    ('removal through the pipeline', 'Get-VMAssignableDevice -VM $vm | Where-Object { $_.LocationPath -ceq $p } | '
     'Remove-VMAssignableDevice -Confirm:$false\n'),
    ('ConvertFrom-Json in inner parentheses', '$d = @((ConvertFrom-Json -InputObject $LocationPath))\n'),
    ('a lookup in a loop that says what not found means',
     'while ($true) { $d = Get-PnpDevice -InstanceId $LocationPath -PresentOnly -ErrorAction Stop }\n'),
    ("a foreach's collection is read once", 'foreach ($d in @(Get-PnpDevice -PresentOnly -Class SCSIAdapter)) { $d }\n'),
    ('Stop-VM -TurnOff', '$vm = Get-VM -Id $LocationPath\nStop-VM -VM $vm -TurnOff -Confirm:$false\n'),
    ('PowerShell Direct by Id', 'Invoke-Command -VMId $LocationPath -Credential $c -ScriptBlock { 1 }\n'),
]
# Changes after a wait that check the lease again, or say why they need not (GOOD_HEADER is prefixed by the test).
GOOD += [
    ('a change after a wait, the lease checked again', LEASED[len(GOOD_HEADER):] + 'Assert-Lease -Token $LocationPath\n'
     + TURN_OFF),
    ('a change after a wait that says why it needs no check', LEASED[len(GOOD_HEADER):] +
     '# lease-ok: restores what this run made\n' + TURN_OFF),
]


@pytest.mark.parametrize('label,body', GOOD, ids=[g[0] for g in GOOD])
def test_a_good_pattern_passes(label, body):
    assert pscheck.check_source(GOOD_HEADER + body, True) == []


@pytest.mark.parametrize('label,source,expected', BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_script_is_caught(label, source, expected):
    problems = pscheck.check_source(source, True)
    assert any(expected in problem for problem in problems), problems


def test_mutating_script_need_not_run_in_check_mode():
    source = GOOD_HEADER.replace('(SupportsShouldProcess)', '()')
    assert pscheck.check_source(source, must_run_in_check_mode=False) == []


def test_mutating_script_must_not_run_in_check_mode():
    problems = pscheck.check_source(GOOD_HEADER, must_run_in_check_mode=False)
    assert any('changes the host but declares SupportsShouldProcess' in problem for problem in problems)


def test_parameters_are_compared_case_insensitively_and_accept_colon_form():
    source = GOOD_HEADER + 'Disable-PnpDevice -instanceid $LocationPath -Confirm:$false -ErrorAction Stop\n'
    assert pscheck.check_source(source, True) == []


def test_signature_table_is_generated_from_the_docs():
    """The table names the docs commits it was read from, and each cmdlet's page; every cmdlet a script
    calls is in it (tools/make_cmdlet_table.py --check, run where the docs are, keeps it current)."""
    table = binding.table()
    assert set(table['sources']) == {'MicrosoftDocs/windows-powershell-docs', 'MicrosoftDocs/PowerShell-Docs'}
    assert all(len(commit) == 40 for commit in table['sources'].values())
    for name, spec in table['cmdlets'].items():
        assert spec['source'].split()[0] in table['sources'], name
        assert spec['default_set'] in spec['sets'], name
        for parameter, entry in spec['parameters'].items():
            assert set(entry['sets']) <= set(spec['sets']), (name, parameter)
    called = set()
    for path, dummy in pscheck.collection_scripts():
        script = pscheck.Script(pscheck.script_source(path))
        called |= {call.name.lower() for call in script.calls() if call.name and call.name.lower() not in script.functions()}
    assert called <= {name.lower() for name in table['cmdlets']}


def test_command_line_entry_point(capsys):
    assert pscheck.main([]) == 0
    assert '0 with problems' in capsys.readouterr().out
