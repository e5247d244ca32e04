#!/usr/bin/env bash
# The version matrix: for each column tests/matrix/ansible-core-<version>.txt (pins, and the Python it runs
# on in its first line, "# python X.Y"), a venv in .venv-matrix/<version>, then ansible-test sanity on that
# Python (tools/sanity.sh) and the core set (pytest -m core, conftest.CORE), where the versions differ. The newest
# column runs the whole pytest suite instead of the core set, and one molecule scenario: the one place the whole
# suite runs. ansible-core 2.19 on Python 3.11, in .venv, is what tools/test.sh runs everything else on. Every
# column runs; each check prints its time; the exit code is non-zero if any failed.
#   tools/matrix.sh            every column
#   tools/matrix.sh 2.16 2.21  those columns
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections

find_python() {
  # The first Python X.Y that runs (a pyenv shim can exist and still refuse to run).
  local want=$1 candidate
  for candidate in "python$want" "$HOME"/.pyenv/versions/"$want".*/bin/python "/usr/bin/python$want"; do
    if "$candidate" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$want'" 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

column() {
  local version=$1 spec=tests/matrix/ansible-core-$1.txt python want venv stamp status=0
  want=$(sed -n '1s/^# python //p' "$spec")
  if ! python=$(find_python "$want"); then
    echo "matrix $version: no Python $want found" >&2
    return 1
  fi
  venv=$ROOT/.venv-matrix/$version
  stamp=$venv/.requirements.sha256
  if [[ ! -x $venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$(sha256sum "$spec" | cut -d' ' -f1)" ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check -r "$spec" \
      2> >(grep -v 'WARNING: Location' >&2) || return 1
    sha256sum "$spec" | cut -d' ' -f1 > "$stamp"
  fi
  # The whole output, then its first line: `| head` would close the pipe early (a Broken pipe traceback).
  local banner
  banner=$("$venv/bin/ansible" --version)
  printf '\n\033[1m--> matrix %s: %s on Python %s\033[0m\n' "$version" "${banner%%$'\n'*}" "$want"
  # ansible-core 2.20 and later also run modules on Python 3.14, which this machine has no offline source for.
  export HYPERV_DDA_KNOWN_MISSING_PYTHONS=3.14
  # A column may leave out sanity tests that only its version has, each named with its reason in the spec.
  local skips=()
  read -r -a skips <<< "$(sed -n 's/^# sanity-skip: \([a-z0-9 -]*\)(.*$/\1/p' "$spec" | xargs -r -n1 printf -- '--skip-test %s ')"
  timed "$version sanity" env PATH="$venv/bin:$PATH" bash tools/sanity.sh --python "$want" "${skips[@]}" || status=1
  if [[ $version == "$newest" ]]; then
    timed "$version whole suite" env PATH="$venv/bin:$PATH" "$venv/bin/pytest" -q -p no:cacheprovider || status=1
    timed "$version molecule" bash -c "cd extensions && PATH=$venv/bin:\$PATH molecule test -s default" || status=1
  else
    timed "$version core" env PATH="$venv/bin:$PATH" "$venv/bin/pytest" -q -p no:cacheprovider -m core || status=1
  fi
  return $status
}

timed() {
  local name=$1 start=$SECONDS; shift
  if "$@"; then times+=("PASS  $name ($((SECONDS - start)) s)"); return 0; fi
  times+=("FAIL  $name ($((SECONDS - start)) s)"); return 1
}

declare -a known=() times=()
for spec in tests/matrix/ansible-core-*.txt; do
  spec=${spec##*/ansible-core-}; known+=("${spec%.txt}")
done
newest=$(printf '%s\n' "${known[@]}" | sort -V | tail -1)
columns=("$@")
if (( ${#columns[@]} == 0 )); then columns=("${known[@]}"); fi
declare -a results=()
failed=0
for version in "${columns[@]}"; do
  if column "$version"; then results+=("PASS  ansible-core $version"); else results+=("FAIL  ansible-core $version"); failed=1; fi
done
printf '  %s\n' "${times[@]}" "${results[@]}"
exit $failed
