/* Stream profile, sections 12.3-12.5: tokens requests, end answer, state and expiry. The
 * cases are listed in stream_control.c's table. Owned by helper streamcases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "stream_common.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* POST .../tokens with a raw body; expects `want`. 1 ok. */
static int raw_tokens(rc_ctx *ctx, const char *stream, const char *body, int want,
                      const char *label)
{
    char sub[160];
    rc_http_resp r = {0};
    int ok;
    snprintf(sub, sizeof sub, "/streams/%s/tokens", stream);
    if (rc_sc_ctl(ctx, "POST", sub, body, &r) < 0)
        return 0;
    ok = rc_sc_status(ctx, &r, want, label);
    rc_http_resp_free(&r);
    return ok;
}

static int get_status(rc_ctx *ctx, const char *stream)
{
    rc_http_resp r = {0};
    int st;
    if (rc_stream_get(ctx, stream, &r) < 0)
        return -1;
    st = r.status;
    rc_http_resp_free(&r);
    return st;
}

/* After refused token requests: last_seq still 0, nothing broadcast, and the next valid token
 * gets seq 1 (no seq was consumed). */
static void nothing_consumed(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *sub)
{
    rc_http_resp g = {0};
    rc_sc_recv r = {0};
    long long l = -1;
    const char *ok[1] = {"valid"};
    if (rc_stream_get(ctx, s->stream, &g) < 0)
        return;
    if (g.status != 200 || !rc_json_int(g.json, "last_seq", &l) || l != 0)
        rc_fail(ctx, "refused token requests changed the stream: GET answered %d %.200s", g.status,
                g.body ? g.body : "");
    rc_http_resp_free(&g);
    if (!rc_ok(ctx) || !rc_sc_expect_silence(ctx, sub, s, "the subscriber", 0))
        return;
    if (rc_sc_token(ctx, s->stream, ok[0]) != 1) {
        if (rc_ok(ctx))
            rc_fail(ctx, "after refused requests the first accepted token must get seq 1");
        return;
    }
    if (rc_sc_expect(ctx, sub, s, "the subscriber", &r, 1, 0, 3000))
        rc_sc_check_seqs(ctx, "the subscriber", &r, 1, 1, ok);
    rc_sc_recv_free(&r);
}

/* Sends each {body, what} of bodies to a fresh stream with a subscriber; every one must be
 * refused with 400 and, afterwards, nothing may have been appended or broadcast. */
static void all_refused(rc_ctx *ctx, const char *const (*bodies)[2], size_t n, const char *prefix)
{
    rc_sc_stream s;
    rc_pconn *sub = rc_sc_start_sub(ctx, &s);
    if (!sub)
        return;
    for (size_t i = 0; i < n; i++) {
        char label[80];
        snprintf(label, sizeof label, "%s %s", prefix, bodies[i][1]);
        if (!raw_tokens(ctx, s.stream, bodies[i][0], 400, label))
            return;
    }
    nothing_consumed(ctx, &s, sub);
}

void rc_sc_case_unknown_ended(rc_ctx *ctx)
{
    static const char *const two[2] = {"x", "y"};
    rc_sc_stream u, s;
    rc_http_resp r = {0};
    int st;
    rc_sc_new(ctx, &u);
    RC_TRY(ctx, rc_stream_token(ctx, u.stream, "x", &r) == 0, "request failed");
    st = rc_sc_status(ctx, &r, 404, "token to a stream never started");
    rc_http_resp_free(&r);
    if (!st)
        return;
    RC_TRY(ctx, rc_sc_tokens_req(ctx, u.stream, two, 2, &r) == 0, "request failed");
    st = rc_sc_status(ctx, &r, 404, "tokens batch to a stream never started");
    rc_http_resp_free(&r);
    if (!st)
        return;
    st = get_status(ctx, u.stream);
    RC_CHECK(ctx, st == 404 || st < 0, "GET of a stream never started answered %d, not 404", st);
    if (!rc_sc_start(ctx, &s) || !rc_sc_end(ctx, s.stream, NULL, NULL, NULL, NULL, 0))
        return;
    RC_TRY(ctx, rc_stream_token(ctx, s.stream, "x", &r) == 0, "request failed");
    st = rc_sc_status(ctx, &r, 409, "token to an ended stream");
    rc_http_resp_free(&r);
    if (!st)
        return;
    RC_TRY(ctx, rc_sc_tokens_req(ctx, s.stream, two, 2, &r) == 0, "request failed");
    rc_sc_status(ctx, &r, 409, "tokens batch to an ended stream");
    rc_http_resp_free(&r);
}

#define PROBE_MAX (1L << 20) /* no 413 up to 1 MiB: the server sets no useful limit */

/* POSTs one token of n bytes to stream: its status, or -1 after a report. */
static int probe_size(rc_ctx *ctx, const char *stream, long n)
{
    rc_http_resp r = {0};
    char *tok = malloc((size_t)n + 1);
    int st;
    if (!tok) {
        rc_error(ctx, "out of memory");
        return -1;
    }
    memset(tok, 'p', (size_t)n);
    tok[n] = 0;
    st = rc_stream_token(ctx, stream, tok, &r) < 0 ? -1 : r.status;
    free(tok);
    rc_http_resp_free(&r);
    if (st >= 0 && st != 200 && st != 413) {
        rc_fail(ctx, "a token of %ld bytes: expected 200 or 413, got %d", n, st);
        return -1;
    }
    return st;
}

/* The bytes one tokens request may carry: the contract names 413 but no size, so it is the
 * server profile's limits.max_token_bytes, else found on a scratch stream (this
 * specification's 10240 is the first guess, then doubling or bisection). 0 after a report. */
static long token_limit(rc_ctx *ctx)
{
    long lo = 0, hi = -1, probe = RC_SC_MAX_TOKEN_BYTES; /* lo accepted, hi refused */
    rc_sc_stream s;
    if (rc_target_of(ctx)->server.max_token_bytes > 0)
        return rc_target_of(ctx)->server.max_token_bytes;
    if (!rc_sc_start(ctx, &s))
        return 0;
    while (hi < 0 || hi - lo > 1) {
        int st = probe_size(ctx, s.stream, probe);
        if (st < 0)
            return 0;
        if (st == 200 && probe >= PROBE_MAX) {
            rc_fail_should(ctx, "no tokens request up to %ld bytes was refused with 413", probe);
            return 0;
        }
        if (st == 200)
            lo = probe;
        else
            hi = probe;
        probe = hi < 0 ? (lo == RC_SC_MAX_TOKEN_BYTES ? lo + 1 : 2 * lo) : lo + (hi - lo) / 2;
        if (hi < 0 && probe > PROBE_MAX)
            probe = PROBE_MAX;
    }
    if (lo == 0)
        rc_fail(ctx, "even a token of 1 byte is refused with 413");
    else
        rc_log(ctx, "the server's limit: %ld bytes per tokens request", lo);
    return lo;
}

void rc_sc_case_too_large(rc_ctx *ctx)
{
    const long lim = token_limit(ctx);
    char *big = lim > 0 ? malloc((size_t)lim + 2) : NULL, *half = big ? malloc((size_t)lim) : NULL;
    const char *batch2[2], *want[1];
    char what[96];
    rc_sc_stream s;
    rc_sc_recv r = {0};
    rc_http_resp h = {0};
    rc_pconn *sub;
    int st;

    if (lim <= 0)
        return;
    if (!big || !half) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    memset(big, 'a', (size_t)lim + 1);
    big[lim + 1] = 0;
    memset(half, 'h', (size_t)(lim / 2 + 1)); /* two of them: over the limit together */
    half[lim / 2 + 1] = 0;
    batch2[0] = batch2[1] = half;
    if (!(sub = rc_sc_start_sub(ctx, &s)))
        goto out;
    if (rc_stream_token(ctx, s.stream, big, &h) < 0)
        goto out;
    snprintf(what, sizeof what, "a token of %ld bytes (the limit + 1)", lim + 1);
    st = rc_sc_status(ctx, &h, 413, what);
    rc_http_resp_free(&h);
    if (!st || rc_sc_tokens_req(ctx, s.stream, batch2, 2, &h) < 0)
        goto out;
    /* Counting the whole request rather than each token is docs/protocol.md's choice. */
    if (h.status != 413)
        rc_fail_should(ctx, "2 tokens of %ld bytes (over the limit together): expected 413, got %d",
                       lim / 2 + 1, h.status);
    st = h.status;
    rc_http_resp_free(&h);
    if (st == 413) {
        rc_http_resp g = {0};
        long long l = -1;
        if (rc_stream_get(ctx, s.stream, &g) < 0)
            goto out;
        if (g.status != 200 || !rc_json_int(g.json, "last_seq", &l) || l != 0)
            rc_fail(ctx, "refused requests changed the stream: GET answered %d %.200s", g.status,
                    g.body ? g.body : "");
        rc_http_resp_free(&g);
        if (!rc_ok(ctx) || !rc_sc_expect_silence(ctx, sub, &s, "the subscriber", 0))
            goto out;
    } else {
        rc_sc_recv_free(&r);
        if (!rc_sc_expect(ctx, sub, &s, "the subscriber", &r, 2, 0, 3000))
            goto out;
    }
    /* Exactly at the limit: accepted and delivered intact. */
    big[lim] = 0;
    want[0] = big;
    long long first = st == 413 ? 1 : 3;
    if (rc_sc_token(ctx, s.stream, big) != first) {
        if (rc_ok(ctx))
            rc_fail(ctx, "a token of exactly %ld bytes (the limit) must be accepted with seq %lld",
                    lim, first);
        goto out;
    }
    rc_sc_recv_free(&r);
    if (rc_sc_expect(ctx, sub, &s, "the subscriber", &r, 1, 0, 3000))
        rc_sc_check_seqs(ctx, "the subscriber", &r, first, 1, want);
out:
    rc_sc_recv_free(&r);
    free(big);
    free(half);
}

void rc_sc_case_invalid_utf8(rc_ctx *ctx)
{
    static const char *const bodies[][2] = {
        {"{\"token\":\"ab\xff"
         "cd\"}",
         "a stray 0xff byte"},
        {"{\"token\":\"\xc0\xaf\"}", "an overlong encoding"},
        {"{\"token\":\"x\xed\xa0\x80y\"}", "an encoded surrogate"},
        {"{\"token\":\"x\xe2\x82\"}", "a truncated sequence"},
        {"{\"token\":\"\xf4\x90\x80\x80\"}", "a code point past U+10FFFF"},
        {"{\"token\":\"\x80\"}", "a lone continuation byte"},
        {"{\"tokens\":[\"fine\",\"\xfe\"]}", "one bad token in a batch"},
        {"{\"token\":\"a\\ud800b\"}", "a lone high surrogate escape"},
        {"{\"token\":\"a\\udc00\"}", "a lone low surrogate escape"},
    };
    all_refused(ctx, bodies, sizeof bodies / sizeof bodies[0], "a token with");
}

/* 1 when the event data text (JSON) has "token":"a\u0000b" (any case of the hex digits). */
static int token_is_a_nul_b(const char *data)
{
    const char *t = data ? strstr(data, "\"token\"") : NULL;
    if (!t)
        return 0;
    t += 7;
    t += strspn(t, " \t");
    if (*t++ != ':')
        return 0;
    t += strspn(t, " \t");
    return strncasecmp(t, "\"a\\u0000b\"", 10) == 0;
}

/* U+0000 in a token: the contract says only "token (string)", so a server may refuse it with
 * 400 (docs/protocol.md's choice) or keep it; kept, it must reach subscribers byte for byte. */
static void nul_token(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_http_resp r = {0};
    const rc_pmsg *m = NULL;
    char sub_path[160];
    int st;
    rc_pconn *sub = rc_sc_start_sub(ctx, &s);
    if (!sub)
        return;
    snprintf(sub_path, sizeof sub_path, "/streams/%s/tokens", s.stream);
    if (rc_sc_ctl(ctx, "POST", sub_path, "{\"token\":\"a\\u0000b\"}", &r) < 0)
        return;
    st = r.status;
    rc_http_resp_free(&r);
    if (st == 400) {
        nothing_consumed(ctx, &s, sub);
        return;
    }
    RC_CHECK(ctx, st == 200, "a token holding U+0000: expected 400 (refused) or 200 (kept), got %d",
             st);
    if (rc_pusher_wait(sub, "thread.token.streamed", s.channel, 3000, &m) != 1) {
        rc_fail(ctx, "a token holding U+0000 was accepted (200) but never broadcast");
        return;
    }
    if (!cJSON_IsString(m->data) || !token_is_a_nul_b(m->data->valuestring)) {
        rc_expect_seen(ctx, "\"token\":\"a\\u0000b\"", m->raw ? m->raw : "?");
        rc_fail(ctx, "a token holding U+0000 was accepted but not broadcast byte for byte: %.200s",
                m->raw ? m->raw : "?");
    }
}

void rc_sc_case_bad_bodies(rc_ctx *ctx)
{
    static const char *const bodies[][2] = {
        {"{\"tokens\":[]}", "an empty tokens array"},
        {"{}", "neither token nor tokens"},
        {"{\"token\":5}", "a numeric token"},
        {"{\"token\":null}", "a null token"},
        {"{\"tokens\":[\"a\",5]}", "a number in the tokens array"},
        {"{\"tokens\":\"a\"}", "tokens as a string"},
        {"not json", "a body that is not JSON"},
        {"[\"a\"]", "a JSON array body"},
        {"{\"token\":\"a\"", "truncated JSON"},
        {"{\"token\":\"a\",\"tokens\":[\"b\"]}", "both token and tokens"},
        {"{\"tokens\":[\"a\",\"\xff\"]}", "invalid UTF-8 in the array"},
    };
    all_refused(ctx, bodies, sizeof bodies / sizeof bodies[0], "tokens request with");
    if (rc_ok(ctx))
        nul_token(ctx);
}

void rc_sc_case_end_answer(rc_ctx *ctx)
{
    rc_sc_stream s, o;
    rc_sc_recv rv = {0};
    rc_http_resp r = {0};
    rc_pconn *sub;
    long long last = -1, exp = -1;
    const char *id, *rs, *st;
    const cJSON *ae, *en;
    if (!(sub = rc_sc_start_sub(ctx, &s)) || !rc_sc_send_same(ctx, s.stream, "z", 4))
        return;
    RC_TRY(ctx, rc_stream_end(ctx, s.stream, "failed", &r) == 0, "end failed");
    id = rc_json_str(r.json, "stream_id");
    rs = rc_json_str(r.json, "reason");
    ae = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "already_ended") : NULL;
    en = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "ended") : NULL;
    if (r.status != 200 || !cJSON_IsTrue(en) || !cJSON_IsFalse(ae) ||
        !rc_json_int(r.json, "last_seq", &last) || last != 4 || !rs || strcmp(rs, "failed"))
        rc_fail(ctx,
                "first end after 4 tokens (reason failed) must answer 200 {ended: true, "
                "already_ended: false, last_seq: 4, reason: failed}: %d %.300s",
                r.status, r.body ? r.body : "");
    else if (!id || strcmp(id, s.stream) || !rc_json_int(r.json, "expires_in", &exp) || exp < 1)
        rc_fail_should(ctx,
                       "the end answer should also carry stream_id and expires_in >= 1: %.300s",
                       r.body ? r.body : "");
    rc_http_resp_free(&r);
    if (!rc_ok(ctx))
        return;
    if (rc_sc_expect(ctx, sub, &s, "subscriber", &rv, 4, 1, 3000) &&
        rc_sc_check_seqs(ctx, "subscriber", &rv, 1, 4, NULL) && rv.end_last_seq != 4)
        rc_fail(ctx, "thread.stream.ended carried last_seq %lld, expected 4", rv.end_last_seq);
    rc_sc_recv_free(&rv);
    /* A reason outside the three is bad input: refused, and the stream stays open. */
    if (!rc_ok(ctx) || !rc_sc_start(ctx, &o))
        return;
    RC_TRY(ctx, rc_stream_end(ctx, o.stream, "bogus", &r) == 0, "end failed");
    if (r.status != 400)
        rc_fail(ctx, "end with reason \"bogus\" must be refused with 400, got %d %.200s", r.status,
                r.body ? r.body : "");
    rc_http_resp_free(&r);
    RC_TRY(ctx, rc_stream_get(ctx, o.stream, &r) == 0, "GET failed");
    st = rc_json_str(r.json, "state");
    if (!st || strcmp(st, "open") != 0)
        rc_fail(ctx, "a refused end must leave the stream open: %.200s", r.body ? r.body : "");
    rc_http_resp_free(&r);
}

/* GET must answer 200 {state, last_seq} (the contract); the ids, channel, reason and
 * expires_in are docs/protocol.md's "..." and only SHOULD. *expires (may be NULL) is -1 when
 * the answer has none. 1 when the MUST part holds. */
static int get_is(rc_ctx *ctx, const rc_sc_stream *s, const char *state, long long last,
                  const char *reason, long long *expires)
{
    static const char *const keys[5] = {"workspace_id", "thread_id", "run_id", "stream_id",
                                        "channel"};
    const char *want[5] = {s->workspace, s->thread, s->run, s->stream, s->channel};
    rc_http_resp r = {0};
    long long l = -1;
    const char *v;
    int ok, more = 1;
    if (rc_stream_get(ctx, s->stream, &r) < 0)
        return 0;
    ok = r.status == 200 && (v = rc_json_str(r.json, "state")) && !strcmp(v, state) &&
         rc_json_int(r.json, "last_seq", &l) && l == last;
    for (int i = 0; i < 5 && more; i++)
        more = (v = rc_json_str(r.json, keys[i])) && !strcmp(v, want[i]);
    if (more && reason)
        more = (v = rc_json_str(r.json, "reason")) && !strcmp(v, reason);
    if (expires && (!rc_json_int(r.json, "expires_in", expires) || *expires < 0)) {
        *expires = -1;
        more = 0;
    }
    if (!ok)
        rc_fail(ctx, "GET must answer 200 with state %s, last_seq %lld: %d %.300s", state, last,
                r.status, r.body ? r.body : "");
    else if (!more)
        rc_fail_should(ctx, "GET should also answer the four ids, channel%s%s%s: %.300s",
                       reason ? ", reason " : "", reason ? reason : "",
                       expires ? ", expires_in" : "", r.body ? r.body : "");
    rc_http_resp_free(&r);
    return ok;
}

void rc_sc_case_get_state(rc_ctx *ctx)
{
    rc_sc_stream s, u;
    rc_sc_recv rv = {0};
    rc_pconn *sub;
    long long exp = -1, end_last = -1;
    int st;
    rc_sc_new(ctx, &u);
    st = get_status(ctx, u.stream);
    RC_CHECK(ctx, st == 404 || st < 0, "GET of an unknown stream answered %d, not 404", st);
    if (!(sub = rc_sc_start_sub(ctx, &s)) || !get_is(ctx, &s, "open", 0, NULL, NULL) ||
        !rc_sc_send_same(ctx, s.stream, "g", 5))
        return;
    if (!get_is(ctx, &s, "open", 5, NULL, NULL) ||
        !rc_sc_end(ctx, s.stream, "cancelled", NULL, &end_last, NULL, 0))
        return;
    RC_CHECK(ctx, end_last == 5, "end after 5 tokens answered last_seq %lld", end_last);
    if (!get_is(ctx, &s, "ended", 5, "cancelled", &exp))
        return;
    if (rc_sc_expect(ctx, sub, &s, "subscriber", &rv, 5, 1, 3000))
        rc_sc_check_seqs(ctx, "subscriber", &rv, 1, 5, NULL);
    rc_sc_recv_free(&rv);
}

void rc_sc_case_ended_kept(rc_ctx *ctx)
{
    rc_sc_stream s;
    long long exp = -1, last = -1;
    int already = -1;
    if (!rc_sc_start(ctx, &s) || rc_sc_token(ctx, s.stream, "k") < 0 ||
        !rc_sc_end(ctx, s.stream, "completed", NULL, NULL, NULL, 0) ||
        !get_is(ctx, &s, "ended", 1, "completed", &exp))
        return;
    sleep_ms(300);
    if (!rc_sc_end(ctx, s.stream, "failed", &already, &last, NULL, 0))
        return;
    RC_CHECK(ctx, already && last == 1,
             "a late end before expiry must answer already_ended true, last_seq 1; got %d, %lld",
             already, last);
}

void rc_sc_case_expiry(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_http_resp r = {0};
    rc_pconn *sub;
    rc_sc_recv rv = {0};
    long long exp = -1, gexp = -1, later = -1;
    int st = 0, waited = 0, counted = 0;
    if (!rc_sc_start(ctx, &s) || rc_sc_token(ctx, s.stream, "e") < 0 ||
        rc_sc_token(ctx, s.stream, "f") < 0)
        return;
    RC_TRY(ctx, rc_sc_end_req(ctx, s.stream, NULL, &r) == 0, "end failed");
    st = rc_sc_status(ctx, &r, 200, "end of a started stream");
    /* The contract keeps an ended stream "for a configurable time": the wait is the server's
     * expires_in (docs/protocol.md), else its declared ended_ttl, else it cannot be judged. */
    if (st && (!rc_json_int(r.json, "expires_in", &exp) || exp < 0))
        exp =
            rc_target_of(ctx)->server.ended_ttl_s > 0 ? rc_target_of(ctx)->server.ended_ttl_s : -1;
    rc_http_resp_free(&r);
    if (!st)
        return;
    if (exp < 0) {
        rc_unsupported(ctx, "the end answer has no expires_in and the server profile declares no "
                            "limits.ended_ttl, so the expiry cannot be waited for");
        return;
    }
    if (!get_is(ctx, &s, "ended", 2, "completed", &gexp))
        return;
    RC_CHECK(ctx, gexp <= exp, "GET's expires_in %lld exceeds the end answer's %lld", gexp, exp);
    /* A server may round expires_in either way: allow 1.5 s past it. */
    if (!rc_allow_wait(ctx, exp * 1000 + 1500, "waiting for the ended stream to expire"))
        return;
    while (waited <= exp * 1000 + 1500) {
        rc_http_resp g = {0};
        if (rc_stream_get(ctx, s.stream, &g) < 0)
            return;
        st = g.status;
        if (st == 200 && waited >= 1100 && !counted) {
            /* More than a second later expires_in must have gone down. */
            counted = 1;
            if (gexp >= 0 && (!rc_json_int(g.json, "expires_in", &later) || later >= gexp))
                rc_fail(ctx, "expires_in must count down: %lld, then %lld %d ms later", gexp, later,
                        waited);
        }
        rc_http_resp_free(&g);
        if (st != 200 || !rc_ok(ctx))
            break;
        sleep_ms(200);
        waited += 200;
    }
    if (!rc_ok(ctx))
        return;
    RC_CHECK(ctx, st == 404, "GET %d ms after the end (expires_in was %lld s) answered %d, not 404",
             waited, exp, st);
    RC_TRY(ctx, rc_stream_end(ctx, s.stream, "completed", &r) == 0, "end failed");
    st = rc_sc_status(ctx, &r, 404, "a late end after expiry");
    rc_http_resp_free(&r);
    if (!st)
        return;
    RC_TRY(ctx, rc_stream_token(ctx, s.stream, "late", &r) == 0, "token failed");
    st = rc_sc_status(ctx, &r, 404, "a token after expiry");
    rc_http_resp_free(&r);
    if (!st)
        return;
    /* The id is free again: the same start creates a new stream numbered from 1. */
    RC_TRY(ctx, rc_stream_start(ctx, s.workspace, s.thread, s.run, s.stream, &r) == 0,
           "start failed");
    st = rc_sc_status(ctx, &r, 201, "start with the id of an expired stream");
    rc_http_resp_free(&r);
    if (!st)
        return;
    sub = rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member);
    if (!sub || rc_sc_token(ctx, s.stream, "again") < 0)
        return;
    if (rc_sc_expect(ctx, sub, &s, "subscriber", &rv, 1, 0, 3000))
        rc_sc_check_seqs(ctx, "subscriber of the new stream", &rv, 1, 1, NULL);
    rc_sc_recv_free(&rv);
}
