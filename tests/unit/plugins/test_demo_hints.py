"""The demo's closing hints work when pasted anywhere, in a shell that knows nothing of the checkout's venv."""
import os
import re
import subprocess

import pytest

from ddatest import ROOT

pytestmark = pytest.mark.slow


def _user_shell_env():
    # A fresh terminal: no venv on PATH, no collections path, no config of the test run.
    env = dict(os.environ)
    venv_bin = os.path.join(ROOT, '.venv', 'bin')
    env['PATH'] = os.pathsep.join(p for p in env.get('PATH', '').split(os.pathsep)
                                  if p and '.venv' not in p and p != venv_bin)
    for name in ('ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_CONFIG', 'VIRTUAL_ENV', 'PYTHONPATH'):
        env.pop(name, None)
    return env


def test_the_demo_closing_hints_work_when_pasted_in_any_folder(tmp_path):
    # The demo rewrites its own scratch folder, .demo/, as every run of it does.
    demo = subprocess.run(['bash', os.path.join(ROOT, 'tools', 'demo.sh')], cwd=ROOT, env=_user_shell_env(),
                          capture_output=True, text=True, check=False)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    closing = demo.stdout[demo.stdout.rindex('\nDone.'):]
    hints = re.findall(r'with: (.+)$', closing, flags=re.M)
    assert hints, closing
    for hint in hints:
        # A folder of the user's, outside the checkout: no ansible.cfg, no relative path of the checkout resolves.
        pasted = subprocess.run(['bash', '-c', hint], cwd=str(tmp_path), env=_user_shell_env(), capture_output=True,
                                text=True, check=False)
        assert pasted.returncode == 0, hint + '\n' + pasted.stdout[-3000:] + pasted.stderr[-3000:]
        assert 'failed=0' in pasted.stdout and 'failed=1' not in pasted.stdout, pasted.stdout
        recap = pasted.stdout.split('PLAY RECAP')[-1]
        assert re.search(r'changed=[1-9]', recap), recap  # it returned devices, not nothing
