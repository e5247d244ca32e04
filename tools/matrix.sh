#!/usr/bin/env bash
# The version matrix's second column: the whole pytest suite (unit and evidence, which run real
# ansible-playbook) on the newest ansible-core for Python 3.12, in .venv-py312. The first column,
# ansible-core 2.19 on Python 3.11, is everything else tools/test.sh runs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The first Python 3.12 that runs (a pyenv shim can exist and still refuse to run).
PYTHON312=${PYTHON312:-}
for candidate in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python /usr/bin/python3.12; do
  [[ -z $PYTHON312 ]] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null \
    && PYTHON312=$candidate
done
if [[ -z $PYTHON312 ]]; then
  echo "matrix: no Python 3.12 found (set PYTHON312)" >&2
  exit 1
fi
VENV=$ROOT/.venv-py312
STAMP=$VENV/.requirements.sha256
want=$(sha256sum requirements-matrix.txt | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python || ! -f $STAMP || $(cat "$STAMP") != "$want" ]]; then
  rm -rf "$VENV"
  "$PYTHON312" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements-matrix.txt
  echo "$want" > "$STAMP"
fi
# The whole output, then its first two lines: `| head` would close the pipe early (a Broken pipe traceback).
version=$("$VENV/bin/ansible" --version)
printf '%s\n' "$version" | sed -n 1,2p
# ansible-core 2.21 also runs modules on Python 3.14, which this machine has no offline source for:
# the Linux guest module runs here on 3.9 to 3.13 (and sanity, in tools/test.sh, on 2.19's 3.8 to 3.13).
HYPERV_DDA_KNOWN_MISSING_PYTHONS=3.14 PATH=$VENV/bin:$PATH "$VENV/bin/pytest" -q
