/* Section 2.4/2.5 cases: pusher:ping/pong, WebSocket ping and close frames, the server's
 * heartbeat. Heartbeat cases wait activity_timeout seconds and more, so they ask the runner
 * for time and SKIP past --max-wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusher_common.h"

#define QUICK_MS 3000

static void ping_pong(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    rc_alive(ctx, pc, "after pusher:ping with {} data");
}

static void ping_data_forms(rc_ctx *ctx)
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

static void ws_ping_frame(rc_ctx *ctx)
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

static void server_ping(rc_ctx *ctx)
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
    rc_alive(ctx, pc, "after answering the server's ping");
}

static void pong_timeout(rc_ctx *ctx)
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

static void close_echo(rc_ctx *ctx)
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

const rc_case rc_cases_s02_heartbeat[] = {
    /* protocol §2.4: pusher:ping is answered with pusher:pong */
    {
        .id = "pusher/2.4/ping-pong",
        .section = "2.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "pusher:ping is answered with pusher:pong",
        .requirement = "A client pusher:ping is answered with pusher:pong.",
        .tags = "",
        .run = ping_pong,
    },
    /* protocol §2.4: pusher:ping without data or with string data */
    {
        .id = "pusher/2.4/ping-data-forms",
        .section = "2.4",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "pusher:ping without data or with string data",
        .requirement = "pusher:ping is answered whatever its data (absent, \"{}\" string, null).",
        .tags = "",
        .run = ping_data_forms,
    },
    /* protocol §2.3: WebSocket ping is answered with a pong frame */
    {
        .id = "pusher/2.3/ws-ping-frame",
        .section = "2.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "WebSocket ping is answered with a pong frame",
        .requirement = "RFC 6455 5.5.2: a ping frame is answered with a pong frame echoing its "
                       "application data.",
        .tags = "",
        .run = ws_ping_frame,
    },
    /* protocol §2.4: The server pings a silent client */
    {
        .id = "pusher/2.4/server-ping",
        .section = "2.4",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "The server pings a silent client",
        .requirement =
            "After activity_timeout seconds without client activity the server sends pusher:ping "
            "(a WebSocket ping frame is accepted too).",
        .tags = "slow timing-dependent",
        .run = server_ping,
    },
    /* protocol §2.4: No pong: closed with 4201 */
    {
        .id = "pusher/2.4/pong-timeout-4201",
        .section = "2.4",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "No pong: closed with 4201",
        .requirement =
            "A client that answers nothing after the server's ping is disconnected with code 4201 "
            "(close code, or pusher:error 4201 then close).",
        .tags = "slow timing-dependent",
        .run = pong_timeout,
    },
    /* protocol §2.5: A client close is answered with a close frame */
    {
        .id = "pusher/2.5/close-echo",
        .section = "2.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "A client close is answered with a close frame",
        .requirement =
            "RFC 6455 5.5.1: an endpoint that receives a close frame answers with a close frame.",
        .tags = "",
        .run = close_echo,
    },
    {0},
};
