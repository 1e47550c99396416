/* Stream profile, section 12.6: the replay endpoint. A client that lost its connection
 * re-subscribes, fetches the tokens after the highest seq it saw, and continues from live
 * events; these cases check the answer a server gives for that, and the whole resume. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stream_common.h"

#define RESUME_FIRST 5 /* tokens seen before the connection is lost */
#define RESUME_GAP   5 /* tokens sent while it is away */
#define RESUME_LIVE  3 /* tokens sent after it is back */
#define GONE_TOKENS  1005

/* GET .../tokens?query; fills resp. 0, or -1 after rc_error. */
static int replay_req(rc_ctx *ctx, const char *stream, const char *query, rc_http_resp *resp)
{
    char path[256];
    snprintf(path, sizeof path, "/apps/%s/streams/%s/tokens", rc_target_of(ctx)->app_id, stream);
    return rc_api(ctx, "GET", path, query, NULL, resp);
}

/* Replay is an optional capability (docs/protocol.md 1.5; the contract does not name it).
 * Unless the server profile declares it, a 404, 405 or 501 on a started stream's replay
 * means the server has no replay endpoint: UNSUPPORTED and 0. 1 when the case may go on. */
static int replay_offered(rc_ctx *ctx, const char *stream)
{
    rc_http_resp r = {0};
    int st;
    if (rc_target_of(ctx)->server.caps[RC_CAP_REPLAY] == RC_CAP_YES)
        return 1;
    if (replay_req(ctx, stream, "after_seq=0", &r) < 0)
        return 0;
    st = r.status;
    rc_http_resp_free(&r);
    if (st == 404 || st == 405 || st == 501) {
        rc_unsupported(ctx, "no replay endpoint: GET .../streams/{id}/tokens answered %d", st);
        return 0;
    }
    return 1;
}

/* Checks a 200 answer's shape and that its tokens are exactly seqs from..from+n-1 with
 * texts text(seq) ("t<seq>"), last_seq and more as expected (more < 0: not checked).
 * 1 ok, 0 after rc_fail. */
static int check_answer(rc_ctx *ctx, const rc_http_resp *r, const char *what, long long from,
                        long long n, long long last, int more)
{
    long long l = -1, after = -1;
    const cJSON *toks = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "tokens") : NULL;
    const cJSON *m = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "more") : NULL;
    char body[240];
    snprintf(body, sizeof body, "%.200s", r->body ? r->body : "");
    if (!rc_sc_status(ctx, r, 200, what))
        return 0;
    if (!cJSON_IsArray(toks) || !rc_json_int(r->json, "last_seq", &l) ||
        !rc_json_int(r->json, "after_seq", &after) || !cJSON_IsBool(m)) {
        rc_fail(ctx, "%s: the answer must carry tokens (array), last_seq, after_seq, more: %s",
                what, body);
        return 0;
    }
    if (l != last) {
        rc_fail(ctx, "%s: last_seq %lld, expected %lld", what, l, last);
        return 0;
    }
    long long got = cJSON_GetArraySize(toks), i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, toks)
    {
        long long seq = -1;
        const char *text = rc_json_str(t, "token");
        char want[32];
        snprintf(want, sizeof want, "t%lld", from + i);
        if (!rc_json_int(t, "seq", &seq) || !text || seq != from + i || strcmp(text, want) != 0) {
            char exp[64];
            snprintf(exp, sizeof exp, "{\"seq\":%lld,\"token\":\"%s\"}", from + i, want);
            char *seen = cJSON_PrintUnformatted(t);
            rc_expect_seen(ctx, exp, seen ? seen : "?");
            rc_fail(ctx, "%s: token %lld of the answer is %s, expected %s (no gap, no repeat)",
                    what, i + 1, seen ? seen : "?", exp);
            free(seen);
            return 0;
        }
        i++;
    }
    if (got != n) {
        rc_fail(ctx, "%s: %lld tokens answered, expected %lld: %s", what, got, n, body);
        return 0;
    }
    if (more >= 0 && cJSON_IsTrue(m) != more) {
        rc_fail(ctx, "%s: more is %s, expected %s", what, cJSON_IsTrue(m) ? "true" : "false",
                more ? "true" : "false");
        return 0;
    }
    return 1;
}

/* n tokens "t<first>".."t<first+n-1>" in one request. 1 ok. */
static int send_numbered(rc_ctx *ctx, const char *stream, long long first, size_t n)
{
    char **texts = calloc(n, sizeof *texts);
    int ok = texts != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = asprintf(&texts[i], "t%lld", first + (long long)i) > 0;
    long long f = 0, l = 0;
    if (!ok)
        rc_error(ctx, "out of memory");
    else if (rc_sc_tokens(ctx, stream, (const char *const *)texts, n, &f, &l) && f != first) {
        rc_fail(ctx, "tokens answered first_seq %lld, expected %lld", f, first);
        ok = 0;
    } else {
        ok = rc_ok(ctx);
    }
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    return ok;
}

static int replay_check(rc_ctx *ctx, const char *stream, const char *query, const char *what,
                        long long from, long long n, long long last, int more)
{
    rc_http_resp r = {0};
    if (replay_req(ctx, stream, query, &r) < 0)
        return 0;
    int ok = check_answer(ctx, &r, what, from, n, last, more);
    rc_http_resp_free(&r);
    return ok;
}

static void replay_after(rc_ctx *ctx)
{
    rc_sc_stream s;
    if (!rc_sc_start(ctx, &s) || !replay_offered(ctx, s.stream) ||
        !send_numbered(ctx, s.stream, 1, 10))
        return;
    if (!replay_check(ctx, s.stream, "after_seq=0", "after_seq=0", 1, 10, 10, 0) ||
        !replay_check(ctx, s.stream, "after_seq=4&limit=3", "after_seq=4&limit=3", 5, 3, 10, 1) ||
        !replay_check(ctx, s.stream, "after_seq=9", "after_seq=9", 10, 1, 10, 0) ||
        !replay_check(ctx, s.stream, "after_seq=10", "after_seq=10 (caught up)", 11, 0, 10, 0))
        return;
    if (!rc_sc_end(ctx, s.stream, "completed", NULL, NULL, NULL, 0))
        return;
    replay_check(ctx, s.stream, "after_seq=7", "after_seq=7 once ended", 8, 3, 10, 0);
}

static int expect_status(rc_ctx *ctx, const char *stream, const char *query, int want,
                         const char *what)
{
    rc_http_resp r = {0};
    if (replay_req(ctx, stream, query, &r) < 0)
        return 0;
    int ok = rc_sc_status(ctx, &r, want, what);
    rc_http_resp_free(&r);
    return ok;
}

static void replay_errors(rc_ctx *ctx)
{
    rc_sc_stream s;
    char unknown[13], path[256];
    if (!rc_sc_start(ctx, &s) || !replay_offered(ctx, s.stream) ||
        !send_numbered(ctx, s.stream, 1, 3))
        return;
    rc_random_id(ctx, unknown);
    if (!expect_status(ctx, s.stream, "after_seq=4", 400, "after_seq beyond last_seq") ||
        !expect_status(ctx, s.stream, NULL, 400, "no after_seq") ||
        !expect_status(ctx, s.stream, "after_seq=-1", 400, "after_seq=-1") ||
        !expect_status(ctx, s.stream, "after_seq=1&limit=0", 400, "limit=0") ||
        !expect_status(ctx, s.stream, "after_seq=1&limit=abc", 400, "limit=abc") ||
        !expect_status(ctx, s.stream, "after_seq=1&limit=1001", 400, "limit=1001") ||
        !expect_status(ctx, s.stream, "after_seq=1.0", 400, "after_seq=1.0") ||
        !expect_status(ctx, unknown, "after_seq=0", 404, "an unknown stream"))
        return;
    /* unsigned: must be refused like every control API request */
    rc_http_resp r = {0};
    snprintf(path, sizeof path, "/apps/%s/streams/%s/tokens?after_seq=0", rc_target_of(ctx)->app_id,
             s.stream);
    if (rc_http(ctx, "GET", path, NULL, NULL, 0, &r) < 0)
        return;
    rc_sc_status(ctx, &r, 401, "an unsigned replay request");
    rc_http_resp_free(&r);
}

/* More tokens than a server keeps by default: asking for all of them is either answered in
 * full (a server may keep more) or refused with 410 and oldest_seq; never answered with the
 * oldest kept tokens as if nothing were missing. */
static void replay_gone(rc_ctx *ctx)
{
    rc_sc_stream s;
    if (!rc_sc_start(ctx, &s) || !replay_offered(ctx, s.stream) ||
        !send_numbered(ctx, s.stream, 1, 1000) ||
        !send_numbered(ctx, s.stream, 1001, GONE_TOKENS - 1000))
        return;
    rc_http_resp r = {0};
    long long oldest = -1, code = -1;
    if (replay_req(ctx, s.stream, "after_seq=0&limit=10", &r) < 0)
        return;
    if (r.status == 410) {
        /* oldest_seq is the replay feature's own; error and code only the body's shape. */
        if (!rc_json_int(r.json, "oldest_seq", &oldest) || oldest <= 1)
            rc_fail(ctx, "a 410 must carry oldest_seq K > 1: %.200s", r.body ? r.body : "");
        else if (!rc_json_int(r.json, "code", &code) || code != 410)
            rc_fail_should(ctx, "a 410 should carry {\"error\",\"code\":410}: %.200s",
                           r.body ? r.body : "");
        rc_http_resp_free(&r);
        if (!rc_ok(ctx))
            return;
        char q[64];
        snprintf(q, sizeof q, "after_seq=%lld&limit=5", oldest - 1);
        replay_check(ctx, s.stream, q, "after_seq=oldest_seq-1", oldest, 5, GONE_TOKENS, 1);
        return;
    }
    rc_log(ctx, "the target keeps all %d tokens (answered %d)", GONE_TOKENS, r.status);
    check_answer(ctx, &r, "after_seq=0&limit=10 (all kept)", 1, 10, GONE_TOKENS, 1);
    rc_http_resp_free(&r);
}

/* Adds one replay page's tokens to seen[] (index seq). Within a page the seqs must be
 * consecutive from after + 1; across pages and live events a seq already seen is dropped, as
 * a client does. *last gets the page's last seq (after when empty), *more its "more". */
static int merge_page(rc_ctx *ctx, const rc_http_resp *r, long long after, char **seen,
                      long long max, long long *last, int *more)
{
    const cJSON *toks = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "tokens") : NULL;
    const cJSON *m = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "more") : NULL;
    const cJSON *t;
    if (!cJSON_IsArray(toks) || !cJSON_IsBool(m)) {
        rc_fail(ctx, "replay answer without tokens and more: %.200s", r->body ? r->body : "");
        return 0;
    }
    *last = after;
    *more = cJSON_IsTrue(m);
    cJSON_ArrayForEach(t, toks)
    {
        long long seq = -1;
        const char *text = rc_json_str(t, "token");
        if (!rc_json_int(t, "seq", &seq) || !text || seq != *last + 1 || seq > max) {
            rc_fail(ctx,
                    "replay after_seq=%lld answered seq %lld after %lld (must be %lld, "
                    "consecutive, at most %lld): %.200s",
                    after, seq, *last, *last + 1, max, r->body ? r->body : "");
            return 0;
        }
        if (!seen[seq])
            seen[seq] = strdup(text);
        *last = seq;
    }
    return 1;
}

/* Pages through the replay after `after` with a small limit; between the first and the
 * second page the producer sends the live tokens, so the pages and the live events overlap
 * and the client has to merge them. 1 ok. */
static int replay_pages(rc_ctx *ctx, const rc_sc_stream *s, long long after, char **seen,
                        long long max, int live_first, int live_n)
{
    int more = 1, pages = 0;
    while (more && rc_ok(ctx)) {
        char q[64];
        rc_http_resp r = {0};
        snprintf(q, sizeof q, "after_seq=%lld&limit=2", after);
        if (replay_req(ctx, s->stream, q, &r) < 0)
            return 0;
        int ok = rc_sc_status(ctx, &r, 200, "replay after reconnecting") &&
                 merge_page(ctx, &r, after, seen, max, &after, &more);
        rc_http_resp_free(&r);
        if (!ok)
            return 0;
        if (++pages == 1 && !send_numbered(ctx, s->stream, live_first, (size_t)live_n))
            return 0;
        if (pages > 2 * max) {
            rc_fail(ctx, "replay keeps answering more: true after %d pages", pages);
            return 0;
        }
    }
    return rc_ok(ctx);
}

static void replay_resume(rc_ctx *ctx)
{
    enum { TOTAL = RESUME_FIRST + RESUME_GAP + RESUME_LIVE };
    rc_sc_stream s;
    rc_sc_recv a = {0}, b = {0};
    char *seen[TOTAL + 1] = {0};
    rc_pconn *sub = rc_sc_start_sub(ctx, &s);
    if (!sub || !replay_offered(ctx, s.stream) || !send_numbered(ctx, s.stream, 1, RESUME_FIRST))
        goto out;
    if (!rc_sc_expect(ctx, sub, &s, "the subscriber", &a, RESUME_FIRST, 0, 3000) ||
        !rc_sc_check_seqs(ctx, "the subscriber", &a, 1, RESUME_FIRST, NULL))
        goto out;
    rc_pusher_close(sub); /* the connection is lost */
    if (!send_numbered(ctx, s.stream, RESUME_FIRST + 1, RESUME_GAP))
        goto out;
    /* back: subscribe first, so nothing falls between the replay and live events */
    rc_pconn *again = rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member);
    if (!again || !replay_pages(ctx, &s, RESUME_FIRST, seen, TOTAL, RESUME_FIRST + RESUME_GAP + 1,
                                RESUME_LIVE))
        goto out;
    if (!rc_sc_expect(ctx, again, &s, "the resumed subscriber", &b, RESUME_LIVE, 0, 3000) ||
        !rc_sc_check_seqs(ctx, "the resumed subscriber", &b, RESUME_FIRST + RESUME_GAP + 1,
                          RESUME_LIVE, NULL))
        goto out;
    for (size_t i = 0; i < b.n; i++)
        if (!seen[b.toks[i].seq])
            seen[b.toks[i].seq] = strdup(b.toks[i].token);
    for (long long seq = RESUME_FIRST + 1; seq <= TOTAL; seq++) {
        char want[32];
        snprintf(want, sizeof want, "t%lld", seq);
        if (!seen[seq] || strcmp(seen[seq], want) != 0) {
            rc_fail(ctx,
                    "after reconnecting, replay (after_seq=%d, pages of 2) plus live events do "
                    "not give seq %lld as \"%s\" (got %s): a gap the client cannot fill",
                    RESUME_FIRST, seq, want, seen[seq] ? seen[seq] : "nothing");
            goto out;
        }
    }
out:
    for (int i = 0; i <= TOTAL; i++)
        free(seen[i]);
    rc_sc_recv_free(&a);
    rc_sc_recv_free(&b);
}

const rc_case rc_cases_s12_replay[] = {
    /* protocol §12.6: replay answers exactly the tokens after after_seq */
    {
        .id = "stream/12.6/replay-after",
        .section = "12.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "replay answers exactly the tokens after after_seq",
        .requirement =
            "GET /apps/{id}/streams/{S}/tokens?after_seq=N MUST answer the kept tokens with seq > "
            "N in "
            "order, consecutive, at most limit of them, with last_seq and more; also once ended",
        .tags = "needs:control-api needs:replay",
        .run = replay_after,
    },
    /* protocol §12.6: replay refuses bad requests */
    {
        .id = "stream/12.6/replay-errors",
        .section = "12.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "replay refuses bad requests",
        .requirement = "after_seq beyond last_seq, a missing or malformed after_seq or limit MUST "
                       "answer 400, an unknown stream 404, an unsigned request 401",
        .tags = "needs:control-api needs:replay",
        .run = replay_errors,
    },
    /* protocol §12.6: a gap that can no longer be filled is a 410 */
    {
        .id = "stream/12.6/replay-gone",
        .section = "12.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a gap that can no longer be filled is a 410",
        .requirement =
            "when tokens right after after_seq are no longer kept the server MUST answer 410 with "
            "oldest_seq, never the later tokens as if nothing were missing",
        .tags = "needs:control-api needs:replay",
        .timeout_ms = 15000,
        .run = replay_gone,
    },
    /* protocol §12.6: re-subscribe, replay, live: every token once, in order */
    {
        .id = "stream/12.6/replay-resume",
        .section = "12.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "re-subscribe, replay, live: every token once, in order",
        .requirement = "a client that re-subscribes and then replays after the highest seq it saw, "
                       "page by page (more), MUST be able to rebuild the stream without gap, "
                       "merging replay and live events by seq",
        .tags = "needs:control-api needs:replay",
        .timeout_ms = 10000,
        .run = replay_resume,
    },
    {0},
};
