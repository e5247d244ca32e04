"""The one way the tests run ansible-playbook: the venv's ansible-playbook, this checkout's collections, no colour;
and the one reading of its recap."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)', re.M)


def playbook_command(inventory, playbook, *options, env=None):
    """(the command, its environment): ``env`` is laid over the environment the tests run every playbook in (a value
    None unsets that variable)."""
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'), ANSIBLE_NOCOLOR='1')
    environment.update(env or {})
    environment = dict((key, value) for key, value in environment.items() if value is not None)
    return [ANSIBLE_PLAYBOOK, '-i', str(inventory), str(playbook)] + list(options), environment


def ansible_playbook(inventory, playbook, *options, env=None, cwd=None):
    """Run it to the end; the CompletedProcess, with its output as text."""
    command, environment = playbook_command(inventory, playbook, *options, env=env)
    return subprocess.run(command, check=False, capture_output=True, text=True, env=environment, cwd=cwd)


def recaps(output):
    """{host: {ok, changed, unreachable, failed, skipped}} from the PLAY RECAP of a run's output."""
    return dict((match.group(1), dict(zip(('ok', 'changed', 'unreachable', 'failed', 'skipped'),
                                          map(int, match.groups()[1:]))))
                for match in RECAP.finditer(output))


def recap(output, host):
    """One host's recap, without skipped (what most tests compare); fails the test when the host has none."""
    found = recaps(output).get(host)
    assert found, output
    return dict((key, value) for key, value in found.items() if key != 'skipped')
