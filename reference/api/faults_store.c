/* The store decorator of the fault switches that break what the store answers: it wraps
 * srv->store (api/faults.c installs it) and rewrites the replies of the wrapped store the way
 * a store with that bug would answer. The wrapped store is left untouched, so its state stays
 * correct and only the answers lie:
 *   start-conflict      a start with other ids is answered as the same stream (200, not 409)
 *   token-after-end     tokens after the end are reserved past last_seq (and broadcast)
 *   end-reason-overwrite a repeated end reports the reason it asked for, not the first one
 *   end-already-false   a repeated end is reported as the first end (already_ended false;
 *                       published, so nothing is broadcast again)
 *   end-last-seq        an ended stream reports last_seq one short (start, end, get) */
#include <stdlib.h>

#include "api_int.h"

#ifdef RH_WITH_FAULTS

typedef struct fault_store {
    rh_store base;
    rh_store *inner;
    rh_srv *srv;
} fault_store;

enum { OP_START, OP_APPEND, OP_END, OP_GET };

typedef struct call {
    const fault_store *w;
    int op;
    int reason; /* end: the reason asked for */
    rh_store_cb cb;
    void *ud;
} call;

static void rewrite(const call *k, rh_store_reply *r, rh_store_stream *s)
{
    rh_srv *srv = k->w->srv;
    if (k->op == OP_START && r->status == RH_STORE_CONFLICT &&
        rh_fault_on(srv, RH_FAULT_START_CONFLICT))
        r->status = RH_STORE_EXISTS;
    if (k->op == OP_APPEND && r->status == RH_STORE_ENDED && r->stream &&
        rh_fault_on(srv, RH_FAULT_TOKEN_AFTER_END)) {
        r->status = RH_STORE_OK; /* the bug: the end flag is never consulted */
        r->first_seq = s->last_seq + 1;
        r->published = 0;
    }
    if (k->op == OP_END && r->status == RH_STORE_ALREADY_ENDED) {
        if (rh_fault_on(srv, RH_FAULT_END_REASON_OVERWRITE))
            s->reason = k->reason;
        if (rh_fault_on(srv, RH_FAULT_END_ALREADY_FALSE)) {
            r->status = RH_STORE_OK;
            r->published = 1;
        }
    }
    if (k->op != OP_APPEND && r->stream && s->ended && s->last_seq > 0 &&
        rh_fault_on(srv, RH_FAULT_END_LAST_SEQ))
        s->last_seq--;
}

static void on_reply(void *ud, const rh_store_reply *r)
{
    call *k = ud;
    rh_store_reply r2 = *r;
    rh_store_stream s2;
    if (r->stream) {
        s2 = *r->stream;
        r2.stream = &s2;
    }
    rewrite(k, &r2, &s2);
    k->cb(k->ud, &r2);
    free(k);
}

/* The call context of op, or NULL: then cb (when given) has been answered ERROR. */
static call *call_new(rh_store *st, int op, rh_store_cb cb, void *ud)
{
    call *k = cb ? malloc(sizeof *k) : NULL;
    if (cb && !k) {
        rh_store_reply r = {.status = RH_STORE_ERROR, .error = "out of memory"};
        cb(ud, &r);
        return NULL;
    }
    if (k)
        *k = (call){.w = (const fault_store *)st, .op = op, .cb = cb, .ud = ud};
    return k;
}

static rh_store *inner(rh_store *st)
{
    return ((fault_store *)st)->inner;
}

static void fs_start(rh_store *st, const char *app_id, const rh_store_ids *ids, rh_store_cb cb,
                     void *ud)
{
    call *k = call_new(st, OP_START, cb, ud);
    if (k || !cb)
        rh_store_start(inner(st), app_id, ids, k ? on_reply : NULL, k);
}

static void fs_append(rh_store *st, const char *app_id, const char *stream_id,
                      const rh_store_tok *toks, size_t n, rh_store_cb cb, void *ud)
{
    call *k = call_new(st, OP_APPEND, cb, ud);
    if (k || !cb)
        rh_store_append(inner(st), app_id, stream_id, toks, n, k ? on_reply : NULL, k);
}

static void fs_append_idem(rh_store *st, const char *app_id, const char *stream_id,
                           const rh_store_tok *toks, size_t n, const rh_store_idem *idem,
                           rh_store_cb cb, void *ud)
{
    call *k = call_new(st, OP_APPEND, cb, ud);
    if (k || !cb)
        rh_store_append_idem(inner(st), app_id, stream_id, toks, n, idem, k ? on_reply : NULL, k);
}

static void fs_end(rh_store *st, const char *app_id, const char *stream_id, int reason,
                   uint64_t now_ms, rh_store_cb cb, void *ud)
{
    call *k = call_new(st, OP_END, cb, ud);
    if (k)
        k->reason = reason;
    if (k || !cb)
        rh_store_end(inner(st), app_id, stream_id, reason, now_ms, k ? on_reply : NULL, k);
}

static void fs_get(rh_store *st, const char *app_id, const char *stream_id, rh_store_cb cb,
                   void *ud)
{
    call *k = call_new(st, OP_GET, cb, ud);
    if (k || !cb)
        rh_store_get(inner(st), app_id, stream_id, k ? on_reply : NULL, k);
}

static void fs_replay(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                      size_t limit, rh_store_cb cb, void *ud)
{
    rh_store_replay(inner(st), app_id, stream_id, after_seq, limit, cb, ud);
}

static void fs_expire(rh_store *st, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    rh_store_expire(inner(st), now_ms, ttl_ms, cb, ud);
}

static void fs_end_idle(rh_store *st, const char *app_id, uint64_t now_ms, uint64_t idle_ms,
                        int reason, rh_store_cb cb, void *ud)
{
    rh_store_end_idle(inner(st), app_id, now_ms, idle_ms, reason, cb, ud);
}

static void fs_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                         size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    rh_store_cache_set(inner(st), app_id, channel, text, len, now_ms, ttl_ms, cb, ud);
}

static void fs_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                         rh_store_cb cb, void *ud)
{
    rh_store_cache_get(inner(st), app_id, channel, now_ms, cb, ud);
}

static void fs_destroy(rh_store *st)
{
    free(st); /* the wrapped store is its owner's */
}

static const rh_store_ops fault_store_ops = {
    .start = fs_start,
    .append = fs_append,
    .append_idem = fs_append_idem,
    .end = fs_end,
    .get = fs_get,
    .replay = fs_replay,
    .expire = fs_expire,
    .end_idle = fs_end_idle,
    .destroy = fs_destroy,
    .cache_set = fs_cache_set,
    .cache_get = fs_cache_get,
};

int rh_api_fault_store_install(rh_srv *srv)
{
    if (!srv->store || srv->api->store_under)
        return 0;
    fault_store *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->base.ops = &fault_store_ops;
    w->inner = srv->store;
    w->srv = srv;
    srv->api->store_under = srv->store;
    srv->store = &w->base;
    return 0;
}

void rh_api_fault_store_free(rh_srv *srv)
{
    if (!srv->api->store_under)
        return;
    rh_store_free(srv->store);
    srv->store = srv->api->store_under;
    srv->api->store_under = NULL;
}

#else

int rh_api_fault_store_install(rh_srv *srv)
{
    (void)srv;
    return 0;
}

void rh_api_fault_store_free(rh_srv *srv)
{
    (void)srv;
}

#endif
