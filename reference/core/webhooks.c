/* Where the WebSocket side reports webhook events (protocol section 20). The queue, the
 * batching and the delivery are api/'s (srv->wh_emit); here only what happened, and, with a
 * shared store, the once-per-deployment decision.
 *
 * Why the shared store decides: each node sees only its own subscribers, so "first
 * subscriber anywhere" (channel_occupied) and "last member anywhere" (member_removed) are
 * known only in the store. Each node keeps, in its share of the channel state, a field that
 * is 1 while the channel (or the user on it) is present on that node; the store's presence
 * script adds this node's change and sums the live nodes in one atomic step, and publishes a
 * "whk" notice only when the total went 0 -> 1 or -> 0. Exactly one script run sees a given
 * transition, and the notice carries the node that ran it: only that node queues the
 * webhook (api/bus.c), so a deployment sends it once whatever the number of nodes. A claim
 * per event id (SET NX) would need an id every node computes alike, which a transition seen
 * on one node does not have. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/busmsg.h"
#include "../proto/webhook.h"
#include "srv.h"

void rh_srv_webhook(rh_srv *srv, const rh_cfg_app *app, int type, const char *channel,
                    const char *user_id, const char *event, const char *data, const char *socket_id)
{
    if (!app || !app->nwebhooks || !srv->wh_emit)
        return;
    if ((type == RH_WH_CHANNEL_OCCUPIED && rh_fault_on(srv, RH_FAULT_WEBHOOK_NO_OCCUPIED)) ||
        (type == RH_WH_CHANNEL_VACATED && rh_fault_on(srv, RH_FAULT_WEBHOOK_NO_VACATED)) ||
        (type == RH_WH_CACHE_MISS && rh_fault_on(srv, RH_FAULT_WEBHOOK_NO_CACHE_MISS)))
        return;
    if (user_id && type != RH_WH_CLIENT_EVENT && rh_fault_on(srv, RH_FAULT_WEBHOOK_MEMBER_NO_USER))
        user_id = "";
    if (type == RH_WH_CLIENT_EVENT && rh_fault_on(srv, RH_FAULT_WEBHOOK_CLIENT_NO_DATA)) {
        data = "";
        socket_id = NULL;
    }
    rh_wh_event *ev = rh_wh_event_new((rh_wh_type)type, channel, user_id, event, data, socket_id);
    if (!ev) {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory building a webhook event");
        return;
    }
    srv->wh_emit(srv, app, ev);
}

void rh_srv_webhook_subscription_count(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                                       long long count)
{
    if (!app || !app->nwebhooks || !srv->wh_emit || rh_fault_on(srv, RH_FAULT_WEBHOOK_NO_SUBCOUNT))
        return;
    rh_wh_event *ev = rh_wh_event_new(RH_WH_SUBSCRIPTION_COUNT, channel, NULL, NULL, NULL, NULL);
    if (!ev) {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory building a webhook event");
        return;
    }
    ev->subscription_count = count;
    srv->wh_emit(srv, app, ev);
}

char *rh_srv_wh_field(const char *app_id, const char *channel, const char *user_id)
{
    return rh_srv_field(user_id ? 'm' : 'o', app_id, channel, user_id);
}

static int transition_type(const char *user_id, long delta)
{
    if (user_id)
        return delta > 0 ? RH_WH_MEMBER_ADDED : RH_WH_MEMBER_REMOVED;
    return delta > 0 ? RH_WH_CHANNEL_OCCUPIED : RH_WH_CHANNEL_VACATED;
}

void rh_srv_wh_notice(rh_srv *srv, const rh_cfg_app *app, const char *channel, const char *user_id,
                      long delta, rh_busmsg *m)
{
    char t[8];
    snprintf(t, sizeof t, "%d", transition_type(user_id, delta));
    rh_busmsg_add_str(m, "whk");
    rh_busmsg_add_str(m, app->id);
    rh_busmsg_add_str(m, srv->node_id);
    rh_busmsg_add_str(m, t);
    rh_busmsg_add_str(m, channel);
    rh_busmsg_add_str(m, user_id);
}

void rh_srv_webhook_transition(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                               const char *user_id, long delta)
{
    if (!app || !app->nwebhooks)
        return;
    if (!srv->bus.presence) {
        rh_srv_webhook(srv, app, transition_type(user_id, delta), channel, user_id, NULL, NULL,
                       NULL);
        return;
    }
    char *field = rh_srv_wh_field(app->id, channel, user_id);
    rh_busmsg m = {0};
    rh_srv_wh_notice(srv, app, channel, user_id, delta, &m);
    if (!field || m.failed)
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory deciding a webhook across nodes");
    else
        srv->bus.presence(srv->bus.ud, field, delta, m.p, m.len);
    free(field);
    rh_busmsg_free(&m);
}
