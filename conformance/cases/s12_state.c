/* Stream profile, sections 12.4-12.5: the end answer, the state of a stream, and how long an
 * ended stream is kept. The contract fixes {ended, already_ended, last_seq, reason} and
 * {state, last_seq} and a 404 once expired; the ids, channel and expires_in are this
 * specification's additions (SHOULD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "stream_common.h"
#include "wire/clock.h"

static void end_answer(rc_ctx *ctx)
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

static void get_state(rc_ctx *ctx)
{
    rc_sc_stream s, u;
    rc_sc_recv rv = {0};
    rc_pconn *sub;
    long long exp = -1, end_last = -1;
    int st;
    rc_sc_new(ctx, &u);
    st = rc_sc_get_status(ctx, u.stream);
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

static void ended_kept(rc_ctx *ctx)
{
    rc_sc_stream s;
    long long exp = -1, last = -1;
    int already = -1;
    if (!rc_sc_start(ctx, &s) || rc_sc_token(ctx, s.stream, "k") < 0 ||
        !rc_sc_end(ctx, s.stream, "completed", NULL, NULL, NULL, 0) ||
        !get_is(ctx, &s, "ended", 1, "completed", &exp))
        return;
    rw_sleep_ms(300);
    if (!rc_sc_end(ctx, s.stream, "failed", &already, &last, NULL, 0))
        return;
    RC_CHECK(ctx, already && last == 1,
             "a late end before expiry must answer already_ended true, last_seq 1; got %d, %lld",
             already, last);
}

static void expiry(rc_ctx *ctx)
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
        rw_sleep_ms(200);
        waited += 200;
    }
    if (!rc_ok(ctx))
        return;
    RC_CHECK(ctx, st == 404, "GET %d ms after the end (expires_in was %lld s) answered %d, not 404",
             waited, exp, st);
    /* The contract names no status for the end of a stream it no longer knows (SHOULD). */
    RC_TRY(ctx, rc_stream_end(ctx, s.stream, "completed", &r) == 0, "end failed");
    if (r.status != 404)
        rc_fail_should(ctx, "a late end after expiry: expected 404, got %d", r.status);
    rc_http_resp_free(&r);
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

#define SIGN "needs:control-api"
#define BOTH "needs:control-api needs:authorizer"

const rc_case rc_cases_s12_state[] = {
    /* protocol §12.4: end answers ended, already_ended, last_seq, reason (stream_id, expires_in
       SHOULD) */
    {
        .id = "stream/12.4/end-answer",
        .section = "12.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title =
            "end answers ended, already_ended, last_seq, reason (stream_id, expires_in SHOULD)",
        .requirement = "POST .../end answers 200 {ended: true, already_ended, last_seq, reason} "
                       "(contract); docs/protocol.md adds stream_id and expires_in (SHOULD). A "
                       "reason outside completed, cancelled, failed is refused with 400.",
        .tags = BOTH,
        .run = end_answer,
    },
    /* protocol §12.5: GET reports state and last_seq (ids, reason, expires_in SHOULD) */
    {
        .id = "stream/12.5/get-state",
        .section = "12.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "GET reports state and last_seq (ids, reason, expires_in SHOULD)",
        .requirement = "GET /apps/{id}/streams/{sid} answers 200 {state: open or ended, last_seq} "
                       "(contract); docs/protocol.md adds the ids, channel, and once ended the "
                       "reason and expires_in (SHOULD); an unknown stream is 404.",
        .tags = BOTH,
        .run = get_state,
    },
    /* protocol §12.5: an ended stream's state is kept: GET 200, end again already_ended */
    {
        .id = "stream/12.5/ended-kept",
        .section = "12.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "an ended stream's state is kept: GET 200, end again already_ended",
        .requirement =
            "An ended stream's state is kept for ended_ttl so that late end calls stay idempotent.",
        .tags = SIGN,
        .run = ended_kept,
    },
    /* protocol §12.5: after the kept time the stream is gone: GET 404, the id free again */
    {
        .id = "stream/12.5/expiry",
        .section = "12.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "after the kept time the stream is gone: GET 404, the id free again",
        .requirement = "An ended stream is removed after the time it is kept (the server's "
                       "expires_in, counting down, or the declared limits.ended_ttl; neither: "
                       "UNSUPPORTED): GET then answers 404, and so do tokens; a late end 404 "
                       "(SHOULD); the id is then free for a new stream.",
        .tags = BOTH,
        .timeout_ms = 8000,
        .run = expiry,
    },
    {0},
};
