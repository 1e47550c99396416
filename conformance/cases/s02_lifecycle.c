/* Pusher profile, section 2.7: an upgrade at a path that is not the Pusher endpoint.
 *
 * The wrong path is the target's own WebSocket path under an extra leading segment
 * ("/not-pusher/app/{key}?..."), so the case holds for a server whose path was configured
 * with --ws-path too. Refusing the upgrade (any 4xx; 404 is usual) passes, as does upgrading
 * and then sending pusher:error and closing; connection_established fails the SHOULD. */
#include <stdio.h>
#include <string.h>

#include "common.h"

#define QUICK_MS 2000

/* protocol §2.7.2: no connection_established at a wrong path */
static void run_wrong_path(rc_ctx *ctx)
{
    char path[600];
    snprintf(path, sizeof path, "/not-pusher%s", rc_target_of(ctx)->ws_path);
    int status = 0;
    rc_ws *ws = rc_ws_open(ctx, path, 1, &status);
    if (!ws) {
        RC_TRY(ctx, status != 0, "cannot connect to the target");
        if (status < 400 || status > 499) {
            char seen[32];
            snprintf(seen, sizeof seen, "HTTP %d", status);
            rc_expect_seen(ctx, "an HTTP 4xx refusal (404)", seen);
            rc_fail_should(ctx, "upgrade at %s refused with HTTP %d, not a 4xx", path, status);
        }
        return;
    }
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(ws, QUICK_MS, &m);
        if (r < 0)
            return; /* closed without a welcome: a refusal */
        if (r == 0) {
            rc_expect_seen(ctx, "a refusal (HTTP 404, or pusher:error and a close)",
                           "an open connection and no message");
            rc_fail_should(ctx, "upgrade at %s accepted and left open", path);
            return;
        }
        if (m.opcode == RC_WS_TEXT && strstr(m.data, "pusher:connection_established")) {
            rc_expect_seen(ctx, "a refusal (HTTP 404, or pusher:error and a close)", m.data);
            rc_fail_should(ctx, "a WebSocket at %s got pusher:connection_established", path);
            return;
        }
    }
}

const rc_case rc_cases_s02_lifecycle[] = {
    {
        .id = "pusher/2.7/wrong-websocket-path-refused",
        .section = "2.7",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "an upgrade at a path other than /app/{key} is refused",
        .requirement = "A WebSocket upgrade on a path other than /app/{key} SHOULD be refused "
                       "with an HTTP error (404) or pusher:error and a close, and SHOULD NOT be "
                       "given pusher:connection_established (2.7.2).",
        .run = run_wrong_path,
    },
    {0},
};
