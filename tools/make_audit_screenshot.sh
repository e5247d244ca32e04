#!/usr/bin/env bash
# Regenerates the screenshots of the audit page, each of the whole page: docs/dda_audit.png (a 1400 px wide window),
# docs/dda_audit_wide.png (1920 px) and docs/dda_audit_narrow.png (420 px, as on a phone): the audit playbook on the
# simulated demo hosts, its HTML report laid out by headless Chromium (Debian's chromium, which tools/setup.sh
# installs, driven by tools/headless_chromium.py). tests/unit/module_utils/test_audit_page_in_chromium.py measures
# the same page at the same widths.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH=$ROOT/.venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state" docs
python - "$work/state" <<'PY'
import shutil, sys, yaml
hosts = yaml.safe_load(open('examples/inventory/simulated.yml'))['hyperv_hosts']['hosts']
for name, variables in hosts.items():
    shutil.copy('examples/snapshots/%s.json' % variables['hyperv_dda_example'], '%s/%s.json' % (sys.argv[1], name))
PY
ansible-playbook -i examples/inventory/simulated.yml playbooks/dda_audit.yml \
  -e "hyperv_dda_simulator_state=$work/state/{{ inventory_hostname }}.json" -e "dda_audit_report_dir=$work/report" >/dev/null
python tools/headless_chromium.py "$work/report/dda_audit.html" 1400=docs/dda_audit.png 1920=docs/dda_audit_wide.png \
  420=docs/dda_audit_narrow.png
