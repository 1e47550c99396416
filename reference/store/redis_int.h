/* Internal to store/redis*.c: the Redis store's state, shared by the connection manager
 * (redis_conn.c), the scripts (redis_scripts.c) and the operations (redis_ops.c). */
#ifndef RH_STORE_REDIS_INT_H
#define RH_STORE_REDIS_INT_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "redis.h"
#include "redis_url.h"

enum { RR_START, RR_APPEND, RR_END, RR_GET, RR_REPLAY, RR_IDLE, RR_COMMIT, RR_EPOCH, RR_NSCRIPTS };

#define RR_SEEN_SLOTS     4096 /* streams remembered for lost-state detection (power of two) */
#define RR_BACKOFF_MIN_MS 100
#define RR_BACKOFF_MAX_MS 5000
#define RR_STALL_MS       5000 /* a connection with replies owed and silent this long is dropped */
/* A connection not up this long after connect() is dropped and retried: hiredis 0.14's libuv
 * adapter ignores poll errors, so a refused connect would otherwise never report back. */
#define RR_CONNECT_MS  1000
#define RR_WATCHDOG_MS 250
/* Fenced mode: how long an acknowledgement waits for a replica (WAIT 1 RR_WAIT_MS). */
#define RR_WAIT_MS 1000

typedef struct rr_conn {
    redisAsyncContext *ac;
    int up;           /* cmd: handshake done; sub: subscribed */
    unsigned backoff; /* next retry delay, ms */
    uint64_t since;   /* when the current connect began */
    uv_timer_t retry;
} rr_conn;

typedef struct rr_seen {
    uint64_t hash;
    unsigned gen; /* the loss generation when last seen */
} rr_seen;

typedef struct rr_store {
    rh_store base;
    uv_loop_t *loop;
    char host[256]; /* the server talked to: the URL's, or the primary the sentinels named */
    int port, db;
    rh_redis_url url;
    /* Sentinel (redis_sentinel.c): addr_ok says host/port is the primary the sentinels last
     * named; sq asks sentinel snext, sw watches +switch-master on sentinel sw_idx. */
    int addr_ok, sw_up;
    size_t snext, sw_idx;
    redisAsyncContext *sq, *sw;
    uint64_t sq_since, sq_next, sw_since, sw_next;
    /* Fenced numbering: a stream's bus messages wait in its pending list until WAIT saw a
     * replica acknowledge them (see README.md, "Failover"). */
    int fence;
    char *prefix;
    char *bus;         /* {prefix}bus */
    char *epoch_key;   /* {prefix}epoch */
    char *wm_key;      /* {prefix}wm: INCRed by every start, append and end */
    char *nodes_key;   /* {prefix}nodes: live nodes */
    char *node_prefix; /* {prefix}node: */
    char *node_key;    /* {prefix}node:{node_id}: this node's channel counts */
    char node_id[40];
    void (*on_up)(void *);
    void *on_up_ud;
    void (*on_gap)(void *); /* bus messages were missed (redis_busseq.c) */
    void *on_gap_ud;
    char *busseq_key;       /* {prefix}busseq: the bus messages' counter */
    uint64_t bus_last;      /* the seq of the last bus message received */
    int bus_known;          /* bus_last is set */
    int sub_lost;           /* the bus subscription was lost: check the counter when up */
    uint64_t gap_check_seq; /* the counter seen after a resubscribe ... */
    uint64_t gap_check_at;  /* ... is checked against bus_last then (0: no check due) */
    uint64_t bus_at_get;    /* bus_last when the counter was asked for after a resubscribe */
    int registered;         /* a refresh found this node live in the registry once */
    int bus_data_lost;      /* the epoch changed: the counter restarted, messages were lost */
    unsigned ticks;
    rh_store_limits lim;
    uint64_t ttl_ms;
    uint64_t (*now_ms)(void *);
    void *now_ud;
    rh_store_log_fn log;
    void *log_ud;
    rh_store_bus_sink sink;
    void *sink_ud;
    rr_conn cmd, sub;
    uv_timer_t watchdog;
    int handles_open; /* timers not yet closed: the struct is freed when this reaches 0 */
    int destroying;
    int was_up; /* for the warn-on-loss / info-on-recovery log lines */
    int warned; /* the first failed connect was logged */
    char epoch[40];
    char sha[RR_NSCRIPTS][41];
    int handshake_left; /* replies still owed by the cmd connection's handshake */
    unsigned pending;   /* replies owed to operations someone waits for (not fire-and-forget) */
    uint64_t last_reply_ms;
    unsigned losses; /* also the loss generation of rr_seen */
    int hs_lost;     /* this handshake already found a loss (epoch) */
    /* The highest watermark of an answer given (after WAIT in fenced mode): a Redis that
     * comes back below it lost acknowledged writes although its epoch marker survived (a
     * stale replica promoted, an old snapshot or AOF loaded). */
    uint64_t wm_acked;
    rr_seen seen[RR_SEEN_SLOTS];
} rr_store;

/* redis_scripts.c: the Lua text of each script. */
const char *rr_script(int id);

/* redis_conn.c */
void rr_log(rr_store *rs, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t rr_now(rr_store *rs);
int rr_conn_start(rr_store *rs, char *err, size_t errlen);
void rr_conn_stop(rr_store *rs);
int rr_is_up(const rr_store *rs);
/* Called by redis_ops.c when a reply arrives on cmd (for the stall watchdog). */
void rr_got_reply(rr_store *rs);
/* Marks the connection that gave a NULL reply as gone (pending callbacks then fail at once). */
void rr_conn_lost(rr_store *rs);
/* Sends a command owing a reply on the command connection (counted for the stall watchdog):
 * 0, or -1 when down (fn not called). */
int rr_send(rr_store *rs, redisCallbackFn *fn, void *priv, int argc, const char **argv,
            const size_t *lens);
/* A reply owed on the command connection arrived (NULL: the connection failed): the
 * bookkeeping of rr_send's count. Returns reply. */
const redisReply *rr_arrived(rr_store *rs, void *reply);

/* redis_lost.c: lost-state detection. The epoch marker read (handshake or the poll each
 * second), the watermark read in the handshake, an answered operation's watermark. */
void rr_epoch_seen(rr_store *rs, const char *s, size_t len);
void rr_wm_seen(rr_store *rs, const redisReply *r);
void rr_wm_acked(rr_store *rs, uint64_t wm);
void rr_epoch_poll(rr_store *rs);

/* Resets both connections (after +switch-master): they reconnect to host/port. */
void rr_conn_reset(rr_store *rs);
/* Connects whichever of the two connections is not connected (the address is known). */
void rr_conn_kick(rr_store *rs);

/* redis_sentinel.c (all do nothing for a redis:// URL) */
void rr_sentinel_need(rr_store *rs);
void rr_sentinel_tick(rr_store *rs);
void rr_sentinel_stop(rr_store *rs);

/* redis_fence.c (fenced mode): holds an answer until WAIT saw a replica acknowledge the
 * operation, then (do_commit) publishes the stream's queue up to order, then answers cb.
 * out and out->stream are copied. rr_fence_idle does the same for the ends of an idle sweep's
 * reply {n, sid, last, ...}, answering nobody. */
void rr_fence_hold(rr_store *rs, const char *app, const char *sid, int do_commit,
                   unsigned long long order, uint64_t wm, const rh_store_reply *out, rh_store_cb cb,
                   void *ud);
void rr_fence_idle(rr_store *rs, const char *app, const redisReply *r);

/* redis_busseq.c: the bus sequence. received: checks a received message's seq and answers the
 * length of its "<seq>|" head (rh_busmsg_seq_head; 0 when it has none);
 * resubscribed: reads the counter after the store came up (baseline or gap check); tick:
 * the due gap check (from the watchdog, on the loop's clock). */
size_t rr_bus_received(rr_store *rs, const char *msg, size_t len);
void rr_bus_resubscribed(rr_store *rs);
void rr_bus_tick(rr_store *rs, uint64_t now);
/* The Lua that publishes m (a Lua expression) on bus (a Lua expression) with its seq. */
#define RR_LUA_PUB(bus, m)                                                                         \
    "redis.call('PUBLISH', " bus ", redis.call('INCR', " bus " .. 'seq') .. '|' .. " m ")\n"

/* redis_nodes.c: the node registry refresh (every second while up). */
void rr_nodes_refresh(rr_store *rs);

/* redis_cache.c: the cache channels' last events (store.h cache_set, cache_get). */
void rr_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                  size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud);
void rr_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                  rh_store_cb cb, void *ud);

/* redis_ops.c: the operations table. */
extern const rh_store_ops rr_ops_table;
void rr_seen_add(rr_store *rs, const char *app, const char *sid);
int rr_seen_lost(const rr_store *rs, const char *app, const char *sid);

#endif
