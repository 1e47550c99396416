/* rh_srv, WebSocket side: the reference server's connection logic without sockets.
 *
 * The network edge (reference/net) owns sockets, the event loop and timers; it feeds this
 * module WebSocket messages and gives it an rh_srv_io to send frames, close connections,
 * read the clock and draw random bytes. Nothing here blocks or does I/O, so the whole server
 * can be unit-tested and fuzzed in-process with a fake rh_srv_io. The server's lifetime
 * (rh_srv_new, rh_srv_free, rh_srv_tick) is in server/server.h, the HTTP side in
 * api/service.h; the edge includes server/server.h, which includes both.
 *
 * Ownership: rh_conn objects are owned by the server: created by rh_srv_conn_open, freed by
 * rh_srv_conn_closed. Frames handed to io->send are rh_buf references the callee must take
 * (rh_buf_ref) if it keeps them. */
#ifndef RH_SRV_PUBLIC_H
#define RH_SRV_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "../proto/buf.h"

typedef struct rh_srv rh_srv;
typedef struct rh_conn rh_conn;
typedef struct rh_store rh_store;

enum { RH_LOG_ERROR = 0, RH_LOG_WARN = 1, RH_LOG_INFO = 2, RH_LOG_DEBUG = 3 };

typedef struct rh_srv_io {
    void *ud;
    /* Queues a text frame for the connection whose edge handle is h. Returns 0, or -1 when
     * the connection's send queue is over its cap (the server then closes it). */
    int (*send)(void *ud, void *h, rh_buf *frame);
    /* Closes the connection with a WebSocket close code and reason once queued frames are
     * written. The edge later calls rh_srv_conn_closed. */
    void (*close)(void *ud, void *h, int code, const char *reason);
    uint64_t (*now_ms)(void *ud);                 /* monotonic milliseconds */
    int64_t (*wall_s)(void *ud);                  /* Unix time in seconds (HTTP signature window) */
    int (*random)(void *ud, void *out, size_t n); /* CSPRNG; 0 on success */
    void (*log)(void *ud, int level, const char *msg);
    /* Bytes queued to connections and not yet written, for GET /metrics; may be NULL. */
    size_t (*queued_bytes)(void *ud);
    /* Unix time in milliseconds (webhook time_ms); NULL: wall_s * 1000. */
    int64_t (*wall_ms)(void *ud);
    /* Webhooks: starts a POST of body (len bytes) to url (http://HOST[:PORT]/PATH) with the
     * header lines headers ("Name: value\r\n" each), never blocking. done(done_ud, status)
     * is called once, later, from the loop: the answer's status, or -1 for no answer within
     * timeout_ms. 0 started, -1 not (done is then not called). NULL: webhooks are not sent. */
    int (*http_post)(void *ud, const char *url, const char *headers, const char *body, size_t len,
                     int timeout_ms, void (*done)(void *done_ud, int status), void *done_ud);
    /* Abandons the POSTs started with done_ud: their done is never called. */
    void (*http_cancel)(void *ud, const void *done_ud);
} rh_srv_io;

/* 1 when fault f (an rh_fault of core/faults.h) is active; always 0 without faults. For the
 * network edge, which has no access to rh_srv's insides. */
int rh_srv_has_fault(const rh_srv *srv, int f);

/* --- several nodes ----------------------------------------------------------------------- */

/* The cross-node bus (several servers on one Redis). Every event that reaches WebSocket
 * subscribers is published as a message (proto/busmsg.h) and delivered to this server's
 * subscribers only when it comes back through rh_srv_bus_deliver, so every node sees one
 * order. Without one (the default) the server publishes on its loopback bus, which delivers
 * each message here before publish returns: the same path on one node as on several. publish calls
 * done exactly once, maybe before returning (ok 0 with a reason when the bus is down: then nothing
 * was delivered anywhere). up answers 1 while the bus works. */
typedef void (*rh_bus_done)(void *ud, int ok, const char *err);
typedef void (*rh_bus_sum_cb)(void *ud, int ok, const char *const *fields, const long long *sums,
                              size_t n);
/* A presence subscription's join for rh_bus.presence_join. field "p\n{app}\n{channel}\n{user}",
 * its first prefix_len bytes the channel's; limit the app's max_presence_members over every
 * node (0: none); info the user_info or NULL; msg the member_added bus message to publish
 * when the user is new over every node; wh_field and wh_msg the member webhook field and its
 * "whk" notice (NULL: no webhooks); head the "lst" message's first fields. The join happens
 * only where this node holds no field of the user yet and the limit admits it. */
typedef struct rh_bus_join {
    const char *field;
    size_t prefix_len;
    size_t limit;
    const char *msg; /* msg_len bytes, NULL: none */
    size_t msg_len;
    const char *info;
    const char *head; /* head_len bytes */
    size_t head_len;
    const char *wh_field;
    const char *wh_msg; /* wh_msg_len bytes */
    size_t wh_msg_len;
} rh_bus_join;

typedef struct rh_bus {
    void *ud;
    void (*publish)(void *ud, const char *msg, size_t len, rh_bus_done done, void *done_ud);
    int (*up)(void *ud);
    /* Channel state shared by the nodes (NULL: the HTTP API answers from this node alone).
     * Fields are "s\n{app}\n{channel}" (subscriptions on this node) and
     * "p\n{app}\n{channel}\n{user_id}" (1 while the user is in the presence channel here).
     * delta adds to a field; replace rewrites this node's whole share (after a reconnect),
     * infos[i] the member's user_info of presence field i (NULL: none);
     * sum totals, over the live nodes, every field starting with one of prefixes. */
    void (*node_delta)(void *ud, const char *field, long delta);
    void (*node_replace)(void *ud, const char *const *fields, const long *values,
                         const char *const *infos, size_t n);
    void (*node_sum)(void *ud, const char *const *prefixes, size_t n, rh_bus_sum_cb cb,
                     void *cb_ud);
    /* A presence "p" field's join (+1) or leave (-1) on this node; msg goes out on the bus
     * only when the user's total over every node went 0 -> 1 or -> 0 (NULL: node-local). */
    void (*presence)(void *ud, const char *field, long delta, const char *msg, size_t len);
    /* A presence subscription here, when the bus keeps the member lists (NULL: the member list
     * is this node's): the join (see rh_bus_join) and the channel's member list over every
     * node, published on the bus as one "lst" message (proto/buslst.h) after any member_added
     * it caused, in the bus's one order, with the store's answer (refused: the channel is
     * full over every node, and the join had no effect). 0 sent, -1 not (bus down: nothing
     * happened). */
    int (*presence_join)(void *ud, const rh_bus_join *j);
    const char *store_name; /* reported by /up, e.g. "redis" */
} rh_bus;

/* Installs the bus (copied; NULL removes it). Call before traffic starts. */
void rh_srv_set_bus(rh_srv *srv, const rh_bus *bus);
/* Rewrites this node's channel state through bus.node_replace (call when the bus is back). */
void rh_srv_bus_resync(rh_srv *srv);

/* --- WebSocket side --------------------------------------------------------------------- */

/* A WebSocket was upgraded at /app/{app_key}. handle is the edge's, given back in io calls.
 * Sends connection_established, or pusher:error 4001 and a close for an unknown key.
 * Never NULL unless out of memory (the edge then closes the socket itself). */
rh_conn *rh_srv_conn_open(rh_srv *srv, const char *app_key, void *handle);
/* The same, with the upgrade request's query string (percent-encoded, without '?'; NULL or
 * "" when there was none). Protocol 7 is assumed and the query is otherwise ignored; only
 * the test-only protocol-required fault reads it. */
rh_conn *rh_srv_conn_open_query(rh_srv *srv, const char *app_key, const char *query, void *handle);
/* The same with the upgrade's Origin header (NULL: none). An origin outside the app's
 * allowed_origins gets pusher:error 4009 and a close 4009; an app at max_connections gets
 * pusher:error 4004 and a close 4004. */
rh_conn *rh_srv_conn_open_origin(rh_srv *srv, const char *app_key, const char *query,
                                 const char *origin, void *handle);
/* One whole message. is_binary: Pusher allows text frames only. */
void rh_srv_conn_message(rh_srv *srv, rh_conn *c, const char *data, size_t len, int is_binary);
/* A WebSocket ping or pong control frame arrived: counts as activity for the heartbeat. */
void rh_srv_conn_activity(rh_srv *srv, rh_conn *c);
/* The socket is gone (after a close of either side); frees c. May be called from inside an
 * io callback (e.g. io->close): the free is then deferred until the server call returns. */
void rh_srv_conn_closed(rh_srv *srv, rh_conn *c);
/* The edge calls this before rh_srv_conn_closed when the peer went without a close frame
 * while the server had not closed it (TCP reset or FIN). Only the drop-no-removed fault acts
 * on it: such a connection then leaves its presence channels without member_removed. */
void rh_srv_conn_dropped(rh_srv *srv, rh_conn *c);
/* Graceful stop: every connection gets pusher:error 4200 and a close 4200. */
void rh_srv_shutdown(rh_srv *srv);
/* Bus messages were missed (docs/protocol.md 15.11: a gap in their sequence, or this node was
 * taken for dead by the others): events published meanwhile never reached this node's
 * subscribers, so every connection with a subscription gets
 * pusher:error 4200 and a close 4200 (the client reconnects, and resumes streams through
 * replay) instead of staying silently behind. Returns the number closed. */
size_t rh_srv_bus_gap(rh_srv *srv);
size_t rh_srv_conn_count(const rh_srv *srv);
/* What only the edge sees, for GET /metrics: an HTTP answer's status (every answer, also
 * those the edge makes itself), and a frame written us microseconds after it was first
 * queued (its publish). */
void rh_srv_note_http(rh_srv *srv, int status);
void rh_srv_note_send_latency(rh_srv *srv, uint64_t us);

#endif
