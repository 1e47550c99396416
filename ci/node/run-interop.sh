#!/usr/bin/env bash
# Runs the interop tests (pusher-js, the pusher server SDK, laravel-echo) against a freshly
# started reference server and exits with node's status.
#
#   ci/node/run-interop.sh [node --test args...]
#
# REHOME_SERVER   server binary (default build/reference/rehome-server)
# REHOME_CONFIG   config (default fixtures/configs/ci.json). The runner adds one user to it,
#                 carol (carol-token, workspace acme), so presence join/leave can be checked
#                 between two distinct users, and webhooks of the app app-id to
#                 REHOME_WEBHOOK_PORT (a free port; test/webhook.test.js receives them
#                 there); the file itself is not changed.
# REHOME_URL      when set, no server is started and the tests run against that URL.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/ci/node"
cd "$ROOT"

if [ ! -d "$HERE/node_modules" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund)
fi

pid=
tmp=$(mktemp -d)
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "${REHOME_URL:-}" ]; then
    bin=${REHOME_SERVER:-build/reference/rehome-server}
    [ -x "$bin" ] || {
        echo "run-interop: server binary $bin not found (set REHOME_SERVER)" >&2
        exit 2
    }
    cfg=${REHOME_CONFIG:-fixtures/configs/ci.json}
    REHOME_WEBHOOK_PORT=$(node -e '
const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
    export REHOME_WEBHOOK_PORT
    node -e '
const fs = require("fs");
const c = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
c.users = (c.users || []).filter((u) => u.token !== "carol-token");
c.users.push({ token: "carol-token", user_id: "carol", name: "carol", workspaces: ["acme"] });
for (const a of c.apps || [])
  if (a.id === "app-id") {
    a.webhooks = [{ url: `http://127.0.0.1:${process.argv[3]}/webhooks` }];
    a.webhook_delay_ms = 1000;
    a.webhook_batch_ms = 100;
    // The receiver listens only while test/webhook.test.js runs: webhooks of the tests
    // before it fail, and retried with backoff they would hold up (one POST at a time per
    // target, in order) the ones it waits for. Retries are checked by the suite (20.4).
    a.webhook_retry_s = 0;
  }
fs.writeFileSync(process.argv[2], JSON.stringify(c, null, 2));
' "$cfg" "$tmp/config.json" "$REHOME_WEBHOOK_PORT"
    "$bin" --port 0 --port-file "$tmp/port" --config "$tmp/config.json" >"$tmp/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do
        [ -s "$tmp/port" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "run-interop: server exited at start:" >&2
            cat "$tmp/server.log" >&2
            pid=
            exit 2
        fi
        sleep 0.05
    done
    [ -s "$tmp/port" ] || {
        echo "run-interop: server did not write its port file" >&2
        exit 2
    }
    export REHOME_URL="http://127.0.0.1:$(cat "$tmp/port")"
    export REHOME_THIRD_TOKEN=carol-token REHOME_THIRD_USER=carol
fi

echo "run-interop: testing $REHOME_URL" >&2
set +e
(cd "$HERE" && node --test "$@")
rc=$?
set -e
if [ $rc -ne 0 ] && [ -n "$pid" ]; then
    echo "run-interop: server log (last 40 lines):" >&2
    tail -n 40 "$tmp/server.log" >&2 || true
fi
exit $rc
