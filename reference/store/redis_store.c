/* The Redis store's lifecycle and accessors (store/ owns them): creation, the bus sink, the
 * up state, raw commands and bus publishes. The operations are in redis_ops.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "redis_int.h"

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

rh_store *rh_store_redis_new(uv_loop_t *loop, const rh_store_redis_opts *o, char *err,
                             size_t errlen)
{
    rr_store *rs = calloc(1, sizeof *rs);
    if (!rs) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (rh_redis_url_parse(o->url, &rs->url, err, errlen) != 0) {
        free(rs);
        return NULL;
    }
    snprintf(rs->host, sizeof rs->host, "%s", rs->url.sentinel ? "?" : rs->url.at.host);
    rs->port = rs->url.at.port;
    rs->db = rs->url.db;
    /* Behind Sentinel replication is asynchronous and a failover may lose the last writes:
     * nothing is published or acknowledged before a replica has it (README.md, Failover). */
    rs->fence = rs->url.sentinel && !o->no_fence;
    rs->base.ops = &rr_ops_table;
    rs->loop = loop;
    rs->prefix = strdup(o->prefix ? o->prefix : "rehome:");
    rs->bus = rs->prefix ? join(rs->prefix, "bus") : NULL;
    rs->busseq_key = rs->prefix ? join(rs->prefix, "busseq") : NULL;
    rs->epoch_key = rs->prefix ? join(rs->prefix, "epoch") : NULL;
    rs->wm_key = rs->prefix ? join(rs->prefix, "wm") : NULL;
    rs->lim = o->limits;
    rs->ttl_ms = o->ended_ttl_ms;
    rs->now_ms = o->now_ms;
    rs->now_ud = o->now_ud;
    rs->log = o->log;
    rs->log_ud = o->log_ud;
    snprintf(rs->node_id, sizeof rs->node_id, "%llx.%lx.%llx", (unsigned long long)time(NULL),
             (long)getpid(), (unsigned long long)(uintptr_t)rs);
    rs->nodes_key = rs->prefix ? join(rs->prefix, "nodes") : NULL;
    rs->node_prefix = rs->prefix ? join(rs->prefix, "node:") : NULL;
    rs->node_key = rs->node_prefix ? join(rs->node_prefix, rs->node_id) : NULL;
    if (!rs->prefix || !rs->bus || !rs->busseq_key || !rs->epoch_key || !rs->wm_key ||
        !rs->nodes_key || !rs->node_key) {
        snprintf(err, errlen, "out of memory");
        rr_conn_stop(rs);
        return NULL;
    }
    if (rr_conn_start(rs, err, errlen) != 0) {
        rr_conn_stop(rs);
        return NULL;
    }
    return &rs->base;
}

int rh_store_is_redis(const rh_store *st)
{
    return st && st->ops == &rr_ops_table;
}

void rh_store_redis_set_sink(rh_store *st, rh_store_bus_sink sink, void *ud)
{
    if (!rh_store_is_redis(st))
        return;
    rr_store *rs = (rr_store *)st;
    rs->sink = sink;
    rs->sink_ud = ud;
}

void rh_store_redis_set_on_up(rh_store *st, void (*fn)(void *), void *ud)
{
    if (!rh_store_is_redis(st))
        return;
    rr_store *rs = (rr_store *)st;
    rs->on_up = fn;
    rs->on_up_ud = ud;
}

void rh_store_redis_set_on_bus_gap(rh_store *st, void (*fn)(void *), void *ud)
{
    if (!rh_store_is_redis(st))
        return;
    rr_store *rs = (rr_store *)st;
    rs->on_gap = fn;
    rs->on_gap_ud = ud;
}

int rh_store_redis_up(const rh_store *st)
{
    return rh_store_is_redis(st) && rr_is_up((const rr_store *)st);
}

unsigned rh_store_redis_losses(const rh_store *st)
{
    return rh_store_is_redis(st) ? ((const rr_store *)st)->losses : 0;
}

/* --- raw commands and bus publishes ------------------------------------------------------- */

typedef struct raw_op {
    rr_store *rs;
    rh_store_redis_reply_cb cb;
    rh_store_bus_done done;
    void *ud;
} raw_op;

static void on_raw(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    raw_op *op = priv;
    const redisReply *r = rr_arrived(op->rs, reply);
    if (op->cb) {
        op->cb(op->ud, reply);
    } else if (op->done) {
        if (!r)
            op->done(op->ud, 0, "connection to Redis lost");
        else if (r->type == REDIS_REPLY_ERROR)
            op->done(op->ud, 0, r->str);
        else
            op->done(op->ud, 1, NULL);
    }
    free(op);
}

static int raw_send(rr_store *rs, raw_op *op, int argc, const char **argv, const size_t *lens)
{
    return rr_send(rs, on_raw, op, argc, argv, lens);
}

int rh_store_redis_command(rh_store *st, int argc, const char **argv, const size_t *argvlen,
                           rh_store_redis_reply_cb cb, void *ud)
{
    if (!rh_store_is_redis(st))
        return -1;
    raw_op *op = calloc(1, sizeof *op);
    if (!op)
        return -1;
    *op = (raw_op){(rr_store *)st, cb, NULL, ud};
    if (raw_send((rr_store *)st, op, argc, argv, argvlen) != 0) {
        free(op);
        return -1;
    }
    return 0;
}

void rh_store_redis_publish(rh_store *st, const char *msg, size_t len, rh_store_bus_done done,
                            void *ud)
{
    if (!rh_store_is_redis(st)) {
        if (done)
            done(ud, 0, "not a Redis store");
        return;
    }
    rr_store *rs = (rr_store *)st;
    raw_op *op = calloc(1, sizeof *op);
    /* numbered like the scripts' messages (redis_busseq.c); EVAL: Redis caches the script */
    static const char pub[] = "return " RR_LUA_PUB("KEYS[1]", "ARGV[1]");
    const char *argv[5] = {"EVAL", pub, "1", rs->bus, msg};
    size_t lens[5] = {4, sizeof pub - 1, 1, strlen(rs->bus), len};
    if (!op || (*op = (raw_op){rs, NULL, done, ud}, raw_send(rs, op, 5, argv, lens) != 0)) {
        int nomem = !op;
        free(op);
        if (done)
            done(ud, 0, nomem ? "out of memory" : "Redis is unreachable");
    }
}
