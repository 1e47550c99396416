/* Section 2.7.3 (on 2.5.8 and 10): a subscriber that stops reading while a stream flows.
 *
 * One member reads, the other reads nothing while tokens worth twice the server's declared
 * send queue bound and 1 MiB more (its socket buffers) are appended. The reader must get every
 * token in order; the stalled one, once it reads again, must hold a gapless prefix of the
 * stream and then be closed (4100 SHOULD; any close passes the MUST), never a stream with a
 * hole: a client that resumes from the highest seq it saw through replay (12.6) would never
 * learn of the missing tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "stream_common.h"

#define DEFAULT_QUEUE (4L << 20) /* the reference server's default send_queue_bytes */

/* Token sizes tried in turn: the contract names no size a tokens request must accept (413 is
 * allowed for any), so the case uses the largest of these the server takes. */
static const long token_sizes[] = {9000, 4000, 1000};

/* How many token requests of size bytes overflow the declared queue bound with room. */
static long requests_needed(rc_ctx *ctx, long size)
{
    long q = rc_target_of(ctx)->server.send_queue_bytes;
    if (q <= 0)
        q = DEFAULT_QUEUE;
    long total = 2 * q + (1L << 20);
    if (total > (24L << 20))
        total = 24L << 20;
    return total / size + 1;
}

/* Appends the first token at the largest size the server accepts (its declared
 * limits.max_token_bytes first): the seq, with *size and *tok set; -1 after a report. */
static long long first_token(rc_ctx *ctx, const char *stream, long *size, char *tok)
{
    long declared = rc_target_of(ctx)->server.max_token_bytes;
    for (size_t i = 0; i < sizeof token_sizes / sizeof token_sizes[0]; i++) {
        if (declared > 0 && token_sizes[i] > declared)
            continue;
        rc_http_resp r = {0};
        memset(tok, 'x', (size_t)token_sizes[i]);
        tok[token_sizes[i]] = '\0';
        int st = rc_stream_token(ctx, stream, tok, &r) < 0 ? -1 : r.status;
        long long seq = -1;
        if (!rc_json_int(r.json, "first_seq", &seq))
            seq = -1;
        rc_http_resp_free(&r);
        if (st == 413)
            continue; /* over this server's size limit: a smaller token */
        if (st != 200 || seq < 0) {
            if (st >= 0)
                rc_fail(ctx, "a token of %ld bytes: expected 200 {first_seq}, got %d",
                        token_sizes[i], st);
            return -1;
        }
        *size = token_sizes[i];
        return seq;
    }
    rc_fail(ctx, "every token size down to %ld bytes was refused with 413",
            token_sizes[sizeof token_sizes / sizeof token_sizes[0] - 1]);
    return -1;
}

/* Reads what the stalled subscriber got and judges it against n tokens appended. */
static void judge_stalled(rc_ctx *ctx, rc_pconn *slow, const rc_sc_stream *s, long long first,
                          size_t n)
{
    rc_sc_recv r = {0};
    int rv = rc_sc_read(ctx, slow, s, "stalled subscriber", &r, n, 0, 3000);
    if (!rc_sc_check_seqs(ctx, "stalled subscriber", &r, first, r.n, NULL))
        goto out; /* a hole (or a repeat): the MUST broken */
    int code = rc_ws_close_code(slow->ws);
    if (rv == 1) {
        rc_expect_seen(ctx, "a close (4100) once its queue passed the bound",
                       "every token, connection still open");
        rc_fail_should(ctx,
                       "stalled subscriber: got all %zu tokens and was not closed, although "
                       "more than the declared send queue bound was due to it",
                       n);
    } else if (rv == 0 && code == 0) {
        char seen[96];
        snprintf(seen, sizeof seen, "%zu of %zu tokens, then nothing, connection open", r.n, n);
        rc_expect_seen(ctx, "every token, or a gapless prefix and a close", seen);
        rc_fail(ctx,
                "stalled subscriber: the stream stopped after %zu of %zu tokens without a "
                "close: the client cannot know it missed the rest",
                r.n, n);
    } else if (code == 4201) {
        /* it answered no server ping either: closed as unresponsive (2.4.6) before its queue
         * overflowed, which is a close the client recovers from like 4100 */
        rc_log(ctx, "stalled subscriber: %zu of %zu tokens, gapless, then closed 4201", r.n, n);
    } else if (code != 4100) {
        char seen[64];
        snprintf(seen, sizeof seen, "close %d after %zu tokens", code, r.n);
        rc_expect_seen(ctx, "close 4100 (over capacity), or 4201 (no pong)", seen);
        rc_fail_should(ctx, "stalled subscriber closed with %d, not 4100", code);
    } else {
        rc_log(ctx, "stalled subscriber: %zu of %zu tokens, gapless, then closed 4100", r.n, n);
    }
out:
    rc_sc_recv_free(&r);
}

/* protocol §2.7.3: a stalled subscriber is closed, never given a gap; the others unaffected */
static void run_slow_subscriber(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_pconn *reader = rc_sc_start_sub(ctx, &s);
    rc_pconn *slow = reader ? rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member) : NULL;
    if (!slow)
        return;
    char *tok = malloc((size_t)token_sizes[0] + 1);
    rc_sc_recv r = {0};
    if (!tok) {
        rc_error(ctx, "out of memory");
        return;
    }
    long size = 0;
    long long first = first_token(ctx, s.stream, &size, tok);
    if (first < 0)
        goto out;
    long n = requests_needed(ctx, size);
    for (long i = 0; i < n && rc_ok(ctx); i++) {
        if (i > 0 && rc_sc_token(ctx, s.stream, tok) < 0)
            goto out;
        /* The reader keeps up: whatever has arrived is read between requests. */
        if (rc_sc_read(ctx, reader, &s, "reading subscriber", &r, (size_t)i + 1, 0, 1) < 0) {
            rc_fail(ctx, "reading subscriber: closed (code %d) while it kept reading",
                    rc_ws_close_code(reader->ws));
            goto out;
        }
    }
    if (!rc_ok(ctx) ||
        !rc_sc_expect(ctx, reader, &s, "reading subscriber", &r, (size_t)n, 0, RC_WAIT_MS) ||
        !rc_sc_check_seqs(ctx, "reading subscriber", &r, first, (size_t)n, NULL))
        goto out;
    judge_stalled(ctx, slow, &s, first, (size_t)n);
out:
    rc_sc_recv_free(&r);
    free(tok);
}

const rc_case rc_cases_s02_backpressure[] = {
    {
        .id = "stream/2.7/slow-subscriber-closed-without-gap",
        .section = "2.7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a subscriber that stops reading is closed, never given a gap",
        .requirement = "A connection that stops reading while a stream flows is closed (4100 "
                       "SHOULD) once its queue passes the server's bound; what it received is a "
                       "gapless prefix of the stream (10), and the channel's other subscribers "
                       "get every token in order (2.5.8, 2.7.3).",
        .tags = "needs:control-api needs:authorizer",
        .timeout_ms = 20000,
        .run = run_slow_subscriber,
    },
    {0},
};
