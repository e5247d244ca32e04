#!/usr/bin/env bash
# Sets everything up (tools/setup.sh), then runs every check of the collection:
#   unit     pytest: model, planners, both backends, simulator, PowerShell static checks and
#            the script contracts, docs-versus-argument-spec drift, the playbooks and the role by
#            real ansible-playbook, the evidence suites (tests/evidence: faults, bad input,
#            drift, secrets, property-based tests) and the Linux guest for real (tests/linux:
#            loop devices, partition tables, mkfs, mounts, swap; as root)
#   pscheck  the static PowerShell checks again, as a report of every shipped script
#   sanity   ansible-test sanity, all tests, no ignore file (in a temporary ansible_collections tree),
#            compile and import on every Python ansible-core runs modules with
#   lint     ansible-lint, production profile
#   changelog antsibull-changelog lint
#   docs     antsibull-docs lint, and the documentation site built offline, warnings as errors
#   molecule every scenario in extensions/molecule/, on the simulator
#   matrix   the pytest suite and one molecule scenario again on ansible-core 2.16, 2.17, 2.18 and the
#            newest release (tools/matrix.sh)
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

target_pythons() {
  # Every Python ansible-core runs modules with (ansible-test's own list), linked into one folder
  # that goes on PATH: from PATH itself, or from pyenv's versions. A missing one fails the check.
  local bin=$1 version found candidate status=0
  mkdir -p "$bin"
  for version in $(python -c 'from ansible_test._util.target.common.constants import *
print(" ".join(REMOTE_ONLY_PYTHON_VERSIONS + CONTROLLER_PYTHON_VERSIONS))'); do
    found=""
    for candidate in "$HOME"/.pyenv/versions/"$version".*/bin/"python$version" "$(command -v "python$version")"; do
      if [[ -x $candidate ]] && "$candidate" -c '' 2>/dev/null; then found=$candidate; fi
    done
    if [[ -z $found ]]; then
      echo "sanity: no python$version here; the module must be checked on every target Python" >&2
      status=1
    else
      ln -sfn "$found" "$bin/python$version"
    fi
  done
  return $status
}

sanity() {
  # ansible-test insists on running inside ansible_collections/<namespace>/<name> and resolves
  # links, so it gets a copy of the collection's files (tools/collection_files.sh).
  # Without --python it runs the per-version tests (compile, import) on every target Python it
  # finds on PATH, and the rest on this venv's Python.
  local tree
  tree=$(mktemp -d)
  mkdir -p "$tree/ansible_collections/hyperv/dda" "$tree/ansible_collections/ansible"
  bash tools/collection_files.sh "$tree/ansible_collections/hyperv/dda"
  cp -r .collections/ansible_collections/ansible/windows "$tree/ansible_collections/ansible/"
  target_pythons "$tree/bin" || { rm -rf "$tree"; return 1; }
  (cd "$tree/ansible_collections/hyperv/dda" && PATH=$tree/bin:$PATH ansible-test sanity --color no) \
    | tee "$tree/sanity.log" | grep -v -E '^(Installing|Collecting|Processing|Looking|Requirement|Successfully|Using|  |WARNING: Location)'
  local status=${PIPESTATUS[0]}
  echo "sanity ran on: $(grep -o -E 'on Python [0-9.]+' "$tree/sanity.log" | sort -u -V | cut -d' ' -f3 | tr '\n' ' ')"
  rm -rf "$tree"
  return "$status"
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

run unit pytest
run pscheck python tests/pscheck/pscheck.py
run sanity sanity
run lint lint
run changelog antsibull-changelog lint
run docs bash tools/docsite.sh
run molecule molecule_scenarios
run matrix bash tools/matrix.sh

printf '\n\033[1m==> summary\033[0m\n'
printf '  %s\n' "${results[@]}"
echo "checks: $passed passed, $failed failed"
[[ $failed == 0 ]]
