#!/usr/bin/env bash
# Copies the collection's own files, those git tracks, from this checkout to the folder $1, so that
# sanity and lint check only them: a user's playbooks, inventories or collections/ folder kept in the
# checkout are never checked as the collection's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$(cd "$1" && pwd)
cd "$ROOT"
git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$dest"
