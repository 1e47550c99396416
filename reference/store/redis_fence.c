/* Fenced answers of the Redis store behind Sentinel (store/ owns them). Replication is
 * asynchronous, so a failover can promote a replica that lacks the primary's last writes; a
 * seq that subscribers had seen would then be assigned again with other text. So in fenced
 * mode a stream script queues its bus messages in the stream's pending list instead of
 * publishing them, and its answer is held here: WAIT 1 RR_WAIT_MS, then (a replica has
 * everything up to and including the script) the commit script publishes the queue up to
 * the operation's order, then the caller hears the answer. A WAIT that no replica answered
 * in time answers RH_STORE_UNAVAILABLE: nothing was published or acknowledged, and what was
 * queued is published by a later commit on the same stream if it survives (docs/protocol.md
 * section 22). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_int.h"

typedef struct rr_held {
    rr_store *rs;
    rh_store_cb cb;
    void *ud;
    rh_store_reply reply;
    rh_store_stream stream;
    int commit;
    uint64_t wm; /* the watermark of the operation: acknowledged once WAIT succeeds */
    char app[RH_STORE_ID_MAX + 1];
    /* the streams to commit (one for an operation, several for an idle sweep) */
    size_t n;
    char (*sids)[RH_STORE_ID_MAX + 1];
    unsigned long long *orders;
} rr_held;

static void held_free(rr_held *h)
{
    free(h->sids);
    free(h->orders);
    free(h);
}

static void fail(rr_held *h, const char *why)
{
    if (h->cb) {
        rh_store_reply r = {.status = RH_STORE_UNAVAILABLE, .error = why};
        h->cb(h->ud, &r);
    }
    held_free(h);
}

static void on_commit(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_held *h = priv;
    const redisReply *r = rr_arrived(h->rs, reply);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        fail(h, "Redis: could not publish the acknowledged events; they are published with "
                "the stream's next operation");
        return;
    }
    if (h->cb) {
        h->reply.stream = &h->stream;
        h->cb(h->ud, &h->reply);
    }
    held_free(h);
}

static void on_commit_quiet(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_arrived(priv, reply);
}

/* EVAL commit 3 {p}{app}:stream:{sid} {p}{app}:pend:{sid} {p}{app}:open bus order sid. */
static int commit(rr_store *rs, const char *app, const char *sid, unsigned long long order,
                  redisCallbackFn *fn, void *priv)
{
    size_t need = strlen(rs->prefix) + strlen(app) + strlen(sid) + 16;
    char *k = malloc(need), *p = malloc(need), *o = malloc(need);
    int rc = -1;
    if (k && p && o) {
        char ord[24];
        snprintf(k, need, "%s%s:stream:%s", rs->prefix, app, sid);
        snprintf(p, need, "%s%s:pend:%s", rs->prefix, app, sid);
        snprintf(o, need, "%s%s:open", rs->prefix, app);
        snprintf(ord, sizeof ord, "%llu", order);
        const char *argv[] = {"EVAL", rr_script(RR_COMMIT), "3", k, p, o, rs->bus, ord, sid};
        rc = rr_send(rs, fn, priv, 9, argv, NULL);
    }
    free(k);
    free(p);
    free(o);
    return rc;
}

static void on_wait(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_held *h = priv;
    rr_store *rs = h->rs;
    const redisReply *r = rr_arrived(rs, reply);
    if (!r) {
        fail(h, "connection to Redis lost");
        return;
    }
    if (r->type != REDIS_REPLY_INTEGER || r->integer < 1) {
        rr_log(rs, 1, "Redis %s:%d: no replica acknowledged within %d ms; answering 503", rs->host,
               rs->port, RR_WAIT_MS);
        fail(h, "no Redis replica acknowledged the write in time; it may take effect later");
        return;
    }
    rr_wm_acked(rs, h->wm);
    if (!h->commit) { /* a start: nothing queued */
        h->reply.stream = &h->stream;
        if (h->cb)
            h->cb(h->ud, &h->reply);
        held_free(h);
        return;
    }
    if (!h->cb) { /* an idle sweep: every ended stream's end, nobody waits */
        for (size_t i = 0; i < h->n; i++)
            commit(rs, h->app, h->sids[i], h->orders[i], on_commit_quiet, rs);
        held_free(h);
        return;
    }
    if (commit(rs, h->app, h->sids[0], h->orders[0], on_commit, h) != 0)
        fail(h, "Redis is unreachable");
}

static rr_held *held_new(rr_store *rs, const char *app, size_t n)
{
    rr_held *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->rs = rs;
    h->n = n;
    h->sids = calloc(n ? n : 1, sizeof *h->sids);
    h->orders = calloc(n ? n : 1, sizeof *h->orders);
    if (!h->sids || !h->orders) {
        held_free(h);
        return NULL;
    }
    snprintf(h->app, sizeof h->app, "%s", app);
    return h;
}

static void wait_then(rr_held *h)
{
    char ms[16];
    snprintf(ms, sizeof ms, "%d", RR_WAIT_MS);
    const char *argv[] = {"WAIT", "1", ms};
    if (rr_send(h->rs, on_wait, h, 3, argv, NULL) != 0)
        fail(h, "Redis is unreachable");
}

void rr_fence_hold(rr_store *rs, const char *app, const char *sid, int do_commit,
                   unsigned long long order, uint64_t wm, const rh_store_reply *out, rh_store_cb cb,
                   void *ud)
{
    rr_held *h = held_new(rs, app, 1);
    if (!h) {
        if (cb) {
            rh_store_reply r = {.status = RH_STORE_ERROR, .error = "out of memory"};
            cb(ud, &r);
        }
        return;
    }
    h->cb = cb;
    h->ud = ud;
    h->reply = *out;
    h->stream = *out->stream;
    h->commit = do_commit;
    h->wm = wm;
    snprintf(h->sids[0], sizeof h->sids[0], "%s", sid);
    h->orders[0] = order;
    wait_then(h);
}

void rr_fence_idle(rr_store *rs, const char *app, const redisReply *r)
{
    size_t n = r->elements > 1 ? (r->elements - 1) / 2 : 0;
    if (n == 0)
        return;
    rr_held *h = held_new(rs, app, n);
    if (!h)
        return; /* the ends stay queued; the streams' next end publishes them */
    h->commit = 1;
    for (size_t i = 0; i < n; i++) {
        const redisReply *sid = r->element[1 + 2 * i], *last = r->element[2 + 2 * i];
        if (sid->type == REDIS_REPLY_STRING && sid->len <= RH_STORE_ID_MAX)
            memcpy(h->sids[i], sid->str, sid->len);
        h->orders[i] =
            2 * strtoull(last->type == REDIS_REPLY_STRING ? last->str : "0", NULL, 10) + 1;
    }
    wait_then(h);
}
