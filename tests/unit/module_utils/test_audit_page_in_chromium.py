"""The audit page in a real browser (Debian's headless Chromium, tools/headless_chromium.py): the most crowded example
host alone and a fleet of every example snapshot, at 1400 px, 1920 px and a phone's 420 px. Nothing on the page may
hide behind a horizontal scrollbar, a blocker is never squeezed narrower than its longest word, and a location path
breaks only after a '#'. Without Chromium the test skips, except in CI (CI=true), where tools/setup.sh installs it."""
import json
import os
import sys

import pytest
import yaml

from ansible_collections.hyperv.dda.plugins.plugin_utils.candidates import candidates
from ansible_collections.hyperv.dda.plugins.plugin_utils.fleet_report import build
from ansible_collections.hyperv.dda.plugins.plugin_utils.report_render import render
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import without_sim_fields

from ddatest import EXAMPLE_NAMES, ROOT, load_example

sys.path.insert(0, os.path.join(ROOT, 'tools'))
import headless_chromium  # noqa: E402  (tools/ is not a package)

WIDTHS = (1400, 1920, 420)

if not headless_chromium.find() and os.environ.get('CI') != 'true':
    pytestmark = pytest.mark.skip(reason="Chromium is missing (Debian's chromium package; tools/setup.sh installs it "
                                         "when run as root). CI installs it and runs this test.")

# What the test reads off the laid-out page. Each table's box (its parent) must not scroll sideways, nor the page;
# each blocker's box is measured against its longest word, set alone on one line in the same font; each location path
# is split into tokens by <wbr> after every '#', and a token that takes more than one line box was broken inside.
MEASURE = r'''(() => {
  const width = (box) => {
    const style = getComputedStyle(box);
    return box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  const longestWord = (box) => {
    let widest = 0, word = '';
    for (const each of box.textContent.split(/\s+/).filter(Boolean)) {
      const probe = document.createElement('span');
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = each;
      box.appendChild(probe);
      const measured = probe.getBoundingClientRect().width;
      probe.remove();
      if (measured > widest) { widest = measured; word = each; }
    }
    return {word: word, wordWidth: widest};
  };
  const lines = (node) => { const range = document.createRange(); range.selectNodeContents(node);
                            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size; };
  return {
    viewport: innerWidth,
    page: document.documentElement.scrollWidth,
    tables: [...document.querySelectorAll('table')].map((table) => ({
      section: (table.closest('section') || {}).id || '?', box: table.parentElement.scrollWidth,
      visible: table.parentElement.clientWidth, right: Math.ceil(table.getBoundingClientRect().right)})),
    blockers: [...document.querySelectorAll('.blockers')].map((box) => Object.assign(
      {text: box.textContent.slice(0, 60), width: width(box), overflow: box.scrollWidth - box.clientWidth},
      longestWord(box))),
    paths: [...document.querySelectorAll('.path')].map((path) => ({
      text: path.textContent,
      broken: [...path.childNodes].filter((node) => node.nodeType === 3 && lines(node) > 1).map((n) => n.data)})),
  };
})()'''


def _survey(name):
    snapshot = without_sim_fields(load_example(name))
    return {'snapshot': snapshot, 'candidates': candidates(snapshot)}


def _demo_role_variables():
    """The nvme_passthrough variables of the demo inventory, by example snapshot (its one template resolved)."""
    inventory = yaml.safe_load(open(os.path.join(ROOT, 'examples', 'inventory', 'simulated.yml')))['hyperv_hosts']
    credential = inventory['vars']['hyperv_dda_demo_guest_credential']
    found = {}
    for variables in inventory['hosts'].values():
        role = dict((key, value) for key, value in variables.items() if key.startswith('nvme_passthrough_'))
        if 'nvme_passthrough_guest_credential' in role:
            role['nvme_passthrough_guest_credential'] = credential
        found[variables['hyperv_dda_example']] = role
    return found


def crowded():
    """The example with the most to say: five devices, four blocked, and VMs with warnings."""
    return build({'hv05': _survey('dda_blockers')}, made='2026-12-05 03:25 UTC')


def fleet():
    """Every example snapshot as one host, with the demo inventory's role variables for the drift section."""
    names = dict(('hv%02d' % number, example) for number, example in enumerate(EXAMPLE_NAMES, 1))
    role = _demo_role_variables()
    desired = dict((host, role[example]) for host, example in names.items() if example in role)
    return build(dict((host, _survey(example)) for host, example in names.items()), made='2026-12-05 03:25 UTC',
                 unreachable=['hv99'], desired=desired)


@pytest.fixture(scope='module')
def browser():
    with headless_chromium.Chromium() as chromium:
        yield chromium


@pytest.mark.parametrize('width', WIDTHS)
@pytest.mark.parametrize('report', (crowded, fleet))
def test_nothing_hides_behind_a_scrollbar_and_blockers_are_readable(browser, tmp_path, report, width):
    page = tmp_path / 'dda_audit.html'
    page.write_text(render(report(), 'html'), encoding='utf-8')
    opened = browser.open('file://%s' % page, width)
    seen = opened.evaluate(MEASURE)
    shot = opened.screenshot(str(tmp_path / 'shot.png'))
    detail = json.dumps(seen, indent=1)

    assert seen['viewport'] == width
    assert seen['page'] <= width, 'the page scrolls sideways: %s' % detail
    assert len(seen['tables']) >= 3
    for table in seen['tables']:
        assert table['box'] <= table['visible'] and table['right'] <= width, 'a table scrolls: %s' % detail
    assert seen['blockers'], 'the page shows no blocker'
    for blocker in seen['blockers']:
        assert blocker['overflow'] <= 0 and blocker['width'] >= blocker['wordWidth'], \
            'a blocker is squeezed: %s' % detail
    assert seen['paths'], 'the page shows no location path'
    for path in seen['paths']:
        assert not path['broken'], 'a location path breaks inside a token: %s' % detail
    with open(shot, 'rb') as handle:
        header = handle.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n' and int.from_bytes(header[16:20], 'big') == width
