/* The store of rehome-server and, on several nodes, the Redis store wired in as the server's
 * bus (rh_bus over store/redis.h): every event to subscribers goes through Redis pub/sub and
 * comes back to this node, and the shared channel state, presence, users and webhook holds
 * live in Redis (docs/protocol.md 15). */
#include <stdlib.h>

#include "wire.h"

static void store_log(void *ud, int level, const char *msg)
{
    rh_logf(ud, level, "%s", msg);
}

static void bus_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    rh_store_redis_publish(ud, msg, len, done, dud);
}

static int bus_up(void *ud)
{
    return rh_store_redis_up(ud);
}

static void bus_sink(void *ud, const char *msg, size_t len)
{
    rh_srv_bus_deliver(ud, msg, len);
}

static void node_delta(void *ud, const char *field, long delta)
{
    rh_store_redis_node_delta(ud, field, delta);
}

static void node_replace(void *ud, const char *const *fields, const long *values,
                         const char *const *infos, size_t n)
{
    rh_store_redis_node_replace(ud, fields, values, infos, n);
}

static void node_sum(void *ud, const char *const *prefixes, size_t n, rh_bus_sum_cb cb, void *cud)
{
    rh_store_redis_node_sum(ud, prefixes, n, cb, cud);
}

static void presence(void *ud, const char *field, long delta, const char *msg, size_t len)
{
    rh_store_redis_presence(ud, field, delta, msg, len);
}

static int presence_join(void *ud, const rh_bus_join *j)
{
    rh_store_redis_join rj = {.field = j->field,
                              .prefix_len = j->prefix_len,
                              .limit = j->limit,
                              .msg = j->msg,
                              .msg_len = j->msg_len,
                              .info = j->info,
                              .head = j->head,
                              .head_len = j->head_len,
                              .wh_field = j->wh_field,
                              .wh_msg = j->wh_msg,
                              .wh_msg_len = j->wh_msg_len,
                              .wh_hold = j->wh_hold};
    return rh_store_redis_presence_join(ud, &rj);
}

static int user(void *ud, const rh_bus_user *u)
{
    rh_store_redis_online ru = {.field = u->field,
                                .delta = u->delta,
                                .msg = u->msg,
                                .msg_len = u->msg_len,
                                .head = u->head,
                                .head_len = u->head_len,
                                .id_prefix = u->id_prefix,
                                .ids = u->ids,
                                .nids = u->nids};
    return rh_store_redis_user(ud, &ru);
}

static void webhook(void *ud, const char *field, long delta, const char *msg, size_t len, int hold)
{
    rh_store_redis_webhook(ud, field, delta, msg, len, hold);
}

static void wh_claim(void *ud, const char *field, unsigned long long token,
                     void (*cb)(void *cb_ud, int rc), void *cb_ud)
{
    rh_store_redis_wh_claim(ud, field, token, cb, cb_ud);
}

static void store_up(void *ud)
{
    rh_srv_bus_resync(ud);
}

static void bus_gap(void *ud)
{
    rh_srv_bus_gap(ud);
}

rh_store *rh_wire_store(uv_loop_t *loop, const rh_cfg *cfg, const char *url, int no_fence,
                        int sweep_silent, rh_log *log)
{
    rh_store_limits lim = {cfg->replay_tokens, cfg->replay_bytes};
    if (!url)
        return rh_store_memory_new(&lim);
    rh_store_redis_opts ro = {.url = url,
                              .prefix = cfg->redis_prefix,
                              .limits = lim,
                              .ended_ttl_ms =
                                  cfg->ended_ttl > 0 ? (uint64_t)cfg->ended_ttl * 1000u : 0,
                              .log = store_log,
                              .log_ud = log,
                              .no_fence = no_fence,
                              .sweep_silent = sweep_silent};
    char err[256] = "";
    rh_store *st = rh_store_redis_new(loop, &ro, err, sizeof err);
    if (!st)
        rh_logf(log, RH_LOG_ERROR, "--redis %s: %s", url, err);
    return st;
}

/* Every event to subscribers goes through Redis pub/sub and comes back to this node. */
void rh_wire_bus(rh_store *store, rh_srv *srv)
{
    if (!rh_store_is_redis(store))
        return;
    rh_bus bus = {.ud = store,
                  .publish = bus_publish,
                  .up = bus_up,
                  .node_delta = node_delta,
                  .node_replace = node_replace,
                  .node_sum = node_sum,
                  .presence = presence,
                  .presence_join = presence_join,
                  .user = user,
                  .webhook = webhook,
                  .wh_claim = wh_claim,
                  .store_name = "redis"};
    rh_srv_set_bus(srv, &bus);
    rh_store_redis_set_bus_node(store, rh_srv_node_id(srv));
    rh_store_redis_set_sink(store, bus_sink, srv);
    rh_store_redis_set_on_up(store, store_up, srv);
    rh_store_redis_set_on_bus_gap(store, bus_gap, srv);
    if (rh_store_redis_up(store))
        rh_srv_bus_resync(srv);
}
