/* rh_hub: connections, channels and their subscribers, per app; the fan-out point.
 *
 * A frame published to a channel is one rh_buf shared by every subscriber (each send queue
 * takes a reference); nothing is serialised per subscriber. Used by core/ (subscriptions)
 * and api/ (HTTP API events, stream events, channel queries). */
#ifndef RH_HUB_H
#define RH_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "srv.h"

int rh_hub_init(rh_srv *srv);
void rh_hub_free(rh_srv *srv);

/* Sends frame to every connection subscribed to channel in app, except the connection whose
 * socket_id is except_socket_id (NULL: nobody excluded). Returns the number of recipients.
 * The caller keeps its own reference to frame. A subscriber whose send queue is full is
 * closed with 4100 and not counted. O(subscribers of channel). */
size_t rh_hub_publish(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                      const char *except_socket_id);

/* The same for an event this node published on the bus as its serial-th: connections that
 * subscribed after it was published (sub->since >= serial) do not get it, as on one node.
 * serial 0: everybody. */
size_t rh_hub_publish_before(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                             const char *except_socket_id, uint64_t serial);

/* Sends frame to the connection socket_id of app only while it is subscribed to channel and
 * open (a cache channel's last event, answered by the store after the subscription). 1 sent,
 * 0 not (gone, unsubscribed, queue full). The caller keeps its reference to frame. */
int rh_hub_send_to(rh_srv *srv, const rh_cfg_app *app, const char *socket_id, const char *channel,
                   rh_buf *frame);

typedef struct rh_hub_chan_info {
    int occupied;
    size_t subscription_count; /* connections subscribed */
    size_t user_count;         /* distinct presence users (presence channels only) */
} rh_hub_chan_info;

/* Fills *out for channel (occupied 0 and counts 0 when nobody is subscribed). */
void rh_hub_channel_info(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                         rh_hub_chan_info *out);

/* Calls cb for every occupied channel of app whose name starts with prefix ("" = all), in
 * no particular order. cb must not subscribe, unsubscribe or publish (the table is being
 * walked). */
typedef void (*rh_hub_chan_cb)(void *ud, const char *channel, const rh_hub_chan_info *info);
void rh_hub_foreach_channel(rh_srv *srv, const rh_cfg_app *app, const char *prefix,
                            rh_hub_chan_cb cb, void *ud);

/* Distinct user ids of a presence channel: cb once per user, in join order. Same rule for cb
 * as above. */
typedef void (*rh_hub_user_cb)(void *ud, const char *user_id);
void rh_hub_foreach_user(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_hub_user_cb cb,
                         void *ud);
/* The same with each member's user_info (compact JSON, or NULL). */
typedef void (*rh_hub_member_cb)(void *ud, const char *user_id, const char *user_info);
void rh_hub_foreach_member(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                           rh_hub_member_cb cb, void *ud);

/* Revocation (revoke.c, docs/protocol.md section 19). rh_hub_bind records that the
 * authorizer signed channel for user_id on socket_id, when that connection is on this node
 * (copies the strings; a later binding of the same channel replaces its user and keeps it
 * revoked if it was; 0, or -1 out of memory). rh_hub_revoke ends, with
 * pusher:subscription_error 403, every subscription of this node's connections of app to a
 * channel of workspace that was signed for user_id or whose presence member is user_id, and
 * marks those bindings revoked; answers how many. rh_hub_grant lifts the marks of user_id's
 * bindings to workspace's channels. */
int rh_hub_bind(rh_srv *srv, const rh_cfg_app *app, const char *socket_id, const char *channel,
                const char *user_id);
size_t rh_hub_revoke(rh_srv *srv, const rh_cfg_app *app, const char *workspace,
                     const char *user_id);
void rh_hub_grant(rh_srv *srv, const rh_cfg_app *app, const char *workspace, const char *user_id);

/* User authentication (users.c, docs/protocol.md section 18). A channel named
 * #server-to-user-{id} has no subscribers: rh_hub_publish delivers its events to every
 * connection of app signed in as id (rh_hub_user_publish; O(connections)).
 * rh_hub_terminate_user closes those connections with 4009 and answers how many. */
int rh_hub_is_user_channel(const char *channel);
size_t rh_hub_user_publish(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                           const char *except_socket_id);
size_t rh_hub_terminate_user(rh_srv *srv, const rh_cfg_app *app, const char *user_id);

#endif
