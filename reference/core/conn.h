/* rh_conn internals shared by the files of core/ (srv.c, conn.c, subscribe.c,
 * client_events.c, hub.c). Not for api/ or net/: they see connections only through
 * server.h and hub.h.
 *
 * Ownership: the hub owns every rh_conn (created by rh_srv_conn_open, freed by
 * rh_srv_conn_closed or rh_hub_free), every channel, subscription and presence member.
 * A subscription lives in its connection's table (keyed by channel name) and in its
 * channel's list; a presence member lives in its channel's table while any connection of
 * that user is subscribed. */
#ifndef RH_CONN_H
#define RH_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/channel.h"
#include "../proto/message.h"
#include "../proto/watchlist.h"
#include "htab.h"
#include "srv.h"

#define RH_SOCKET_ID_MAX 48

typedef struct rh_member {
    char *user_id;
    char *user_info;               /* compact JSON, or NULL */
    size_t conns;                  /* subscriptions of this user in the channel */
    struct rh_member *prev, *next; /* join order, for stable presence lists */
} rh_member;

typedef struct rh_chan rh_chan;

/* A presence subscription waiting for its member list from the bus (core/presence_list.c):
 * its number (srv->list_serial) and when it was asked for. */
typedef struct rh_list_wait {
    uint64_t id;
    uint64_t asked_ms;
} rh_list_wait;

/* Every subscription of every connection is one of these, so it holds only what all of them
 * use (56 bytes): the wait is on the heap, owned by the subscription, only while it waits. */
typedef struct rh_sub {
    struct rh_conn *conn;
    rh_chan *chan;
    rh_member *member;          /* presence channels only; NULL otherwise */
    struct rh_sub *prev, *next; /* in chan */
    uint64_t since : 63;        /* srv->bus_serial when subscribed (bus mode) */
    /* 1 once counted in the channel's shared state (subscriptions, occupied): at once, or,
     * for a presence subscription waiting for the store's answer, when it is admitted. */
    uint64_t counted : 1;
    /* Non-NULL while waiting for the member list; until then it receives nothing of the
     * channel. */
    rh_list_wait *wait;
} rh_sub;

struct rh_chan {
    char *name;
    rh_chan_type type;
    size_t nsubs;
    size_t ncounted; /* the subscriptions counted (rh_sub.counted) */
    rh_sub *head, *tail;
    rh_htab members; /* user_id -> rh_member (presence channels) */
    rh_member *mhead, *mtail;
    uint64_t count_sent_ms; /* last pusher_internal:subscription_count (core/subcount.c) */
    int count_pending;      /* 1: a throttled count is due; 2: re-count once (several nodes) */
    long long count_last;   /* the last count this node sent */
};

/* The client-event rate window of a connection (client_events.c): the times of the last
 * n accepted events in a ring of cap, the next written at pos. */
typedef struct rh_ce_ring {
    int cap, n, pos;
    uint64_t times[];
} rh_ce_ring;

/* Every idle connection carries one of these, so the flags are bit-fields and what only some
 * connections use is allocated when first needed and owned by the connection (freed by
 * rh_hub_conn_remove): ce (the first rate-limited client event), binds (the first signature
 * the bundled authorizer reports, revoke.c), watch (a sign-in with a watchlist, users.c). */
struct rh_conn {
    rh_srv *srv;
    void *handle;
    const rh_cfg_app *app; /* NULL: refused at open (unknown key) */
    char socket_id[RH_SOCKET_ID_MAX];
    uint64_t last_seen_ms; /* last message or WebSocket ping/pong from the client */
    uint64_t ping_sent_ms;
    uint64_t opened_ms;          /* when the connection opened (the sign-in timeout) */
    rh_ce_ring *ce;              /* NULL until a client event is rate-limited */
    rh_htab subs;                /* channel name -> rh_sub */
    struct rh_conn *prev, *next; /* every connection of the server */
    char *user_id;               /* signed in as this user (users.c), or NULL */
    rh_watch *watch;             /* the signed-in user's watchlist (watchlist.c), or NULL */
    rh_htab *binds;              /* channel name -> rh_bind: the user the authorizer signed it
                                    for (revoke.c); NULL while there is none */
    struct rh_conn *dead_next;
    unsigned closing : 1;     /* io->close was called: nothing more is sent or handled */
    unsigned pinged : 1;      /* server pusher:ping outstanding */
    unsigned dead : 1;        /* rh_srv_conn_closed came while the server was busy */
    unsigned counted : 1;     /* counted in its app's rh_app_state.conns */
    unsigned overflowed : 1;  /* its send queue went over the cap: 4100 on the way */
    unsigned authorized : 1;  /* signed in, or seen subscribed to a private or presence channel */
    unsigned quiet_leave : 1; /* leaves its channels without member events (a fault) */
};

/* --- hub internals (hub.c) -------------------------------------------------------------- */

/* Registers a new connection (socket id already set when app != NULL). 0 or -1 (OOM). */
int rh_hub_conn_add(rh_srv *srv, rh_conn *c);
/* Drops every subscription of c (member_removed as due unless quiet), unregisters and frees
 * c. */
void rh_hub_conn_remove(rh_srv *srv, rh_conn *c, int quiet);
rh_conn *rh_hub_first_conn(rh_srv *srv);
/* The connection of socket_id on this node, or NULL (also: whether a socket_id is taken). */
rh_conn *rh_hub_conn_by_socket(rh_srv *srv, const char *socket_id);
/* revoke.c: frees c's bindings (called when c is removed). */
void rh_hub_binds_free(rh_conn *c);
/* 1 when the authorizer's signature of channel for c belongs to a user whose access to the
 * channel's workspace was revoked since (the subscription is refused). */
int rh_hub_bind_revoked(rh_conn *c, const char *channel);
/* Every entry point brackets its work with enter/leave. A connection closed by the edge
 * meanwhile (rh_srv_conn_closed from inside an io callback) is only marked dead and freed
 * by the outermost leave, so no list walk or handler ever sees a freed connection. */
void rh_hub_enter(rh_srv *srv);
void rh_hub_leave(rh_srv *srv);
/* 0 when c was freed at once, 1 when deferred to rh_hub_leave. */
int rh_hub_conn_closed(rh_srv *srv, rh_conn *c);
size_t rh_hub_conn_total(const rh_srv *srv);

/* The channel of app named name, or NULL when nobody is subscribed. */
rh_chan *rh_hub_chan(rh_srv *srv, const rh_cfg_app *app, const char *name);
/* The channel table of app (channel name -> rh_chan), or NULL. */
rh_htab *rh_hub_app_chans(rh_srv *srv, const rh_cfg_app *app);
/* The subscription of c to name, or NULL. */
rh_sub *rh_hub_sub_of(rh_conn *c, const char *name);
/* Subscribes c (channel created on demand). Returns the subscription or NULL (OOM). An
 * existing subscription is returned unchanged. held: not counted (rh_hub_sub_count) yet. */
rh_sub *rh_hub_subscribe_as(rh_srv *srv, rh_conn *c, const char *name, rh_chan_type type, int held);
rh_sub *rh_hub_subscribe(rh_srv *srv, rh_conn *c, const char *name, rh_chan_type type);
/* Counts a held sub in the channel's shared state: its subscription, channel_occupied when it
 * is the first counted one. No-op when counted. */
void rh_hub_sub_count(rh_srv *srv, rh_sub *sub);
/* Adds user_id to the presence set of sub's channel and attaches it to sub; *is_new is 1
 * when the user was not present before (then, with webhook, its member_added transition).
 * 0 or -1 (OOM: sub unchanged). Takes ownership of neither string (copies). */
int rh_hub_member_join(rh_sub *sub, const char *user_id, const char *user_info, int webhook,
                       int *is_new);
/* Removes sub; sends member_removed to the others when the user's last subscription went. */
void rh_hub_unsubscribe(rh_srv *srv, rh_sub *sub, int quiet);
/* Removes a held sub the store refused, with no trace: the store wrote nothing for it, so
 * nothing is sent (no member_removed, no webhook, no count); a member whose last
 * subscription it was is dropped from this node's table. */
void rh_hub_sub_refused(rh_srv *srv, rh_sub *sub);

/* --- connection helpers (conn.c) -------------------------------------------------------- */

/* Sends frame (caller keeps its reference). When the edge refuses it (queue over its cap;
 * the edge then drops the unsent frames) c gets pusher:error 4100 and a close 4100.
 * 0 when queued. */
int rh_conn_send(rh_conn *c, rh_buf *frame);
/* Sends and drops the caller's reference (frame may be NULL: out of memory, logged). */
void rh_conn_send_take(rh_conn *c, rh_buf *frame);
void rh_conn_close(rh_conn *c, int code, const char *reason);
/* pusher:error {"code","message"} with "channel" when channel != NULL. */
void rh_conn_error(rh_conn *c, int code, const char *message, const char *channel);
/* Replaces, in place, every byte that does not start a valid UTF-8 sequence with '?': error
 * messages quote client input cut to a length, and a frame must stay valid UTF-8. */
void rh_conn_utf8_clean(char *s);
/* Malformed input: 4200 unless the silent-malformed fault is on. */
void rh_conn_malformed(rh_conn *c, const char *what);

/* subscribe.c */
void rh_conn_on_subscribe(rh_conn *c, const rh_msg *m);
/* subscription_succeeded for c's subscription to channel: data, or NULL for this node's
 * member list (presence) or "{}"; then, when first (not a re-subscription), a cache
 * channel's last event (17). */
void rh_conn_sub_confirmed(rh_conn *c, const char *channel, const char *data, int first);
/* member_added's frame for sub's member (NULL out of memory). */
rh_buf *rh_conn_member_added_frame(const rh_sub *sub);

/* presence_list.c: member lists over every node (docs/protocol.md 15.4) */
/* 1 when presence subscriptions take their member list from the bus. */
int rh_presence_exact(const rh_srv *srv);
/* Asks the bus for held sub's join (refused over max_presence_members on every node;
 * member_added and the member webhook published by the store when the user is new
 * everywhere) and member list; sub waits for the answer. 0 asked, -1 not (bus down or out of
 * memory: nothing was done). */
int rh_presence_list_ask(rh_conn *c, rh_sub *sub);
/* 1 when a private subscription to channel waits for its access barrier: a bus shared with
 * other nodes and a workspace channel (private-workspace.W.thread.T, docs/protocol.md 19.2). */
int rh_access_barrier_wanted(const rh_srv *srv, const char *channel);
/* Publishes held sub's barrier, an "lst" message addressed to it with no member, and makes
 * sub wait for it like a presence list: confirmed when it comes back, or after the list's
 * timeout; a revocation applied meanwhile ends it. 0 asked, -1 not (out of memory: nothing
 * was done). */
int rh_access_barrier_ask(rh_conn *c, rh_sub *sub);
/* pusher:subscription_error LimitReached 4100: the presence channel is full (4.3.6). */
void rh_conn_presence_full(rh_conn *c, const char *channel);
/* pusher:subscription_error {"type","error","status"} on channel (why is cut and cleaned). */
void rh_conn_sub_error(rh_conn *c, const char *channel, const char *type, const char *why,
                       int status);
/* users.c: pusher:signin */
void rh_conn_on_signin(rh_conn *c, const rh_msg *m);
/* Closes with 4009 the connections of apps with a signin_timeout that are past it without
 * having signed in or subscribed to a private or presence channel (each tick). */
void rh_hub_signin_deadline(rh_srv *srv);
/* watchlist.c (docs/protocol.md 18.5), single node: rh_hub_watch_signed_in, after c signed
 * in with c->watch set, sends c the online ids of its watchlist and, when c is its user's
 * first signed-in connection, "online" to every connection watching that user;
 * rh_hub_watch_gone, before c leaves, sends "offline" when c was its user's last one. */
void rh_hub_watch_signed_in(rh_srv *srv, rh_conn *c);
void rh_hub_watch_gone(rh_srv *srv, rh_conn *c);
/* client_events.c */
void rh_conn_on_client_event(rh_conn *c, const rh_msg *m);

#endif
