#!/usr/bin/env bash
# Packs every package under packages/ with `npm pack` into the folder $1 (emptied first): the
# tarballs users install, for the tests that install them outside the workspace. Needs a build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
rm -rf "$dest" && mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
for dir in "$root"/packages/*/; do
  (cd "$dir" && npm pack --silent --pack-destination "$dest" >/dev/null)
done
