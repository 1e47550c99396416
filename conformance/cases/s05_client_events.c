/* Pusher profile, section 5: client events.
 *
 * "Not relayed" is shown by ordering: after the client event, an HTTP API event goes to the
 * same channel, and the receiver's next message must be that event. "Not echoed" uses a
 * ping/pong barrier on the sender: an echo would be queued before the pong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Sends a ping to pc and reads until the pong: a channel event on ch before it (other than
 * pusher ones and the HTTP API "probe") fails the case as an echo; the first pusher:error's code
 * goes to *err (-1 none, 0 no code). */
static int until_pong(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *ch, long long *err)
{
    *err = -1;
    if (rc_pusher_send(pc, "pusher:ping", NULL, "{}") != 0) {
        rc_fail(ctx, "%s: connection closed (code %d)", who, rc_ws_close_code(pc->ws));
        return 0;
    }
    for (;;) {
        const rc_pmsg *m;
        int rc = rc_pusher_next(pc, RC_WAIT_MS, &m);
        if (rc != 1) {
            rc_expect_seen(ctx, "pusher:pong", rc == 0 ? "nothing (timeout)" : "connection closed");
            rc_fail(ctx, "%s: no pusher:pong (%s, close code %d)", who,
                    rc == 0 ? "timeout" : "connection closed", rc_ws_close_code(pc->ws));
            return 0;
        }
        if (m->event && strcmp(m->event, "pusher:pong") == 0)
            return 1;
        if (m->event && strcmp(m->event, "pusher:error") == 0 && *err == -1) {
            long long code = 0;
            *err = rc_error_code(m, &code) ? code : 0;
            continue;
        }
        /* Member events and the HTTP probe are due; anything else on ch is an echo. */
        if (m->channel && strcmp(m->channel, ch) == 0 && m->event &&
            strncmp(m->event, "pusher", 6) != 0 && strcmp(m->event, "probe") != 0) {
            rc_expect_seen(ctx, "nothing on the channel", m->raw);
            rc_fail(ctx, "%s: received %s on %s", who, m->event ? m->event : "a message", ch);
            return 0;
        }
    }
}

/* Sender's verdict: it must get a pusher:error with want (SHOULD-level), and no echo. */
static void sender_error(rc_ctx *ctx, rc_pconn *tx, const char *ch, long long want)
{
    long long err;
    if (!until_pong(ctx, tx, "sender", ch, &err))
        return;
    if (err != want) {
        char exp[64], seen[64];
        snprintf(exp, sizeof exp, "pusher:error %lld", want);
        if (err < 0)
            snprintf(seen, sizeof seen, "no pusher:error");
        else
            snprintf(seen, sizeof seen, "pusher:error %lld", err);
        rc_expect_seen(ctx, exp, seen);
        rc_fail_should(ctx, "the rejected client event was not answered with pusher:error %lld",
                       want);
    }
}

static int same_json(const cJSON *a, const char *json)
{
    cJSON *b = cJSON_Parse(json);
    int eq = a && b && cJSON_Compare(a, b, 1);
    cJSON_Delete(b);
    return eq;
}

/* rx must receive name on ch with data equal (as JSON, type included) to data_json, and with
 * user_id when given. */
static int expect_client_event(rc_ctx *ctx, rc_pconn *rx, const char *who, const char *ch,
                               const char *name, const char *data_json, const char *user_id)
{
    const rc_pmsg *m;
    if (!rc_await(ctx, rx, who, name, ch, &m))
        return 0;
    if (!same_json(m->data, data_json)) {
        rc_expect_seen(ctx, data_json, m->raw);
        rc_fail(ctx, "%s: %s data was not relayed as sent", who, name);
        return 0;
    }
    const char *uid = rc_json_str(m->root, "user_id");
    if (user_id && (!uid || strcmp(uid, user_id) != 0)) {
        rc_expect_seen(ctx, user_id, m->raw);
        rc_fail(ctx, "%s: %s on a presence channel lacks the sender's user_id", who, name);
        return 0;
    }
    return 1;
}

static void run_relayed(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-ce-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    rc_pconn *c = b ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!c)
        return;
    const char *obj = "{\"typing\":true,\"n\":1,\"s\":\"\\u00e9\"}";
    const char *str = "\"plain text\"";
    if (rc_pusher_send(a, "client-typing", ch, obj) != 0 ||
        rc_pusher_send(a, "client-note", ch, str) != 0) {
        rc_error(ctx, "sending client events failed");
        return;
    }
    rc_pconn *rx[2] = {b, c};
    for (int i = 0; i < 2; i++) {
        const char *who = i ? "third subscriber" : "second subscriber";
        if (!expect_client_event(ctx, rx[i], who, ch, "client-typing", obj, NULL) ||
            !expect_client_event(ctx, rx[i], who, ch, "client-note", str, NULL))
            return;
    }
    long long err;
    until_pong(ctx, a, "sender (must not get its own events)", ch, &err);
}

static void run_same_user(rc_ctx *ctx)
{
    char ch[64], uid[32];
    rc_chan(ctx, "presence-ce-", ch, sizeof ch);
    char *cd = rc_presence_user(ctx, "Two Tabs", uid, sizeof uid);
    if (!cd)
        return;
    rc_pconn *a = rc_conn_sub(ctx, ch, cd);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, cd) : NULL;
    const char *data = "{\"cursor\":[1,2]}";
    long long err;
    if (b && rc_pusher_send(a, "client-cursor", ch, data) == 0 &&
        expect_client_event(ctx, b, "same user's other connection", ch, "client-cursor", data, uid))
        until_pong(ctx, a, "sender (must not get its own event)", ch, &err);
    free(cd);
}

static void run_presence_user_id(rc_ctx *ctx)
{
    char ch[64], id[13], u1[32], u2[32];
    rc_chan(ctx, "presence-uid-", ch, sizeof ch);
    rc_random_id(ctx, id);
    snprintf(u1, sizeof u1, "u-%s-1", id);
    snprintf(u2, sizeof u2, "u-%s-2", id);
    char *cd1 = rc_presence_data(u1, "Sender");
    char *cd2 = rc_presence_data(u2, "Receiver");
    if (!cd1 || !cd2) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    rc_pconn *a = rc_conn_sub(ctx, ch, cd1);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, cd2) : NULL;
    const char *data = "\"hi\"";
    long long err;
    if (b && rc_pusher_send(a, "client-hello", ch, data) == 0 &&
        expect_client_event(ctx, b, "other member", ch, "client-hello", data, u1))
        until_pong(ctx, a, "sender (must not get its own event)", ch, &err);
out:
    free(cd1);
    free(cd2);
}

/* a sends a client event that must not be relayed: b's next message is the probe, and a is
 * told why with pusher:error code. */
static void expect_not_relayed(rc_ctx *ctx, rc_pconn *a, rc_pconn *b, const char *who,
                               const char *ch, const char *event, const char *data, int code)
{
    if (rc_pusher_send(a, event, ch, data) != 0)
        return;
    if (rc_next_is_probe(ctx, b, who, ch))
        sender_error(ctx, a, ch, code);
}

static void run_public(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "pub-ce-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (b)
        expect_not_relayed(ctx, a, b, "other subscriber", ch, "client-x", "{\"on\":\"public\"}",
                           4009);
}

static void run_unsubscribed(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-nm-", ch, sizeof ch);
    rc_pconn *b = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *a = b ? rc_conn(ctx) : NULL;
    if (a)
        expect_not_relayed(ctx, a, b, "subscriber", ch, "client-x", "{\"from\":\"outsider\"}",
                           4009);
}

static void run_refused_sender(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-rs-", ch, sizeof ch);
    rc_pconn *b = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *a = b ? rc_conn(ctx) : NULL;
    if (!a || !rc_send_subscribe(ctx, a, ch, NULL, NULL) ||
        !rc_await_refusal(ctx, a, "refused sender", ch))
        return;
    expect_not_relayed(ctx, a, b, "subscriber", ch, "client-x", "{\"from\":\"refused\"}", 4009);
}

static void run_after_unsubscribe(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-left-", ch, sizeof ch);
    rc_pconn *b = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *a = b ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (a && rc_send_unsubscribe(ctx, a, ch))
        expect_not_relayed(ctx, a, b, "subscriber", ch, "client-x", "{\"from\":\"gone\"}", 4009);
}

static void run_prefix(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-pfx-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (b)
        expect_not_relayed(ctx, a, b, "subscriber (the unprefixed event must not be relayed)", ch,
                           "typing", "{\"no\":\"prefix\"}", 4200);
}

static void run_rate_limit(rc_ctx *ctx)
{
    enum { SENT = 25 };
    char ch[64];
    rc_chan(ctx, "private-rate-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!b)
        return;
    for (int i = 0; i < SENT; i++) {
        char d[32];
        snprintf(d, sizeof d, "{\"i\":%d}", i);
        if (rc_pusher_send(a, "client-burst", ch, d) != 0) {
            rc_fail(ctx, "sender: connection closed after %d client events", i);
            return;
        }
    }
    int got = 0;
    for (;;) {
        const rc_pmsg *m;
        int rc = rc_pusher_wait(b, "client-burst", ch, RC_QUIET_MS, &m);
        if (rc != 1)
            break;
        got++;
    }
    int errors = 0;
    for (;;) {
        const rc_pmsg *m;
        int rc = rc_pusher_next(a, 50, &m);
        if (rc != 1)
            break;
        long long code;
        if (m->event && strcmp(m->event, "pusher:error") == 0 && rc_error_code(m, &code) &&
            code == 4301)
            errors++;
        if (m->event && strcmp(m->event, "client-burst") == 0) {
            rc_expect_seen(ctx, "no client-burst echo", m->raw);
            rc_fail(ctx, "sender received its own client event");
            return;
        }
    }
    rc_log(ctx, "%d of %d burst events relayed, %d pusher:error 4301", got, SENT, errors);
    if (got < 10) {
        rc_fail(ctx, "only %d of the first 10 client events within the rate were relayed", got);
        return;
    }
    /* A fixed one-second window may straddle the burst, allowing up to 20. */
    if (got > 20 || errors == 0) {
        char seen[96];
        snprintf(seen, sizeof seen, "%d relayed, %d pusher:error 4301", got, errors);
        rc_expect_seen(ctx, "at most 10 per second relayed, pusher:error 4301 for the rest", seen);
        rc_fail(ctx, "a burst of %d client events was not rate limited", SENT);
    }
}

const rc_case rc_cases_s05_client_events[] = {
    /* protocol §5: client events reach every other subscriber with data as sent */
    {
        .id = "pusher/5/relayed-to-others",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "client events reach every other subscriber with data as sent",
        .requirement = "A client- event on a private channel is relayed to every other subscriber "
                       "with its event name, channel and data as sent (objects stay objects, "
                       "strings stay strings), never to the sender.",
        .tags = "needs:client-events",
        .run = run_relayed,
    },
    /* protocol §5: the sender's connection never gets its own client event */
    {
        .id = "pusher/5/not-echoed-same-user",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "the sender's connection never gets its own client event",
        .requirement =
            "A client event is not delivered to the connection that sent it, even when another "
            "connection of the same presence user receives it.",
        .tags = "needs:client-events needs:presence",
        .run = run_same_user,
    },
    /* protocol §5: client events on presence channels carry the sender's user_id */
    {
        .id = "pusher/5/presence-user-id",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "client events on presence channels carry the sender's user_id",
        .requirement =
            "On a presence channel, a relayed client event carries the sender's user_id.",
        .tags = "needs:client-events needs:presence",
        .run = run_presence_user_id,
    },
    /* protocol §5: client events on public channels are rejected */
    {
        .id = "pusher/5/public-channel-rejected",
        .section = "5",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "client events on public channels are rejected",
        .requirement =
            "Client events are accepted on private and presence channels only: on a public channel "
            "the event is not relayed and the sender gets pusher:error 4009 (SHOULD).",
        .tags = "needs:client-events needs:http-api",
        .run = run_public,
    },
    /* protocol §5: client events from a non-subscriber are rejected */
    {
        .id = "pusher/5/unsubscribed-sender-rejected",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "client events from a non-subscriber are rejected",
        .requirement = "A client event from a connection not subscribed to the channel is not "
                       "relayed; the sender gets pusher:error 4009 (SHOULD).",
        .tags = "needs:client-events needs:http-api",
        .run = run_unsubscribed,
    },
    /* protocol §5: a connection whose subscription was refused cannot send client events */
    {
        .id = "pusher/5/refused-sender-rejected",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a connection whose subscription was refused cannot send client events",
        .requirement = "After its subscription was refused, a connection's client events on that "
                       "channel are not relayed.",
        .tags = "needs:client-events needs:http-api",
        .run = run_refused_sender,
    },
    /* protocol §5: client events after unsubscribing are rejected */
    {
        .id = "pusher/5/after-unsubscribe-rejected",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "client events after unsubscribing are rejected",
        .requirement = "Once a connection has unsubscribed from a channel, its client events on "
                       "that channel are not relayed.",
        .tags = "needs:client-events needs:http-api",
        .run = run_after_unsubscribe,
    },
    /* protocol §5: events without the client- prefix are not relayed */
    {
        .id = "pusher/5/client-prefix-required",
        .section = "5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "events without the client- prefix are not relayed",
        .requirement = "An event from a client whose name starts with neither pusher: nor client- "
                       "is not relayed; the sender gets pusher:error 4200 (SHOULD).",
        .tags = "needs:client-events needs:http-api",
        .run = run_prefix,
    },
    /* protocol §5: at most 10 client events per second are relayed */
    {
        .id = "pusher/5/rate-limit",
        .section = "5",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "at most 10 client events per second are relayed",
        .requirement = "A connection's client events beyond 10 per second are not relayed and are "
                       "answered with pusher:error 4301; the sender never gets its own events.",
        .tags = "needs:client-events",
        .run = run_rate_limit,
    },
    {0},
};
