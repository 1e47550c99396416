/* Stream profile, section 11: idempotent end. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "stream_common.h"
#include "wire/clock.h"

#define N_SUBS        3
#define N_ENDERS      10
#define END_WINDOW_MS 1000 /* how long subscribers listen for a second end event */

static const char *const reasons[3] = {"completed", "cancelled", "failed"};

typedef struct ender {
    rc_ctx *ctx;
    const char *stream;
    struct gate *gate;
    const char *reason;
    int ok, already;
    long long last;
    char got[32];
} ender;

/* Holds the enders until all are started, so their requests overlap. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
};

static void *end_once(void *arg)
{
    ender *e = arg;
    pthread_mutex_lock(&e->gate->mu);
    while (!e->gate->open)
        pthread_cond_wait(&e->gate->cv, &e->gate->mu);
    pthread_mutex_unlock(&e->gate->mu);
    e->ok = rc_sc_end(e->ctx, e->stream, e->reason, &e->already, &e->last, e->got, sizeof e->got);
    return NULL;
}

/* Subscriber i must have got the n tokens, then exactly one end (last_seq n, reason). */
static void one_end_each(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn **subs, int nsubs, size_t n,
                         const char *reason)
{
    for (int i = 0; i < nsubs && rc_ok(ctx); i++) {
        char who[32];
        rc_sc_recv r = {0};
        snprintf(who, sizeof who, "subscriber %d", i + 1);
        if (rc_sc_expect(ctx, subs[i], s, who, &r, n, 1, 3000)) {
            rc_sc_check_seqs(ctx, who, &r, 1, n, NULL);
            /* Anything within the window after the first end is a second end (or worse). */
            rc_sc_read(ctx, subs[i], s, who, &r, 0, 0, i ? 100 : END_WINDOW_MS);
            if (rc_ok(ctx) && (r.end_last_seq != (long long)n || strcmp(r.end_reason, reason)))
                rc_fail(ctx,
                        "%s: thread.stream.ended carried last_seq %lld, reason %s; expected "
                        "%zu, %s",
                        who, r.end_last_seq, r.end_reason, n, reason);
        }
        rc_sc_recv_free(&r);
    }
}

static int open_subs(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn **subs, int n)
{
    for (int i = 0; i < n; i++)
        if (!(subs[i] = rc_sc_member_sub(ctx, s->channel, &rc_target_of(ctx)->member)))
            return 0;
    return 1;
}

static void concurrent_end(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_pconn *subs[N_SUBS];
    ender e[N_ENDERS];
    pthread_t th[N_ENDERS];
    struct gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    int firsts = 0, first = -1, started = 0;

    if (!rc_sc_start(ctx, &s) || !open_subs(ctx, &s, subs, N_SUBS))
        return;
    if (!rc_sc_send_same(ctx, s.stream, "c", 5))
        return;
    for (int i = 0; i < N_ENDERS; i++) {
        e[i] = (ender){.ctx = ctx, .stream = s.stream, .gate = &gate, .reason = reasons[i % 3]};
        if (pthread_create(&th[i], NULL, end_once, &e[i]) != 0)
            break;
        started++;
    }
    pthread_mutex_lock(&gate.mu);
    gate.open = 1;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    RC_TRY(ctx, started == N_ENDERS, "could only start %d of %d end threads", started, N_ENDERS);
    for (int i = 0; i < N_ENDERS; i++)
        if (!e[i].ok)
            return;
    for (int i = 0; i < N_ENDERS; i++)
        if (!e[i].already) {
            firsts++;
            first = i;
        }
    RC_CHECK(ctx, firsts == 1, "%d concurrent ends answered already_ended false; exactly one must",
             firsts);
    RC_CHECK(ctx, !strcmp(e[first].got, e[first].reason),
             "the first end asked reason %s but answered %s", e[first].reason, e[first].got);
    for (int i = 0; i < N_ENDERS; i++) {
        RC_CHECK(ctx, e[i].last == 5, "end %d answered last_seq %lld after 5 tokens", i, e[i].last);
        RC_CHECK(ctx, !strcmp(e[i].got, e[first].got),
                 "end %d answered reason %s; every end must answer the first reason %s", i,
                 e[i].got, e[first].got);
    }
    one_end_each(ctx, &s, subs, N_SUBS, 5, e[first].got);
}

static void repeated_end(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_pconn *sub;
    rc_http_resp g = {0};
    const char *gr;
    char rs[32];
    int already = -1;
    long long last = -1;

    if (!rc_sc_start(ctx, &s) || !open_subs(ctx, &s, &sub, 1))
        return;
    if (!rc_sc_send_same(ctx, s.stream, "r", 3))
        return;
    if (!rc_sc_end(ctx, s.stream, "cancelled", &already, &last, rs, sizeof rs))
        return;
    RC_CHECK(ctx, !already && last == 3 && !strcmp(rs, "cancelled"),
             "first end answered already_ended %d, last_seq %lld, reason %s", already, last, rs);
    for (int k = 0; k < 3; k++) {
        const char *again = k == 0 ? "failed" : k == 1 ? NULL : "completed";
        if (!rc_sc_end(ctx, s.stream, again, &already, &last, rs, sizeof rs))
            return;
        RC_CHECK(ctx, already, "repeated end (reason %s) answered already_ended false",
                 again ? again : "(empty body)");
        RC_CHECK(ctx, last == 3, "repeated end answered last_seq %lld, the first said 3", last);
        RC_CHECK(ctx, !strcmp(rs, "cancelled"),
                 "repeated end with reason %s answered reason %s; the first reason (cancelled) "
                 "is kept",
                 again ? again : "(empty body)", rs);
    }
    RC_TRY(ctx, rc_stream_get(ctx, s.stream, &g) == 0, "GET failed");
    gr = rc_json_str(g.json, "reason");
    if (g.status != 200 || !gr || strcmp(gr, "cancelled") != 0)
        rc_fail(ctx, "GET after repeated ends must report reason cancelled (the first): %d %.200s",
                g.status, g.body ? g.body : "");
    rc_http_resp_free(&g);
    if (rc_ok(ctx))
        one_end_each(ctx, &s, &sub, 1, 3, "cancelled");
}

static void token_after_end(rc_ctx *ctx)
{
    static const char *const late[2] = {"late-1", "late-2"};
    rc_sc_stream s;
    rc_pconn *sub;
    rc_http_resp r = {0};
    rc_sc_recv rc = {0};
    long long gl = -1;

    if (!rc_sc_start(ctx, &s) || !open_subs(ctx, &s, &sub, 1))
        return;
    if (!rc_sc_send_same(ctx, s.stream, "ok", 3))
        return;
    if (!rc_sc_end(ctx, s.stream, "completed", NULL, NULL, NULL, 0))
        return;
    RC_TRY(ctx, rc_stream_token(ctx, s.stream, "late-0", &r) == 0, "token request failed");
    if (!rc_sc_status(ctx, &r, 409, "token after the end")) {
        rc_http_resp_free(&r);
        return;
    }
    rc_http_resp_free(&r);
    RC_TRY(ctx, rc_sc_tokens_req(ctx, s.stream, late, 2, &r) == 0, "tokens request failed");
    if (!rc_sc_status(ctx, &r, 409, "tokens batch after the end")) {
        rc_http_resp_free(&r);
        return;
    }
    rc_http_resp_free(&r);
    RC_TRY(ctx, rc_stream_get(ctx, s.stream, &r) == 0, "GET failed");
    if (!rc_json_int(r.json, "last_seq", &gl) || gl != 3)
        rc_fail(ctx, "refused tokens changed the stream: GET answered %.200s",
                r.body ? r.body : "");
    rc_http_resp_free(&r);
    /* The subscriber sees 3 tokens, the end, and nothing after it (rc_sc_read fails on a token
     * after the end). */
    if (rc_ok(ctx) && rc_sc_expect(ctx, sub, &s, "subscriber", &rc, 3, 1, 3000)) {
        rc_sc_read(ctx, sub, &s, "subscriber", &rc, 0, 0, RC_SC_LISTEN_MS);
        if (rc_ok(ctx) && rc.n != 3)
            rc_fail(ctx, "subscriber received %zu tokens; 3 were accepted before the end", rc.n);
    }
    rc_sc_recv_free(&rc);
}

static void end_after_last_token(rc_ctx *ctx)
{
    static const char *const t[7] = {"e1", "e2", "e3", "e4", "e5", "e6", "e7"};
    rc_sc_stream s;
    rc_pconn *sub;
    rc_sc_recv r = {0};
    long long f, l, last = -1;

    if (!rc_sc_start(ctx, &s) || !open_subs(ctx, &s, &sub, 1))
        return;
    if (!rc_sc_tokens(ctx, s.stream, t, 4, &f, &l) || rc_sc_token(ctx, s.stream, t[4]) < 0 ||
        !rc_sc_tokens(ctx, s.stream, t + 5, 2, &f, &l))
        return;
    if (!rc_sc_end(ctx, s.stream, "completed", NULL, &last, NULL, 0))
        return;
    RC_CHECK(ctx, last == 7, "end after 7 tokens answered last_seq %lld", last);
    if (rc_sc_expect(ctx, sub, &s, "subscriber", &r, 7, 1, 3000) &&
        rc_sc_check_seqs(ctx, "subscriber", &r, 1, 7, t)) {
        RC_CHECK(ctx, r.toks_before_end == 7,
                 "thread.stream.ended arrived after %zu of the 7 tokens", r.toks_before_end);
        RC_CHECK(ctx, r.end_last_seq == 7,
                 "thread.stream.ended carried last_seq %lld; the last token had seq 7",
                 r.end_last_seq);
    }
    rc_sc_recv_free(&r);
}

static void end_unknown(rc_ctx *ctx)
{
    rc_sc_stream s, u;
    rc_http_resp r = {0};
    int already = -1;
    rc_sc_new(ctx, &u);
    /* The contract names 404 for tokens and GET of an unknown stream, not for its end:
     * docs/protocol.md's 404 here is a SHOULD; creating or ending nothing is what counts. */
    for (int k = 0; k < 2; k++) {
        RC_TRY(ctx, rc_sc_end_req(ctx, u.stream, k ? NULL : "completed", &r) == 0,
               "end request failed");
        if (r.status == 200 || r.status == 201)
            rc_fail(ctx, "end (%s) of a stream never started answered %d, as if it existed",
                    k ? "{}" : "reason completed", r.status);
        else if (r.status != 404)
            rc_fail_should(ctx, "end (%s) of a stream never started: expected 404, got %d",
                           k ? "{}" : "reason completed", r.status);
        rc_http_resp_free(&r);
    }
    if (!rc_ok(ctx))
        return;
    /* Against that: a known, already ended stream answers 200 already_ended. */
    if (!rc_sc_start(ctx, &s) || !rc_sc_end(ctx, s.stream, NULL, &already, NULL, NULL, 0))
        return;
    RC_CHECK(ctx, !already, "the first end answered already_ended true");
    if (!rc_sc_end(ctx, s.stream, NULL, &already, NULL, NULL, 0))
        return;
    RC_CHECK(ctx, already, "the second end of a stream answered already_ended false");
}

/* --- tokens racing the end ---------------------------------------------------------------- */

#define RACERS     4
#define RACE_BATCH 3
#define RACE_MAX   300 /* batches per racer, a bound in case the end never lands */

typedef struct racer {
    rc_ctx *ctx;
    const char *stream;
    int id, n; /* batches sent */
    int status[RACE_MAX];
    long long first[RACE_MAX], last[RACE_MAX];
} racer;

static void *race(void *arg)
{
    racer *p = arg;
    for (p->n = 0; p->n < RACE_MAX; p->n++) {
        char b[RACE_BATCH][24];
        const char *t[RACE_BATCH];
        rc_http_resp r = {0};
        int k = p->n;
        for (int j = 0; j < RACE_BATCH; j++) {
            snprintf(b[j], sizeof b[j], "p%d-%d-%d", p->id, k, j);
            t[j] = b[j];
        }
        if (rc_sc_tokens_req(p->ctx, p->stream, t, RACE_BATCH, &r) < 0)
            break;
        p->status[k] = r.status;
        p->first[k] = p->last[k] = -1;
        rc_json_int(r.json, "first_seq", &p->first[k]);
        rc_json_int(r.json, "last_seq", &p->last[k]);
        rc_http_resp_free(&r);
        if (p->status[k] != 200) {
            p->n++;
            break;
        }
    }
    return NULL;
}

static void end_races_tokens(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_pconn *subs[N_SUBS];
    racer *rs;
    pthread_t th[RACERS];
    unsigned char *seen = NULL;
    long long last = -1;
    int started = 0, ended = 0;

    if (!rc_sc_start(ctx, &s) || !open_subs(ctx, &s, subs, N_SUBS))
        return;
    rs = calloc(RACERS, sizeof *rs);
    RC_TRY(ctx, rs != NULL, "out of memory");
    for (int i = 0; i < RACERS; i++) {
        rs[i].ctx = ctx;
        rs[i].stream = s.stream;
        rs[i].id = i;
        if (pthread_create(&th[i], NULL, race, &rs[i]) != 0)
            break;
        started++;
    }
    rw_sleep_ms(30);
    ended = rc_sc_end(ctx, s.stream, "cancelled", NULL, &last, NULL, 0);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (started < RACERS) {
        rc_error(ctx, "could only start %d of %d producer threads", started, RACERS);
        goto out;
    }
    if (!ended || !rc_ok(ctx))
        goto out;
    /* Accepted batches lie wholly at or below last_seq and, together, cover 1..last_seq. */
    seen = calloc((size_t)last + 1, 1);
    RC_TRY(ctx, seen != NULL || last == 0, "out of memory");
    for (int i = 0; i < RACERS; i++)
        for (int k = 0; k < rs[i].n; k++) {
            if (rs[i].status[k] == 409)
                continue;
            if (rs[i].status[k] != 200) {
                rc_fail(ctx, "a tokens batch racing the end answered %d (200 or 409 expected)",
                        rs[i].status[k]);
                goto out;
            }
            if (rs[i].first[k] < 1 || rs[i].last[k] > last ||
                rs[i].last[k] - rs[i].first[k] != RACE_BATCH - 1) {
                rc_fail(ctx,
                        "a batch accepted around the end got seqs %lld..%lld; the end said "
                        "last_seq %lld",
                        rs[i].first[k], rs[i].last[k], last);
                goto out;
            }
            for (long long q = rs[i].first[k]; q <= rs[i].last[k]; q++) {
                if (seen[q]) {
                    rc_fail(ctx, "seq %lld was given to two batches", q);
                    goto out;
                }
                seen[q] = 1;
            }
        }
    for (long long q = 1; q <= last; q++)
        if (!seen[q]) {
            rc_fail(ctx, "seq %lld (<= last_seq %lld) belongs to no accepted batch", q, last);
            goto out;
        }
    rc_log(ctx, "end landed after %lld tokens", last);
    one_end_each(ctx, &s, subs, N_SUBS, (size_t)last, "cancelled");
out:
    free(seen);
    free(rs);
}

#define BOTH "needs:control-api needs:authorizer"

const rc_case rc_cases_s11_idempotent_end[] = {
    /* protocol §11: 10 concurrent ends: one broadcast, one already_ended false, one last_seq */
    {
        .id = "stream/11/concurrent-end",
        .section = "11",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "10 concurrent ends: one broadcast, one already_ended false, one last_seq",
        .requirement = "Ending a stream any number of times at once broadcasts thread.stream.ended "
                       "exactly once; the first end answers already_ended false, every other "
                       "already_ended true with the same last_seq and the first reason.",
        .tags = BOTH,
        .timeout_ms = 10000,
        .run = concurrent_end,
    },
    /* protocol §11: ends one after another keep the first reason and broadcast once */
    {
        .id = "stream/11/repeated-end-first-reason",
        .section = "11",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "ends one after another keep the first reason and broadcast once",
        .requirement =
            "Repeated ends answer already_ended true with the same last_seq and the first reason; "
            "thread.stream.ended is broadcast exactly once.",
        .tags = BOTH,
        .run = repeated_end,
    },
    /* protocol §11: a token after the end is refused with 409 and never broadcast */
    {
        .id = "stream/11/token-after-end",
        .section = "11",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a token after the end is refused with 409 and never broadcast",
        .requirement =
            "A token sent after the end is refused (409) and never broadcast; it changes nothing.",
        .tags = BOTH,
        .run = token_after_end,
    },
    /* protocol §11: thread.stream.ended comes after the last token and carries its seq */
    {
        .id = "stream/11/end-after-last-token",
        .section = "11",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "thread.stream.ended comes after the last token and carries its seq",
        .requirement = "thread.stream.ended comes after the last token, and its last_seq equals "
                       "the highest seq assigned.",
        .tags = BOTH,
        .run = end_after_last_token,
    },
    /* protocol §11: tokens batches racing the end are wholly before it or wholly refused */
    {
        .id = "stream/11/end-races-tokens",
        .section = "11",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "tokens batches racing the end are wholly before it or wholly refused",
        .requirement =
            "A tokens request racing the end is either wholly before it (its seqs are at most "
            "last_seq) or wholly refused with 409; nothing is published after thread.stream.ended.",
        .tags = BOTH,
        .timeout_ms = 15000,
        .run = end_races_tokens,
    },
    /* protocol §11: end of an unknown stream creates nothing (404 SHOULD); of an ended one 200
       already_ended */
    {
        .id = "stream/11/end-unknown-404",
        .section = "11",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "end of an unknown stream creates nothing (404 SHOULD); of an ended one 200 "
                 "already_ended",
        .requirement = "End of a stream that was never started never answers as if it existed "
                       "(docs/protocol.md: 404, SHOULD); for a known stream every end after the "
                       "first answers 200 with already_ended true.",
        .tags = "needs:control-api",
        .run = end_unknown,
    },
    {0},
};
