#!/usr/bin/env bash
# ansible-test sanity on the collection's own files, with the ansible-test first on PATH (the dev venv's, or a
# matrix column's):
#   tools/sanity.sh                 every test; compile and import on every target Python that version of
#                                   ansible-core runs modules with (each must be found: from PATH or pyenv)
#   tools/sanity.sh --python 3.12   every test, on that Python only (a matrix column)
#   ... --skip-test NAME            also leave out that test (a matrix column's "# sanity-skip:" line says which)
# ansible-test insists on running inside ansible_collections/<namespace>/<name> and resolves links, so it gets a
# copy of the collection's files (tools/collection_files.sh), and ansible.windows beside it. It bootstraps pip in
# its venvs from a script it would download; tools/get_pip_offline.py stands in for it, in its cache.
# One test needs a program this machine may not have: pslint runs PSScriptAnalyzer under pwsh (PowerShell 7). Without
# pwsh on PATH, ansible-test would skip it with a warning ('Required program "pwsh" not found'); this script leaves it
# out by name instead and says so, and tests/pscheck (tools/test.sh's pscheck check) checks the shipped PowerShell.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# A relative PATH entry (PATH=.venv/bin:$PATH) stops resolving once ansible-test runs in the copy: make each absolute.
absolute_path=""
IFS=: read -r -a path_entries <<< "$PATH"
for entry in "${path_entries[@]}"; do
  if [[ -n $entry && $entry != /* ]]; then entry=$PWD/$entry; fi
  absolute_path+=${absolute_path:+:}$entry
done
export PATH=$absolute_path
cd "$ROOT" || exit 1

python_option=()
if [[ ${1:-} == --python ]]; then python_option=(--python "$2"); shift 2; fi

pip_version=$(python - <<'PY'
import re, ansible_test, pathlib
text = (pathlib.Path(ansible_test.__file__).parent / '_internal/python_requirements.py').read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)
mkdir -p "$HOME/.ansible/test/cache"
cp tools/get_pip_offline.py "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

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
      case " ${HYPERV_DDA_KNOWN_MISSING_PYTHONS:-} " in
        *" $version "*) echo "sanity: no python$version here (known: no offline source for it)" >&2; continue ;;
      esac
      echo "sanity: no python$version here; the module must be checked on every target Python" >&2
      status=1
    else
      ln -sfn "$found" "$bin/python$version"
    fi
  done
  return $status
}

skipped=()
if ! command -v pwsh >/dev/null; then
  skipped=(--skip-test pslint)
  echo "sanity: pslint left out: it runs PSScriptAnalyzer (its default rules, and ansible-test's layout rules:" \
    "indentation, braces, whitespace, lines up to 160) under pwsh, which is not installed here. The shipped PowerShell" \
    "is checked by tests/pscheck instead (tools/test.sh: pscheck): every script parses, every call binds to the" \
    "documented cmdlet signatures, and the Windows PowerShell 5.1 and Hyper-V rules hold; PSScriptAnalyzer's own" \
    "rules are not run."
fi

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/ansible_collections/hyperv/dda" "$tree/ansible_collections/ansible"
bash tools/collection_files.sh "$tree/ansible_collections/hyperv/dda"
cp -r .collections/ansible_collections/ansible/windows "$tree/ansible_collections/ansible/"
if (( ${#python_option[@]} == 0 )); then
  target_pythons "$tree/bin" || exit 1
fi
(cd "$tree/ansible_collections/hyperv/dda" && PATH=$tree/bin:$PATH ansible-test sanity --color no "${python_option[@]}" "${skipped[@]}" "$@") \
  | tee "$tree/sanity.log" | grep -v -E '^(Installing|Collecting|Processing|Looking|Requirement|Successfully|Using|  |WARNING: Location)'
status=${PIPESTATUS[0]}
banner=$(ansible --version)
echo "sanity (${banner%%$'\n'*}) ran on: $(grep -o -E 'on Python [0-9.]+' "$tree/sanity.log" | sort -u -V | cut -d' ' -f3 | tr '\n' ' ')"
exit "$status"
