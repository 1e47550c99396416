/* The fan-out point shared by every event source (core/ owns it): an "evt" message
 * (proto/busmsg.h) on the bus, the cross-node one (Redis) on several nodes or the in-process
 * loopback on one, delivered to this node's subscribers by rh_srv_bus_deliver either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/busmsg.h"
#include "hub.h"

static void loop_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *done_ud)
{
    rh_srv *srv = ud;
    int ok = srv->loop_deliver(srv, msg, len) == 0;
    if (done)
        done(done_ud, ok, ok ? NULL : "out of memory");
}

void rh_srv_set_loopback(rh_srv *srv, int (*deliver)(rh_srv *srv, const char *msg, size_t len))
{
    memset(&srv->bus, 0, sizeof srv->bus);
    srv->loop_deliver = deliver;
    srv->bus_loopback = deliver != NULL;
    if (deliver) {
        srv->bus.ud = srv;
        srv->bus.publish = loop_publish;
    }
}

void rh_srv_set_bus(rh_srv *srv, const rh_bus *bus)
{
    if (!bus) {
        rh_srv_set_loopback(srv, srv->loop_deliver);
        return;
    }
    srv->bus = *bus;
    srv->bus_loopback = 0;
    uint32_t r[2] = {0, 0};
    srv->io.random(srv->io.ud, r, sizeof r);
    snprintf(srv->node_id, sizeof srv->node_id, "%08x%08x", (unsigned)r[0], (unsigned)r[1]);
}

void rh_srv_bus_head(rh_srv *srv, rh_busmsg *m, const rh_cfg_app *app)
{
    char serial[24];
    snprintf(serial, sizeof serial, "%llu", (unsigned long long)++srv->bus_serial);
    rh_busmsg_add_str(m, "evt");
    rh_busmsg_add_str(m, app->id);
    rh_busmsg_add_str(m, srv->node_id);
    rh_busmsg_add_str(m, serial);
}

int rh_srv_has_bus(const rh_srv *srv)
{
    return srv->bus.publish != NULL && !srv->bus_loopback;
}

void rh_srv_fanout(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                   const char *except_socket_id, rh_bus_done done, void *ud)
{
    if (!srv->bus.publish) { /* a server without its HTTP side (no loopback installed) */
        rh_hub_publish(srv, app, channel, frame, except_socket_id);
        if (done)
            done(ud, 1, NULL);
        return;
    }
    rh_busmsg m = {0};
    rh_srv_bus_head(srv, &m, app);
    rh_busmsg_add_str(&m, channel);
    rh_busmsg_add_str(&m, except_socket_id);
    rh_busmsg_add(&m, frame->data, frame->len);
    if (m.failed) {
        rh_busmsg_free(&m);
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory building a bus message");
        if (done)
            done(ud, 0, "out of memory");
        return;
    }
    srv->bus.publish(srv->bus.ud, m.p, m.len, done, ud);
    rh_busmsg_free(&m);
}

char *rh_srv_field(char kind, const char *app_id, const char *channel, const char *user_id)
{
    size_t n = strlen(app_id) + strlen(channel) + (user_id ? strlen(user_id) + 1 : 0) + 8;
    char *f = malloc(n);
    if (f)
        snprintf(f, n, "%c\n%s\n%s%s%s", kind, app_id, channel, user_id ? "\n" : "",
                 user_id ? user_id : "");
    return f;
}

char *rh_srv_bus_field(const char *app_id, const char *channel, const char *user_id)
{
    return rh_srv_field(user_id ? 'p' : 's', app_id, channel, user_id);
}

void rh_srv_bus_chan(rh_srv *srv, const rh_cfg_app *app, const char *channel, const char *user_id,
                     long delta)
{
    if (!srv->bus.node_delta || !app || (user_id && srv->bus.presence))
        return; /* presence fields are counted by rh_srv_presence */
    char *f = rh_srv_bus_field(app->id, channel, user_id);
    if (f)
        srv->bus.node_delta(srv->bus.ud, f, delta);
    free(f);
}

typedef struct resync {
    rh_srv *srv;
    const rh_cfg_app *app;
    const char *channel;
    char **fields;
    long *values;
    const char **infos; /* a presence field's user_info (the hub's own strings), or NULL */
    size_t n, cap;
    int failed;
} resync;

/* Grows the arrays to room for one more; 0 or -1 out of memory. */
static int resync_grow(resync *r)
{
    if (r->n < r->cap)
        return 0;
    size_t cap = r->cap ? r->cap * 2 : 64;
    char **f = realloc(r->fields, cap * sizeof *f);
    if (f)
        r->fields = f;
    long *v = f ? realloc(r->values, cap * sizeof *v) : NULL;
    if (v)
        r->values = v;
    const char **i = v ? realloc(r->infos, cap * sizeof *i) : NULL;
    if (!i)
        return -1;
    r->infos = i;
    r->cap = cap;
    return 0;
}

static void resync_add(resync *r, char *field, long value, const char *info)
{
    if (r->failed || !field || resync_grow(r) != 0) {
        r->failed = 1;
        free(field);
        return;
    }
    r->fields[r->n] = field;
    r->infos[r->n] = info;
    r->values[r->n++] = value;
}

static void resync_user(void *ud, const char *user_id, const char *user_info)
{
    resync *r = ud;
    resync_add(r, rh_srv_bus_field(r->app->id, r->channel, user_id), 1, user_info);
    if (r->app->nwebhooks) /* the webhook transition fields (core/webhooks.c) */
        resync_add(r, rh_srv_wh_field(r->app->id, r->channel, user_id), 1, NULL);
}

static void resync_chan(void *ud, const char *channel, const rh_hub_chan_info *info)
{
    resync *r = ud;
    resync_add(r, rh_srv_bus_field(r->app->id, channel, NULL), (long)info->subscription_count,
               NULL);
    if (r->app->nwebhooks)
        resync_add(r, rh_srv_wh_field(r->app->id, channel, NULL), 1, NULL);
    if (info->user_count) {
        r->channel = channel;
        rh_hub_foreach_member(r->srv, r->app, channel, resync_user, r);
    }
}

void rh_srv_bus_resync(rh_srv *srv)
{
    if (!srv->bus.node_replace)
        return;
    resync r = {.srv = srv};
    for (size_t i = 0; i < srv->cfg->napps; i++) {
        r.app = &srv->cfg->apps[i];
        rh_hub_foreach_channel(srv, r.app, "", resync_chan, &r);
    }
    if (r.failed)
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory rewriting the channel state in Redis");
    else
        srv->bus.node_replace(srv->bus.ud, (const char *const *)r.fields, r.values, r.infos, r.n);
    for (size_t i = 0; i < r.n; i++)
        free(r.fields[i]);
    free(r.fields);
    free(r.values);
    free(r.infos);
}

int rh_srv_presence(rh_srv *srv, const rh_cfg_app *app, const char *channel, const char *user_id,
                    long delta, rh_buf *frame, const char *except_socket)
{
    if (!srv->bus.presence || !app)
        return 0;
    char *field = rh_srv_bus_field(app->id, channel, user_id);
    rh_busmsg m = {0};
    if (frame) {
        rh_srv_bus_head(srv, &m, app);
        rh_busmsg_add_str(&m, channel);
        rh_busmsg_add_str(&m, except_socket);
        rh_busmsg_add(&m, frame->data, frame->len);
    }
    if (!field || m.failed)
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory updating presence across nodes");
    else
        srv->bus.presence(srv->bus.ud, field, delta, frame ? m.p : NULL, frame ? m.len : 0);
    free(field);
    rh_busmsg_free(&m);
    return 1;
}
