#!/usr/bin/env bash
# Builds the collection's documentation site offline with antsibull-docs and Sphinx, warnings as
# errors, into .tmp/docsite/build/html (module, role and plugin pages from their docs, and the
# guides in docs/docsite/). Also lints the collection's docs with antsibull-docs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH=$ROOT/.venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections
antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck .collections/ansible_collections/hyperv/dda
site=$ROOT/.tmp/docsite
rm -rf "$site"
mkdir -p "$site/rst"
chmod og-w "$site/rst"
cp tools/docsite/conf.py tools/docsite/antsibull-docs.cfg "$site/"
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --use-current --fail-on-error \
  --dest-dir "$site/rst" hyperv.dda
cp tools/docsite/index.rst tools/docsite/external.rst "$site/rst/"
sphinx-build -M html "$site/rst" "$site/build" -c "$site" -W --keep-going -q
echo "docs site: $site/build/html/index.html"
