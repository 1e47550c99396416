/* The server context shared by core/ (WebSocket side) and api/ (HTTP side). Internal to
 * reference/: the network edge uses server/server.h only.
 *
 * rh_srv is the only mutable state of a running server: no globals anywhere. server/server.c
 * owns its lifetime; each part keeps its private state behind an opaque pointer here. */
#ifndef RH_SRV_H
#define RH_SRV_H

#include <stdarg.h>
#include <stdint.h>

#include "faults.h"
#include "metrics.h"
#include "server.h"

struct rh_hub; /* core/hub.c: connections, channels, subscribers */
struct rh_wh_event;
struct rh_api; /* api/: streaming service state, fault hold-backs */

/* Per-app counters for the app limits, indexed like cfg->apps. */
typedef struct rh_app_state {
    size_t conns;            /* open connections counted against max_connections */
    uint64_t http_window_ms; /* start of the current one-second window */
    int http_count;          /* signed requests in that window */
} rh_app_state;

struct rh_srv {
    const rh_cfg *cfg;
    rh_app_state *apps; /* cfg->napps entries */
    rh_srv_io io;
    rh_store *store;
    uint64_t bus_serial;  /* events this node has published on the bus */
    uint64_t list_serial; /* presence member lists asked of the bus (core/presence_list.c) */
    size_t lists_pending; /* subscriptions waiting for theirs */
    char node_id[24];     /* this node's name on the bus (random) */
    rh_bus bus;           /* the cross-node bus, or the loopback (bus_loopback) on one node */
    /* 1: bus is the in-process loopback: a message is delivered here through loop_deliver
     * before publish returns, so one node takes the same path as several */
    int bus_loopback;
    int (*loop_deliver)(rh_srv *srv, const char *msg, size_t len);
    /* Set by api/: a connection has just subscribed to a cache channel (its
     * subscription_succeeded is sent); the last event or pusher:cache_miss follows (17). */
    void (*cache_subscribed)(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                             const char *socket_id);
    struct rh_hub *hub;
    struct rh_api *api;
    unsigned char faults[RH_FAULT__COUNT]; /* 1: fault i active (only with RH_WITH_FAULTS) */
    rh_metrics metrics;
    int shutting_down;
    /* Webhooks (protocol section 20): takes ev (heap, rh_wh_event_free) into the queue of
     * app's targets. Installed by api/ (rh_api_init), NULL when none or after rh_api_free. */
    void (*wh_emit)(rh_srv *srv, const rh_cfg_app *app, struct rh_wh_event *ev);
};

/* Sends frame to the subscribers of channel in app on every node (except the connection
 * except_socket_id) as an "evt" message on the bus (the loopback on one node). done (may be
 * NULL) is called once, with ok 1 once delivered locally or acknowledged by the bus. */
void rh_srv_fanout(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                   const char *except_socket_id, rh_bus_done done, void *ud);
/* Starts an "evt" bus message from this node: kind, app, node id, next serial. */
struct rh_busmsg;
void rh_srv_bus_head(rh_srv *srv, struct rh_busmsg *m, const rh_cfg_app *app);
/* A shared-store field "{kind}\n{app}\n{channel}[\n{user}]". Heap; NULL on OOM. */
char *rh_srv_field(char kind, const char *app_id, const char *channel, const char *user_id);
/* A channel-state field (see rh_bus): user NULL for "s", else "p". Heap; NULL on OOM. */
char *rh_srv_bus_field(const char *app_id, const char *channel, const char *user_id);
/* Adds delta to this node's share of the field, when the bus keeps channel state. */
void rh_srv_bus_chan(rh_srv *srv, const rh_cfg_app *app, const char *channel, const char *user_id,
                     long delta);
/* Presence across nodes: user joined (delta 1) or left (-1) channel on this node; frame
 * (member_added/removed, may be NULL) reaches every node's subscribers (except except_socket)
 * only when this was the user's first or last connection anywhere. 0 when the bus does not
 * decide presence (the caller publishes itself), else 1. */
int rh_srv_presence(rh_srv *srv, const rh_cfg_app *app, const char *channel, const char *user_id,
                    long delta, rh_buf *frame, const char *except_socket);
/* An "lst" bus message (proto/buslst.h) f[0..n-1]: the member list of a presence
 * subscription on this node, which is confirmed with it (core/presence_list.c). 0, or -1
 * malformed. A list for another node or a subscription no longer waiting is ignored. */
struct rh_busfield;
int rh_srv_presence_list_deliver(rh_srv *srv, const struct rh_busfield *f, long n);
/* Confirms with this node's member list the subscriptions whose list did not come within
 * RH_PRESENCE_LIST_WAIT_MS (each tick). */
#define RH_PRESENCE_LIST_WAIT_MS 2000
void rh_presence_list_tick(rh_srv *srv);
/* 1 when a bus shared with other nodes is installed (not the loopback). */
int rh_srv_has_bus(const rh_srv *srv);
/* Installs the loopback bus: every message published is handed to deliver (0 delivered, -1
 * not) before publish returns. rh_srv_set_bus(srv, NULL) comes back to it. */
void rh_srv_set_loopback(rh_srv *srv, int (*deliver)(rh_srv *srv, const char *msg, size_t len));

/* Webhooks: an event of type (proto/webhook.h) for app's targets, the strings copied; nothing
 * when the app has no webhook. */
void rh_srv_webhook(rh_srv *srv, const rh_cfg_app *app, int type, const char *channel,
                    const char *user_id, const char *event, const char *data,
                    const char *socket_id);
/* subscription_count {channel, subscription_count}: for the subscription-count feature to
 * call where it sends pusher_internal:subscription_count (cache_miss needs no number: it is
 * rh_srv_webhook with RH_WH_CACHE_MISS and the channel). */
void rh_srv_webhook_subscription_count(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                                       long long count);
/* A transition seen on this node: channel_occupied (delta 1) / channel_vacated (-1) when
 * user_id is NULL, member_added / member_removed otherwise. On one node it is the
 * deployment's transition and goes to rh_srv_webhook; with a shared store the store decides
 * (over every node) and the one node whose change made the transition sends it. */
void rh_srv_webhook_transition(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                               const char *user_id, long delta);
/* The shared-store field of a webhook transition ("o\n{app}\n{channel}" or
 * "m\n{app}\n{channel}\n{user}"). Heap; NULL on OOM. */
char *rh_srv_wh_field(const char *app_id, const char *channel, const char *user_id);
/* The "whk" notice the store publishes for such a transition decided over every node, added
 * to m (m->failed out of memory). */
void rh_srv_wh_notice(rh_srv *srv, const rh_cfg_app *app, const char *channel, const char *user_id,
                      long delta, struct rh_busmsg *m);

/* Logs through io->log when set; printf-style. */
void rh_srv_log(rh_srv *srv, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Pings connections silent for activity_timeout, closes with 4201 those that never answered
 * (server/server.c calls it from rh_srv_tick). */
void rh_srv_heartbeat(rh_srv *srv);
/* The limit counters of app (one of srv->cfg->apps). */
rh_app_state *rh_srv_app_state(rh_srv *srv, const rh_cfg_app *app);

#endif
