/* The control API (api/ owns it): start, tokens, end and get of a stream, on top of the
 * store. The store may answer later, so each request copies what it needs into a context
 * freed in its callback. Tokens of one request are broadcast in seq order before the answer;
 * the end event is broadcast once, by the first end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/channel.h"
#include "proto/control.h"
#include "proto/json.h"
#include "proto/sign.h"

#define CHAN_BUF (2 * RH_STORE_ID_MAX + 32)

static int ctl_status(int rc)
{
    if (rc == RH_CTL_ERR_TOO_LARGE)
        return 413;
    if (rc == RH_CTL_ERR_NOMEM)
        return 500;
    return 400;
}

/* Answers a request body the control parser refused, with its message when it gave one. */
static void ctl_refuse(const rh_api_call *c, int rc, const char *err)
{
    rh_api_error(c->done, c->ud, ctl_status(rc), "%s", err[0] ? err : rh_ctl_strerror(rc));
}

/* Answers 200 with o when every field was added (built); otherwise drops o, and the NULL makes
 * rh_api_reply_json answer 500. */
static void reply_built(rh_http_done done, void *ud, cJSON *o, int built)
{
    if (o && !built) {
        cJSON_Delete(o);
        o = NULL;
    }
    rh_api_reply_json(done, ud, 200, o);
}

int rh_api_store_fail(const rh_store_reply *r, rh_http_done done, void *ud)
{
    if (r->status == RH_STORE_NOT_FOUND) {
        rh_api_error(done, ud, 404, "unknown stream");
        return 1;
    }
    if (r->status == RH_STORE_INVALID) {
        rh_api_error(done, ud, 400, "%s", r->error ? r->error : "invalid request");
        return 1;
    }
    if (r->status == RH_STORE_UNAVAILABLE) {
        rh_api_error(done, ud, 503, "stream store unavailable: %s; retry later",
                     r->error ? r->error : "backend unreachable");
        return 1;
    }
    if (r->status == RH_STORE_FULL) {
        rh_api_error(done, ud, 429, "%s", r->error ? r->error : "too many open streams");
        return 1;
    }
    if (r->status == RH_STORE_LOST) {
        rh_api_error(done, ud, 410,
                     "stream state lost by the store (%s); this stream cannot continue, "
                     "start a new stream_id",
                     r->error ? r->error : "backend restarted without persistence");
        return 1;
    }
    if (r->status == RH_STORE_ERROR || !r->stream) {
        rh_api_error(done, ud, 500, "store error: %s", r->error ? r->error : "unknown");
        return 1;
    }
    return 0;
}

/* 0 when the stream id from the path is acceptable; otherwise answers 400. */
int rh_api_check_sid(const rh_api_call *c)
{
    size_t n = strlen(c->arg);
    if (c->srv->api->parse.valid_sid(c->arg, n))
        return 0;
    rh_api_error(c->done, c->ud, 400, "invalid stream_id: expected [A-Za-z0-9_-]{1,64}");
    return -1;
}

static long expires_in(rh_srv *srv, const rh_store_stream *s)
{
    uint64_t now = srv->io.now_ms(srv->io.ud), ttl = rh_api_ttl_ms(srv);
    uint64_t until = s->ended_at_ms + ttl;
    if (now >= until)
        return 0;
    return (long)((until - now + 999) / 1000);
}

/* protocol §12.5: stream state: open/ended, last_seq, reason, expires_in */
static cJSON *stream_json(rh_srv *srv, const rh_store_stream *s)
{
    char ch[CHAN_BUF];
    cJSON *o = cJSON_CreateObject();
    int ok = o && rh_api_stream_channel(s, ch, sizeof ch) >= 0 &&
             cJSON_AddStringToObject(o, "stream_id", s->stream_id) &&
             cJSON_AddStringToObject(o, "workspace_id", s->workspace_id) &&
             cJSON_AddStringToObject(o, "thread_id", s->thread_id) &&
             cJSON_AddStringToObject(o, "run_id", s->run_id) &&
             cJSON_AddStringToObject(o, "channel", ch) &&
             cJSON_AddStringToObject(o, "state", s->ended ? "ended" : "open") &&
             cJSON_AddNumberToObject(o, "last_seq", (double)s->last_seq);
    if (ok && s->ended)
        ok = cJSON_AddStringToObject(o, "reason", rh_ctl_reason_name(s->reason)) &&
             (rh_fault_on(srv, RH_FAULT_ALLOW_NO_EXPIRES_IN) ||
              cJSON_AddNumberToObject(o, "expires_in", (double)expires_in(srv, s)));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* --- parsers ------------------------------------------------------------------------------ */

static int parse_start(const char *body, size_t len, rh_api_start_ids *s, char *err, size_t errlen)
{
    rh_ctl_start cs;
    memset(&cs, 0, sizeof cs);
    int rc = rh_ctl_parse_start(body, len, &cs, err, errlen);
    snprintf(s->workspace_id, sizeof s->workspace_id, "%s", cs.workspace_id);
    snprintf(s->thread_id, sizeof s->thread_id, "%s", cs.thread_id);
    snprintf(s->run_id, sizeof s->run_id, "%s", cs.run_id);
    snprintf(s->stream_id, sizeof s->stream_id, "%s", cs.stream_id);
    return rc;
}

static int valid_sid(const char *id, size_t n)
{
    return rh_chan_valid_id(id, n);
}

const rh_api_parsers rh_api_parsers_strict = {
    .start = parse_start,
    .tokens = rh_ctl_parse_tokens,
    .valid_sid = valid_sid,
};

/* --- start -------------------------------------------------------------------------------- */

typedef struct call_ctx {
    rh_srv *srv;
    const rh_cfg_app *app;
    rh_http_done done;
    void *ud;
    char sid[RH_STORE_ID_MAX + 1];
    int reason;      /* end */
    rh_ctl_tokens t; /* tokens */
    int keyed;       /* tokens: an Idempotency-Key came (idem_key, digest) */
    char idem_key[RH_STORE_IDEM_KEY_MAX + 1];
    char digest[RH_MD5_HEX];
} call_ctx;

/* protocol §12.7: the Idempotency-Key header, 1-128 printable ASCII characters. 0 when absent
 * or acceptable; otherwise answers 400 and returns -1. */
static int idem_check(const rh_api_call *c)
{
    const char *k = c->req->idempotency_key;
    rh_store_idem probe = {.key = k, .digest = "", .window_ms = 1, .max_keys = 1};
    if (!k || (strlen(k) <= 128 && rh_store_idem_ok(&probe)))
        return 0;
    rh_api_error(c->done, c->ud, 400, "Idempotency-Key must be 1-128 printable ASCII characters");
    return -1;
}

/* Copies the request's key (when one came) and its body's digest into x. */
static void idem_take(const rh_api_call *c, call_ctx *x)
{
    const char *k = c->req->idempotency_key;
    if (!k || rh_fault_on(c->srv, RH_FAULT_IDEM_IGNORED))
        return;
    x->keyed = 1;
    if (rh_fault_on(c->srv, RH_FAULT_IDEM_NODE_LOCAL)) /* the bug: one key space per node */
        snprintf(x->idem_key, sizeof x->idem_key, "%.24s/%.100s", c->srv->node_id, k);
    else
        snprintf(x->idem_key, sizeof x->idem_key, "%s", k);
    rh_sign_md5_hex(c->req->body, c->req->body_len, x->digest);
}

static call_ctx *ctx_new(const rh_api_call *c)
{
    if (idem_check(c) != 0) /* start and end are idempotent anyway: a key changes nothing */
        return NULL;
    if (!c->srv->store) {
        rh_api_error(c->done, c->ud, 503, "no stream store configured");
        return NULL;
    }
    call_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return NULL;
    }
    x->srv = c->srv;
    x->app = c->app;
    x->done = c->done;
    x->ud = c->ud;
    if (c->arg)
        snprintf(x->sid, sizeof x->sid, "%s", c->arg);
    return x;
}

/* ctx_new for the calls on an existing stream, after check_sid; NULL once answered. */
static call_ctx *sid_ctx_new(const rh_api_call *c)
{
    return rh_api_check_sid(c) == 0 ? ctx_new(c) : NULL;
}

/* ctx_new once the body parsed (rc from the control parser); NULL once answered. */
static call_ctx *parsed_ctx_new(const rh_api_call *c, int rc, const char *err)
{
    if (rc != RH_CTL_OK) {
        ctl_refuse(c, rc, err);
        return NULL;
    }
    return ctx_new(c);
}

static void start_done(void *ud, const rh_store_reply *r)
{
    call_ctx *x = ud;
    if (!rh_api_store_fail(r, x->done, x->ud)) {
        int status = r->status == RH_STORE_OK ? 201 : 200;
        if (r->status == RH_STORE_CONFLICT)
            rh_api_error(x->done, x->ud, 409,
                         "stream_id already started with other workspace/thread/run ids");
        else
            rh_api_reply_json(x->done, x->ud, status, stream_json(x->srv, r->stream));
    }
    free(x);
}

/* protocol §12.2: POST .../streams */
void rh_api_stream_start(const rh_api_call *c)
{
    rh_api_start_ids s;
    char err[256] = "";
    memset(&s, 0, sizeof s);
    int rc = c->srv->api->parse.start(c->req->body, c->req->body_len, &s, err, sizeof err);
    call_ctx *x = parsed_ctx_new(c, rc, err);
    if (!x)
        return;
    rh_api_expire(c->srv);
    size_t cap = rh_fault_on(c->srv, RH_FAULT_NO_OPEN_STREAM_CAP) ? 0 : c->app->max_open_streams;
    rh_store_ids ids = {s.workspace_id, s.thread_id, s.run_id, s.stream_id, cap};
    rh_store_start(c->srv->store, c->app->id, &ids, start_done, x);
}

/* --- tokens ------------------------------------------------------------------------------- */

static void tokens_ctx_free(call_ctx *x)
{
    rh_ctl_tokens_clear(&x->t);
    free(x);
}

/* Answers 200 {"stream_id","first_seq","last_seq"} and frees x. */
static void tokens_answer(call_ctx *x, uint64_t first, uint64_t last)
{
    cJSON *o = cJSON_CreateObject();
    reply_built(x->done, x->ud, o,
                o && cJSON_AddStringToObject(o, "stream_id", x->sid) &&
                    cJSON_AddNumberToObject(o, "first_seq", (double)first) &&
                    cJSON_AddNumberToObject(o, "last_seq", (double)last));
    tokens_ctx_free(x);
}

/* protocol §10: tokens of one request are broadcast in seq order before the answer */
static void tokens_done(void *ud, const rh_store_reply *r)
{
    call_ctx *x = ud;
    rh_srv *srv = x->srv;
    uint64_t first = r->first_seq;
    if (r->status == RH_STORE_KEY_REUSED) {
        rh_api_error(x->done, x->ud, 422, "Idempotency-Key already used with another request body");
        tokens_ctx_free(x);
        return;
    }
    if (r->status == RH_STORE_ENDED && r->stream) {
        rh_api_error(x->done, x->ud, 409, "stream has ended");
        tokens_ctx_free(x);
        return;
    }
    if (rh_api_store_fail(r, x->done, x->ud)) {
        tokens_ctx_free(x);
        return;
    }
    rh_store_stream s = *r->stream;
    char ch[CHAN_BUF];
    rh_api_stream_ref ref = {.app = x->app, .s = &s, .channel = ch};
    if (rh_api_stream_channel(&s, ch, sizeof ch) < 0) {
        rh_api_error(x->done, x->ud, 500, "stream channel name too long");
        tokens_ctx_free(x);
        return;
    }
    int per_request = rh_fault_on(srv, RH_FAULT_SEQ_PER_REQUEST);
    uint64_t last = per_request ? first : first + x->t.n - 1;
    if (r->status == RH_STORE_REPLAYED) {
        /* the key's first answer: nothing was appended, nothing is broadcast again */
        tokens_answer(x, first, r->last_seq);
        return;
    }
    int gap = rh_fault_on(srv, RH_FAULT_SEQ_GAP) && !per_request && first <= 5 && last >= 5;
    if (gap) {
        /* the bug: seq 5 is skipped; the store's counter moves one further */
        rh_store_append(srv->store, x->app->id, x->sid, NULL, 1, NULL, NULL);
        last++;
    }
    if (r->published && !gap) {
        /* the store has already fanned the tokens out to every node (Redis) */
        tokens_answer(x, first, last);
        return;
    }
    uint64_t reported_first = first;
    int failed = 0;
    if (!per_request && !gap) {
        failed = rh_api_send_tokens(srv, &ref, first, x->t.tokens, x->t.lens, x->t.n) != 0;
    }
    /* seq-per-request and seq-gap: seqs that are not consecutive, one message per token */
    for (size_t i = 0; (per_request || gap) && i < x->t.n && !failed; i++) {
        uint64_t seq = per_request ? first : first + i;
        if (gap && seq >= 5)
            seq++;
        if (i == 0)
            reported_first = seq;
        failed = rh_api_send_tokens(srv, &ref, seq, &x->t.tokens[i], &x->t.lens[i], 1) != 0;
    }
    if (failed) {
        rh_api_error(x->done, x->ud, 500, "out of memory");
        tokens_ctx_free(x);
        return;
    }
    tokens_answer(x, reported_first, last);
}

/* protocol §12.3: POST .../tokens: token limits, UTF-8, 409 after the end */
void rh_api_stream_tokens(const rh_api_call *c)
{
    call_ctx *x = sid_ctx_new(c);
    if (!x)
        return;
    size_t max = rh_fault_on(c->srv, RH_FAULT_TOKEN_LIMIT)              ? SIZE_MAX
                 : rh_fault_on(c->srv, RH_FAULT_ALLOW_OTHER_SIZE_LIMIT) ? RH_API_ALLOW_LIMIT
                                                                        : c->app->max_token_bytes;
    char err[256] = "";
    int rc = c->srv->api->parse.tokens(c->req->body, c->req->body_len, max, &x->t, err, sizeof err);
    if (rc != RH_CTL_OK) {
        ctl_refuse(c, rc, err);
        tokens_ctx_free(x);
        return;
    }
    if (x->t.n == 0) {
        rh_api_error(c->done, c->ud, 400, "no tokens");
        tokens_ctx_free(x);
        return;
    }
    rh_api_expire(c->srv);
    if (rh_fault_on(c->srv, RH_FAULT_SEQ_PER_REQUEST)) {
        rh_store_append(c->srv->store, c->app->id, x->sid, NULL, 1, tokens_done, x);
        return;
    }
    rh_store_tok *toks = malloc(x->t.n * sizeof *toks);
    if (!toks) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        tokens_ctx_free(x);
        return;
    }
    for (size_t i = 0; i < x->t.n; i++)
        toks[i] = (rh_store_tok){x->t.tokens[i], x->t.lens[i]};
    idem_take(c, x);
    const rh_cfg *cfg = c->srv->cfg;
    rh_store_idem idem = {x->idem_key, x->digest, (uint64_t)cfg->idempotency_window * 1000u,
                          cfg->idempotency_keys};
    rh_store_append_idem(c->srv->store, c->app->id, x->sid, toks, x->t.n, x->keyed ? &idem : NULL,
                         tokens_done, x);
    free(toks); /* the store copies the tokens before the call returns */
}

/* --- end ---------------------------------------------------------------------------------- */

/* protocol §11: thread.stream.ended broadcast once, by the first end; already_ended after */
static void end_done(void *ud, const rh_store_reply *r)
{
    call_ctx *x = ud;
    rh_srv *srv = x->srv;
    if (rh_api_store_fail(r, x->done, x->ud)) {
        free(x);
        return;
    }
    rh_store_stream s = *r->stream;
    int first = r->status == RH_STORE_OK;
    char ch[CHAN_BUF];
    rh_api_stream_ref ref = {.app = x->app, .s = &s, .channel = ch};
    const char *reason = rh_ctl_reason_name(s.reason);
    uint64_t last = s.last_seq;
    int broadcast = (first && !r->published) || rh_fault_on(srv, RH_FAULT_DOUBLE_END);
    if (rh_api_stream_channel(&s, ch, sizeof ch) < 0 ||
        (broadcast && rh_api_send_end(srv, &ref, last, s.reason) != 0)) {
        rh_api_error(x->done, x->ud, 500, "could not broadcast the end event");
        free(x);
        return;
    }
    int already = !first;
    cJSON *o = cJSON_CreateObject();
    reply_built(x->done, x->ud, o,
                o && cJSON_AddStringToObject(o, "stream_id", s.stream_id) &&
                    cJSON_AddBoolToObject(o, "ended", 1) &&
                    cJSON_AddBoolToObject(o, "already_ended", already) &&
                    cJSON_AddNumberToObject(o, "last_seq", (double)last) &&
                    cJSON_AddStringToObject(o, "reason", reason) &&
                    (rh_fault_on(srv, RH_FAULT_ALLOW_NO_EXPIRES_IN) ||
                     cJSON_AddNumberToObject(o, "expires_in", (double)expires_in(srv, &s))));
    free(x);
}

/* protocol §12.4: POST .../end */
void rh_api_stream_end(const rh_api_call *c)
{
    if (rh_api_check_sid(c) != 0)
        return;
    if (c->req->body_len == 0 && rh_fault_on(c->srv, RH_FAULT_ALLOW_EMPTY_END_400)) {
        rh_api_error(c->done, c->ud, 400, "a JSON object body is required (it may be {})");
        return;
    }
    rh_end_reason reason = RH_END_COMPLETED;
    char err[256] = "";
    int rc = rh_ctl_parse_end(c->req->body, c->req->body_len, &reason, err, sizeof err);
    call_ctx *x = parsed_ctx_new(c, rc, err);
    if (!x)
        return;
    x->reason = (int)reason;
    rh_api_expire(c->srv);
    rh_store_end(c->srv->store, c->app->id, x->sid, x->reason, c->srv->io.now_ms(c->srv->io.ud),
                 end_done, x);
}

/* --- get ---------------------------------------------------------------------------------- */

static void get_done(void *ud, const rh_store_reply *r)
{
    call_ctx *x = ud;
    if (!rh_api_store_fail(r, x->done, x->ud))
        rh_api_reply_json(x->done, x->ud, 200, stream_json(x->srv, r->stream));
    free(x);
}

void rh_api_stream_get(const rh_api_call *c)
{
    call_ctx *x = sid_ctx_new(c);
    if (!x)
        return;
    rh_api_expire(c->srv);
    rh_store_get(c->srv->store, c->app->id, x->sid, get_done, x);
}
