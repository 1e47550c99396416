/* Stream profile, section 12.1-12.2: the control API's signing and start (tokens in
 * s12_tokens.c, end answer and state in s12_state.c, replay in s12_replay.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "proto/httpsig.h"
#include "stream_common.h"

/* method app-path?query with a JSON body; query may be NULL (unsigned). */
static int raw_req(rc_ctx *ctx, const char *method, const char *subpath, const char *query,
                   const char *body, rc_http_resp *r)
{
    char pq[2048];
    snprintf(pq, sizeof pq, "/apps/%s%s%s%s", rc_target_of(ctx)->app_id, subpath, query ? "?" : "",
             query ? query : "");
    return rc_http(ctx, method, pq, body ? "Content-Type: application/json\r\n" : NULL, body,
                   body ? strlen(body) : 0, r);
}

/* A query signed with key/secret for `signed_body` at time ts (the body actually sent may
 * differ). Heap. */
static char *sign_for(rc_ctx *ctx, const char *key, const char *secret, const char *method,
                      const char *subpath, long ts, const char *signed_body)
{
    char path[512];
    snprintf(path, sizeof path, "/apps/%s%s", rc_target_of(ctx)->app_id, subpath);
    return rh_httpsig_build_query(key, secret, method, path, ts, signed_body,
                                  signed_body ? strlen(signed_body) : 0, NULL);
}

/* Sends a request that must be refused with 401; checks the error body's shape (SHOULD). */
static int expect_401(rc_ctx *ctx, const char *method, const char *subpath, const char *query,
                      const char *body, const char *label)
{
    rc_http_resp r = {0};
    long long code = 0;
    int ok;
    if (raw_req(ctx, method, subpath, query, body, &r) < 0)
        return 0;
    ok = rc_sc_status(ctx, &r, 401, label);
    if (ok && (!rc_json_str(r.json, "error") || !rc_json_int(r.json, "code", &code) || code != 401))
        rc_fail_should(ctx, "%s: a 401 should carry {\"error\":\"...\",\"code\":401}: %.200s",
                       label, r.body ? r.body : "");
    rc_http_resp_free(&r);
    return ok;
}

/* After refused requests: the stream is still open with last_seq 0 and the subscriber got
 * nothing. */
static void unchanged(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *sub)
{
    rc_http_resp g = {0};
    long long l = -1;
    const char *st;
    if (rc_stream_get(ctx, s->stream, &g) < 0)
        return;
    st = rc_json_str(g.json, "state");
    if (g.status != 200 || !st || strcmp(st, "open") || !rc_json_int(g.json, "last_seq", &l) ||
        l != 0)
        rc_fail(ctx, "refused requests changed the stream: GET answered %d %.200s", g.status,
                g.body ? g.body : "");
    rc_http_resp_free(&g);
    if (rc_ok(ctx) && sub)
        rc_sc_expect_silence(ctx, sub, s, "the subscriber", 0);
}

static void unsigned_401(rc_ctx *ctx)
{
    rc_sc_stream s, n;
    rc_pconn *sub;
    rc_http_resp g = {0};
    char body[400], sub_tok[120], sub_end[120], sub_get[120];

    rc_sc_new(ctx, &n);
    snprintf(
        body, sizeof body,
        "{\"workspace_id\":\"%s\",\"thread_id\":\"%s\",\"run_id\":\"%s\",\"stream_id\":\"%s\"}",
        n.workspace, n.thread, n.run, n.stream);
    if (!expect_401(ctx, "POST", "/streams", NULL, body, "unsigned start"))
        return;
    snprintf(sub_get, sizeof sub_get, "/streams/%s", n.stream);
    RC_TRY(ctx, rc_sc_ctl(ctx, "GET", sub_get, NULL, &g) == 0, "GET failed");
    RC_CHECK(ctx, g.status == 404, "an unsigned start created the stream: GET answered %d",
             g.status);
    rc_http_resp_free(&g);
    if (!(sub = rc_sc_start_sub(ctx, &s)))
        return;
    snprintf(sub_tok, sizeof sub_tok, "/streams/%s/tokens", s.stream);
    snprintf(sub_end, sizeof sub_end, "/streams/%s/end", s.stream);
    snprintf(sub_get, sizeof sub_get, "/streams/%s", s.stream);
    if (expect_401(ctx, "POST", sub_tok, NULL, "{\"token\":\"forged\"}", "unsigned token") &&
        expect_401(ctx, "POST", sub_end, NULL, "{\"reason\":\"failed\"}", "unsigned end") &&
        expect_401(ctx, "GET", sub_get, NULL, NULL, "unsigned GET"))
        unchanged(ctx, &s, sub);
}

static void bad_signature(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    const char *body = "{\"token\":\"forged\"}", *end = "{\"reason\":\"failed\"}";
    char sub_tok[120], sub_end[120];
    char *q[4];
    rc_sc_stream s;
    rc_pconn *sub;
    long now = (long)time(NULL);
    int ok;

    if (!(sub = rc_sc_start_sub(ctx, &s)))
        return;
    snprintf(sub_tok, sizeof sub_tok, "/streams/%s/tokens", s.stream);
    snprintf(sub_end, sizeof sub_end, "/streams/%s/end", s.stream);
    q[0] = sign_for(ctx, t->app_key, "not-the-app-secret", "POST", sub_tok, now, body);
    q[1] = sign_for(ctx, t->app_key, t->app_secret, "POST", sub_tok, now, body);
    q[2] = sign_for(ctx, "other-key", t->app_secret, "POST", sub_tok, now, body);
    q[3] = sign_for(ctx, t->app_key, "not-the-app-secret", "POST", sub_end, now, end);
    if (!q[0] || !q[1] || !q[2] || !q[3]) {
        rc_error(ctx, "could not build signed queries");
        goto out;
    }
    {
        /* Flip the last hex digit of an otherwise correct signature. */
        char *sig = strstr(q[1], "auth_signature=");
        char *last = sig ? sig + strlen(sig) - 1 : NULL;
        RC_TRY(ctx, last && *last != '=', "no auth_signature in %s", q[1]);
        *last = *last == '0' ? '1' : '0';
    }
    ok = expect_401(ctx, "POST", sub_tok, q[0], body, "token signed with another secret") &&
         expect_401(ctx, "POST", sub_tok, q[1], body, "token with a tampered signature") &&
         expect_401(ctx, "POST", sub_tok, q[2], body, "token signed under another key") &&
         expect_401(ctx, "POST", sub_end, q[3], end, "end signed with another secret");
    if (ok)
        unchanged(ctx, &s, sub);
out:
    for (int i = 0; i < 4; i++)
        free(q[i]);
}

/* One signed attempt that must be refused: the query is signed for signed_body at ts. */
typedef struct signed_try {
    long ts;
    const char *signed_body;
    const char *label;
} signed_try;

/* Starts a stream with a subscriber and sends `sent` as a token request twice, signed as
 * tries[0] and tries[1] describe: both must get 401 and leave the stream unchanged. */
static void two_refused(rc_ctx *ctx, const char *sent, const signed_try tries[2])
{
    const rc_target *t = rc_target_of(ctx);
    char sub_tok[120];
    char *q[2];
    rc_sc_stream s;
    rc_pconn *sub;

    if (!(sub = rc_sc_start_sub(ctx, &s)))
        return;
    snprintf(sub_tok, sizeof sub_tok, "/streams/%s/tokens", s.stream);
    for (int i = 0; i < 2; i++)
        q[i] = sign_for(ctx, t->app_key, t->app_secret, "POST", sub_tok, tries[i].ts,
                        tries[i].signed_body);
    if (q[0] && q[1]) {
        if (expect_401(ctx, "POST", sub_tok, q[0], sent, tries[0].label) &&
            expect_401(ctx, "POST", sub_tok, q[1], sent, tries[1].label))
            unchanged(ctx, &s, sub);
    } else {
        rc_error(ctx, "could not build signed queries");
    }
    free(q[0]);
    free(q[1]);
}

static void body_md5(rc_ctx *ctx)
{
    long now = (long)time(NULL);
    const signed_try tries[2] = {{now, "{\"token\":\"a\"}", "body not matching body_md5"},
                                 {now, NULL, "body without body_md5"}};
    two_refused(ctx, "{\"token\":\"b\"}", tries);
}

static void stale_timestamp(rc_ctx *ctx)
{
    const char *body = "{\"token\":\"old\"}";
    long now = (long)time(NULL);
    const signed_try tries[2] = {{now - 3600, body, "auth_timestamp an hour old"},
                                 {now + 3600, body, "auth_timestamp an hour ahead"}};
    two_refused(ctx, body, tries);
}

/* Start answer: status, state, last_seq, channel. */
static int start_is(rc_ctx *ctx, const rc_sc_stream *s, int status, const char *state,
                    long long last, const char *label)
{
    rc_http_resp r = {0};
    long long l = -1;
    const char *st, *ch, *id;
    int ok, more;
    if (rc_stream_start(ctx, s->workspace, s->thread, s->run, s->stream, &r) < 0)
        return 0;
    st = rc_json_str(r.json, "state");
    ch = rc_json_str(r.json, "channel");
    id = rc_json_str(r.json, "stream_id");
    /* The contract fixes the status, and for 201 {stream_id, channel, last_seq: 0}; state and
     * the body of a 200 ("the current state") are docs/protocol.md's (SHOULD). */
    more = ch && !strcmp(ch, s->channel) && id && !strcmp(id, s->stream) &&
           rc_json_int(r.json, "last_seq", &l) && l == last;
    ok = r.status == status && (status != 201 || more);
    if (!ok)
        rc_fail(ctx, "%s: expected %d%s, got %d %.300s", label, status,
                status == 201 ? " {stream_id, channel, last_seq: 0}" : "", r.status,
                r.body ? r.body : "");
    else if (!more || !st || strcmp(st, state) != 0)
        rc_fail_should(ctx,
                       "%s: the answer should be {stream_id, channel, state: %s, last_seq: "
                       "%lld}: %.300s",
                       label, state, last, r.body ? r.body : "");
    rc_http_resp_free(&r);
    return ok;
}

static void start_then_same(rc_ctx *ctx)
{
    static const char *const t[4] = {"s1", "s2", "s3", "s4"};
    rc_sc_stream s;
    rc_sc_recv r = {0};
    rc_pconn *sub;
    long long seq;
    rc_sc_new(ctx, &s);
    if (!start_is(ctx, &s, 201, "open", 0, "first start") ||
        !start_is(ctx, &s, 200, "open", 0, "the same start again"))
        return;
    sub = rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member);
    if (!sub)
        return;
    if (!rc_sc_send_each(ctx, s.stream, t, 3))
        return;
    if (!start_is(ctx, &s, 200, "open", 3, "the same start after 3 tokens"))
        return;
    seq = rc_sc_token(ctx, s.stream, t[3]);
    RC_CHECK(ctx, seq == 4 || seq < 0, "after a repeated start the next token got seq %lld, not 4",
             seq);
    if (seq < 0 || !rc_sc_end(ctx, s.stream, "completed", NULL, NULL, NULL, 0) ||
        !start_is(ctx, &s, 200, "ended", 4, "the same start after the end"))
        return;
    if (rc_sc_expect(ctx, sub, &s, "subscriber", &r, 4, 1, 3000))
        rc_sc_check_seqs(ctx, "subscriber", &r, 1, 4, t);
    rc_sc_recv_free(&r);
}

static void start_conflict(rc_ctx *ctx)
{
    rc_sc_stream s, v;
    rc_http_resp r = {0};
    const char *w, *th, *ru;
    if (!rc_sc_start(ctx, &s))
        return;
    for (int k = 0; k < 3; k++) {
        char label[80];
        rc_sc_new(ctx, &v); /* fresh thread and run ids */
        snprintf(v.stream, sizeof v.stream, "%s", s.stream);
        if (k != 0)
            snprintf(v.thread, sizeof v.thread, "%s", s.thread);
        if (k != 1)
            snprintf(v.run, sizeof v.run, "%s", s.run);
        if (k == 2)
            snprintf(v.workspace, sizeof v.workspace, "%s", rc_target_of(ctx)->other.workspace);
        snprintf(label, sizeof label, "the same stream_id with another %s",
                 k == 0   ? "thread_id"
                 : k == 1 ? "run_id"
                          : "workspace_id");
        RC_TRY(ctx, rc_stream_start(ctx, v.workspace, v.thread, v.run, v.stream, &r) == 0,
               "start failed");
        if (!rc_sc_status(ctx, &r, 409, label)) {
            rc_http_resp_free(&r);
            return;
        }
        rc_http_resp_free(&r);
    }
    /* The original stream is untouched and still answers the same start with 200. */
    RC_TRY(ctx, rc_stream_get(ctx, s.stream, &r) == 0, "GET failed");
    w = rc_json_str(r.json, "workspace_id");
    th = rc_json_str(r.json, "thread_id");
    ru = rc_json_str(r.json, "run_id");
    if (r.status != 200 || !w || !th || !ru || strcmp(w, s.workspace) || strcmp(th, s.thread) ||
        strcmp(ru, s.run))
        rc_fail(ctx, "conflicting starts changed the stream: GET answered %d %.300s", r.status,
                r.body ? r.body : "");
    rc_http_resp_free(&r);
    if (rc_ok(ctx))
        start_is(ctx, &s, 200, "open", 0, "the original start again");
}

#define SIGN "needs:control-api"
#define BOTH "needs:control-api needs:authorizer"

/* protocol §12.1.6: the per-app cap on open streams. */
/* POST /apps/{limit app}/streams (sid NULL: .../streams/{end}/end). Status, or -1. */
static int limit_ctl(rc_ctx *ctx, const rc_limits *l, const char *sid, const char *end,
                     rc_http_resp *r)
{
    char path[256], body[400];
    if (end)
        snprintf(path, sizeof path, "/apps/%s/streams/%s/end", l->app_id, end);
    else
        snprintf(path, sizeof path, "/apps/%s/streams", l->app_id);
    int n = snprintf(body, sizeof body,
                     "{\"workspace_id\":\"%s\",\"thread_id\":\"cap\",\"run_id\":\"r\","
                     "\"stream_id\":\"%s\"}",
                     rc_target_of(ctx)->member.workspace, sid ? sid : "");
    if (n < 0 || (size_t)n >= sizeof body) {
        rc_error(ctx, "the stream start body does not fit %zu bytes", sizeof body);
        return -1;
    }
    if (rc_api_as(ctx, l->key, l->secret, "POST", path, NULL, end ? "{}" : body, r) != 0)
        return -1;
    return r->status;
}

static void run_open_cap(rc_ctx *ctx)
{
    const rc_limits *l = &rc_target_of(ctx)->limits;
    if (!l->known || l->max_open_streams <= 0 || l->max_open_streams > 20) {
        rc_skip(ctx, "no --limits, or the limit app's max_open_streams is not in 1..20");
        return;
    }
    /* the limit app's request rate counts in one-second windows: start in a fresh one */
    usleep(1100 * 1000);
    char base[13], sid[24][40];
    rc_random_id(ctx, base);
    long n = l->max_open_streams;
    rc_http_resp r = {0};
    for (long i = 0; i <= n && rc_ok(ctx); i++) {
        snprintf(sid[i], sizeof sid[i], "cap-%s-%ld", base, i);
        int st = limit_ctl(ctx, l, sid[i], NULL, &r);
        if (st < 0)
            return;
        if (i < n && st != 201) {
            rc_expect_seen(ctx, "201", r.body);
            rc_fail(ctx, "start %ld of max_open_streams %ld answered %d", i + 1, n, st);
        } else if (i == n && st >= 200 && st < 300) {
            rc_expect_seen(ctx, "a refusal (429), nothing created", r.body);
            rc_fail(ctx, "a start over max_open_streams %ld was accepted: %d", n, st);
        } else if (i == n && st != 429) {
            rc_expect_seen(ctx, "429", r.body);
            rc_fail_should(ctx, "a start over max_open_streams was refused with %d, not 429", st);
        }
        rc_http_resp_free(&r);
    }
    /* an end frees a place */
    if (rc_ok(ctx) && limit_ctl(ctx, l, NULL, sid[0], &r) == 200) {
        rc_http_resp_free(&r);
        int st = limit_ctl(ctx, l, sid[n], NULL, &r);
        if (st != 201) {
            rc_expect_seen(ctx, "201 once a stream ended", r.body);
            rc_fail(ctx, "after an end, a start under max_open_streams answered %d", st);
        }
    }
    rc_http_resp_free(&r);
    for (long i = 1; i <= n; i++) /* leave the limit app without open streams */
        if (limit_ctl(ctx, l, NULL, sid[i], &r) >= 0)
            rc_http_resp_free(&r);
}

const rc_case rc_cases_s12_control[] = {
    /* protocol §12.1: unsigned control requests: 401, nothing changes */
    {
        .id = "stream/12.1/unsigned-401",
        .section = "12.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "unsigned control requests: 401, nothing changes",
        .requirement = "The control API is signed like the Pusher HTTP API; a request without a "
                       "signature gets 401 and changes nothing.",
        .tags = BOTH,
        .run = unsigned_401,
    },
    /* protocol §12.1: wrong secret, tampered signature or another key: 401, nothing changes */
    {
        .id = "stream/12.1/bad-signature-401",
        .section = "12.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "wrong secret, tampered signature or another key: 401, nothing changes",
        .requirement = "A control request whose signature is wrong (other secret, tampered, other "
                       "key) gets 401 and changes nothing.",
        .tags = BOTH,
        .run = bad_signature,
    },
    /* protocol §12.1: a body not matching body_md5, or without body_md5: 401 */
    {
        .id = "stream/12.1/body-md5-401",
        .section = "12.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a body not matching body_md5, or without body_md5: 401",
        .requirement = "body_md5 is required for a non-empty body and must be the body's MD5; "
                       "otherwise 401 and nothing changes.",
        .tags = BOTH,
        .run = body_md5,
    },
    /* protocol §12.1: auth_timestamp an hour off: 401, nothing changes */
    {
        .id = "stream/12.1/stale-timestamp-401",
        .section = "12.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "auth_timestamp an hour off: 401, nothing changes",
        .requirement = "auth_timestamp must lie within the signing window (600 s by default); a "
                       "request outside it gets 401 and changes nothing.",
        .tags = BOTH,
        .run = stale_timestamp,
    },
    /* protocol §12.2: start answers 201, then 200 with the current state, never resetting seqs */
    {
        .id = "stream/12.2/start-idempotent",
        .section = "12.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "start answers 201, then 200 with the current state, never resetting seqs",
        .requirement =
            "POST /apps/{id}/streams answers 201 {stream_id, channel, last_seq: 0}; the same start "
            "again answers 200 and never resets seqs, also once ended. docs/protocol.md adds state "
            "and a 200 body with the current state (SHOULD).",
        .tags = BOTH,
        .run = start_then_same,
    },
    /* protocol §12.2: the same stream_id with other ids: 409, the stream unchanged */
    {
        .id = "stream/12.2/start-conflict-409",
        .section = "12.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "the same stream_id with other ids: 409, the stream unchanged",
        .requirement = "Starting an existing stream_id with another workspace_id, thread_id or "
                       "run_id answers 409 and leaves the stream as it was.",
        .tags = SIGN,
        .run = start_conflict,
    },
    /* protocol §12.1: a start over the app's open-stream cap is refused (429); an end frees a place
     */
    {
        .id = "stream/12.1/open-stream-cap",
        .section = "12.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a start over the app's open-stream cap is refused (429); an end frees a place",
        .requirement =
            "12.1.6: a start that would exceed a server's cap on open streams MUST NOT be "
            "answered 2xx and creates nothing, and SHOULD be answered 429; once a "
            "stream ends its place is free. Checked on the --limits app with its "
            "max_open_streams.",
        .tags = "needs:control-api needs:limits",
        .timeout_ms = 8000,
        .run = run_open_cap,
    },
    {0},
};
