/* Stream profile, section 12.3: tokens requests (unknown and ended streams, size limit,
 * UTF-8, malformed bodies). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "stream_common.h"

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

static void unknown_ended(rc_ctx *ctx)
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
    st = rc_sc_get_status(ctx, u.stream);
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

static void too_large(rc_ctx *ctx)
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

static void invalid_utf8(rc_ctx *ctx)
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

/* Bodies the contract does not settle (it names token or tokens, neither both nor an empty
 * array): docs/protocol.md refuses them with 400, a SHOULD. */
static void unsettled_bodies(rc_ctx *ctx)
{
    static const char *const bodies[][2] = {
        {"{\"tokens\":[]}", "an empty tokens array"},
        {"{\"token\":\"a\",\"tokens\":[\"b\"]}", "both token and tokens"},
    };
    char sub[160];
    rc_sc_stream s;
    if (!rc_sc_start(ctx, &s))
        return;
    snprintf(sub, sizeof sub, "/streams/%s/tokens", s.stream);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        rc_http_resp r = {0};
        if (rc_sc_ctl(ctx, "POST", sub, bodies[i][0], &r) < 0)
            return;
        if (r.status != 400)
            rc_fail_should(ctx, "tokens request with %s: expected 400, got %d", bodies[i][1],
                           r.status);
        rc_http_resp_free(&r);
    }
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

static void bad_bodies(rc_ctx *ctx)
{
    static const char *const bodies[][2] = {
        {"{}", "neither token nor tokens"},
        {"{\"token\":5}", "a numeric token"},
        {"{\"token\":null}", "a null token"},
        {"{\"tokens\":[\"a\",5]}", "a number in the tokens array"},
        {"{\"tokens\":\"a\"}", "tokens as a string"},
        {"not json", "a body that is not JSON"},
        {"[\"a\"]", "a JSON array body"},
        {"{\"token\":\"a\"", "truncated JSON"},
        {"{\"tokens\":[\"a\",\"\xff\"]}", "invalid UTF-8 in the array"},
    };
    all_refused(ctx, bodies, sizeof bodies / sizeof bodies[0], "tokens request with");
    if (rc_ok(ctx))
        unsettled_bodies(ctx);
    if (rc_ok(ctx))
        nul_token(ctx);
}

#define SIGN "needs:control-api"
#define BOTH "needs:control-api needs:authorizer"

const rc_case rc_cases_s12_tokens[] = {
    /* protocol §12.3: tokens: unknown stream 404, ended stream 409 */
    {
        .id = "stream/12.3/unknown-404-ended-409",
        .section = "12.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "tokens: unknown stream 404, ended stream 409",
        .requirement =
            "POST .../tokens answers 404 for a stream never started and 409 for an ended one.",
        .tags = SIGN,
        .run = unknown_ended,
    },
    /* protocol §12.3: tokens over the server's limit: 413, nothing changes; at the limit: accepted
     */
    {
        .id = "stream/12.3/too-large-413",
        .section = "12.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "tokens over the server's limit: 413, nothing changes; at the limit: accepted",
        .requirement =
            "A tokens request over the server's size limit (declared as limits.max_token_bytes, "
            "else found by probing; 10240 is this specification's default) gets 413 and changes "
            "nothing; one at the limit is accepted and delivered intact. Counting the whole "
            "request rather than each token is SHOULD.",
        .tags = BOTH,
        .run = too_large,
    },
    /* protocol §12.3: tokens with invalid UTF-8 bytes: 400, nothing broadcast */
    {
        .id = "stream/12.3/invalid-utf8-400",
        .section = "12.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "tokens with invalid UTF-8 bytes: 400, nothing broadcast",
        .requirement =
            "A token that is not valid UTF-8 (stray byte, overlong, surrogate, truncated, past "
            "U+10FFFF) is refused with 400 and nothing is appended or broadcast.",
        .tags = BOTH,
        .run = invalid_utf8,
    },
    /* protocol §12.3: malformed tokens bodies: 400, no seq consumed; U+0000 refused or kept exactly
     */
    {
        .id = "stream/12.3/bad-bodies-400",
        .section = "12.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "malformed tokens bodies: 400, no seq consumed; U+0000 refused or kept exactly",
        .requirement = "A tokens request needs token (string) or tokens (an array of strings) in a "
                       "JSON object; anything else is 400 and consumes no seq. An empty array or "
                       "both members are refused with 400 (SHOULD). U+0000 in a token is refused "
                       "with 400 or kept and broadcast byte for byte.",
        .tags = BOTH,
        .run = bad_bodies,
    },
    {0},
};
