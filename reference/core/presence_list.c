/* Presence member lists over every node (docs/protocol.md 15.4). With a bus that keeps them
 * (rh_bus.presence_join), a presence subscription's limit check, join and member list are one
 * step in the shared store, published on the bus as an "lst" message (proto/buslst.h) after
 * the member_added the join caused. The subscription waits for it, held: it receives nothing
 * of the channel, is not counted (subscriptions, occupied) and its member is announced by the
 * store only (member_added, the member webhook), so a join the store refuses over
 * max_presence_members leaves no trace anywhere: the node sends subscription_error and drops
 * the subscription. Admitted, every member event published before the list is in it, every
 * one after arrives after subscription_succeeded. A list that does not come within
 * RH_PRESENCE_LIST_WAIT_MS (the bus hung, or the message was lost in a bus gap) is replaced by
 * this node's list, as without the bus.
 *
 * A private subscription to a workspace channel waits the same way for an "lst" of its own
 * with no member (the access barrier, docs/protocol.md 19.2): published by this node, it comes
 * back after every binding and membership change the bus carried before it, so a signature
 * revoked through another node a moment ago no longer subscribes here: the revocation, applied
 * while the subscription waits, ends it (core/revoke.c), and one that comes later finds it
 * live, as on one node. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../proto/buslst.h"
#include "../proto/channel.h"
#include "conn.h"
#include "hub.h"
#include "subcount.h"

int rh_presence_exact(const rh_srv *srv)
{
    return srv->bus.presence_join && !rh_fault_on(srv, RH_FAULT_PRESENCE_LIST_LOCAL);
}

/* The "evt" message of member_added for sub (what rh_srv_presence sends); 0 or -1. */
static int member_added_msg(rh_conn *c, const rh_sub *sub, rh_busmsg *m)
{
    rh_buf *f = rh_conn_member_added_frame(sub);
    if (!f)
        return -1;
    rh_srv_bus_head(c->srv, m, c->app);
    rh_busmsg_add_str(m, sub->chan->name);
    rh_busmsg_add_str(m, c->socket_id);
    rh_busmsg_add(m, f->data, f->len);
    rh_buf_unref(f);
    return m->failed ? -1 : 0;
}

/* max_presence_members over every node, or 0 where the store is not to check it. */
static size_t store_limit(const rh_conn *c)
{
    if (rh_fault_on(c->srv, RH_FAULT_NO_PRESENCE_LIMIT) ||
        rh_fault_on(c->srv, RH_FAULT_PRESENCE_LIMIT_LOCAL))
        return 0;
    return c->app->max_presence_members;
}

/* sub waits for the "lst" numbered id (w: its wait, now owned by sub). */
static void hold(rh_srv *srv, rh_sub *sub, rh_list_wait *w, uint64_t id)
{
    srv->list_serial = id;
    w->id = id;
    w->asked_ms = srv->io.now_ms(srv->io.ud);
    sub->wait = w;
    srv->lists_pending++;
}

int rh_presence_list_ask(rh_conn *c, rh_sub *sub)
{
    rh_srv *srv = c->srv;
    const rh_member *mb = sub->member;
    const char *channel = sub->chan->name;
    char *field = rh_srv_bus_field(c->app->id, channel, mb->user_id);
    char *wh_field = c->app->nwebhooks ? rh_srv_wh_field(c->app->id, channel, mb->user_id) : NULL;
    rh_busmsg added = {0}, head = {0}, whk = {0};
    uint64_t id = srv->list_serial + 1;
    rh_buslst_head(&head, c->app->id, srv->node_id, c->socket_id, channel, id);
    if (c->app->nwebhooks)
        rh_srv_wh_notice(srv, c->app, channel, mb->user_id, 1, &whk);
    /* member_added goes with every ask: the store joins the user whenever this node holds no
     * field of it yet, as after a refused join of the user's earlier subscription here. */
    int rc = -1;
    rh_list_wait *w = malloc(sizeof *w);
    if (w && field && !head.failed && !whk.failed && (wh_field || !c->app->nwebhooks) &&
        member_added_msg(c, sub, &added) == 0) {
        rh_bus_join j = {.field = field,
                         .prefix_len = strlen(field) - strlen(mb->user_id),
                         .limit = store_limit(c),
                         .msg = added.p,
                         .msg_len = added.len,
                         .info = mb->user_info,
                         .head = head.p,
                         .head_len = head.len,
                         .wh_field = wh_field,
                         .wh_msg = whk.p,
                         .wh_msg_len = whk.len};
        rc = srv->bus.presence_join(srv->bus.ud, &j);
    } else {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory asking for a presence member list");
    }
    if (rc == 0)
        hold(srv, sub, w, id);
    else
        free(w);
    free(field);
    free(wh_field);
    rh_busmsg_free(&added);
    rh_busmsg_free(&head);
    rh_busmsg_free(&whk);
    return rc;
}

int rh_access_barrier_wanted(const rh_srv *srv, const char *channel)
{
    rh_chan_stream st;
    return rh_srv_has_bus(srv) &&
           rh_chan_parse_stream(channel, strlen(channel), &st, NULL, 0) == RH_CHAN_OK;
}

int rh_access_barrier_ask(rh_conn *c, rh_sub *sub)
{
    rh_srv *srv = c->srv;
    uint64_t id = srv->list_serial + 1;
    rh_busmsg m = {0};
    rh_buslst_head(&m, c->app->id, srv->node_id, c->socket_id, sub->chan->name, id);
    rh_busmsg_add_str(&m, "1"); /* admitted, no member */
    rh_list_wait *w = malloc(sizeof *w);
    if (!w || m.failed) {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory asking for an access barrier");
        free(w);
        rh_busmsg_free(&m);
        return -1;
    }
    hold(srv, sub, w, id); /* before publish: a bus may deliver it back before it returns */
    srv->bus.publish(srv->bus.ud, m.p, m.len, NULL, NULL);
    rh_busmsg_free(&m);
    return 0;
}

/* Confirms a waiting subscription with data (NULL: this node's list): it is counted now. */
static void confirm(rh_srv *srv, rh_conn *c, rh_sub *sub, const char *data)
{
    free(sub->wait);
    sub->wait = NULL;
    if (srv->lists_pending)
        srv->lists_pending--;
    rh_hub_enter(srv);
    rh_hub_sub_count(srv, sub);
    rh_conn_sub_confirmed(c, sub->chan->name, data, 1);
    rh_subcount_changed(srv, c->app, sub->chan, 1);
    rh_hub_leave(srv);
}

/* The store refused the join (the channel is full over every node): the answer of one node,
 * and the subscription goes as if it never was (the store wrote nothing for it). */
static void refuse(rh_srv *srv, rh_conn *c, rh_sub *sub)
{
    rh_hub_enter(srv);
    rh_conn_presence_full(c, sub->chan->name);
    rh_hub_sub_refused(srv, sub);
    rh_hub_leave(srv);
}

/* A NUL-terminated copy of f into dst (size cap); -1 when it does not fit. */
static int copy_field(char *dst, size_t cap, const rh_busfield *f)
{
    if (f->len >= cap || memchr(f->s, '\0', f->len))
        return -1;
    memcpy(dst, f->s, f->len);
    dst[f->len] = '\0';
    return 0;
}

int rh_srv_presence_list_deliver(rh_srv *srv, const rh_busfield *f, long n)
{
    rh_buslst l;
    if (rh_buslst_parse(f, n, &l) != 0)
        return -1;
    char sock[RH_SOCKET_ID_MAX];
    if (!rh_busfield_is(&l.node, srv->node_id) || copy_field(sock, sizeof sock, &l.socket) != 0)
        return 0; /* another node's subscriber */
    rh_conn *c = srv->hub ? rh_hub_conn_by_socket(srv, sock) : NULL;
    char *channel = malloc(l.channel.len + 1);
    if (!channel)
        return -1;
    int rc = copy_field(channel, l.channel.len + 1, &l.channel);
    rh_sub *sub = !rc && c && !c->closing && c->app && rh_busfield_is(&l.app, c->app->id)
                      ? rh_hub_sub_of(c, channel)
                      : NULL;
    int mine = sub && sub->wait && sub->wait->id == l.id;
    if (mine && l.refused) {
        refuse(srv, c, sub);
    } else if (mine && sub->chan->type != RH_CHAN_PRESENCE) {
        confirm(srv, c, sub, NULL); /* an access barrier: not revoked while it waited */
    } else if (mine) {
        char *data = rh_buslst_presence_json(&l);
        if (!data)
            rh_srv_log(srv, RH_LOG_ERROR, "out of memory encoding a presence member list");
        confirm(srv, c, sub, data);
        cJSON_free(data);
    }
    free(channel);
    return rc;
}

void rh_presence_list_tick(rh_srv *srv)
{
    if (!srv->lists_pending || !srv->hub)
        return;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    rh_hub_enter(srv); /* a connection closed by a send stays in the list until the walk ends */
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next) {
        size_t pos = 0;
        const char *name;
        void *v;
        while (!c->closing && rh_htab_next(&c->subs, &pos, &name, &v)) {
            rh_sub *sub = v;
            if (sub->wait && now - sub->wait->asked_ms >= RH_PRESENCE_LIST_WAIT_MS) {
                rh_srv_log(srv, RH_LOG_WARN,
                           "socket %s: no %s from the bus for %s within %d ms: confirmed "
                           "as on one node",
                           c->socket_id,
                           sub->chan->type == RH_CHAN_PRESENCE ? "member list" : "access barrier",
                           name, RH_PRESENCE_LIST_WAIT_MS);
                confirm(srv, c, sub, NULL);
            }
        }
    }
    rh_hub_leave(srv);
}
