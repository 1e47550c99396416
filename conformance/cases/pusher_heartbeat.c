/* Section 2.4/2.5 cases: pusher:ping/pong, WebSocket ping and close frames, the server's
 * heartbeat (listed in the table of pusher_connection.c). Heartbeat cases wait
 * activity_timeout seconds and more, so they ask the runner for time and SKIP past
 * --max-wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusher_connection.h"

#define QUICK_MS 3000

void pc_ping_pong(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    pc_alive(ctx, pc, "after pusher:ping with {} data");
}

void pc_ping_data_forms(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    const char *forms[] = {"{\"event\":\"pusher:ping\"}",
                           "{\"event\":\"pusher:ping\",\"data\":\"{}\"}",
                           "{\"event\":\"pusher:ping\",\"data\":null}"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        RC_TRY(ctx, rc_ws_send_text(pc->ws, forms[i], strlen(forms[i])) == 0, "send failed");
        const rc_pmsg *m;
        int r = rc_pusher_wait(pc, "pusher:pong", NULL, QUICK_MS, &m);
        RC_CHECK(ctx, r == 1, "%s was not answered with pusher:pong", forms[i]);
    }
}

void pc_ws_ping_frame(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_PING, "rc-ping-1", 9, 1, 1) == 0, "send failed");
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(pc->ws, QUICK_MS, &m);
        RC_CHECK(ctx, r == 1, "WebSocket ping got no pong frame (%s)",
                 r == 0 ? "timeout" : "closed");
        if (m.opcode != RC_WS_PONG)
            continue;
        if (m.len != 9 || memcmp(m.data, "rc-ping-1", 9) != 0) {
            rc_fail(ctx, "pong frame does not echo the ping's application data");
            rc_expect_seen(ctx, "rc-ping-1", m.data);
        }
        return;
    }
}

/* Waits in silence up to wait_ms, answering nothing; reports what the server did.
 * Returns 1 when a ping (pusher:ping or WS ping) arrived, 0 timeout, -1 closed. */
static int silent_until_ping(rc_ctx *ctx, rc_pconn *pc, int wait_ms)
{
    rc_pusher_set_auto_pong(pc, 0);
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(pc->ws, wait_ms, &m);
        if (r <= 0)
            return r;
        if (m.opcode == RC_WS_PING)
            return 1;
        if (m.opcode == RC_WS_TEXT && strstr(m.data, "\"pusher:ping\"")) {
            cJSON *root = cJSON_Parse(m.data);
            const char *ev = rc_json_str(root, "event");
            int ping = ev && strcmp(ev, "pusher:ping") == 0;
            cJSON_Delete(root);
            if (ping)
                return 1;
        }
        rc_log(ctx, "ignored while silent: %.100s", m.data);
    }
}

static int heartbeat_budget(rc_ctx *ctx, rc_pconn *pc, const char *what)
{
    int at = pc->activity_timeout > 0 ? pc->activity_timeout : 120;
    long ms = (long)at * 1000 + (at * 250 > 3000 ? at * 250 : 3000);
    return rc_allow_wait(ctx, ms, what) ? (int)ms : 0;
}

void pc_server_ping(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    int ms = heartbeat_budget(ctx, pc, "waiting activity_timeout for the server's ping");
    if (!ms)
        return;
    int r = silent_until_ping(ctx, pc, ms);
    if (r != 1) {
        rc_fail(ctx, "no pusher:ping within %d ms of client silence (activity_timeout %d s)", ms,
                pc->activity_timeout);
        rc_expect_seen(ctx, "pusher:ping (or a WebSocket ping)",
                       r == 0 ? "nothing" : "connection closed");
        return;
    }
    /* Answer late-but-valid, then the connection must still work. */
    rc_pusher_send(pc, "pusher:pong", NULL, "{}");
    rc_ws_send_frame(pc->ws, RC_WS_PONG, "", 0, 1, 1);
    rc_pusher_set_auto_pong(pc, 1);
    pc_alive(ctx, pc, "after answering the server's ping");
}

void pc_pong_timeout(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    if (!heartbeat_budget(ctx, pc, "waiting activity_timeout plus the pong timeout"))
        return;
    int total = rc_target_of(ctx)->activity_timeout_max * 1000;
    rc_allow_wait(ctx, total, "the pong timeout");
    rc_pusher_set_auto_pong(pc, 0);
    int pinged = 0, error4201 = 0;
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(pc->ws, rc_remaining_ms(ctx) - 500, &m);
        if (r == 0) {
            if (pinged)
                rc_skip(ctx,
                        "no close within --max-wait %d s after the ping; the server's pong "
                        "timeout may be longer",
                        total / 1000);
            else
                rc_fail(ctx, "server neither pinged nor closed a silent connection");
            return;
        }
        if (r < 0) {
            int code = rc_ws_close_code(pc->ws);
            if (code == 4201 || (error4201 && code == 1006))
                return;
            char seen[64];
            snprintf(seen, sizeof seen, "close code %d", code);
            rc_fail(ctx, "silent connection closed with %d, not 4201", code);
            rc_expect_seen(ctx, "close 4201 (or pusher:error 4201 then close)", seen);
            return;
        }
        if (m.opcode == RC_WS_PING || strstr(m.data, "\"pusher:ping\""))
            pinged = 1;
        else if (m.opcode == RC_WS_TEXT && strstr(m.data, "4201"))
            error4201 = 1;
    }
}

void pc_close_echo(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    unsigned char c[5] = {1000 >> 8, 1000 & 255, 'b', 'y', 'e'};
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_CLOSE, c, 5, 1, 1) == 0, "send failed");
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(pc->ws, QUICK_MS, &m);
        if (r == 1)
            continue;
        int code = rc_ws_close_code(pc->ws);
        if (r == 0 || code == 1006) {
            rc_fail(ctx, "no close frame in answer to the client's close");
            rc_expect_seen(ctx, "a close frame", r == 0 ? "nothing within 3 s" : "TCP close only");
        }
        return;
    }
}
