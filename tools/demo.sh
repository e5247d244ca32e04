#!/usr/bin/env bash
# Sets everything up (tools/setup.sh), then shows the collection on a simulated fleet of three
# Hyper-V hosts (examples/inventory/simulated.yml): each host is a fresh copy of an example
# snapshot in .demo/, so the demo can be run again and again and never touches a real host.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash tools/setup.sh
export PATH=$ROOT/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections

rm -rf .demo && mkdir -p .demo
python - <<'PY'
import shutil, yaml
hosts = yaml.safe_load(open('examples/inventory/simulated.yml'))['hyperv_hosts']['hosts']
for name, variables in hosts.items():
    shutil.copy('examples/snapshots/%s.json' % variables['hyperv_dda_example'], '.demo/%s.json' % name)
PY

banner() { printf '\n\033[1;36m### %s\033[0m\n' "$*"; }
banner "Audit: which NVMe devices of each host could be passed through, and why not"
ansible-playbook -i examples/inventory/simulated.yml playbooks/dda_audit.yml
