/* The Redis store (store/redis*.c owns it): the rh_store operations on Redis through hiredis's
 * asynchronous API on the caller's libuv loop, plus the deployment's pub/sub bus.
 *
 * Design (see reference/store/README.md for the keys and the bus format):
 * - two connections per node: one for commands (scripts, PUBLISH), one SUBSCRIBEd to the bus
 *   channel {prefix}bus. Both reconnect by themselves with exponential backoff (100 ms
 *   doubling to 5 s). The store is "up" only while both are connected and the epoch marker
 *   has been checked; otherwise every operation answers RH_STORE_UNAVAILABLE at once, and
 *   operations pending when a connection drops answer it too (nothing queues).
 * - every operation that must be atomic is one Lua script (EVALSHA, EVAL on NOSCRIPT);
 *   append and end PUBLISH their events on the bus inside the script, so the seq order and
 *   the bus order are one Redis order on every node (rh_store_reply.published = 1).
 * - {prefix}epoch holds a random marker set NX on first connect; a node that finds it
 *   changed or missing after a reconnect knows Redis lost its data, and answers
 *   RH_STORE_LOST instead of NOT_FOUND for the streams it had seen (a bounded set).
 *
 * Ownership: rh_store_redis_new returns a store owned by the caller (rh_store_free). Its
 * libuv handles are unreferenced (they never keep the loop alive); after rh_store_free the
 * caller runs the loop once more so their close callbacks free them. The loop must outlive
 * the store. */
#ifndef RH_STORE_REDIS_H
#define RH_STORE_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "store.h"

/* A message received on the bus (valid during the call only). */
typedef void (*rh_store_bus_sink)(void *ud, const char *msg, size_t len);
/* An acknowledged (ok 1) or failed (ok 0, err says why) bus publish. */
typedef void (*rh_store_bus_done)(void *ud, int ok, const char *err);
/* Log lines (level as in core/server.h: 0 error, 1 warn, 2 info, 3 debug). */
typedef void (*rh_store_log_fn)(void *ud, int level, const char *msg);

typedef struct rh_store_redis_opts {
    const char *url;    /* redis://host[:port][/db] or redis+sentinel://... (redis_url.h) */
    const char *prefix; /* key and channel prefix, e.g. "rehome:" */
    rh_store_limits limits;
    uint64_t ended_ttl_ms;            /* PEXPIRE of an ended stream's keys */
    uint64_t (*now_ms)(void *now_ud); /* the caller's clock (ended_at_ms); NULL: monotonic */
    void *now_ud;
    rh_store_log_fn log; /* may be NULL */
    void *log_ud;
    int no_fence; /* test only (fault redis-no-fence): behind Sentinel, publish and answer
                     before a replica acknowledged, as on a single Redis */
} rh_store_redis_opts;

/* Parses a Redis URL. 0, or -1 with a message. host gets at most hostlen-1 bytes. */
int rh_store_redis_parse_url(const char *url, char *host, size_t hostlen, int *port, int *db,
                             char *err, size_t errlen);

/* Creates the store and starts connecting (it is not up until connected). NULL with a
 * message for a bad URL or out of memory. */
rh_store *rh_store_redis_new(uv_loop_t *loop, const rh_store_redis_opts *opts, char *err,
                             size_t errlen);
/* Where bus messages go (one sink; NULL to stop). */
void rh_store_redis_set_sink(rh_store *st, rh_store_bus_sink sink, void *ud);
/* Publishes msg on the bus; done is called once (maybe before returning, when down). */
void rh_store_redis_publish(rh_store *st, const char *msg, size_t len, rh_store_bus_done done,
                            void *ud);
/* Sends a raw command (argv) and hands the reply to cb as a hiredis redisReply pointer (NULL
 * when the connection failed). -1 when down (cb not called). For the presence and node
 * registry scripts of the bus, which live outside the store table. */
typedef void (*rh_store_redis_reply_cb)(void *ud, void *reply);
int rh_store_redis_command(rh_store *st, int argc, const char **argv, const size_t *argvlen,
                           rh_store_redis_reply_cb cb, void *ud);
/* Per-node channel state for several nodes (redis_nodes.c): this node's field counts live in
 * {prefix}node:{id} while the node refreshes its entry in {prefix}nodes. delta adds to one
 * field (removed at 0); replace rewrites the node's whole hash (after a reconnect), with
 * infos[i] the user_info of presence field i (infos or an entry NULL: none); sum
 * answers, over the live nodes, the total of every field starting with one of prefixes
 * (ok 0 when Redis is down; fields valid during the call). */
void rh_store_redis_node_delta(rh_store *st, const char *field, long delta);
void rh_store_redis_node_replace(rh_store *st, const char *const *fields, const long *values,
                                 const char *const *infos, size_t n);
typedef void (*rh_store_redis_sum_cb)(void *ud, int ok, const char *const *fields,
                                      const long long *sums, size_t n);
void rh_store_redis_node_sum(rh_store *st, const char *const *prefixes, size_t n,
                             rh_store_redis_sum_cb cb, void *ud);
/* A presence join (delta 1) or leave (-1) of field's user on this node; msg (a bus message,
 * may be NULL) is published only when the user's total over the live nodes went from 0 to 1
 * (join) or to 0 (leave): first connection anywhere adds, last removes. */
void rh_store_redis_presence(rh_store *st, const char *field, long delta, const char *msg,
                             size_t len);
/* A presence subscription on this node (redis_nodes.c join_lua), in one atomic step: refused
 * when the user has no field here, is not among the channel's members over the live nodes
 * and limit (max_presence_members; 0 none) of them are; otherwise the join of field's user
 * when it has no field here yet (user_info info, "" for none; msg, the member_added bus
 * message, published when the user is new over the live nodes; wh_field, the member webhook
 * field, or NULL, with wh_msg, its "whk" notice published when its total went 0 -> 1), then,
 * when head_len > 0, the answer and the channel's member list over the live nodes published
 * on the bus as one "lst" message (proto/buslst.h) that starts with head. field's first
 * prefix_len bytes are the channel's field prefix "p\n{app}\n{channel}\n".
 * 0 sent, -1 not (Redis down: nothing happens, nothing is published). */
typedef struct rh_store_redis_join {
    const char *field;
    size_t prefix_len;
    size_t limit;
    const char *msg; /* msg_len bytes, not NUL-terminated */
    size_t msg_len;
    const char *info;
    const char *head; /* head_len bytes */
    size_t head_len;
    const char *wh_field;
    const char *wh_msg; /* wh_msg_len bytes */
    size_t wh_msg_len;
} rh_store_redis_join;
int rh_store_redis_presence_join(rh_store *st, const rh_store_redis_join *j);
/* Called each time the store comes up (first connect and every reconnect). */
void rh_store_redis_set_on_up(rh_store *st, void (*fn)(void *), void *ud);
/* Called each time the bus subscription is back after it was lost (not at the first
 * subscribe): the events published on the bus meanwhile never reached this node. */
void rh_store_redis_set_on_bus_gap(rh_store *st, void (*fn)(void *), void *ud);
/* 1 when connected and checked (both connections), else 0. */
int rh_store_redis_up(const rh_store *st);
/* Number of reconnects done that found Redis had lost its data (tests, logs). */
unsigned rh_store_redis_losses(const rh_store *st);
/* 1 when st is a Redis store. */
int rh_store_is_redis(const rh_store *st);

#endif
