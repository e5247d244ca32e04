"""The two Python package sets of a checkout: what running the collection needs (requirements-run.txt, which the
demo installs alone) is part of the development set (requirements-dev.txt), pinned alike, so that the demo runs what
the tests test."""
import os
import re

from ddatest import ROOT


def _pins(name):
    with open(os.path.join(ROOT, name), encoding='utf-8') as handle:
        lines = [line.split('#', 1)[0].strip() for line in handle]
    return dict(re.match(r'^([A-Za-z0-9_.\[\],-]+)==(\S+)$', line).groups() for line in lines if line)


def test_what_running_needs_is_pinned_as_the_development_set_pins_it():
    run, dev = _pins('requirements-run.txt'), _pins('requirements-dev.txt')
    assert run == {'ansible-core': dev['ansible-core']}
    constraints = _pins('requirements-constraints.txt')
    assert all(constraints[name] == version for name, version in run.items())
