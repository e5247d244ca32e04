#!/usr/bin/env bash
# Sets everything up (tools/setup.sh), then runs every check of the collection. The whole suite runs once, on the
# newest ansible-core; every other supported version gets sanity and the core set (conftest.CORE):
#   core     pytest -m core on ansible-core 2.19 / Python 3.11 (.venv): the action plugins through Ansible's
#            loader, the docs, the filters, one role run, one reclaim run, one audit, the preload callback
#   pscheck  the static PowerShell checks, as a report of every shipped script
#   sanity   ansible-test sanity on 2.19, every test but pslint where pwsh is missing (tools/sanity.sh says so;
#            pscheck checks the PowerShell), no ignore file, compile and import on every Python ansible-core runs
#            modules with (tools/sanity.sh)
#   lint     ansible-lint, production profile
#   changelog antsibull-changelog lint
#   docs     antsibull-docs lint, and the documentation site built offline, warnings as errors
#   molecule every scenario in extensions/molecule/, on the simulator
#   matrix   tools/matrix.sh: ansible-core 2.16, 2.17 and 2.18 (sanity and the core set), and the newest
#            release (sanity, then the whole pytest suite: model, planners, both backends, simulator, PowerShell
#            static checks and script contracts, docs drift, the playbooks and the role by real
#            ansible-playbook, the evidence suites, and the Linux guest for real on loop devices, as root)
# Every check runs even if an earlier one failed; the exit code is non-zero if any failed.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

bash tools/setup.sh || exit 1
VENV=$ROOT/.venv
export PATH=$VENV/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 NO_COLOR=1
# As root (CI), the Linux guest tests (tests/linux: loop devices, mkfs, mount) must run, not skip.
if [[ $(id -u) == 0 ]]; then export HYPERV_DDA_LINUX_TESTS=required; fi

declare -a results=()
passed=0
failed=0
run() {
  local name=$1; shift
  printf '\n\033[1m==> %s: %s\033[0m\n' "$name" "$*"
  local start=$SECONDS
  if "$@"; then
    results+=("PASS  $name ($((SECONDS - start)) s)"); passed=$((passed + 1))
  else
    results+=("FAIL  $name ($((SECONDS - start)) s)"); failed=$((failed + 1))
  fi
}

lint() {
  # ansible-lint on a copy of the collection's files (tools/collection_files.sh), not on whatever else is in the checkout.
  local tree status
  tree=$(mktemp -d)
  bash tools/collection_files.sh "$tree"
  (cd "$tree" && ansible-lint --nocolor)
  status=$?
  rm -rf "$tree"
  return "$status"
}

molecule_scenarios() {
  local status=0 scenario
  for scenario in extensions/molecule/*/molecule.yml; do
    scenario=$(basename "$(dirname "$scenario")")
    (cd extensions && molecule test -s "$scenario") || status=1
  done
  return $status
}

run core pytest -m core
run pscheck python tests/pscheck/pscheck.py
run sanity bash tools/sanity.sh
run lint lint
run changelog antsibull-changelog lint
run docs bash tools/docsite.sh
run molecule molecule_scenarios
run matrix bash tools/matrix.sh

printf '\n\033[1m==> summary\033[0m\n'
printf '  %s\n' "${results[@]}"
echo "checks: $passed passed, $failed failed"
[[ $failed == 0 ]]
