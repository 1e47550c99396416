/* Stream profile, section 9: the events on a stream channel. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stream_common.h"

/* Checks one field of an event's data: present, of the JSON type wanted. */
static int field_is(rc_ctx *ctx, const cJSON *d, const char *key, int want_string,
                    const char *equals)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(d, key);
    if (!f) {
        rc_fail(ctx, "thread.token.streamed data lacks the required field %s", key);
        return 0;
    }
    if (want_string && !cJSON_IsString(f)) {
        rc_fail(ctx, "thread.token.streamed field %s must be a JSON string", key);
        return 0;
    }
    if (!want_string && !cJSON_IsNumber(f)) {
        rc_fail(ctx, "thread.token.streamed field %s must be a JSON number", key);
        return 0;
    }
    if (equals && strcmp(f->valuestring, equals) != 0) {
        rc_expect_seen(ctx, equals, f->valuestring);
        rc_fail(ctx, "thread.token.streamed field %s is \"%s\", expected \"%s\"", key,
                f->valuestring, equals);
        return 0;
    }
    return 1;
}

static void token_fields(rc_ctx *ctx)
{
    static const char *const toks[5] = {"t1", "t2", "t3", "t4", "t5"};
    rc_sc_stream s;
    rc_sc_recv r = {0};
    const rc_pmsg *m;
    const cJSON *d;
    long long seq;
    rc_pconn *pc = rc_sc_start_sub(ctx, &s);
    if (!pc || !rc_sc_send_each(ctx, s.stream, toks, 5))
        return;
    RC_CHECK(ctx, rc_pusher_wait(pc, "thread.token.streamed", NULL, 3000, &m) == 1,
             "no thread.token.streamed event within 3 s");
    RC_CHECK(ctx, m->channel && !strcmp(m->channel, s.channel),
             "token event channel is %s, expected %s", m->channel ? m->channel : "(none)",
             s.channel);
    RC_CHECK(ctx, cJSON_IsString(m->data),
             "token event data must be a JSON-encoded string (double-encoded): %.200s", m->raw);
    d = m->data_parsed;
    RC_CHECK(ctx, cJSON_IsObject(d), "token event data must encode a JSON object: %.200s", m->raw);
    if (!field_is(ctx, d, "workspace_id", 1, s.workspace) ||
        !field_is(ctx, d, "thread_id", 1, s.thread) || !field_is(ctx, d, "run_id", 1, s.run) ||
        !field_is(ctx, d, "stream_id", 1, s.stream) || !field_is(ctx, d, "seq", 0, NULL) ||
        !field_is(ctx, d, "token", 1, "t1"))
        return;
    RC_CHECK(ctx, rc_json_int(d, "seq", &seq) && seq == 1,
             "the first token's seq must be the integer 1: %.200s", m->raw);
    if (rc_sc_expect(ctx, pc, &s, "subscriber", &r, 4, 0, 3000))
        rc_sc_check_seqs(ctx, "subscriber", &r, 2, 4, toks + 1);
    rc_sc_recv_free(&r);
}

static const char *const exotic[] = {
    "plain",
    "h\xc3\xa9llo w\xc3\xb6rld",                     /* Latin-1 range */
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",          /* CJK */
    "rocket \xf0\x9f\x9a\x80 grin \xf0\x9f\x98\x80", /* astral plane: emoji */
    "quote \" backslash \\ slash /",
    "line\nbreak\ttab\rreturn",
    "\x01\x1f control \x7f",
    "</script><b>&amp;</b>",
    "  spaced  ",
    "{\"json\":\"inside\",\"seq\":99}",
    "\\u0041 is not an escape here",
    "\xe2\x80\xa8 line separator \xe2\x80\xa9",
    "mixed \xf0\x9f\x9a\x80\"\\\n\xc3\xa9",
    "", /* an empty string is a valid token */
};
#define N_EXOTIC (sizeof exotic / sizeof exotic[0])

static void bytes_exact(rc_ctx *ctx)
{
    const char *want[2 * N_EXOTIC];
    rc_sc_stream s;
    rc_sc_recv r = {0};
    long long f, l;
    rc_pconn *pc = rc_sc_start_sub(ctx, &s);
    if (!pc)
        return;
    /* Sent once one by one, then again as one batch. */
    for (size_t i = 0; i < N_EXOTIC; i++)
        want[i] = want[N_EXOTIC + i] = exotic[i];
    if (!rc_sc_send_each(ctx, s.stream, exotic, N_EXOTIC) ||
        !rc_sc_tokens(ctx, s.stream, exotic, N_EXOTIC, &f, &l))
        return;
    RC_CHECK(ctx, f == (long long)N_EXOTIC + 1, "batch first_seq %lld, expected %zu", f,
             N_EXOTIC + 1);
    if (rc_sc_expect(ctx, pc, &s, "subscriber", &r, 2 * N_EXOTIC, 0, 3000))
        rc_sc_check_seqs(ctx, "subscriber", &r, 1, 2 * N_EXOTIC, want);
    rc_sc_recv_free(&r);
}

static void end_fields(rc_ctx *ctx)
{
    static const char *const reasons[3] = {"completed", "cancelled", "failed"};
    static const int counts[3] = {2, 0, 3};
    for (int k = 0; k < 3 && rc_ok(ctx); k++) {
        rc_sc_stream s;
        rc_sc_recv r = {0};
        long long last = -1;
        char rs[32];
        int already = -1;
        rc_pconn *pc = rc_sc_start_sub(ctx, &s);
        if (!pc || !rc_sc_send_same(ctx, s.stream, "x", counts[k]) ||
            !rc_sc_end(ctx, s.stream, reasons[k], &already, &last, rs, sizeof rs))
            return;
        RC_CHECK(ctx, !already && last == counts[k] && !strcmp(rs, reasons[k]),
                 "end after %d tokens with reason %s answered already_ended %d, last_seq %lld, "
                 "reason %s",
                 counts[k], reasons[k], already, last, rs);
        if (rc_sc_expect(ctx, pc, &s, "subscriber", &r, (size_t)counts[k], 1, 3000)) {
            if (r.end_last_seq != counts[k] || strcmp(r.end_reason, reasons[k]) != 0)
                rc_fail(ctx,
                        "thread.stream.ended after %d tokens (reason %s) carried last_seq "
                        "%lld, reason %s",
                        counts[k], reasons[k], r.end_last_seq, r.end_reason);
        }
        rc_sc_recv_free(&r);
        rc_pusher_close(pc);
    }
}

/* docs/protocol.md also takes an end with no body at all as reason completed; the contract
 * only makes reason optional, so a server that wants a JSON object is NON-STRICT here. */
static void empty_body_end(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_http_resp r = {0};
    const char *rs;
    if (!rc_sc_start(ctx, &s))
        return;
    RC_TRY(ctx, rc_stream_end(ctx, s.stream, NULL, &r) == 0, "end failed");
    rs = rc_json_str(r.json, "reason");
    if (r.status != 200 || !rs || strcmp(rs, "completed") != 0)
        rc_fail_should(ctx,
                       "an end with an empty body should answer 200 reason completed: %d %.200s",
                       r.status, r.body ? r.body : "");
    rc_http_resp_free(&r);
}

static void end_default_reason(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_sc_recv r = {0};
    long long last = -1;
    char rs[32];
    int already = -1;
    rc_pconn *pc = rc_sc_start_sub(ctx, &s);
    if (!pc || !rc_sc_send_same(ctx, s.stream, "y", 4) ||
        !rc_sc_end(ctx, s.stream, NULL, &already, &last, rs, sizeof rs))
        return;
    RC_CHECK(ctx, !strcmp(rs, "completed"),
             "end without a reason answered reason %s, expected completed", rs);
    RC_CHECK(ctx, last == 4, "end after 4 tokens answered last_seq %lld", last);
    if (rc_sc_expect(ctx, pc, &s, "subscriber", &r, 4, 1, 3000) &&
        (r.end_last_seq != 4 || strcmp(r.end_reason, "completed") != 0))
        rc_fail(ctx,
                "thread.stream.ended after an end without a reason carried last_seq %lld, "
                "reason %s; expected 4, completed",
                r.end_last_seq, r.end_reason);
    rc_sc_recv_free(&r);
    if (rc_ok(ctx))
        empty_body_end(ctx);
}

#define BOTH "needs:control-api needs:authorizer"

const rc_case rc_cases_s09_events[] = {
    /* protocol §9.1: thread.token.streamed carries the six fields with their JSON types */
    {
        .id = "stream/9.1/token-fields",
        .section = "9.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "thread.token.streamed carries the six fields with their JSON types",
        .requirement =
            "thread.token.streamed data (a JSON-encoded string) holds workspace_id, thread_id, "
            "run_id, stream_id (strings), seq (integer >= 1) and token (string).",
        .tags = BOTH,
        .run = token_fields,
    },
    /* protocol §9.1: tokens arrive byte-exact: unicode, emoji, quotes, escapes, control characters
     */
    {
        .id = "stream/9.1/token-bytes-exact",
        .section = "9.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "tokens arrive byte-exact: unicode, emoji, quotes, escapes, control characters",
        .requirement =
            "The token field carries the producer's token unchanged, whatever its characters.",
        .tags = BOTH,
        .run = bytes_exact,
    },
    /* protocol §9.2: thread.stream.ended carries the ids, last_seq and the reason given */
    {
        .id = "stream/9.2/end-fields",
        .section = "9.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "thread.stream.ended carries the ids, last_seq and the reason given",
        .requirement =
            "thread.stream.ended data holds workspace_id, thread_id, run_id, stream_id, last_seq "
            "(integer >= 0, the seq of the last token) and reason (completed, cancelled or "
            "failed).",
        .tags = BOTH,
        .timeout_ms = 8000,
        .run = end_fields,
    },
    /* protocol §9.2: an end without a reason means reason completed */
    {
        .id = "stream/9.2/end-default-reason",
        .section = "9.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "an end without a reason means reason completed",
        .requirement = "The end request's reason is optional and defaults to completed ({} as the "
                       "body); the event carries it with the last token's seq. docs/protocol.md "
                       "also takes an empty body as {} (SHOULD).",
        .tags = BOTH,
        .run = end_default_reason,
    },
    {0},
};
