/* Section 2.3/2.5/2.6 cases: framing and malformed input. A server may answer bad input
 * with pusher:error (the spec's choice, SHOULD) but must never drop the connection for it,
 * nor let it affect other clients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pusher_common.h"

#define QUICK_MS 3000

static void bad_inputs(rc_ctx *ctx, const char *const *inputs, size_t n, int also_sub)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    for (size_t i = 0; i < n; i++)
        if (!rc_bad_input(ctx, pc, inputs[i], strlen(inputs[i]), also_sub))
            return;
}

#define BAD(ctx, arr, sub) bad_inputs((ctx), (arr), sizeof(arr) / sizeof((arr)[0]), (sub))

static void malformed_json(rc_ctx *ctx)
{
    static const char *const in[] = {"{not json", "{\"event\":\"pusher:ping\",", "",
                                     "{\"event\":\"pusher:ping\"} trailing", "\xef\xbb\xbf{}{"};
    BAD(ctx, in, 0);
}

static void non_object_json(rc_ctx *ctx)
{
    static const char *const in[] = {
        "[1,2,3]", "\"pusher:ping\"", "42", "null", "true", "[{\"event\":\"pusher:ping\"}]"};
    BAD(ctx, in, 0);
}

static void missing_event(rc_ctx *ctx)
{
    static const char *const in[] = {"{}", "{\"data\":{}}",
                                     "{\"channel\":\"rc-x\",\"data\":\"{}\"}"};
    BAD(ctx, in, 0);
}

static void wrong_typed_fields(rc_ctx *ctx)
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

static void unknown_pusher_event(rc_ctx *ctx)
{
    static const char *const in[] = {"{\"event\":\"pusher:rc-frobnicate\",\"data\":{}}",
                                     "{\"event\":\"pusher_internal:subscription_succeeded\","
                                     "\"channel\":\"rc-x\",\"data\":\"{}\"}"};
    BAD(ctx, in, 0);
}

static void unknown_event_name(rc_ctx *ctx)
{
    static const char *const in[] = {
        "{\"event\":\"rc-plain-event\",\"channel\":\"rc-x\",\"data\":{}}",
        "{\"event\":\"\",\"data\":{}}"};
    BAD(ctx, in, 0);
}

static void duplicate_keys(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    /* Read first-key-wins this is a ping, last-key-wins an unknown event: a server that
     * answers pong has picked one reading of an ambiguous message. A subscription to a fresh
     * channel marks the end of the answer. */
    static const char dup[] = "{\"event\":\"pusher:ping\",\"data\":{},\"event\":\"pusher:rc-dup\"}";
    char chan[64];
    rc_chan(ctx, "rc-dup-", chan, sizeof chan);
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

static void binary_frame(rc_ctx *ctx)
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

static void oversized_message(rc_ctx *ctx)
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
        rc_alive(ctx, again, "on a new connection after the oversized message");
}

static void fragmented_message(rc_ctx *ctx)
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

static void garbage_barrage(rc_ctx *ctx)
{
    rc_pconn *watcher = rc_pusher_connect(ctx);
    if (!watcher)
        return;
    for (int round = 0; round < 2 && rc_remaining_ms(ctx) > 3000; round++)
        for (int kind = 0; kind < 6; kind++)
            abuse(ctx, kind);
    if (!rc_alive(ctx, watcher, "(a bystander) after the garbage barrage"))
        return;
    rc_pconn *fresh = rc_pusher_connect(ctx);
    if (fresh)
        rc_alive(ctx, fresh, "(a new connection) after the garbage barrage");
}

/* protocol §2.3.6: a close reason that is not UTF-8 fails the connection (1007). */
static void run_close_bad_utf8(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    const unsigned char c[] = {1000 >> 8, 1000 & 255, 'o', 'k', 0xff, 0xfe};
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_CLOSE, c, sizeof c, 1, 1) == 0, "send failed");
    rc_ws_msg m;
    int r;
    while ((r = rc_ws_recv(pc->ws, RC_WAIT_MS, &m)) == 1)
        ; /* messages sent before the server read the close */
    int code = rc_ws_close_code(pc->ws);
    if (code == 1007 || code == 1002)
        return;
    char seen[64];
    if (r == 0)
        snprintf(seen, sizeof seen, "no close within %d ms", RC_WAIT_MS);
    else if (code == 1006)
        snprintf(seen, sizeof seen, "a TCP close without a close frame");
    else
        snprintf(seen, sizeof seen, "close %d", code);
    rc_expect_seen(ctx, "close 1007 (or 1002)", seen);
    rc_fail(ctx, "a client close frame whose reason is not valid UTF-8 was answered with %s", seen);
}

const rc_case rc_cases_s02_input[] = {
    /* protocol §2.5: An oversized message is refused */
    {
        .id = "pusher/2.5/oversized-message",
        .section = "2.5",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "An oversized message is refused",
        .requirement = "A message over the server's limit (10240 bytes by default) is answered "
                       "with close 1009 or pusher:error, and the server keeps serving others.",
        .tags = "",
        .run = oversized_message,
    },
    /* protocol §2.3: A binary frame does not kill the connection */
    {
        .id = "pusher/2.3/binary-frame",
        .section = "2.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "A binary frame does not kill the connection",
        .requirement = "Binary frames are not part of the protocol: the server answers "
                       "pusher:error (SHOULD) and the connection stays usable.",
        .tags = "",
        .run = binary_frame,
    },
    /* protocol §2.3: Fragmented client messages are reassembled */
    {
        .id = "pusher/2.3/fragmented-message",
        .section = "2.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "Fragmented client messages are reassembled",
        .requirement =
            "RFC 6455 5.4: a message sent in fragments, with a control frame between them, is "
            "processed as one message.",
        .tags = "",
        .run = fragmented_message,
    },
    /* protocol §2.6: Malformed JSON: pusher:error, still usable */
    {
        .id = "pusher/2.6/malformed-json",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "Malformed JSON: pusher:error, still usable",
        .requirement = "Text that is not JSON is answered with pusher:error 4200 (SHOULD); the "
                       "connection stays open and usable (MUST).",
        .tags = "",
        .run = malformed_json,
    },
    /* protocol §2.6: JSON that is not an object */
    {
        .id = "pusher/2.6/non-object-json",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "JSON that is not an object",
        .requirement =
            "A JSON array, string, number or null is answered with pusher:error (SHOULD); the "
            "connection stays usable (MUST).",
        .tags = "",
        .run = non_object_json,
    },
    /* protocol §2.6: A message without event */
    {
        .id = "pusher/2.6/missing-event",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "A message without event",
        .requirement =
            "An object without an event member is answered with pusher:error (SHOULD); the "
            "connection stays usable (MUST).",
        .tags = "",
        .run = missing_event,
    },
    /* protocol §2.6: Wrong-typed event, channel or data */
    {
        .id = "pusher/2.6/wrong-typed-fields",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "Wrong-typed event, channel or data",
        .requirement =
            "event, channel or data of the wrong JSON type is answered with pusher:error or "
            "pusher:subscription_error (SHOULD); the connection stays usable (MUST).",
        .tags = "",
        .run = wrong_typed_fields,
    },
    /* protocol §2.6: Duplicate keys are refused */
    {
        .id = "pusher/2.6/duplicate-keys",
        .section = "2.6",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "Duplicate keys are refused",
        .requirement =
            "A message with a duplicate key is ambiguous and is answered with pusher:error 4200, "
            "not acted on.",
        .tags = "",
        .run = duplicate_keys,
    },
    /* protocol §2.6: Unknown pusher: event */
    {
        .id = "pusher/2.6/unknown-pusher-event",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "Unknown pusher: event",
        .requirement =
            "An unknown pusher: event is answered with pusher:error (SHOULD); the connection stays "
            "usable (MUST).",
        .tags = "",
        .run = unknown_pusher_event,
    },
    /* protocol §2.6: Event neither pusher: nor client- */
    {
        .id = "pusher/2.6/unknown-event-name",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "Event neither pusher: nor client-",
        .requirement = "An event that is neither pusher: nor client- is answered with pusher:error "
                       "(SHOULD); the connection stays usable (MUST).",
        .tags = "",
        .run = unknown_event_name,
    },
    /* protocol §2.6: The server survives a barrage of garbage */
    {
        .id = "pusher/2.6/garbage-barrage",
        .section = "2.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "The server survives a barrage of garbage",
        .requirement = "Garbage on some connections (bad JSON, binary, bad opcodes, unfinished "
                       "fragments, abrupt closes) never affects other connections or new ones.",
        .tags = "",
        .timeout_ms = 10000,
        .run = garbage_barrage,
    },
    /* protocol §2.3: a close whose reason is not UTF-8 is answered with 1007 */
    {
        .id = "pusher/2.3/close-reason-not-utf8",
        .section = "2.3",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "a close whose reason is not UTF-8 is answered with 1007",
        .requirement =
            "RFC 6455 8.1 and 7.4.1: a close frame whose reason is not valid UTF-8 fails the "
            "connection, with close code 1007 (1002 accepted), not an echo of the "
            "client's code.",
        .run = run_close_bad_utf8,
    },
    {0},
};
