#!/usr/bin/env bash
# Sets up what running the collection needs (tools/setup.sh --run: ansible-core in .venv/, this checkout as the
# collection in .collections/), then shows the collection doing its whole job on a simulated fleet of four Hyper-V
# hosts, with the commands a user of the installed collection runs (README, "Try it"): the playbook
# hyperv.dda.simulated_fleet lays the fleet out in .demo/ (inventory.yml, and hosts/ with a fresh copy of an example
# snapshot for each host), so it can run again and again and never touches a real host. From .demo/:
#   1. the fleet audit (hyperv.dda.dda_audit) and its report in .demo/dda-audit/
#   2. the passthrough playbook (hyperv.dda.nvme_passthrough) in check mode: what would change, nothing changed
#   3. the passthrough playbook for real
#   4. the same again: changed=0 on every host
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash tools/setup.sh --run
export PATH=$ROOT/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections
DEMO=$ROOT/.demo

banner() { printf '\n\033[1;36m### %s\033[0m\n\n' "$*"; }

rm -rf "$DEMO"
banner "0/4 Lay out the simulated fleet in .demo/"
ansible-playbook hyperv.dda.simulated_fleet -e simulated_fleet_dir=.demo
cd .demo

banner "1/4 Audit: every NVMe device of the fleet, where it is, and what blocks it"
ansible-playbook -i inventory.yml hyperv.dda.dda_audit
cat dda-audit/dda_audit.md

banner "2/4 Passthrough in check mode: the plan, and nothing changed"
ansible-playbook -i inventory.yml hyperv.dda.nvme_passthrough --check

banner "3/4 Passthrough for real"
ansible-playbook -i inventory.yml hyperv.dda.nvme_passthrough

banner "4/4 Passthrough again: nothing left to change (changed=0 on every host)"
ansible-playbook -i inventory.yml hyperv.dda.nvme_passthrough | tee rerun.log
if grep -E 'changed=[1-9]' rerun.log; then
  echo "The rerun changed something: that is a bug." >&2
  exit 1
fi
printf '\nDone. The audit report is %s/dda-audit/dda_audit.html; the hosts'"'"' state is in %s/hosts/*.json.\n' \
  "$DEMO" "$DEMO"
# Each hint works pasted in any folder, in a shell that knows nothing of this checkout: absolute paths to the
# checkout's ansible-playbook, collections and the demo's inventory.
run="ANSIBLE_COLLECTIONS_PATH=$(printf %q "$ROOT/.collections") $(printf %q "$ROOT/.venv/bin/ansible-playbook") -i $(printf %q "$DEMO/inventory.yml")"
printf 'Return the devices with: %s hyperv.dda.nvme_release\n' "$run"
printf 'Reclaim what was left behind on hv04 (see the audit) with: %s hyperv.dda.dda_reclaim\n' "$run"
