"""tests/pscheck: every shipped script passes, and broken scripts are caught."""
import os
import sys

import pytest

from ddatest import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tests', 'pscheck'))
import pscheck  # noqa: E402

from ansible_collections.hyperv.dda.plugins.plugin_utils.scripts import CATALOG  # noqa: E402
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.twins import TWINS  # noqa: E402

GOOD_HEADER = '[CmdletBinding(SupportsShouldProcess)]\nparam([string]$LocationPath)\n$Ansible.Changed = $false\n'


@pytest.mark.parametrize('path,in_check_mode', pscheck.collection_scripts(),
                         ids=lambda value: os.path.basename(value) if isinstance(value, str) else '')
def test_collection_script_passes(path, in_check_mode):
    assert pscheck.check_file(path, in_check_mode) == []


def test_catalog_scripts_and_twins_are_the_same_set():
    files = {name[:-4] for name in os.listdir(pscheck.SCRIPT_DIR) if name.endswith('.ps1')}
    assert files == set(CATALOG) == set(TWINS)


def test_a_good_sample_passes():
    assert pscheck.check_source(GOOD_HEADER + 'Get-VMHostAssignableDevice -LocationPath $LocationPath\n', True) == []


BROKEN = [
    ('syntax error', GOOD_HEADER + 'if ($x {\n', 'syntax error'),
    ('unknown parameter', GOOD_HEADER + 'Get-VMHostAssignableDevice -Path $LocationPath\n',
     'Get-VMHostAssignableDevice has no parameter -Path (cmdlet)'),
    ('parameter of another parameter set of a cousin cmdlet', GOOD_HEADER + 'Mount-VMHostAssignableDevice -VMName x\n',
     'Mount-VMHostAssignableDevice has no parameter -VMName'),
    ('unknown cmdlet', GOOD_HEADER + 'Format-Disk -Number 1\n',
     'Format-Disk is not a function of this script nor a cmdlet of cmdlets.json'),
    ('unknown parameter of own function', GOOD_HEADER + 'function Get-X {\n    param([string]$Name)\n    $Name\n}\n'
     'Get-X -Nmae a\n', 'Get-X has no parameter -Nmae (function)'),
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
]


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


def test_signature_table_is_documented():
    import json
    with open(os.path.join(ROOT, 'tests', 'pscheck', 'cmdlets.json')) as handle:
        table = json.load(handle)
    for name, spec in table['cmdlets'].items():
        assert spec['source'].startswith('MicrosoftDocs/'), name
        assert len(spec['parameters']) == len(set(p.lower() for p in spec['parameters'])), name


def test_command_line_entry_point(capsys):
    assert pscheck.main([]) == 0
    assert '0 with problems' in capsys.readouterr().out
