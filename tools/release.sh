#!/usr/bin/env bash
# The release recipe, as one command: from a clean main checkout,
#   tools/release.sh 0.2.0
# 1. refuses a dirty tree, a version that is not X.Y.Z or not above galaxy.yml's, and a release with no
#    changelog fragment;
# 2. runs every check (tools/test.sh) on the tree as it is;
# 3. writes the version into galaxy.yml, plugin_utils/version.py and the README, and turns the fragments into the release's changelog
#    (antsibull-changelog release: changelogs/changelog.yaml and CHANGELOG.rst, fragments removed);
# 4. builds the artifact (ansible-galaxy collection build) into dist/, installs it into an empty
#    collections path and runs ansible-doc on one of its modules, as a user would;
# 5. commits "Release X.Y.Z" and tags it vX.Y.Z. Pushing the tag and publishing the artifact
#    (ansible-galaxy collection publish dist/hyperv-dda-X.Y.Z.tar.gz) stay a maintainer's decision.
# With --skip-tests, step 2 is left out (for a rehearsal of the recipe only).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

skip_tests=false
if [[ ${1:-} == --skip-tests ]]; then skip_tests=true; shift; fi
version=${1:-}
die() { echo "release: $*" >&2; exit 1; }

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "usage: tools/release.sh [--skip-tests] X.Y.Z"
current=$(sed -n 's/^version: *//p' galaxy.yml)
[[ $(printf '%s\n%s\n' "$current" "$version" | sort -V | tail -1) == "$version" && $current != "$version" ]] \
  || die "$version is not above galaxy.yml's version $current"
[[ -z $(git status --porcelain) ]] || die "the tree has uncommitted changes; commit or stash them first"
ls changelogs/fragments/*.yml >/dev/null 2>&1 || die "no changelog fragment in changelogs/fragments/: nothing to release"

bash tools/setup.sh
export PATH=$ROOT/.venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections
if ! $skip_tests; then bash tools/test.sh; fi

# The version lives in galaxy.yml, in plugin_utils/version.py (reports name it; a test holds the two together)
# and in the README's install lines.
sed -i "s/^version: .*/version: $version/" galaxy.yml
sed -i "s/^COLLECTION_VERSION = .*/COLLECTION_VERSION = '$version'/" plugins/plugin_utils/version.py
sed -i -e "s/hyperv-dda-$current\.tar\.gz/hyperv-dda-$version.tar.gz/g" \
  -e "s/^## What is in the collection ($current)/## What is in the collection ($version)/" README.md
antsibull-changelog release --version "$version"
antsibull-changelog lint

mkdir -p dist
artifact=dist/hyperv-dda-$version.tar.gz
rm -f "$artifact"
ansible-galaxy collection build --output-path dist .
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
ANSIBLE_COLLECTIONS_PATH=$check ansible-galaxy collection install --offline --no-deps -p "$check" "$artifact" >/dev/null
ANSIBLE_COLLECTIONS_PATH=$check:$ROOT/.collections ansible-doc hyperv.dda.hyperv_dda_info >/dev/null \
  || die "the installed artifact does not document hyperv.dda.hyperv_dda_info"

git add galaxy.yml plugins/plugin_utils/version.py README.md changelogs CHANGELOG.rst
git commit -q -m "Release $version"
git tag -a "v$version" -m "hyperv.dda $version"
echo "release: $artifact built and checked; commit and tag v$version made. Push them, then publish the artifact."
