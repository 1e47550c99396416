/* Stream profile, section 10: sequence monotonicity. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stream_common.h"

#define N_SUBS   3
#define N_PROD   8
#define PER_PROD 25
#define TOTAL    (N_PROD * PER_PROD)

/* Subscribes N_SUBS members to s's channel. 1 ok. */
static int subscribe_all(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *subs[N_SUBS])
{
    for (int i = 0; i < N_SUBS; i++) {
        subs[i] = rc_sc_member_sub(ctx, s->channel, &rc_target_of(ctx)->member);
        if (!subs[i])
            return 0;
    }
    return 1;
}

/* Each subscriber must see exactly seqs 1..n in order (tokens equal to want[seq-1] when given)
 * followed by one end with last_seq n. */
static void check_all(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *subs[N_SUBS], size_t n,
                      const char *const *want, int with_end)
{
    for (int i = 0; i < N_SUBS && rc_ok(ctx); i++) {
        char who[32];
        rc_sc_recv r = {0};
        snprintf(who, sizeof who, "subscriber %d", i + 1);
        if (rc_sc_expect(ctx, subs[i], s, who, &r, n, with_end, 10000) &&
            rc_sc_check_seqs(ctx, who, &r, 1, n, want) && with_end &&
            (r.end_last_seq != (long long)n || r.toks_before_end != n))
            rc_fail(ctx,
                    "%s: thread.stream.ended carried last_seq %lld after %zu tokens; "
                    "expected last_seq %zu after all %zu",
                    who, r.end_last_seq, r.toks_before_end, n, n);
        rc_sc_recv_free(&r);
    }
}

static int end_expect_last(rc_ctx *ctx, const char *stream, long long want)
{
    long long last = -1;
    if (!rc_sc_end(ctx, stream, "completed", NULL, &last, NULL, 0))
        return 0;
    if (last != want) {
        rc_fail(ctx, "end answered last_seq %lld; the highest seq assigned is %lld", last, want);
        return 0;
    }
    return 1;
}

static void single_producer(rc_ctx *ctx)
{
    char buf[TOTAL][16];
    const char *want[TOTAL];
    rc_pconn *subs[N_SUBS];
    rc_sc_stream s;
    if (!rc_sc_start(ctx, &s) || !subscribe_all(ctx, &s, subs))
        return;
    for (int i = 0; i < TOTAL; i++) {
        long long seq;
        snprintf(buf[i], sizeof buf[i], "tok-%d", i + 1);
        want[i] = buf[i];
        seq = rc_sc_token(ctx, s.stream, buf[i]);
        if (seq < 0)
            return;
        RC_CHECK(ctx, seq == i + 1, "token %d of a single producer answered seq %lld", i + 1, seq);
    }
    if (end_expect_last(ctx, s.stream, TOTAL))
        check_all(ctx, &s, subs, TOTAL, want, 1);
}

#define LONG_N     1000
#define LONG_BATCH 50

/* The long stream of the contract's acceptance test: 1000 tokens to 3 subscribers, then
 * three end calls; each subscriber sees 1..1000 in order and exactly one end. */
static void long_stream(rc_ctx *ctx)
{
    char buf[LONG_N][16];
    const char *want[LONG_N];
    rc_pconn *subs[N_SUBS];
    rc_sc_stream s;
    if (!rc_sc_start(ctx, &s) || !subscribe_all(ctx, &s, subs))
        return;
    for (int i = 0; i < LONG_N; i++) {
        snprintf(buf[i], sizeof buf[i], " w%d", i + 1);
        want[i] = buf[i];
    }
    for (int k = 0; k < LONG_N; k += LONG_BATCH) {
        long long f = 0, l = 0;
        if (!rc_sc_tokens(ctx, s.stream, want + k, LONG_BATCH, &f, &l))
            return;
        RC_CHECK(ctx, f == k + 1 && l == k + LONG_BATCH,
                 "tokens %d..%d answered first_seq %lld, last_seq %lld", k + 1, k + LONG_BATCH, f,
                 l);
    }
    for (int e = 0; e < 3; e++) {
        int already = -1;
        long long last = -1;
        if (!rc_sc_end(ctx, s.stream, "completed", &already, &last, NULL, 0))
            return;
        RC_CHECK(ctx, already == (e > 0) && last == LONG_N,
                 "end call %d answered already_ended %d, last_seq %lld; expected %d, %d", e + 1,
                 already, last, e > 0, LONG_N);
    }
    check_all(ctx, &s, subs, LONG_N, want, 1);
    for (int i = 0; i < N_SUBS && rc_ok(ctx); i++)
        rc_sc_expect_silence(ctx, subs[i], &s, "a subscriber after the end", 0);
}

static void batch_consecutive(rc_ctx *ctx)
{
    static const size_t sizes[5] = {1, 4, 10, 2, 7};
    char buf[24][16];
    const char *want[24];
    rc_pconn *subs[N_SUBS];
    rc_sc_stream s;
    size_t k = 0;
    long long next = 1;
    if (!rc_sc_start(ctx, &s) || !subscribe_all(ctx, &s, subs))
        return;
    for (int i = 0; i < 24; i++) {
        snprintf(buf[i], sizeof buf[i], "b%02d", i + 1);
        want[i] = buf[i];
    }
    for (int b = 0; b < 5; b++) {
        long long f = 0, l = 0;
        if (!rc_sc_tokens(ctx, s.stream, want + k, sizes[b], &f, &l))
            return;
        RC_CHECK(ctx, f == next && l == next + (long long)sizes[b] - 1,
                 "batch of %zu answered first_seq %lld, last_seq %lld; expected %lld..%lld",
                 sizes[b], f, l, next, next + (long long)sizes[b] - 1);
        next = l + 1;
        k += sizes[b];
    }
    if (end_expect_last(ctx, s.stream, 24))
        check_all(ctx, &s, subs, 24, want, 1);
}

/* --- concurrent producers ----------------------------------------------------------------- */

typedef struct producer {
    rc_ctx *ctx;
    const char *stream;
    int id;
    int batch; /* 0: one token per request; else tokens per batch request */
    char tok[PER_PROD][16];
    long long seq[PER_PROD];
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < PER_PROD; i++) {
        snprintf(p->tok[i], sizeof p->tok[i], "p%d-%02d", p->id, i);
        p->seq[i] = -1;
    }
    if (!p->batch) {
        for (int i = 0; i < PER_PROD; i++)
            if ((p->seq[i] = rc_sc_token(p->ctx, p->stream, p->tok[i])) < 0)
                break;
        return NULL;
    }
    for (int i = 0; i < PER_PROD; i += p->batch) {
        const char *t[PER_PROD];
        long long f = -1, l = -1;
        for (int j = 0; j < p->batch; j++)
            t[j] = p->tok[i + j];
        if (!rc_sc_tokens(p->ctx, p->stream, t, (size_t)p->batch, &f, &l))
            break;
        for (int j = 0; j < p->batch; j++)
            p->seq[i + j] = f + j;
    }
    return NULL;
}

static void concurrent(rc_ctx *ctx, int batch)
{
    const char *owner[TOTAL + 1];
    producer *prods;
    pthread_t th[N_PROD];
    rc_pconn *subs[N_SUBS];
    rc_sc_stream s;
    int started = 0;

    if (!rc_sc_start(ctx, &s) || !subscribe_all(ctx, &s, subs))
        return;
    prods = calloc(N_PROD, sizeof *prods);
    RC_TRY(ctx, prods != NULL, "out of memory");
    for (int i = 0; i < N_PROD; i++) {
        prods[i] = (producer){.ctx = ctx, .stream = s.stream, .id = i, .batch = batch};
        if (pthread_create(&th[i], NULL, produce, &prods[i]) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (started < N_PROD) {
        rc_error(ctx, "could not start %d producer threads", N_PROD);
        goto out;
    }
    if (!rc_ok(ctx))
        goto out;
    /* The answers' seqs are exactly 1..TOTAL, each producer's rising in its own order. */
    memset(owner, 0, sizeof owner);
    for (int i = 0; i < N_PROD; i++)
        for (int j = 0; j < PER_PROD; j++) {
            long long q = prods[i].seq[j];
            if (q < 1 || q > TOTAL || owner[q]) {
                rc_fail(ctx, "answers' seqs must be exactly 1..%d: %s got seq %lld%s%s", TOTAL,
                        prods[i].tok[j], q, q >= 1 && q <= TOTAL ? ", already given to " : "",
                        q >= 1 && q <= TOTAL && owner[q] ? owner[q] : "");
                goto out;
            }
            owner[q] = prods[i].tok[j];
            if (j > 0 && q <= prods[i].seq[j - 1]) {
                rc_fail(ctx, "producer %d's token %d got seq %lld after seq %lld", i, j, q,
                        prods[i].seq[j - 1]);
                goto out;
            }
        }
    if (end_expect_last(ctx, s.stream, TOTAL))
        check_all(ctx, &s, subs, TOTAL, owner + 1, 1);
out:
    free(prods);
}

static void concurrent_producers(rc_ctx *ctx)
{
    concurrent(ctx, 0);
}

static void concurrent_batches(rc_ctx *ctx)
{
    concurrent(ctx, 5);
}

static void late_subscriber(rc_ctx *ctx)
{
    static const char *const t[10] = {"l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10"};
    rc_sc_stream s;
    rc_sc_recv ra = {0}, rb = {0};
    rc_pconn *b, *a = rc_sc_start_sub(ctx, &s);
    if (!a || !rc_sc_send_each(ctx, s.stream, t, 2))
        return;
    b = rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member);
    if (!b || !rc_sc_send_each(ctx, s.stream, t + 2, 8))
        return;
    if (rc_sc_expect(ctx, a, &s, "early subscriber", &ra, 10, 0, 3000) &&
        rc_sc_check_seqs(ctx, "early subscriber", &ra, 1, 10, t) &&
        rc_sc_expect(ctx, b, &s, "late subscriber", &rb, 8, 0, 3000))
        rc_sc_check_seqs(ctx, "late subscriber", &rb, 3, 8, t + 2);
    rc_sc_recv_free(&ra);
    rc_sc_recv_free(&rb);
}

/* Two runs of one thread share its channel; each stream is numbered from 1 on its own. */
static void runs_on_one_thread(rc_ctx *ctx)
{
    static const char *const t[6] = {"r1", "r2", "r3", "r4", "r5", "r6"};
    rc_sc_stream s1, s2;
    rc_http_resp resp = {0};
    rc_pconn *pc = rc_sc_start_sub(ctx, &s1);
    if (!pc)
        return;
    s2 = s1;
    rc_sc_new(ctx, &s2);
    snprintf(s2.thread, sizeof s2.thread, "%s", s1.thread);
    snprintf(s2.channel, sizeof s2.channel, "%s", s1.channel);
    for (int k = 0; k < 2 && rc_ok(ctx); k++) {
        const rc_sc_stream *s = k ? &s2 : &s1;
        rc_sc_recv r = {0};
        char who[40];
        snprintf(who, sizeof who, "subscriber, run %d", k + 1);
        if (k) {
            RC_TRY(ctx,
                   rc_stream_start(ctx, s->workspace, s->thread, s->run, s->stream, &resp) == 0,
                   "start failed");
            if (!rc_sc_status(ctx, &resp, 201, "start of a second run on the same thread")) {
                rc_http_resp_free(&resp);
                return;
            }
            rc_http_resp_free(&resp);
        }
        if (!rc_sc_send_each(ctx, s->stream, t, 6) || !end_expect_last(ctx, s->stream, 6))
            return;
        if (rc_sc_expect(ctx, pc, s, who, &r, 6, 1, 3000))
            rc_sc_check_seqs(ctx, who, &r, 1, 6, t);
        rc_sc_recv_free(&r);
    }
}

static void last_seq_highest(rc_ctx *ctx)
{
    static const char *const t[9] = {"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"};
    rc_sc_stream s;
    rc_sc_recv r = {0};
    rc_http_resp g = {0};
    long long f, l, gl = -1;
    rc_pconn *pc = rc_sc_start_sub(ctx, &s);
    if (!pc || rc_sc_token(ctx, s.stream, t[0]) < 0 ||
        !rc_sc_tokens(ctx, s.stream, t + 1, 5, &f, &l) || rc_sc_token(ctx, s.stream, t[6]) < 0 ||
        !rc_sc_tokens(ctx, s.stream, t + 7, 2, &f, &l))
        return;
    RC_CHECK(ctx, l == 9, "the ninth token got seq %lld", l);
    RC_TRY(ctx, rc_stream_get(ctx, s.stream, &g) == 0, "GET failed");
    RC_CHECK(ctx, g.status == 200 && rc_json_int(g.json, "last_seq", &gl) && gl == 9,
             "GET after 9 tokens must answer last_seq 9: %d %.200s", g.status,
             g.body ? g.body : "");
    rc_http_resp_free(&g);
    if (!end_expect_last(ctx, s.stream, 9))
        return;
    if (rc_sc_expect(ctx, pc, &s, "subscriber", &r, 9, 1, 3000) &&
        rc_sc_check_seqs(ctx, "subscriber", &r, 1, 9, t) && r.end_last_seq != 9)
        rc_fail(ctx, "thread.stream.ended carried last_seq %lld; the highest seq is 9",
                r.end_last_seq);
    rc_sc_recv_free(&r);
}

#define BOTH "needs:control-api needs:authorizer"

const rc_case rc_cases_s10_sequence[] = {
    /* protocol §10: 200 tokens from one producer arrive as 1..200 at 3 subscribers */
    {
        .id = "stream/10/single-producer",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "200 tokens from one producer arrive as 1..200 at 3 subscribers",
        .requirement =
            "The server numbers a stream's tokens 1, 2, 3, ... with no gap and no repeat; every "
            "subscriber receives them in strictly increasing seq order, each once, and "
            "thread.stream.ended comes after the last with last_seq equal to the highest seq.",
        .tags = BOTH,
        .timeout_ms = 30000,
        .run = single_producer,
    },
    /* protocol §10: 1000 tokens reach 3 subscribers as 1..1000, and 3 end calls give one end event
     */
    {
        .id = "stream/10/long-stream",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "1000 tokens reach 3 subscribers as 1..1000, and 3 end calls give one end event",
        .requirement =
            "Every subscriber connection receives a stream's tokens in strictly increasing seq "
            "order, "
            "each once, then exactly one thread.stream.ended however many times end is called.",
        .tags = BOTH,
        .timeout_ms = 30000,
        .run = long_stream,
    },
    /* protocol §10: a tokens array gets consecutive seqs, answered as first_seq..last_seq */
    {
        .id = "stream/10/batch-consecutive",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a tokens array gets consecutive seqs, answered as first_seq..last_seq",
        .requirement =
            "A tokens request with an array is numbered consecutively in array order; the answer's "
            "first_seq and last_seq bound exactly those seqs and each token is its own event.",
        .tags = BOTH,
        .run = batch_consecutive,
    },
    /* protocol §10: 8 concurrent producers x 25 tokens: answers and subscribers see exactly 1..200
     */
    {
        .id = "stream/10/concurrent-producers",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "8 concurrent producers x 25 tokens: answers and subscribers see exactly 1..200",
        .requirement =
            "Whatever the number of producers appending at once, the seqs assigned are 1..N with "
            "no gap "
            "and no repeat, and every subscriber receives them strictly increasing, each once.",
        .tags = BOTH,
        .timeout_ms = 30000,
        .run = concurrent_producers,
    },
    /* protocol §10: 8 concurrent producers sending batches: ranges disjoint, 1..200 without gap */
    {
        .id = "stream/10/concurrent-batches",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "8 concurrent producers sending batches: ranges disjoint, 1..200 without gap",
        .requirement =
            "Concurrent batch requests each get a consecutive range; the ranges do not overlap, "
            "cover 1..N, and subscribers receive every token once in seq order.",
        .tags = BOTH,
        .timeout_ms = 30000,
        .run = concurrent_batches,
    },
    /* protocol §10: a subscriber joining mid-stream sees a gapless suffix */
    {
        .id = "stream/10/late-subscriber",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a subscriber joining mid-stream sees a gapless suffix",
        .requirement = "Every subscriber connection receives a stream's tokens in strictly "
                       "increasing seq order with no gap from the moment it joined.",
        .tags = BOTH,
        .run = late_subscriber,
    },
    /* protocol §10: two runs on one thread channel are each numbered from 1 */
    {
        .id = "stream/10/runs-share-thread",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "two runs on one thread channel are each numbered from 1",
        .requirement = "Sequence numbers belong to a stream: a second stream on the same thread "
                       "(same channel) starts again at seq 1 with no gap.",
        .tags = BOTH,
        .timeout_ms = 8000,
        .run = runs_on_one_thread,
    },
    /* protocol §10: GET, the end answer and the end event report the highest seq */
    {
        .id = "stream/10/last-seq-highest",
        .section = "10",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "GET, the end answer and the end event report the highest seq",
        .requirement = "thread.stream.ended's last_seq (and the end answer's) equals the highest "
                       "seq assigned, across single and batch requests.",
        .tags = BOTH,
        .run = last_seq_highest,
    },
    {0},
};
