"""Sanity and lint check the collection's own files only (tools/collection_files.sh), wherever the checkout is
and whatever a user keeps in it."""
import os
import subprocess

import pytest

from ddatest import ROOT

pytestmark = pytest.mark.slow


def _git(*args, cwd):
    return subprocess.run(['git'] + list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_a_users_files_in_the_checkout_are_not_the_collections(tmp_path):
    private = tmp_path / 'home'
    private.mkdir(mode=0o700)  # a folder only its owner can enter, as root's home or a mktemp -d folder
    clone = private / 'dda'
    _git('clone', '-q', ROOT, str(clone), cwd=str(tmp_path))
    # What the README invites a user to keep beside the collection, each something sanity or lint would reject.
    (clone / 'site.yml').write_text('- hosts: all\n  tasks:\n    - shell: echo {{foo}}\n')
    (clone / 'inventory.yml').write_text('all:\n  hosts:\n    hv01: {ansible_password: "not-a-vault"}\n')
    module = clone / 'collections' / 'ansible_collections' / 'mine' / 'own' / 'plugins' / 'modules'
    module.mkdir(parents=True)
    (module / 'broken.py').write_text('def (:\n')
    (clone / 'plugins' / 'modules' / 'scratch.py').write_text('import os\n')

    copy = tmp_path / 'copy'
    copy.mkdir()
    subprocess.run(['bash', str(clone / 'tools' / 'collection_files.sh'), str(copy)], check=True, cwd=str(tmp_path))
    copied = sorted(os.path.relpath(os.path.join(folder, name), str(copy))
                    for folder, dummy, names in os.walk(str(copy)) for name in names)
    assert copied == sorted(_git('ls-files', cwd=str(clone)).splitlines())
    for mine in ('site.yml', 'inventory.yml', 'collections', 'plugins/modules/scratch.py'):
        assert not os.path.lexists(str(copy / mine)), mine
    with open(str(copy / 'galaxy.yml'), encoding='utf-8') as copied_file, \
            open(str(clone / 'galaxy.yml'), encoding='utf-8') as original:
        assert copied_file.read() == original.read()


def test_the_readme_says_which_sanity_test_is_left_out_and_what_checks_the_powershell_instead():
    import re
    with open(os.path.join(ROOT, 'tools', 'sanity.sh'), encoding='utf-8') as handle:
        script = handle.read()
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        paragraphs = handle.read().split('\n- ')
    left_out = re.findall(r'--skip-test ([a-z-]+)', script)
    assert left_out == ['pslint'] and 'tests/pscheck' in script
    for name in left_out:
        # The README's sentence on sanity names what is left out, and what checks the PowerShell instead.
        saying = [text for text in paragraphs if '`%s`' % name in text]
        assert saying and all('tests/pscheck' in text and '`pwsh`' in text for text in saying), name
