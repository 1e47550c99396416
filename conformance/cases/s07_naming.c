/* Stream profile, section 7: stream channel naming. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto/sign.h"
#include "stream_common.h"

/* Start body with the four ids as raw JSON values (already quoted, or NULL to omit). */
static int start_raw(rc_ctx *ctx, const char *const v[4], rc_http_resp *resp)
{
    static const char *const keys[4] = {"workspace_id", "thread_id", "run_id", "stream_id"};
    char body[1024];
    int off = 0;
    body[off++] = '{';
    for (int i = 0; i < 4; i++) {
        if (!v[i])
            continue;
        off += snprintf(body + off, sizeof body - (size_t)off, "%s\"%s\":%s", off > 1 ? "," : "",
                        keys[i], v[i]);
    }
    snprintf(body + off, sizeof body - (size_t)off, "}");
    return rc_sc_ctl(ctx, "POST", "/streams", body, resp);
}

/* Starts with field `which` replaced by raw JSON `bad` (NULL: omitted); expects 400 and that
 * no stream was created under the (valid) stream id. */
static int expect_refused_start(rc_ctx *ctx, int which, const char *bad, const char *label)
{
    rc_sc_stream s;
    char q[4][80], sub[120], d[400];
    const char *v[4];
    rc_http_resp r = {0};
    int ok = 1;

    rc_sc_new(ctx, &s);
    snprintf(q[0], sizeof q[0], "\"%s\"", s.workspace);
    snprintf(q[1], sizeof q[1], "\"%s\"", s.thread);
    snprintf(q[2], sizeof q[2], "\"%s\"", s.run);
    snprintf(q[3], sizeof q[3], "\"%s\"", s.stream);
    for (int i = 0; i < 4; i++)
        v[i] = q[i];
    v[which] = bad;
    if (start_raw(ctx, v, &r) < 0)
        return 0;
    /* The contract asks for "a clear error"; 400 is docs/protocol.md's status for it. */
    if (r.status >= 400 && r.status < 500 && r.status != 400) {
        rc_fail_should(ctx, "start with %s answered %s, expected 400", label,
                       rc_sc_desc(&r, d, sizeof d));
    } else if (r.status != 400) {
        rc_expect_seen(ctx, "400", rc_sc_desc(&r, d, sizeof d));
        rc_fail(ctx, "start with %s answered %s, expected a refusal (400)", label, d);
        ok = 0;
    }
    rc_http_resp_free(&r);
    if (!ok || which == 3)
        return ok;
    snprintf(sub, sizeof sub, "/streams/%s", s.stream);
    if (rc_sc_ctl(ctx, "GET", sub, NULL, &r) < 0)
        return 0;
    if (r.status != 404) {
        rc_fail(ctx, "a refused start (%s) still created stream %s: GET answered %s", label,
                s.stream, rc_sc_desc(&r, d, sizeof d));
        ok = 0;
    }
    rc_http_resp_free(&r);
    return ok;
}

static const char *const field_names[4] = {"workspace_id", "thread_id", "run_id", "stream_id"};

static void start_channel(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_sc_recv r = {0};
    rc_http_resp g = {0};
    const char *st, *ch;
    rc_pconn *pc;

    if (!rc_sc_start(ctx, &s))
        return;
    RC_TRY(ctx, rc_stream_get(ctx, s.stream, &g) == 0, "GET stream failed");
    st = rc_json_str(g.json, "state");
    ch = rc_json_str(g.json, "channel");
    if (g.status != 200 || !st || strcmp(st, "open") || !ch || strcmp(ch, s.channel)) {
        rc_fail(ctx, "GET of a started stream must answer 200 state open, channel %s: %d %.200s",
                s.channel, g.status, g.body ? g.body : "");
        rc_http_resp_free(&g);
        return;
    }
    rc_http_resp_free(&g);
    pc = rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member);
    if (!pc)
        return;
    if (rc_sc_token(ctx, s.stream, "hello") != 1) {
        if (rc_ok(ctx))
            rc_fail(ctx, "the first token of a stream must get seq 1");
        return;
    }
    if (rc_sc_expect(ctx, pc, &s, "subscriber", &r, 1, 0, 3000)) {
        const char *want[1] = {"hello"};
        rc_sc_check_seqs(ctx, "subscriber", &r, 1, 1, want);
    }
    rc_sc_recv_free(&r);
}

static void invalid_ids(rc_ctx *ctx)
{
    /* Other characters; then empty, not a string (NULL: the field left out). */
    static const char *const bad[] = {
        "\"a.b\"", "\"a b\"",   "\"a/b\"", "\"a*b\"", "\"a:b\"", "\"\\u00e9t\xc3\xa9\"",
        "\"a+b\"", "\"a%2Fb\"", "\"\"",    "12",      "null",    "[\"a\"]",
        NULL};
    char label[128];
    for (int f = 0; f < 4 && rc_ok(ctx); f++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0] && rc_ok(ctx); i++) {
            snprintf(label, sizeof label, "%s %s", field_names[f], bad[i] ? bad[i] : "missing");
            expect_refused_start(ctx, f, bad[i], label);
        }
}

static void id_length(rc_ctx *ctx)
{
    char id64[70], q65[80], body[512], want[200], rnd[13];
    rc_http_resp r = {0};
    const char *ch;

    /* 64 characters is the longest id: accepted, and the channel carries it unchanged. */
    rc_random_id(ctx, rnd);
    memset(id64, 'x', 64);
    memcpy(id64, rnd, 12);
    id64[64] = 0;
    snprintf(
        body, sizeof body,
        "{\"workspace_id\":\"%s\",\"thread_id\":\"%s\",\"run_id\":\"%s\",\"stream_id\":\"%s\"}",
        rc_target_of(ctx)->member.workspace, id64, id64, id64);
    RC_TRY(ctx, rc_sc_ctl(ctx, "POST", "/streams", body, &r) == 0, "start failed");
    snprintf(want, sizeof want, "private-workspace.%s.thread.%s",
             rc_target_of(ctx)->member.workspace, id64);
    ch = rc_json_str(r.json, "channel");
    if (r.status != 201 || !ch || strcmp(ch, want) != 0) {
        char d[400];
        rc_expect_seen(ctx, want, rc_sc_desc(&r, d, sizeof d));
        rc_fail(ctx, "start with 64-character ids must answer 201 with channel %s: %s", want, d);
        rc_http_resp_free(&r);
        return;
    }
    rc_http_resp_free(&r);
    /* 65 characters in any id is refused. */
    memset(q65, 'y', sizeof q65);
    q65[0] = '"';
    memcpy(q65 + 1, rnd, 12);
    q65[66] = '"';
    q65[67] = 0;
    for (int f = 0; f < 4 && rc_ok(ctx); f++) {
        char label[64];
        snprintf(label, sizeof label, "a 65-character %s", field_names[f]);
        expect_refused_start(ctx, f, q65, label);
    }
}

static void subscribe_malformed(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    char names[4][240], auth[256], et[64];
    int rv;
    rc_pconn *pc = rc_pusher_connect(ctx);
    rc_sc_stream s;
    if (!pc)
        return;
    snprintf(names[0], sizeof names[0], "private-workspace.%s.thread.a b", t->member.workspace);
    snprintf(names[1], sizeof names[1], "private-workspace.%s.thread.a#b", t->member.workspace);
    snprintf(names[2], sizeof names[2], "private-workspace.%s.thread.\xc3\xa9",
             t->member.workspace);
    /* 165 bytes: one past Pusher's limit. */
    snprintf(names[3], sizeof names[3], "private-workspace.%s.thread.", t->member.workspace);
    while (strlen(names[3]) < 165)
        strcat(names[3], "z");
    for (int i = 0; i < 4; i++) {
        /* A signature that is valid for the name, so only the name itself can be refused. */
        rh_sign_channel(t->app_key, t->app_secret, pc->socket_id, names[i], NULL, auth,
                        sizeof auth);
        rv = rc_sc_try_subscribe(pc, names[i], auth, et, sizeof et);
        if (rv == 1) {
            rc_fail(ctx, "subscription to the malformed channel \"%s\" succeeded", names[i]);
            return;
        }
        if (rv < 0) {
            rc_fail(ctx, "no pusher:subscription_error for the malformed channel \"%s\"", names[i]);
            return;
        }
        if (strcmp(et, "InvalidChannel") != 0)
            rc_fail_should(ctx, "refusal of \"%s\" should have type InvalidChannel, got \"%s\"",
                           names[i], et);
    }
    /* The connection stays usable for a well-formed stream channel. */
    rc_sc_new(ctx, &s);
    rv = rc_sc_authorize(ctx, t->member.token, pc->socket_id, s.channel, auth, sizeof auth);
    if (rv < 0)
        return;
    RC_CHECK(ctx, rv == 200, "the authorizer answered %d to a member for %s", rv, s.channel);
    RC_CHECK(ctx, rc_sc_try_subscribe(pc, s.channel, auth, et, sizeof et) == 1,
             "after the refusals the same connection could not subscribe to %s", s.channel);
}

static void isolation(rc_ctx *ctx)
{
    rc_sc_stream a, b;
    rc_sc_recv ra = {0}, rb = {0};
    const char *ta[5] = {"a1", "a2", "a3", "a4", "a5"};
    const char *tb[5] = {"b1", "b2", "b3", "b4", "b5"};
    rc_pconn *pa, *pb;
    const rc_user *u = &rc_target_of(ctx)->member;

    if (!rc_sc_start(ctx, &a) || !rc_sc_start(ctx, &b))
        return;
    pa = rc_sc_member_sub(ctx, a.channel, u);
    pb = pa ? rc_sc_member_sub(ctx, b.channel, u) : NULL;
    if (!pb)
        return;
    for (int i = 0; i < 5; i++) {
        if (rc_sc_token(ctx, a.stream, ta[i]) < 0 || rc_sc_token(ctx, b.stream, tb[i]) < 0)
            return;
    }
    if (rc_sc_expect(ctx, pa, &a, "subscriber of A", &ra, 5, 0, 3000) &&
        rc_sc_expect(ctx, pb, &b, "subscriber of B", &rb, 5, 0, 3000)) {
        rc_sc_check_seqs(ctx, "subscriber of A", &ra, 1, 5, ta);
        rc_sc_check_seqs(ctx, "subscriber of B", &rb, 1, 5, tb);
        /* Anything more (the other stream's tokens, repeats) is a failure. */
        rc_sc_read(ctx, pa, &a, "subscriber of A", &ra, 0, 0, RC_SC_LISTEN_MS);
        rc_sc_read(ctx, pb, &b, "subscriber of B", &rb, 0, 0, 100);
        if (ra.n != 5 || rb.n != 5)
            rc_fail(ctx, "extra token events: A got %zu, B got %zu (5 each sent)", ra.n, rb.n);
    }
    rc_sc_recv_free(&ra);
    rc_sc_recv_free(&rb);
}

const rc_case rc_cases_s07_naming[] = {
    /* protocol §7: start returns the channel private-workspace.W.thread.T and tokens arrive on it
     */
    {
        .id = "stream/7/start-channel",
        .section = "7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "start returns the channel private-workspace.W.thread.T and tokens arrive on it",
        .requirement =
            "A thread's stream channel is private-workspace.{workspace_id}.thread.{thread_id}; "
            "start answers it and the stream's events are broadcast on exactly that channel.",
        .tags = "needs:control-api needs:authorizer",
        .run = start_channel,
    },
    /* protocol §7: ids with other characters, empty, missing or not strings: refused (400) at start
     */
    {
        .id = "stream/7/invalid-ids",
        .section = "7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "ids with other characters, empty, missing or not strings: refused (400) at start",
        .requirement =
            "Each id matches [A-Za-z0-9_-]{1,64}; a start with an id outside it (other characters, "
            "empty), a missing id or one that is not a string is refused with a clear error "
            "(docs/protocol.md: 400; another 4xx is NON-STRICT) and creates nothing.",
        .tags = "needs:control-api",
        .timeout_ms = 10000,
        .run = invalid_ids,
    },
    /* protocol §7: 64-character ids are accepted, 65 are refused with 400 */
    {
        .id = "stream/7/id-length",
        .section = "7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "64-character ids are accepted, 65 are refused with 400",
        .requirement = "Each id matches [A-Za-z0-9_-]{1,64}: a 64-character id is valid, a "
                       "65-character one is rejected at the control API.",
        .tags = "needs:control-api",
        .run = id_length,
    },
    /* protocol §7: subscribing to a malformed stream channel is refused */
    {
        .id = "stream/7/subscribe-malformed-channel",
        .section = "7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "subscribing to a malformed stream channel is refused",
        .requirement =
            "Whole channel names follow Pusher's rules ([A-Za-z0-9_\\-=@,.;], at most 164 bytes); "
            "anything else is rejected at subscribe with pusher:subscription_error "
            "(InvalidChannel).",
        .tags = "",
        .run = subscribe_malformed,
    },
    /* protocol §7: two threads' streams arrive each on its own channel only */
    {
        .id = "stream/7/channel-isolation",
        .section = "7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "two threads' streams arrive each on its own channel only",
        .requirement = "The stream's events are broadcast on exactly private-workspace.W.thread.T: "
                       "a subscriber of one thread receives none of another thread's tokens.",
        .tags = "needs:control-api needs:authorizer",
        .run = isolation,
    },
    {0},
};
