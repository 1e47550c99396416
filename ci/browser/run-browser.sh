#!/usr/bin/env bash
# Runs the browser tests in headless Chromium (Debian's chromium, driven by playwright-core):
# the browser reference client end to end (test/demo.test.js) and rehome-conform's HTML
# report (test/report.test.js). Each test starts its own reference server.
#
# REHOME_SERVER   server binary (default build/reference/rehome-server; -Dfaults=true for
#                 the report test)
# REHOME_CONFORM  suite binary (default build/conformance/rehome-conform)
# CHROMIUM        browser binary (default /usr/bin/chromium)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/ci/browser"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || {
    echo "run-browser: ${CHROMIUM:-/usr/bin/chromium} not found (ci/setup installs chromium)" >&2
    exit 2
}
if [ ! -d "$HERE/node_modules" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund)
fi
cd "$HERE"
exec node --test --test-timeout=120000 "$@"
