#!/usr/bin/env bash
# Sets everything up (tools/setup.sh), then shows the collection doing its whole job on a
# simulated fleet of four Hyper-V hosts (examples/inventory/simulated.yml), each a fresh copy of
# an example snapshot in .demo/, so it can run again and again and never touches a real host:
#   1. the fleet audit (playbooks/dda_audit.yml) and its report in .demo/dda-audit/
#   2. the passthrough playbook in check mode: what would change, nothing changed
#   3. the passthrough playbook for real
#   4. the same again: changed=0 on every host
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash tools/setup.sh
export PATH=$ROOT/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections
INVENTORY=examples/inventory/simulated.yml

rm -rf .demo && mkdir -p .demo
python - "$INVENTORY" <<'PY'
import shutil, sys, yaml
hosts = yaml.safe_load(open(sys.argv[1]))['hyperv_hosts']['hosts']
for name, variables in hosts.items():
    shutil.copy('examples/snapshots/%s.json' % variables['hyperv_dda_example'], '.demo/%s.json' % name)
PY

banner() { printf '\n\033[1;36m### %s\033[0m\n\n' "$*"; }

banner "1/4 Audit: every NVMe device of the fleet, where it is, and what blocks it"
ansible-playbook -i "$INVENTORY" playbooks/dda_audit.yml -e dda_audit_report_dir="$ROOT/.demo/dda-audit"
cat .demo/dda-audit/dda_audit.md

banner "2/4 Passthrough in check mode: the plan, and nothing changed"
ansible-playbook -i "$INVENTORY" playbooks/nvme_passthrough.yml --check

banner "3/4 Passthrough for real"
ansible-playbook -i "$INVENTORY" playbooks/nvme_passthrough.yml

banner "4/4 Passthrough again: nothing left to change (changed=0 on every host)"
ansible-playbook -i "$INVENTORY" playbooks/nvme_passthrough.yml | tee .demo/rerun.log
if grep -E 'changed=[1-9]' .demo/rerun.log; then
  echo "The rerun changed something: that is a bug." >&2
  exit 1
fi
printf '\nDone. The audit report is .demo/dda-audit/dda_audit.html; the hosts'"'"' state is in .demo/*.json.\n'
# Printed as they work when pasted in a shell at the top of the checkout (ansible.cfg there finds the collection).
printf 'Return the devices with: .venv/bin/ansible-playbook -i %s playbooks/nvme_release.yml\n' "$INVENTORY"
printf 'Reclaim what was left behind on hv04 (see the audit) with: .venv/bin/ansible-playbook -i %s playbooks/dda_reclaim.yml\n' "$INVENTORY"
