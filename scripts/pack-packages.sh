#!/usr/bin/env bash
# Packs every package under packages/ with `npm pack` into the folder $1 (emptied first): the
# tarballs users install, for the tests that install them outside the workspace. Needs a build.
# One `npm pack` for all of them (a workspace each): the same tarballs as one run per package
# folder, without paying npm's start-up a dozen times (2 s instead of 17 s).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
rm -rf "$dest" && mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
workspaces=()
for dir in "$root"/packages/*/; do
  workspaces+=(--workspace "packages/$(basename "$dir")")
done
(cd "$root" && npm pack --silent --pack-destination "$dest" "${workspaces[@]}" >/dev/null)
