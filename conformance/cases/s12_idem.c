/* Stream profile, section 12.7: idempotent appends (the Idempotency-Key header). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "stream_common.h"

#define RETRIES 3 /* with several --http-node, at least one retry reaches another node */

typedef struct idem_run {
    rc_sc_stream s;
    char hdr[200]; /* "Idempotency-Key: ...\r\n" */
    long long first, last;
    int declared; /* the server profile declares idempotent-appends */
} idem_run;

/* POST .../tokens with body and the run's key header (or `hdr` when given). 0, or -1 after a
 * report. */
static int keyed(rc_ctx *ctx, const idem_run *x, const char *hdr, const char *body, rc_http_resp *r)
{
    char path[256];
    snprintf(path, sizeof path, "/apps/%s/streams/%s/tokens", rc_target_of(ctx)->app_id,
             x->s.stream);
    return rc_api_hdr(ctx, "POST", path, hdr ? hdr : x->hdr, body, r);
}

/* A retry that was appended again: the server ignores the key (absent, unless declared) or
 * honours it per node only. */
static void appended_again(rc_ctx *ctx, const idem_run *x, int i, long long f, long long l)
{
    char want[64], seen[64];
    snprintf(want, sizeof want, "first_seq %lld, last_seq %lld", x->first, x->last);
    snprintf(seen, sizeof seen, "first_seq %lld, last_seq %lld", f, l);
    rc_expect_seen(ctx, want, seen);
    if (x->declared)
        rc_fail(ctx,
                "retry %d with the same Idempotency-Key and body was appended again: "
                "expected the first answer (%s), seen %s",
                i + 1, want, seen);
    else
        rc_fail_should(ctx,
                       "retry %d with the same Idempotency-Key and body was appended again "
                       "(expected %s, seen %s): the server does not honour Idempotency-Key "
                       "(declare idempotent-appends false in the server profile if it has "
                       "none)",
                       i + 1, want, seen);
}

/* The retries: each must answer 200 with the first answer's first_seq and last_seq. 1 when
 * every one did (the server honours keys), 0 after a report. */
static int retries_answer_first(rc_ctx *ctx, idem_run *x, const char *body)
{
    for (int i = 0; i < RETRIES; i++) {
        rc_http_resp r = {0};
        long long f = -1, l = -1;
        if (keyed(ctx, x, NULL, body, &r) < 0)
            return 0;
        int ok = rc_sc_status(ctx, &r, 200, "a retry with the same Idempotency-Key and body");
        ok = ok && rc_json_int(r.json, "first_seq", &f) && rc_json_int(r.json, "last_seq", &l);
        rc_http_resp_free(&r);
        if (!ok) {
            if (rc_ok(ctx))
                rc_fail(ctx, "a retry's answer must carry integer first_seq and last_seq");
            return 0;
        }
        if (f > x->last) {
            appended_again(ctx, x, i, f, l);
            return 0;
        }
        if (f != x->first || l != x->last) {
            rc_fail(ctx,
                    "retry %d answered first_seq %lld, last_seq %lld; the first answer was "
                    "%lld..%lld",
                    i + 1, f, l, x->first, x->last);
            return 0;
        }
    }
    return 1;
}

/* The same key with another body: 422, nothing appended. A malformed key: 400 (SHOULD). */
static void other_body_and_bad_key(rc_ctx *ctx, const idem_run *x)
{
    rc_http_resp r = {0};
    if (keyed(ctx, x, NULL, "{\"tokens\":[\"other\"]}", &r) < 0)
        return;
    rc_sc_status(ctx, &r, 422, "the same Idempotency-Key with another body");
    rc_http_resp_free(&r);
    char bad[200] = "Idempotency-Key: ";
    memset(bad + strlen(bad), 'k', 129);
    strcat(bad, "\r\n");
    if (!rc_ok(ctx) || keyed(ctx, x, bad, "{\"token\":\"long\"}", &r) < 0)
        return;
    if (r.status != 400)
        rc_fail_should(ctx, "an Idempotency-Key of 129 characters: expected 400, got %d", r.status);
    rc_http_resp_free(&r);
}

/* protocol §12.7: a retry with the same key and body answers the first answer, broadcasts
 * nothing again; another body 422 */
static void retry_same_key(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    static const char *const want[3] = {"idem-a", "idem-b", "after"};
    const char *body = "{\"tokens\":[\"idem-a\",\"idem-b\"]}";
    idem_run x = {.declared = t->server.caps[RC_CAP_IDEMPOTENT_APPENDS] == RC_CAP_YES};
    rc_sc_recv got = {0};
    rc_http_resp r = {0};
    if (t->producer) {
        rc_unsupported(ctx, "the producer driver protocol carries no Idempotency-Key");
        return;
    }
    rc_pconn *sub = rc_sc_start_sub(ctx, &x.s);
    if (!sub)
        return;
    char key[64];
    rc_chan(ctx, "conform-key-", key, sizeof key);
    snprintf(x.hdr, sizeof x.hdr, "Idempotency-Key: %s\r\n", key);
    if (keyed(ctx, &x, NULL, body, &r) < 0)
        return;
    int ok = rc_sc_status(ctx, &r, 200, "the first tokens request with an Idempotency-Key") &&
             rc_json_int(r.json, "first_seq", &x.first) &&
             rc_json_int(r.json, "last_seq", &x.last) && x.last == x.first + 1;
    rc_http_resp_free(&r);
    if (!ok) {
        if (rc_ok(ctx))
            rc_fail(ctx, "two tokens with a key must answer first_seq F, last_seq F+1");
        return;
    }
    if (!retries_answer_first(ctx, &x, body))
        return;
    other_body_and_bad_key(ctx, &x);
    if (!rc_ok(ctx) || rc_sc_token(ctx, x.s.stream, "after") < 0)
        return;
    /* the subscriber: the two tokens once, then the next one, and nothing more */
    if (rc_sc_expect(ctx, sub, &x.s, "the subscriber", &got, 3, 0, 3000) &&
        rc_sc_check_seqs(ctx, "the subscriber", &got, x.first, 3, want))
        rc_sc_expect_silence(ctx, sub, &x.s, "the subscriber", 0);
    rc_sc_recv_free(&got);
}

const rc_case rc_cases_s12_idem[] = {
    /* protocol §12.7: a retry with the same Idempotency-Key and body answers the first answer */
    {
        .id = "stream/12.7/idempotent-retry",
        .section = "12.7",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a retry with the same Idempotency-Key answers the first answer, once broadcast",
        .requirement =
            "A tokens request retried with the same Idempotency-Key and the same body, on any "
            "node within the window, MUST answer 200 with the first answer's first_seq and "
            "last_seq and append and broadcast nothing again; the same key with another body "
            "MUST answer 422; a key that is not 1-128 printable ASCII characters SHOULD "
            "answer 400.",
        .tags = "needs:control-api needs:authorizer needs:idempotent-appends",
        .run = retry_same_key,
    },
    {0},
};
