/* Section 2.3/2.5/2.6 cases: framing and malformed input (listed in the table of
 * pusher_connection.c). A server may answer bad input with pusher:error (the spec's choice,
 * SHOULD) but must never drop the connection for it, nor let it affect other clients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusher_connection.h"

#define QUICK_MS 3000

static void bad_inputs(rc_ctx *ctx, const char *const *inputs, size_t n, int also_sub)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    for (size_t i = 0; i < n; i++)
        if (!pc_bad_input(ctx, pc, inputs[i], strlen(inputs[i]), also_sub))
            return;
}

#define BAD(ctx, arr, sub) bad_inputs((ctx), (arr), sizeof(arr) / sizeof((arr)[0]), (sub))

void pc_malformed_json(rc_ctx *ctx)
{
    static const char *const in[] = {"{not json", "{\"event\":\"pusher:ping\",", "",
                                     "{\"event\":\"pusher:ping\"} trailing", "\xef\xbb\xbf{}{"};
    BAD(ctx, in, 0);
}

void pc_non_object_json(rc_ctx *ctx)
{
    static const char *const in[] = {
        "[1,2,3]", "\"pusher:ping\"", "42", "null", "true", "[{\"event\":\"pusher:ping\"}]"};
    BAD(ctx, in, 0);
}

void pc_missing_event(rc_ctx *ctx)
{
    static const char *const in[] = {"{}", "{\"data\":{}}",
                                     "{\"channel\":\"rc-x\",\"data\":\"{}\"}"};
    BAD(ctx, in, 0);
}

void pc_wrong_typed_fields(rc_ctx *ctx)
{
    static const char *const in[] = {
        "{\"event\":42,\"data\":{}}",
        "{\"event\":null,\"data\":{}}",
        "{\"event\":[\"pusher:ping\"],\"data\":{}}",
        "{\"event\":\"pusher:subscribe\",\"data\":42}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":42}}",
        "{\"event\":\"pusher:subscribe\",\"data\":\"not json\"}",
        "{\"event\":\"pusher:unsubscribe\",\"data\":[]}",
    };
    BAD(ctx, in, 1);
}

void pc_unknown_pusher_event(rc_ctx *ctx)
{
    static const char *const in[] = {"{\"event\":\"pusher:rc-frobnicate\",\"data\":{}}",
                                     "{\"event\":\"pusher_internal:subscription_succeeded\","
                                     "\"channel\":\"rc-x\",\"data\":\"{}\"}"};
    BAD(ctx, in, 0);
}

void pc_unknown_event_name(rc_ctx *ctx)
{
    static const char *const in[] = {
        "{\"event\":\"rc-plain-event\",\"channel\":\"rc-x\",\"data\":{}}",
        "{\"event\":\"\",\"data\":{}}"};
    BAD(ctx, in, 0);
}

void pc_duplicate_keys(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    /* Read first-key-wins this is a ping, last-key-wins an unknown event: a server that
     * answers pong has picked one reading of an ambiguous message. A subscription to a fresh
     * channel marks the end of the answer. */
    static const char dup[] = "{\"event\":\"pusher:ping\",\"data\":{},\"event\":\"pusher:rc-dup\"}";
    char id[13], chan[64];
    rc_random_id(ctx, id);
    snprintf(chan, sizeof chan, "rc-dup-%s", id);
    RC_TRY(ctx, rc_ws_send_text(pc->ws, dup, sizeof dup - 1) == 0, "send failed");
    RC_TRY(ctx, rc_pusher_subscribe(pc, chan, NULL, NULL) == 0, "send failed");
    int err = 0, pong = 0;
    for (;;) {
        const rc_pmsg *m;
        int r = rc_pusher_next(pc, QUICK_MS, &m);
        RC_CHECK(ctx, r == 1, "connection %s after a message with duplicate keys",
                 r == 0 ? "stopped answering" : "closed");
        if (!m->event)
            continue;
        err |= strcmp(m->event, "pusher:error") == 0;
        pong |= strcmp(m->event, "pusher:pong") == 0;
        if (strcmp(m->event, "pusher_internal:subscription_succeeded") == 0 && m->channel &&
            strcmp(m->channel, chan) == 0)
            break;
    }
    if (pong || !err) {
        rc_fail(ctx, "a message with a duplicate \"event\" key was %s",
                pong ? "acted on (pusher:pong)" : "not answered with pusher:error");
        rc_expect_seen(ctx, "pusher:error 4200", pong ? "pusher:pong" : "nothing");
    }
}

void pc_binary_frame(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    static const unsigned char bin[] = {0x00, 0x01, 0xfe, 0xff, '{', '}'};
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_BINARY, bin, sizeof bin, 1, 1) == 0, "send failed");
    RC_TRY(ctx, rc_pusher_send(pc, "pusher:ping", NULL, "{}") == 0, "send failed");
    int err = 0;
    for (;;) {
        const rc_pmsg *m;
        int r = rc_pusher_next(pc, QUICK_MS, &m);
        if (r != 1) {
            char seen[48];
            snprintf(seen, sizeof seen, r == 0 ? "no pong" : "closed with %d",
                     rc_ws_close_code(pc->ws));
            rc_fail(ctx, "the binary frame killed the connection");
            rc_expect_seen(ctx, "pusher:error 4200, connection kept", seen);
            return;
        }
        if (!m->event)
            continue;
        err |= strcmp(m->event, "pusher:error") == 0;
        if (strcmp(m->event, "pusher:pong") == 0)
            break;
    }
    if (!err)
        rc_fail_should(ctx, "binary frame not answered with pusher:error");
}

void pc_oversized_message(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    enum { PAD = 32 * 1024 };
    char *big = malloc(PAD + 64);
    RC_TRY(ctx, big, "out of memory");
    int n = sprintf(big, "{\"event\":\"pusher:ping\",\"data\":{\"pad\":\"");
    memset(big + n, 'x', PAD);
    n += PAD;
    n += sprintf(big + n, "\"}}");
    int s = rc_ws_send_text(pc->ws, big, (size_t)n);
    free(big);
    if (s == 0) {
        const rc_pmsg *m;
        int r;
        for (;;) {
            r = rc_pusher_next(pc, QUICK_MS, &m);
            if (r != 1 || (m->event && (strcmp(m->event, "pusher:error") == 0 ||
                                        strcmp(m->event, "pusher:pong") == 0)))
                break;
        }
        if (r == 0) {
            rc_fail(ctx, "no answer to a 32 KiB message");
            rc_expect_seen(ctx, "close 1009 or pusher:error", "nothing");
        } else if (r == 1 && strcmp(m->event, "pusher:pong") == 0) {
            rc_fail(ctx, "a 32 KiB message was accepted (spec limit 10240 bytes)");
            rc_expect_seen(ctx, "close 1009 or pusher:error", "pusher:pong");
        } else if (r < 0 && rc_ws_close_code(pc->ws) != 1009) {
            char seen[32];
            snprintf(seen, sizeof seen, "close %d", rc_ws_close_code(pc->ws));
            rc_fail(ctx, "oversized message closed the connection with %s", seen);
            rc_expect_seen(ctx, "close 1009 or pusher:error", seen);
        }
    }
    /* Whatever happened to that connection, the server serves new ones. */
    rc_pconn *again = rc_pusher_connect(ctx);
    if (again)
        pc_alive(ctx, again, "on a new connection after the oversized message");
}

void pc_fragmented_message(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_TEXT, "{\"event\":\"pus", 13, 0, 1) == 0, "send");
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, 0, "her:ping\",\"da", 13, 0, 1) == 0, "send");
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_PING, "mid", 3, 1, 1) == 0, "send");
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, 0, "ta\":{}}", 7, 1, 1) == 0, "send");
    int pong_frame = 0, pusher_pong = 0;
    while (!(pong_frame && pusher_pong)) {
        rc_ws_msg m;
        int r = rc_ws_recv(pc->ws, QUICK_MS, &m);
        if (r != 1) {
            rc_fail(ctx, "fragmented pusher:ping: %s%s", pusher_pong ? "" : "no pusher:pong ",
                    pong_frame ? "" : "no pong frame for the ping between fragments");
            rc_expect_seen(ctx, "pong frame and pusher:pong",
                           r == 0 ? "timeout" : "connection closed");
            return;
        }
        pong_frame |= m.opcode == RC_WS_PONG;
        pusher_pong |= m.opcode == RC_WS_TEXT && strstr(m.data, "pusher:pong") != NULL;
    }
}

/* One connection's worth of abuse; the connection may well be closed by the server. */
static void abuse(rc_ctx *ctx, int kind)
{
    rc_ws *ws = rc_ws_open(ctx, NULL, 1, NULL);
    if (!ws)
        return;
    char id[13];
    switch (kind) {
    case 0:
        for (int i = 0; i < 60 && rc_ws_is_open(ws); i++) {
            rc_random_id(ctx, id);
            char junk[64];
            int n = snprintf(junk, sizeof junk, i % 3 ? "{\"%s\":[" : "%s}}]{", id);
            rc_ws_send_text(ws, junk, (size_t)n);
        }
        break;
    case 1: {
        static const unsigned char bad[] = {0xc3, 0x28, 0xff, 0xfe};
        for (int i = 0; i < 20; i++)
            rc_ws_send_frame(ws, i % 2 ? RC_WS_BINARY : RC_WS_TEXT, bad, sizeof bad, 1, 1);
        break;
    }
    case 2:
        rc_ws_send_frame(ws, 3, "reserved", 8, 1, 1); /* reserved opcode: must fail the conn */
        break;
    case 3:
        rc_ws_send_frame(ws, RC_WS_TEXT, "{\"event\":", 9, 0, 1); /* never finished */
        rc_ws_send_frame(ws, RC_WS_TEXT, "{}", 2, 1, 1);          /* new message inside one */
        break;
    case 4:
        rc_ws_send_frame(ws, RC_WS_PING, "x", 1, 0, 1); /* fragmented control frame */
        break;
    default:
        rc_ws_send_frame(ws, 0, "orphan continuation", 19, 1, 1);
    }
    rc_ws_msg m;
    while (rc_ws_recv(ws, 200, &m) == 1)
        ;
    rc_ws_close(ws);
}

void pc_garbage_barrage(rc_ctx *ctx)
{
    rc_pconn *watcher = rc_pusher_connect(ctx);
    if (!watcher)
        return;
    for (int round = 0; round < 2 && rc_remaining_ms(ctx) > 3000; round++)
        for (int kind = 0; kind < 6; kind++)
            abuse(ctx, kind);
    if (!pc_alive(ctx, watcher, "(a bystander) after the garbage barrage"))
        return;
    rc_pconn *fresh = rc_pusher_connect(ctx);
    if (fresh)
        pc_alive(ctx, fresh, "(a new connection) after the garbage barrage");
}
