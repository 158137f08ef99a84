#!/usr/bin/env bash
# Vendor the JavaScript the project uses, from the npm registry, at pinned versions:
#   htmx.org  -> tpm_plugin/static/tpm/vendor/htmx.min.js (+ LICENSE), served by the pages;
#   axe-core  -> tests/browser/vendor/axe.min.js (+ LICENSE), injected by the browser tests.
# Run it after changing a pin below and commit what it writes (the files are checked in so
# that neither a host nor the tests fetch anything at run time; tests/test_vendored_js.py
# checks each file carries its licence and the pinned version).
set -euo pipefail

HTMX_VERSION=2.0.11
AXE_CORE_VERSION=4.14.1

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

npm install --silent --no-save --no-audit --no-fund --ignore-scripts --prefix "$WORK" \
  "htmx.org@$HTMX_VERSION" "axe-core@$AXE_CORE_VERSION"

vendor() {  # vendor <package dir> <file> <destination dir> <name of the copy>
  local package="$WORK/node_modules/$1" destination="$ROOT/$3"
  mkdir -p "$destination"
  cp "$package/$2" "$destination/$4"
  cp "$package/LICENSE" "$destination/$(basename "$4" .min.js).LICENSE.txt"
}

vendor htmx.org dist/htmx.min.js tpm_plugin/static/tpm/vendor htmx.min.js
vendor axe-core axe.min.js tests/browser/vendor axe.min.js
# The pinned versions, for the test that checks what is vendored matches the pins.
printf 'htmx.org %s\n' "$HTMX_VERSION" > "$ROOT/tpm_plugin/static/tpm/vendor/VERSIONS"
printf 'axe-core %s\n' "$AXE_CORE_VERSION" > "$ROOT/tests/browser/vendor/VERSIONS"
echo "Vendored htmx.org $HTMX_VERSION and axe-core $AXE_CORE_VERSION."
