"""The published artifact works and stands alone: build it, install it into an empty path with the README's
commands, try it from a folder of one's own with the README's commands only, and follow the README's real-host
section from there, against simulated hosts; and the artifact's README names no file the artifact lacks, outside the
parts that say they are about the source repository."""
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile

import pytest

from ansible_collections.hyperv.dda.plugins.plugin_utils.version import COLLECTION_VERSION

from ddatest import ROOT

pytestmark = pytest.mark.slow
BIN = os.path.dirname(sys.executable)


def _run(command, **kwargs):
    done = subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope='module')
def artifact(tmp_path_factory):
    """The collection's artifact, built as a maintainer builds it."""
    folder = tmp_path_factory.mktemp('artifact')
    _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(folder)], cwd=ROOT)
    return str(folder / ('hyperv-dda-%s.tar.gz' % COLLECTION_VERSION))


def test_the_artifact_ships_the_collection_and_no_development_files(artifact):
    tarball = artifact
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    for shipped in ('plugins/action/vm_assignable_device.py', 'powershell/survey_host.ps1', 'roles/nvme_passthrough/tasks/main.yml',
                    'playbooks/nvme_passthrough.yml', 'examples/snapshots/two_nvme_server.json', 'meta/runtime.yml',
                    'COPYING'):
        assert shipped in names, shipped
    for development in ('tests/unit', 'tests/evidence', 'tests/pscheck', 'tests/linux', 'tests/matrix', 'tools', '.ci',
                        '.venv', '.venv-matrix', '.collections', 'conftest.py', 'pytest.ini', 'requirements-dev.txt',
                        'requirements-run.txt', 'extensions', '.demo', 'dist',
                        # The checkout's own Ansible settings (collections_path = .collections) and its maintainers'
                        # page.
                        'ansible.cfg', 'CONTRIBUTING.md'):
        assert not any(name == development or name.startswith(development + '/') for name in names), development


def _shipped_text(tarball, prefix):
    with tarfile.open(tarball) as archive:
        return dict((member.name, archive.extractfile(member).read().decode('utf-8')) for member in archive.getmembers()
                    if member.isfile() and member.name.startswith(prefix))


def test_the_shipped_examples_point_at_nothing_outside_the_collection(artifact):
    examples = _shipped_text(artifact, 'examples/')
    assert 'examples/inventory/simulated.yml' in examples
    for name, text in examples.items():
        # A path that leaves the file's own folder upwards reaches into a checkout (../../.demo/ did).
        assert '/../' not in text and '.demo' not in text, name


# The README's parts about a checkout of the source repository: each must say so, and may name its files.
SOURCE_TREE_SECTIONS = ('From a checkout of the source repository', 'Evidence', 'Developing')


def _sections(readme):
    """(heading, text) of each section of the README, at any level."""
    parts = re.split(r'^(#{2,4} .*)$', readme, flags=re.M)
    return [(heading.lstrip('#').strip(), text) for heading, text in zip(parts[1::2], parts[2::2])]


def _named_paths(text, tops):
    """The repository paths a piece of the README names: words that start with one of the repository's top-level
    files or folders (as `plugins/filter/` or `COPYING`), outside web addresses."""
    text = re.sub(r'https?://\S+', '', text)
    pattern = r'(?<![\w./-])((?:%s)(?:/[\w.*<>-]+)*/?)(?![\w-])' % '|'.join(re.escape(top) for top in tops)
    return set(match.rstrip('.') for match in re.findall(pattern, text))


def test_the_artifact_readme_names_only_what_the_artifact_ships(artifact):
    with tarfile.open(artifact) as archive:
        names = archive.getnames()
        readme = archive.extractfile('README.md').read().decode('utf-8')
    tops = set(path.split('/', 1)[0] for path in subprocess.run(
        ['git', 'ls-files'], cwd=ROOT, check=True, capture_output=True, text=True).stdout.splitlines())
    tops.update(('.venv', '.collections', '.demo', '.tmp', 'dist'))
    # The README itself; and ansible.cfg, which it names as the user's own file (the checkout's does not ship).
    tops.difference_update(('README.md', 'ansible.cfg'))
    sections = _sections(readme)
    assert set(SOURCE_TREE_SECTIONS) <= set(heading for heading, dummy in sections)
    missing = []
    for heading, text in sections:
        if heading in SOURCE_TREE_SECTIONS:
            assert 'source repository' in text, heading
            continue
        for path in _named_paths(text, tops):
            if not any(name == path.rstrip('/') or name.startswith(path.rstrip('/') + '/') for name in names):
                missing.append('%s: %s' % (heading, path))
    assert not missing, missing


def real_host_section():
    """The README's section for real hosts: its text, and its commands (code spans, also across lines)."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        readme = handle.read()
    section = readme[readme.index('## Use it on real hosts'):]
    section = section[:section.index('\n## ', 1)]
    prose = re.sub(r'```.*?```', '', section, flags=re.S)
    spans = [re.sub(r'\s*\n\s*', ' ', span) for span in re.findall(r'`([^`]+)`', prose)]
    commands = [span for span in spans if span.startswith(('ansible-galaxy ', 'ansible-playbook '))]
    requirements = re.search(r'```yaml\n(.*?)```', section, flags=re.S).group(1)
    return section, commands, requirements


def _windows_artifact(folder):
    """ansible.windows as an artifact: Galaxy is not reachable from the tests, so the README's name
    `ansible.windows` is installed from a tarball of the copy tools/setup.sh unpacked from the ansible wheel.
    The wheel left out the dot-files FILES.json lists, so the tarball's FILES.json lists what is there (and
    MANIFEST.json its new checksum), as ansible-galaxy checks both."""
    source = os.path.join(ROOT, '.collections', 'ansible_collections', 'ansible', 'windows')
    with open(os.path.join(source, 'MANIFEST.json'), encoding='utf-8') as handle:
        manifest = json.load(handle)
    with open(os.path.join(source, 'FILES.json'), encoding='utf-8') as handle:
        files = json.load(handle)
    files['files'] = [entry for entry in files['files'] if entry['name'] == '.'
                      or os.path.lexists(os.path.join(source, entry['name']))]
    files_text = json.dumps(files).encode()
    manifest['file_manifest_file']['chksum_sha256'] = hashlib.sha256(files_text).hexdigest()
    tarball = os.path.join(folder, 'ansible-windows-%s.tar.gz' % manifest['collection_info']['version'])
    with tarfile.open(tarball, 'w:gz') as archive:
        for name, data in (('MANIFEST.json', json.dumps(manifest).encode()), ('FILES.json', files_text)):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
        for entry in files['files']:
            if entry['name'] != '.':
                archive.add(os.path.join(source, entry['name']), arcname=entry['name'], recursive=False)
    return tarball


def _digest(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_the_readme_real_host_section_on_an_installed_artifact(artifact, tmp_path):
    section, commands, requirements = real_host_section()
    install = [c for c in commands if c.startswith('ansible-galaxy collection install')]
    playbooks = [c for c in commands if c.startswith('ansible-playbook')]
    assert len(install) == 2 and len(playbooks) >= 5, commands
    windows = _windows_artifact(str(tmp_path))

    # 1. Install, both ways the README shows, each into an empty collections path, from a folder of the user's.
    work = tmp_path / 'work'
    work.mkdir()
    shutil.copy(artifact, str(work))
    listed = []
    for number, command in enumerate(install):
        installed = tmp_path / ('collections%d' % number)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_NOCOLOR='1', PWD=str(work))
        env.pop('ANSIBLE_CONFIG', None)  # as a user would: not the development tree's ansible.cfg
        if '-r requirements.yml' in command:
            # The README's file, with the artifact line it offers instead of Galaxy's.
            text = re.sub(r'- name: hyperv\.dda\b.*\n\s*# (name: \./hyperv-dda-[^ ]+).*', r'- \1', requirements)
            text = text.replace('name: ansible.windows', 'name: %s' % windows)
            (work / 'requirements.yml').write_text(text)
        argv = [windows if word == 'ansible.windows' else word for word in shlex.split(command)]
        _run([os.path.join(BIN, argv[0])] + argv[1:], env=env, cwd=str(work))
        copy = installed / 'ansible_collections' / 'hyperv' / 'dda'
        assert not os.path.islink(str(copy)) and (copy / 'MANIFEST.json').exists(), command
        listed.append(_run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'list'], env=env, cwd=str(work)).stdout)
    assert all('hyperv.dda' in text and 'ansible.windows' in text for text in listed), listed

    # 2. The hosts: simulated, standing for real ones (their snapshot files are the "production" hosts).
    hosts = work / 'hosts'
    hosts.mkdir()
    for host, example in (('hv01', 'two_nvme_server'), ('hv02', 'mixed_server')):
        shutil.copy(str(installed / 'ansible_collections' / 'hyperv' / 'dda' / 'examples' / 'snapshots' /
                        (example + '.json')), str(hosts / (host + '.json')))
    (work / 'inventory.yml').write_text(json.dumps({'hyperv_hosts': {'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'hyperv_dda_backend': 'simulator',
        'hyperv_dda_simulator_state': str(hosts) + '/{{ inventory_hostname }}.json'}, 'hosts': {
            'hv01': {'nvme_passthrough_vm_name': 'sql01', 'nvme_passthrough_allow_vm_restart': True,
                     'nvme_passthrough_disable_dynamic_memory': True,
                     'nvme_passthrough_devices': [{'serial_number': 'S4EWNX0N123456'}]},
            'hv02': {'nvme_passthrough_vm_name': 'analytics01',
                     'nvme_passthrough_devices': [{'location_path': 'PCIROOT(0)#PCI(0201)#PCI(0000)'}]}}}}))

    def hosts_now():
        return dict((path.name, _digest(str(path))) for path in hosts.glob('*.json'))
    production = hosts_now()

    def play(command):
        argv = shlex.split(command)
        return _run([os.path.join(BIN, argv[0])] + argv[1:], env=env, cwd=str(work)).stdout

    # 3. Audit first.
    audit = next(c for c in playbooks if 'hyperv.dda.dda_audit' in c)
    play(audit)
    assert (work / 'dda-audit' / 'dda_audit.html').exists()
    # 4. Capture, then rehearse against the copies: the hosts are not touched, the copies change.
    capture = next(c for c in playbooks if 'hyperv.dda.capture_snapshot' in c)
    play(capture)
    assert sorted(os.listdir(str(work / 'snapshots'))) == ['hv01.json', 'hv02.json']
    rehearse = next(c for c in playbooks if 'hyperv_dda_backend=simulator' in c)
    rehearsed = play(rehearse)
    assert 'failed=0' in rehearsed and 'changed=' in rehearsed
    assert hosts_now() == production
    assert '"S4EWNX0N123456"' in (work / 'snapshots' / 'hv01.json').read_text()
    # 5. For real: --check changes nothing, then the run, then the release the README names.
    check = next(c for c in playbooks if c.endswith('hyperv.dda.nvme_passthrough --check'))
    assert 'then without' in section and '`--check`' in section
    play(check)
    assert hosts_now() == production
    applied = play(check[:-len(' --check')])
    assert 'failed=0' in applied
    assert hosts_now() != production
    assert 'changed=0' in play(check[:-len(' --check')]).split('PLAY RECAP')[-1].split('hv02')[0]
    release = next(c for c in playbooks if 'hyperv.dda.nvme_release' in c)
    assert 'failed=0' in play(release)


def _user_env(collections):
    """A user's shell: the installed collections only, no development ansible.cfg; bash sets PWD from the folder."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR='1',
               PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    for name in ('ANSIBLE_CONFIG', 'PWD', 'OLDPWD'):
        env.pop(name, None)
    return env


def try_it_commands():
    """The commands of the README's "With the collection installed", comments left out."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        section = dict(_sections(handle.read()))['With the collection installed']
    block = re.search(r'```bash\n(.*?)```', section, flags=re.S).group(1)
    return [line.split('  #')[0].strip() for line in block.splitlines() if line.strip()]


def test_try_it_with_the_installed_artifact_from_a_folder_of_ones_own(artifact, tmp_path):
    commands = try_it_commands()
    assert 'hyperv.dda.simulated_fleet' in commands[0], commands
    installed = tmp_path / 'collections'
    _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-p', str(installed), artifact,
          _windows_artifact(str(tmp_path))], env=_user_env(installed), cwd=str(tmp_path))
    here = tmp_path / 'mine'  # a folder of the user's, empty, outside the checkout
    here.mkdir()

    def hosts_now():
        return dict((path.name, _digest(str(path))) for path in here.glob('hosts/*.json'))
    runs = []
    for command in commands:
        if command.startswith('cd '):
            here = here / shlex.split(command)[1]
            assert here.is_dir(), command
            continue
        before = hosts_now()
        done = subprocess.run(['bash', '-c', command], cwd=str(here), env=_user_env(installed), capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, command + '\n' + done.stdout[-3000:] + done.stderr[-3000:]
        runs.append((command, done.stdout.split('PLAY RECAP')[-1], before, hosts_now()))

    layout, audit, check, apply, rerun = runs
    assert 'hyperv.dda.simulated_fleet' in layout[0]
    assert sorted(path.name for path in here.glob('hosts/*.json')) == ['hv%02d.json' % n for n in range(1, 5)]
    assert (here / 'inventory.yml').exists() and (here / 'dda-audit' / 'dda_audit.html').exists()
    assert 'hyperv.dda.dda_audit' in audit[0] and audit[2] == audit[3]
    assert check[0].endswith('--check') and 'failed=0' in check[1] and re.search(r'changed=[1-9]', check[1])
    assert check[2] == check[3], 'check mode changed a host'
    assert 'failed=1' not in apply[1] and re.search(r'changed=[1-9]', apply[1]) and apply[2] != apply[3]
    assert rerun[0] == apply[0] and not re.search(r'changed=[1-9]|failed=[1-9]', rerun[1]) and rerun[2] == rerun[3]
