#!/usr/bin/env bash
# The pep8 part of ansible-test sanity, fast, on the collection's Python files (after a sanity run made its venv).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool=$(find "$HOME/.ansible/test/venv" -path "*sanity.pep8*" -name pycodestyle -type f 2>/dev/null | head -1)
ignore=$(grep -h -E '^[A-Z][0-9]+' "$ROOT"/.venv/lib/python*/site-packages/ansible_test/_util/controller/sanity/pep8/current-ignore.txt | paste -sd,)
cd "$ROOT" && git ls-files -co --exclude-standard '*.py' | xargs "$tool" --max-line-length 160 --ignore "$ignore"
