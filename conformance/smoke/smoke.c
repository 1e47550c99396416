/* `rehome-conform smoke` (see smoke.h): the steps, their progress lines and the verdict.
 *
 * The checks run on the suite's clients inside one rc_ctx, so a failing step leaves its
 * message there; each step prints one line and the first failing step ends the run (later
 * steps would only report consequences of it). Events of other streams on the same thread
 * are ignored: on a live deployment real users may be streaming there at the same time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../client/client.h"
#include "../runner/internal.h"
#include "smoke.h"
#include "smoke_int.h"

typedef struct smoke {
    rc_ctx *ctx;
    const rc_smoke_opts *o;
    char stream[80];
    char channel[200];
    rc_pconn *pc;
    int got;   /* token events seen, all in order so far */
    int ended; /* thread.stream.ended events seen for our stream */
    long long ended_last_seq;
    char ended_reason[32];
    long long expires_in;
} smoke;

static void token_text(int i, char *out, size_t outlen)
{
    /* non-ASCII, quotes and a backslash: a proxy or server that re-encodes text shows here */
    snprintf(out, outlen, "smoke %d \"é\\ ", i);
}

/* Checks one frame; events of other streams and channels are not ours. */
static void consume(smoke *s, const rc_pmsg *m)
{
    if (!m->event || !m->channel || strcmp(m->channel, s->channel) != 0 || !m->data_parsed)
        return;
    const cJSON *d = m->data_parsed;
    const char *sid = rc_json_str(d, "stream_id");
    if (!sid || strcmp(sid, s->stream) != 0)
        return;
    if (strcmp(m->event, "thread.token.streamed") == 0) {
        long long seq = 0;
        char want[64];
        if (!rc_json_int(d, "seq", &seq)) {
            rc_fail(s->ctx, "token event without an integer seq: %s", m->raw);
            return;
        }
        if (s->ended) {
            rc_fail(s->ctx, "token seq %lld arrived after the ended event", seq);
            return;
        }
        if (seq != s->got + 1) {
            rc_fail(s->ctx, "token events out of order: expected seq %d, got %lld", s->got + 1,
                    seq);
            return;
        }
        token_text((int)seq, want, sizeof want);
        const char *tok = rc_json_str(d, "token");
        const char *run = rc_json_str(d, "run_id");
        if (!tok || strcmp(tok, want) != 0 || !run || strcmp(run, s->o->run) != 0) {
            rc_fail(s->ctx, "token seq %lld carries the wrong text or run_id: %s", seq, m->raw);
            return;
        }
        s->got++;
    } else if (strcmp(m->event, "thread.stream.ended") == 0) {
        s->ended++;
        rc_json_int(d, "last_seq", &s->ended_last_seq);
        const char *r = rc_json_str(d, "reason");
        snprintf(s->ended_reason, sizeof s->ended_reason, "%s", r ? r : "");
    }
}

/* Reads frames for up to ms (0: only what is already there). -1 when the connection closed. */
static int pump(smoke *s, int ms)
{
    const rc_pmsg *m;
    int rc;
    while ((rc = rc_pusher_next(s->pc, ms, &m)) == 1) {
        consume(s, m);
        if (!rc_ok(s->ctx))
            return 0;
        ms = 0;
    }
    if (rc < 0) {
        rc_fail(s->ctx, "the WebSocket closed (code %d)", rc_ws_close_code(s->pc->ws));
        return -1;
    }
    return 0;
}

/* Waits until cond(s) holds, reading frames, for up to the step timeout. */
static int wait_until(smoke *s, int (*cond)(const smoke *), const char *what)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (cond(s))
            return 1;
        if (pump(s, 100) < 0 || !rc_ok(s->ctx))
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long el = (t.tv_sec - t0.tv_sec) * 1000L + (t.tv_nsec - t0.tv_nsec) / 1000000L;
        if (el > s->o->timeout_ms) {
            rc_fail(s->ctx, "timed out after %d ms waiting for %s", s->o->timeout_ms, what);
            return 0;
        }
    }
}

static void step_subscribe(smoke *s)
{
    rc_http_resp r;
    s->pc = rc_pusher_connect(s->ctx);
    if (!s->pc)
        return;
    if (rc_authorize(s->ctx, s->o->token, s->pc->socket_id, s->channel, &r) < 0)
        return;
    const char *auth = r.status == 200 ? rc_json_str(r.json, "auth") : NULL;
    if (!auth) {
        rc_fail(s->ctx, "authorizer %s answered %d: %s", s->o->t.auth_path, r.status, r.body);
        rc_http_resp_free(&r);
        return;
    }
    rc_pusher_subscribe(s->pc, s->channel, auth, NULL);
    rc_http_resp_free(&r);
    const rc_pmsg *m;
    for (;;) {
        int rc = rc_pusher_next(s->pc, s->o->timeout_ms, &m);
        if (rc <= 0) {
            rc_fail(s->ctx, "no subscription answer for %s (%s)", s->channel,
                    rc == 0 ? "timeout" : "connection closed");
            return;
        }
        if (m->event && strcmp(m->event, "pusher_internal:subscription_succeeded") == 0)
            return;
        if (m->event && strcmp(m->event, "pusher:subscription_error") == 0) {
            rc_fail(s->ctx, "the server refused the authorizer's signature: %s", m->raw);
            return;
        }
    }
}

static void step_start(smoke *s)
{
    rc_http_resp r;
    if (rc_stream_start(s->ctx, s->o->workspace, s->o->thread, s->o->run, s->stream, &r) < 0)
        return;
    const char *st = rc_json_str(r.json, "state");
    const char *ch = rc_json_str(r.json, "channel");
    if (r.status == 200)
        rc_fail(s->ctx, "stream %s already exists (pick a new --stream-id)", s->stream);
    else if (r.status != 201)
        rc_fail(s->ctx, "start answered %d: %s", r.status, r.body);
    else if (!st || strcmp(st, "open") != 0 || !ch || strcmp(ch, s->channel) != 0)
        rc_fail(s->ctx, "start answer lacks state open on %s: %s", s->channel, r.body);
    rc_http_resp_free(&r);
}

/* Token i's Idempotency-Key: the stream id and i, so a retry of the same request reuses it. */
static void token_key(const smoke *s, int i, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s-%d", s->stream, i);
}

/* Token i with its key: 1 when answered 200 with first_seq = last_seq = i. */
static int keyed_token(smoke *s, int i, const char *what)
{
    char text[64], key[160];
    rc_http_resp r;
    token_text(i, text, sizeof text);
    token_key(s, i, key, sizeof key);
    if (rc_stream_token_key(s->ctx, s->stream, text, key, &r) < 0)
        return 0;
    long long first = 0, last = 0;
    int ok = r.status == 200 && rc_json_int(r.json, "first_seq", &first) &&
             rc_json_int(r.json, "last_seq", &last) && first == i && last == i;
    if (!ok)
        rc_fail(s->ctx, "%s %d: expected 200 with first_seq = last_seq = %d, got %d: %s", what, i,
                i, r.status, r.body);
    rc_http_resp_free(&r);
    return ok;
}

static void step_tokens(smoke *s)
{
    for (int i = 1; i <= s->o->ntokens && rc_ok(s->ctx); i++) {
        keyed_token(s, i, "token");
        pump(s, 0); /* keep the socket drained on long runs */
    }
}

/* protocol §12.7: the last request again, as a producer retries after a timeout: the first
 * answer, and nothing appended (step_receive and the end's last_seq see any extra token). */
static void step_retry(smoke *s)
{
    if (s->o->ntokens > 0)
        keyed_token(s, s->o->ntokens, "retry of token");
}

static int all_tokens(const smoke *s)
{
    return s->got == s->o->ntokens;
}

static int ended_once(const smoke *s)
{
    return s->ended > 0;
}

/* One end call; checks already_ended, last_seq and reason. */
static void end_call(smoke *s, const char *reason, int again)
{
    rc_http_resp r;
    if (rc_stream_end(s->ctx, s->stream, reason, &r) < 0)
        return;
    cJSON *ae = r.json ? cJSON_GetObjectItem(r.json, "already_ended") : NULL;
    long long last = -1;
    const char *rs = rc_json_str(r.json, "reason");
    if (r.status != 200)
        rc_fail(s->ctx, "end %d answered %d: %s", again + 1, r.status, r.body);
    else if (!cJSON_IsBool(ae) || cJSON_IsTrue(ae) != again)
        rc_fail(s->ctx, "end %d: already_ended should be %s: %s", again + 1,
                again ? "true (the second end must be a no-op)" : "false", r.body);
    else if (!rc_json_int(r.json, "last_seq", &last) || last != s->o->ntokens)
        rc_fail(s->ctx, "end %d: last_seq should be %d: %s", again + 1, s->o->ntokens, r.body);
    else if (!rs || strcmp(rs, "completed") != 0)
        rc_fail(s->ctx, "end %d: reason should stay \"completed\": %s", again + 1, r.body);
    if (!again)
        rc_json_int(r.json, "expires_in", &s->expires_in);
    rc_http_resp_free(&r);
}

static void step_end_twice(smoke *s)
{
    end_call(s, "completed", 0);
    if (rc_ok(s->ctx))
        end_call(s, "cancelled", 1);
}

static void step_one_ended_event(smoke *s)
{
    if (!wait_until(s, ended_once, "thread.stream.ended"))
        return;
    /* room for a wrong second ended event */
    if (pump(s, s->o->timeout_ms < 1000 ? s->o->timeout_ms : 1000) < 0 || !rc_ok(s->ctx))
        return;
    if (s->ended != 1)
        rc_fail(s->ctx, "%d thread.stream.ended events for one stream (exactly one expected)",
                s->ended);
    else if (s->ended_last_seq != s->o->ntokens || strcmp(s->ended_reason, "completed") != 0)
        rc_fail(s->ctx, "ended event says last_seq %lld reason %s; expected %d completed",
                s->ended_last_seq, s->ended_reason, s->o->ntokens);
}

static void step_after_end(smoke *s)
{
    rc_http_resp r;
    if (rc_stream_token(s->ctx, s->stream, "late", &r) < 0)
        return;
    if (r.status != 409)
        rc_fail(s->ctx, "a token after the end answered %d (409 expected): %s", r.status, r.body);
    rc_http_resp_free(&r);
    if (!rc_ok(s->ctx) || rc_stream_get(s->ctx, s->stream, &r) < 0)
        return;
    const char *st = rc_json_str(r.json, "state");
    long long last = -1;
    if (r.status != 200 || !st || strcmp(st, "ended") != 0 ||
        !rc_json_int(r.json, "last_seq", &last) || last != s->o->ntokens)
        rc_fail(s->ctx, "stream state should be ended at last_seq %d: %d %s", s->o->ntokens,
                r.status, r.body);
    rc_http_resp_free(&r);
    pump(s, 200);
}

static void step_expiry(smoke *s)
{
    int limit = s->o->expiry_s;
    rc_allow_wait(s->ctx, (long)limit * 1000L, "expiry");
    for (int waited = 0;; waited++) {
        rc_http_resp r;
        if (rc_stream_get(s->ctx, s->stream, &r) < 0)
            return;
        int st = r.status;
        rc_http_resp_free(&r);
        if (st == 404)
            return;
        if (st != 200) {
            rc_fail(s->ctx, "state query answered %d while waiting for expiry", st);
            return;
        }
        if (waited >= limit) {
            rc_fail(s->ctx, "ended state still there after %d s (end said expires_in %lld)", limit,
                    s->expires_in);
            return;
        }
        if (waited % 10 == 9)
            printf("        ... %d s\n", waited + 1);
        fflush(stdout);
        sleep(1);
    }
}

typedef struct step {
    const char *title;
    void (*fn)(smoke *s);
} step;

static void step_receive(smoke *s)
{
    wait_until(s, all_tokens, "every token event");
}

int rc_smoke_main(int argc, char **argv)
{
    rc_smoke_opts o;
    int p = rc_smoke_parse(argc, argv, &o);
    if (p != 0)
        return p > 0 ? 0 : 2;
    static const rc_case smoke_case = {.id = "smoke", .section = "12", .title = "smoke"};
    static rc_rng rng;
    rc_rng_init(&rng, (uint64_t)time(NULL) ^ (uint64_t)getpid());
    rc_ctx ctx;
    /* the per-step timeouts bound every wait; the ctx deadline only has to outlast them */
    rc_ctx_init(&ctx, &smoke_case, &o.t, &rng, 24 * 3600 * 1000, o.t.activity_timeout_max);
    smoke s = {.ctx = &ctx, .o = &o};
    if (o.stream) {
        snprintf(s.stream, sizeof s.stream, "%s", o.stream);
    } else {
        char id[13];
        rc_random_id(&ctx, id);
        snprintf(s.stream, sizeof s.stream, "smoke-%s", id);
    }
    snprintf(s.channel, sizeof s.channel, "private-workspace.%s.thread.%s", o.workspace, o.thread);

    char t_tokens[64], t_expiry[80];
    snprintf(t_tokens, sizeof t_tokens, "send %d tokens", o.ntokens);
    snprintf(t_expiry, sizeof t_expiry, "wait up to %d s for the ended state to expire",
             o.expiry_s);
    step steps[] = {
        {"connect and subscribe through the authorizer", step_subscribe},
        {"start the stream", step_start},
        {t_tokens, step_tokens},
        {"retry the last token with its Idempotency-Key: the first answer", step_retry},
        {"receive every token in seq order with its exact text", step_receive},
        {"end twice: the second end is a no-op", step_end_twice},
        {"exactly one thread.stream.ended event", step_one_ended_event},
        {"a token after the end is refused; state is ended", step_after_end},
        {t_expiry, step_expiry},
    };
    int n = (int)(sizeof steps / sizeof *steps) - (o.expiry_s ? 0 : 1);
    printf("rehome-conform smoke: %s, channel %s, stream %s, run %s\n", o.t.base_url, s.channel,
           s.stream, o.run);
    int failed_at = 0;
    for (int i = 0; i < n; i++) {
        printf("[%d/%d] %s ... ", i + 1, n, steps[i].title);
        fflush(stdout);
        steps[i].fn(&s);
        if (!rc_ok(&ctx)) {
            printf("FAIL\n        %s\n", ctx.message ? ctx.message : "(no message)");
            failed_at = i + 1;
            break;
        }
        printf("ok\n");
    }
    if (failed_at)
        printf("SMOKE FAIL at step %d of %d (stream %s)\n", failed_at, n, s.stream);
    else
        printf("SMOKE PASS: %d tokens in order, one end event, second end a no-op%s\n", o.ntokens,
               o.expiry_s ? ", state expired" : "");
    rc_result res;
    rc_ctx_finish(&ctx, &res);
    rc_result_free(&res);
    return failed_at ? 1 : 0;
}
