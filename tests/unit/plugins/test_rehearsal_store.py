"""The simulator's snapshot file is a user's file: read it as Windows saves it, and say what is wrong with it."""
import codecs
import os

import pytest

from ddatest import EXAMPLES

from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator_backend import SimulatorBackend


def _example_text():
    with open(os.path.join(EXAMPLES, 'two_nvme_server.json'), encoding='utf-8') as handle:
        return handle.read()


@pytest.mark.parametrize('encoding, bom', [('utf-8', b''), ('utf-8', codecs.BOM_UTF8),
                                           ('utf-16-le', codecs.BOM_UTF16_LE), ('utf-16-be', codecs.BOM_UTF16_BE)])
def test_snapshots_saved_by_windows_powershell_are_read(tmp_path, encoding, bom):
    path = tmp_path / 'hv01.json'
    path.write_bytes(bom + _example_text().encode(encoding))
    snapshot, changed = SimulatorBackend(str(path), check_mode=True).run('survey_host')
    assert snapshot['host']['name'] == 'HV01' and changed is False


@pytest.mark.parametrize('content, fragment', [
    (b'\x89PNG\r\n\x1a\n\x00\x00\xff\xfe', 'is not a text snapshot'),
    (_example_text().encode()[:200], 'is not valid JSON'),
    (b'[' * 100000 + b']' * 100000, 'nested too deeply'),
    (_example_text().replace('hyperv.dda.snapshot/v1', 'hyperv.dda.snapshot/v2').encode(), 'schema'),
])
def test_an_unreadable_snapshot_is_refused_naming_the_file(tmp_path, content, fragment):
    path = tmp_path / 'hv01.json'
    path.write_bytes(content)
    with pytest.raises(DDAError) as caught:
        SimulatorBackend(str(path), check_mode=True).run('survey_host')
    assert str(path) in caught.value.msg and fragment in caught.value.msg, caught.value.msg


def test_a_directory_is_refused_naming_it(tmp_path):
    with pytest.raises(DDAError) as caught:
        SimulatorBackend(str(tmp_path), check_mode=True).run('survey_host')
    assert str(tmp_path) in caught.value.msg
