#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/message.h"
#include "conn.h"
#include "subcount.h"

struct rh_hub {
    rh_htab *chans; /* one table per cfg app: channel name -> rh_chan */
    size_t napps;
    rh_htab sockets; /* socket_id -> rh_conn, every app */
    rh_conn *head;   /* every connection, newest first */
    size_t nconns;
    uint64_t k0, k1;
    int depth;     /* nesting of entry points (rh_hub_enter) */
    rh_conn *dead; /* closed while depth > 0; freed by the outermost rh_hub_leave */
};

int rh_hub_init(rh_srv *srv)
{
    struct rh_hub *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    uint64_t key[2] = {0, 0};
    if (!srv->io.random || srv->io.random(srv->io.ud, key, sizeof(key)) != 0) {
        free(h);
        return -1;
    }
    h->k0 = key[0];
    h->k1 = key[1];
    h->napps = srv->cfg->napps;
    if (h->napps) {
        h->chans = calloc(h->napps, sizeof(*h->chans));
        if (!h->chans) {
            free(h);
            return -1;
        }
    }
    for (size_t i = 0; i < h->napps; i++)
        rh_htab_init(&h->chans[i], h->k0, h->k1 ^ (i + 1));
    rh_htab_init(&h->sockets, h->k0 ^ 0x5bd1e995, h->k1);
    srv->hub = h;
    return 0;
}

void rh_hub_free(rh_srv *srv)
{
    struct rh_hub *h = srv->hub;
    if (!h)
        return;
    while (h->head)
        rh_hub_conn_remove(srv, h->head, 1);
    for (size_t i = 0; i < h->napps; i++)
        rh_htab_free(&h->chans[i]);
    free(h->chans);
    rh_htab_free(&h->sockets);
    free(h);
    srv->hub = NULL;
}

/* The channel table of app. app normally points into cfg->apps; an equal id is accepted too
 * so a caller holding a copy still finds its app. */
rh_htab *rh_hub_app_chans(rh_srv *srv, const rh_cfg_app *app)
{
    struct rh_hub *h = srv->hub;
    if (!h || !app)
        return NULL;
    const rh_cfg_app *apps = srv->cfg->apps;
    for (size_t i = 0; i < h->napps; i++)
        if (&apps[i] == app)
            return &h->chans[i];
    for (size_t i = 0; i < h->napps; i++)
        if (app->id && apps[i].id && strcmp(apps[i].id, app->id) == 0)
            return &h->chans[i];
    return NULL;
}

int rh_hub_conn_add(rh_srv *srv, rh_conn *c)
{
    struct rh_hub *h = srv->hub;
    rh_htab_init(&c->subs, h->k0 ^ (uintptr_t)c, h->k1);
    if (c->app && c->socket_id[0] && rh_htab_put(&h->sockets, c->socket_id, c) != 0)
        return -1;
    c->prev = NULL;
    c->next = h->head;
    if (h->head)
        h->head->prev = c;
    h->head = c;
    h->nconns++;
    return 0;
}

rh_conn *rh_hub_conn_by_socket(rh_srv *srv, const char *socket_id)
{
    return rh_htab_get(&srv->hub->sockets, socket_id);
}

rh_conn *rh_hub_first_conn(rh_srv *srv)
{
    return srv->hub ? srv->hub->head : NULL;
}

void rh_hub_enter(rh_srv *srv)
{
    srv->hub->depth++;
}

void rh_hub_leave(rh_srv *srv)
{
    struct rh_hub *h = srv->hub;
    if (--h->depth > 0)
        return;
    /* Removing a connection may publish member_removed, whose sends may close more
     * connections: keep the depth up meanwhile so those are queued here too. */
    while (h->dead) {
        rh_conn *c = h->dead;
        h->dead = c->dead_next;
        h->depth++;
        rh_hub_conn_remove(srv, c, 0);
        h->depth--;
    }
}

int rh_hub_conn_closed(rh_srv *srv, rh_conn *c)
{
    struct rh_hub *h = srv->hub;
    if (c->dead)
        return 1;
    if (h->depth > 0) {
        c->dead = 1;
        c->closing = 1;
        c->dead_next = h->dead;
        h->dead = c;
        return 1;
    }
    rh_hub_enter(srv);
    rh_hub_conn_remove(srv, c, 0);
    rh_hub_leave(srv);
    return 0;
}

size_t rh_hub_conn_total(const rh_srv *srv)
{
    return srv->hub ? srv->hub->nconns : 0;
}

void rh_hub_conn_remove(rh_srv *srv, rh_conn *c, int quiet)
{
    struct rh_hub *h = srv->hub;
    while (c->subs.n > 0) {
        size_t pos = 0;
        void *v = NULL;
        rh_htab_next(&c->subs, &pos, NULL, &v);
        rh_hub_unsubscribe(srv, v, quiet || c->quiet_leave);
    }
    rh_htab_free(&c->subs);
    rh_hub_binds_free(c);
    if (!quiet)
        rh_hub_watch_gone(srv, c);
    if (c->watch)
        rh_watch_clear(c->watch);
    free(c->watch);
    free(c->user_id);
    if (c->socket_id[0] && rh_htab_get(&h->sockets, c->socket_id) == c)
        rh_htab_del(&h->sockets, c->socket_id);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->nconns--;
    free(c->ce);
    free(c);
}

rh_chan *rh_hub_chan(rh_srv *srv, const rh_cfg_app *app, const char *name)
{
    rh_htab *t = rh_hub_app_chans(srv, app);
    return t ? rh_htab_get(t, name) : NULL;
}

rh_sub *rh_hub_sub_of(rh_conn *c, const char *name)
{
    return rh_htab_get(&c->subs, name);
}

static void chan_free(rh_chan *ch)
{
    rh_htab_free(&ch->members);
    free(ch->name);
    free(ch);
}

rh_sub *rh_hub_subscribe_as(rh_srv *srv, rh_conn *c, const char *name, rh_chan_type type, int held)
{
    rh_sub *sub = rh_htab_get(&c->subs, name);
    if (sub)
        return sub;
    rh_htab *t = rh_hub_app_chans(srv, c->app);
    if (!t)
        return NULL;
    rh_chan *ch = rh_htab_get(t, name);
    int created = 0;
    if (!ch) {
        ch = calloc(1, sizeof(*ch));
        if (!ch)
            return NULL;
        ch->name = strdup(name);
        if (!ch->name || rh_htab_put(t, ch->name, ch) != 0) {
            free(ch->name);
            free(ch);
            return NULL;
        }
        ch->type = type;
        rh_htab_init(&ch->members, srv->hub->k1, srv->hub->k0);
        created = 1;
    }
    sub = calloc(1, sizeof(*sub));
    if (!sub || rh_htab_put(&c->subs, ch->name, sub) != 0) {
        free(sub);
        if (created) {
            rh_htab_del(t, ch->name);
            chan_free(ch);
        }
        return NULL;
    }
    sub->conn = c;
    sub->chan = ch;
    sub->since = srv->bus_serial;
    sub->prev = ch->tail;
    if (ch->tail)
        ch->tail->next = sub;
    else
        ch->head = sub;
    ch->tail = sub;
    ch->nsubs++;
    if (!held)
        rh_hub_sub_count(srv, sub);
    return sub;
}

rh_sub *rh_hub_subscribe(rh_srv *srv, rh_conn *c, const char *name, rh_chan_type type)
{
    return rh_hub_subscribe_as(srv, c, name, type, 0);
}

void rh_hub_sub_count(rh_srv *srv, rh_sub *sub)
{
    if (sub->counted)
        return;
    sub->counted = 1;
    rh_chan *ch = sub->chan;
    rh_srv_bus_chan(srv, sub->conn->app, ch->name, NULL, 1);
    if (ch->ncounted++ == 0) /* protocol §20.2: channel_occupied */
        rh_srv_webhook_transition(srv, sub->conn->app, ch->name, NULL, 1);
}

int rh_hub_member_join(rh_sub *sub, const char *user_id, const char *user_info, int webhook,
                       int *is_new)
{
    rh_chan *ch = sub->chan;
    rh_member *m = rh_htab_get(&ch->members, user_id);
    *is_new = 0;
    if (!m) {
        m = calloc(1, sizeof(*m));
        if (!m)
            return -1;
        m->user_id = strdup(user_id);
        m->user_info = user_info ? strdup(user_info) : NULL;
        if (!m->user_id || (user_info && !m->user_info) ||
            rh_htab_put(&ch->members, m->user_id, m) != 0) {
            free(m->user_id);
            free(m->user_info);
            free(m);
            return -1;
        }
        m->prev = ch->mtail;
        if (ch->mtail)
            ch->mtail->next = m;
        else
            ch->mhead = m;
        ch->mtail = m;
        *is_new = 1;
        rh_srv_bus_chan(sub->conn->srv, sub->conn->app, ch->name, user_id, 1);
        if (webhook)
            rh_srv_webhook_transition(sub->conn->srv, sub->conn->app, ch->name, user_id, 1);
    }
    m->conns++;
    sub->member = m;
    return 0;
}

/* protocol §4.3: member_removed once the user's last connection leaves */
static void send_member_removed(rh_srv *srv, const rh_cfg_app *app, rh_chan *ch,
                                const char *user_id)
{
    char *q = rh_json_quote(user_id, strlen(user_id));
    size_t need = q ? strlen(q) + 16 : 0;
    char *data = q ? malloc(need) : NULL;
    rh_buf *f = NULL;
    if (data) {
        int n = snprintf(data, need, "{\"user_id\":%s}", q);
        f = rh_msg_encode("pusher_internal:member_removed", ch->name, data, (size_t)n);
    }
    /* The leave is recorded even when the event could not be built (out of memory): a member
     * that left must not stay counted on every node. */
    if (!rh_srv_presence(srv, app, ch->name, user_id, -1, f, NULL) && f)
        rh_srv_fanout(srv, app, ch->name, f, NULL, NULL, NULL);
    rh_buf_unref(f);
    free(data);
    free(q);
}

/* Takes sub out of its connection and channel and frees it; its member (or NULL) is
 * returned with its count of subscriptions lowered, still in the channel's table. */
static rh_member *sub_unlink(rh_srv *srv, rh_sub *sub)
{
    rh_chan *ch = sub->chan;
    rh_htab_del(&sub->conn->subs, ch->name);
    if (sub->prev)
        sub->prev->next = sub->next;
    else
        ch->head = sub->next;
    if (sub->next)
        sub->next->prev = sub->prev;
    else
        ch->tail = sub->prev;
    ch->nsubs--;
    if (sub->wait && srv->lists_pending)
        srv->lists_pending--;
    free(sub->wait);
    rh_member *m = sub->member;
    free(sub);
    if (m)
        m->conns--;
    return m;
}

static void member_unlink(rh_chan *ch, rh_member *m)
{
    rh_htab_del(&ch->members, m->user_id);
    if (m->prev)
        m->prev->next = m->next;
    else
        ch->mhead = m->next;
    if (m->next)
        m->next->prev = m->prev;
    else
        ch->mtail = m->prev;
}

static void member_free(rh_member *m)
{
    free(m->user_id);
    free(m->user_info);
    free(m);
}

static void chan_drop(rh_srv *srv, const rh_cfg_app *app, rh_chan *ch)
{
    rh_htab *t = rh_hub_app_chans(srv, app);
    if (t)
        rh_htab_del(t, ch->name);
    chan_free(ch);
}

void rh_hub_unsubscribe(rh_srv *srv, rh_sub *sub, int quiet)
{
    rh_conn *c = sub->conn;
    rh_chan *ch = sub->chan;
    int counted = sub->counted;
    if (counted) {
        ch->ncounted--;
        rh_srv_bus_chan(srv, c->app, ch->name, NULL, -1);
    }
    /* A held sub's member leaves like any: a join the store refused makes its leave a no-op
     * there (store/redis_nodes.c presence_lua). */
    rh_member *m = sub_unlink(srv, sub);
    if (m && m->conns == 0) {
        rh_srv_bus_chan(srv, c->app, ch->name, m->user_id, -1);
        member_unlink(ch, m);
        rh_srv_webhook_transition(srv, c->app, ch->name, m->user_id, -1);
        if (srv->bus.presence)
            send_member_removed(srv, c->app, ch, m->user_id); /* the bus decides */
        else if (!quiet && ch->nsubs > 0 && !rh_fault_on(srv, RH_FAULT_PRESENCE_NO_REMOVED))
            send_member_removed(srv, c->app, ch, m->user_id);
        member_free(m);
    }
    if (!quiet && counted)
        rh_subcount_changed(srv, c->app, ch, 0);
    if (counted && ch->ncounted == 0) /* channel_vacated */
        rh_srv_webhook_transition(srv, c->app, ch->name, NULL, -1);
    if (ch->nsubs == 0)
        chan_drop(srv, c->app, ch);
}

void rh_hub_sub_refused(rh_srv *srv, rh_sub *sub)
{
    rh_chan *ch = sub->chan;
    const rh_cfg_app *app = sub->conn->app;
    rh_member *m = sub_unlink(srv, sub);
    if (m && m->conns == 0) {
        member_unlink(ch, m);
        member_free(m);
    }
    if (ch->nsubs == 0)
        chan_drop(srv, app, ch);
}

int rh_hub_send_to(rh_srv *srv, const rh_cfg_app *app, const char *socket_id, const char *channel,
                   rh_buf *frame)
{
    rh_conn *c = frame && socket_id && srv->hub ? rh_hub_conn_by_socket(srv, socket_id) : NULL;
    const rh_sub *sub = c ? rh_hub_sub_of(c, channel) : NULL;
    if (!c || c->app != app || c->closing || !sub || sub->wait)
        return 0;
    rh_hub_enter(srv);
    int sent = rh_conn_send(c, frame) == 0;
    rh_hub_leave(srv);
    srv->metrics.deliveries += (unsigned)sent;
    return sent;
}

size_t rh_hub_publish(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                      const char *except_socket_id)
{
    return rh_hub_publish_before(srv, app, channel, frame, except_socket_id, 0);
}

size_t rh_hub_publish_before(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                             const char *except_socket_id, uint64_t serial)
{
    if (!frame || !channel)
        return 0;
    srv->metrics.channel_publishes++;
    if (rh_hub_is_user_channel(channel))
        return rh_hub_user_publish(srv, app, channel, frame, except_socket_id);
    rh_chan *ch = rh_hub_chan(srv, app, channel);
    if (!ch)
        return 0;
    rh_conn *except = NULL;
    if (except_socket_id)
        except = rh_htab_get(&srv->hub->sockets, except_socket_id);
    size_t n = 0;
    rh_hub_enter(srv);
    /* A send may close a connection (queue full) and the edge may report it closed at once;
     * inside enter/leave that only marks it, so the list stays intact while we walk it. */
    for (rh_sub *s = ch->head; s; s = s->next) {
        /* a presence subscription waiting for its member list gets what follows the list */
        if (s->conn == except || s->conn->closing || (serial && s->since >= serial) || s->wait)
            continue;
        if (rh_conn_send(s->conn, frame) == 0)
            n++;
    }
    rh_hub_leave(srv);
    srv->metrics.deliveries += n;
    return n;
}
