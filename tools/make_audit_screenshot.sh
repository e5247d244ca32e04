#!/usr/bin/env bash
# Regenerates docs/dda_audit.png (a 1400 px wide window) and docs/dda_audit_narrow.png (a 420 px one, as on a
# phone): the audit playbook on the simulated demo hosts, its HTML report rendered by headless Chromium
# (Debian's chromium; tools/setup.sh installs it).
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
shoot() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/profile" \
    --window-size="$1" --screenshot="$ROOT/docs/$2" "file://$work/report/dda_audit.html" 2>/dev/null
  echo "wrote docs/$2"
}
shoot 1400,1100 dda_audit.png
shoot 420,1400 dda_audit_narrow.png
