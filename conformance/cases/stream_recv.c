/* rc_sc: reading and checking a stream's events at a subscriber. */
#include "stream_common.h"
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#define RC_SC_REPORT_MAX 3

static void bad_event(rc_ctx *ctx, rc_sc_recv *r, const rc_pmsg *m, const char *who,
                      const char *why)
{
    if (r->bad++ < RC_SC_REPORT_MAX) {
        rc_expect_seen(ctx, why, m->raw ? m->raw : "");
        rc_fail(ctx, "%s: %s event breaks the contract: %s; frame %.300s", who,
                m->event ? m->event : "?", why, m->raw ? m->raw : "");
    }
}

/* The data of a stream event as the object it double-encodes, or NULL after a report. */
static const cJSON *event_data(rc_ctx *ctx, rc_sc_recv *r, const rc_pmsg *m, const rc_sc_stream *s,
                               const char *who)
{
    static const char *const keys[4] = {"workspace_id", "thread_id", "run_id", "stream_id"};
    const char *want[4] = {s->workspace, s->thread, s->run, s->stream};
    char why[200];
    const cJSON *d;

    if (!cJSON_IsString(m->data)) {
        bad_event(ctx, r, m, who, "data must be a JSON-encoded string (double-encoded)");
        return NULL;
    }
    d = m->data_parsed;
    if (!cJSON_IsObject(d)) {
        bad_event(ctx, r, m, who, "data must be a string holding a JSON object");
        return NULL;
    }
    for (int i = 0; i < 4; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(d, keys[i]);
        if (!f) {
            snprintf(why, sizeof why, "field %s is missing", keys[i]);
            bad_event(ctx, r, m, who, why);
            return NULL;
        }
        if (!cJSON_IsString(f)) {
            snprintf(why, sizeof why, "field %s must be a string", keys[i]);
            bad_event(ctx, r, m, who, why);
            return NULL;
        }
        if (strcmp(f->valuestring, want[i]) != 0) {
            snprintf(why, sizeof why, "%s must be \"%s\" (the stream's), not \"%.64s\"", keys[i],
                     want[i], f->valuestring);
            bad_event(ctx, r, m, who, why);
            return NULL;
        }
    }
    return d;
}

static int push_tok(rc_sc_recv *r, long long seq, const char *token)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        rc_sc_tok *nt = realloc(r->toks, nc * sizeof *nt);
        if (!nt)
            return -1;
        r->toks = nt;
        r->cap = nc;
    }
    r->toks[r->n].seq = seq;
    r->toks[r->n].token = strdup(token);
    if (!r->toks[r->n].token)
        return -1;
    r->n++;
    return 0;
}

static void on_token(rc_ctx *ctx, rc_sc_recv *r, const rc_pmsg *m, const rc_sc_stream *s,
                     const char *who)
{
    const cJSON *d = event_data(ctx, r, m, s, who), *seq, *tok;
    long long v;
    if (!d)
        return;
    seq = cJSON_GetObjectItemCaseSensitive(d, "seq");
    tok = cJSON_GetObjectItemCaseSensitive(d, "token");
    if (!seq) {
        bad_event(ctx, r, m, who, "field seq is missing");
        return;
    }
    if (!rc_json_int(d, "seq", &v)) {
        bad_event(ctx, r, m, who, "seq must be a JSON integer (not a string or fraction)");
        return;
    }
    if (v < 1) {
        bad_event(ctx, r, m, who, "seq must be >= 1");
        return;
    }
    if (!tok) {
        bad_event(ctx, r, m, who, "field token is missing");
        return;
    }
    if (!cJSON_IsString(tok)) {
        bad_event(ctx, r, m, who, "token must be a JSON string");
        return;
    }
    if (r->ends > 0)
        rc_fail(ctx, "%s: token seq %lld arrived after thread.stream.ended", who, v);
    if (push_tok(r, v, tok->valuestring) < 0)
        rc_error(ctx, "out of memory");
}

static void on_end(rc_ctx *ctx, rc_sc_recv *r, const rc_pmsg *m, const rc_sc_stream *s,
                   const char *who)
{
    const cJSON *d = event_data(ctx, r, m, s, who);
    const char *reason;
    long long v;
    if (!d)
        return;
    if (!cJSON_GetObjectItemCaseSensitive(d, "last_seq")) {
        bad_event(ctx, r, m, who, "field last_seq is missing");
        return;
    }
    if (!rc_json_int(d, "last_seq", &v) || v < 0) {
        bad_event(ctx, r, m, who, "last_seq must be a JSON integer >= 0");
        return;
    }
    reason = rc_json_str(d, "reason");
    if (!rc_sc_valid_reason(reason)) {
        bad_event(ctx, r, m, who, "reason must be one of completed, cancelled, failed");
        return;
    }
    r->ends++;
    if (r->ends == 1) {
        r->end_last_seq = v;
        snprintf(r->end_reason, sizeof r->end_reason, "%s", reason);
        r->toks_before_end = r->n;
    } else {
        rc_fail(ctx, "%s: thread.stream.ended received %d times (must be exactly once)", who,
                r->ends);
    }
}

static int goal(const rc_sc_recv *r, size_t want_tokens, int want_end)
{
    if (!want_tokens && !want_end)
        return 0;
    return r->n >= want_tokens && (!want_end || r->ends > 0);
}

int rc_sc_read(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, rc_sc_recv *r,
               size_t want_tokens, int want_end, int timeout_ms)
{
    long long deadline = rc_now_ms() + timeout_ms;
    for (;;) {
        const rc_pmsg *m;
        long long left;
        int rv;
        if (goal(r, want_tokens, want_end))
            return 1;
        left = deadline - rc_now_ms();
        if (left <= 0)
            return 0;
        rv = rc_pusher_next(pc, (int)left, &m);
        if (rv != 1)
            return rv;
        if (!m->event || !strncmp(m->event, "pusher:", 7) ||
            !strncmp(m->event, "pusher_internal:", 16))
            continue;
        if (!m->channel || strcmp(m->channel, s->channel) != 0) {
            r->foreign++;
            rc_fail(ctx, "%s: event %s arrived on channel %s; only %s was subscribed", who,
                    m->event, m->channel ? m->channel : "(none)", s->channel);
            continue;
        }
        if (!strcmp(m->event, "thread.token.streamed"))
            on_token(ctx, r, m, s, who);
        else if (!strcmp(m->event, "thread.stream.ended"))
            on_end(ctx, r, m, s, who);
        else
            rc_log(ctx, "%s: ignoring event %s on the stream channel", who, m->event);
    }
}

int rc_sc_expect(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, rc_sc_recv *r,
                 size_t want_tokens, int want_end, int timeout_ms)
{
    int rv = rc_sc_read(ctx, pc, s, who, r, want_tokens, want_end, timeout_ms);
    if (rv == 1)
        return 1;
    rc_fail(ctx,
            "%s: expected %zu token events%s within %d ms, got %zu tokens and %d end "
            "events%s",
            who, want_tokens, want_end ? " and thread.stream.ended" : "", timeout_ms, r->n, r->ends,
            rv < 0 ? " (connection closed)" : "");
    return 0;
}

int rc_sc_check_seqs(rc_ctx *ctx, const char *who, const rc_sc_recv *r, long long first, size_t n,
                     const char *const *expect)
{
    size_t m = r->n < n ? r->n : n;
    for (size_t i = 0; i < m; i++) {
        long long want = first + (long long)i;
        if (r->toks[i].seq != want) {
            char e[64], g[256];
            int off = 0;
            snprintf(e, sizeof e, "seq %lld at position %zu", want, i);
            for (size_t k = i > 2 ? i - 2 : 0; k < r->n && k < i + 3 && off < 200; k++)
                off += snprintf(g + off, sizeof g - (size_t)off, "%lld ", r->toks[k].seq);
            rc_expect_seen(ctx, e, g);
            rc_fail(ctx, "%s: token %zu has seq %lld, expected %lld (seqs near it: %s)", who, i,
                    r->toks[i].seq, want, g);
            return 0;
        }
        if (expect && strcmp(r->toks[i].token, expect[i]) != 0) {
            rc_expect_seen(ctx, expect[i], r->toks[i].token);
            rc_fail(ctx, "%s: token with seq %lld is not byte-equal to the one sent", who, want);
            return 0;
        }
    }
    if (r->n != n) {
        rc_fail(ctx, "%s: received %zu token events, expected exactly %zu", who, r->n, n);
        return 0;
    }
    return 1;
}

int rc_sc_expect_silence(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, int ms)
{
    rc_sc_recv r = {0};
    int ok;
    rc_sc_read(ctx, pc, s, who, &r, 0, 0, ms > 0 ? ms : RC_SC_LISTEN_MS);
    ok = r.n == 0 && r.ends == 0 && r.bad == 0;
    if (r.n || r.ends)
        rc_fail(ctx,
                "%s must receive none of the stream's events, yet got %zu tokens and %d end "
                "events",
                who, r.n, r.ends);
    rc_sc_recv_free(&r);
    return ok;
}

void rc_sc_recv_free(rc_sc_recv *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->toks[i].token);
    free(r->toks);
    memset(r, 0, sizeof *r);
}
