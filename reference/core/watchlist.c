/* Watchlist events (docs/protocol.md 18.5): a signed-in user's watchlist names the users whose
 * online status it is told about with pusher_internal:watchlist_events. A user is online
 * while at least one connection is signed in as that user: on one node this node's
 * connections say it; with a bus that keeps the users (watchlist_bus.c) the store does, over
 * every node, and this file only tells the watchers here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hub.h"

#define WATCH_EVENT "pusher_internal:watchlist_events"

/* The pusher_internal:watchlist_events frame of one event name over ids; NULL out of memory. */
static rh_buf *watch_frame(const char *name, const char *const *ids, size_t n)
{
    char *data = rh_watch_event(name, ids, n);
    rh_buf *f = data ? rh_msg_encode_raw(WATCH_EVENT, NULL, data, NULL) : NULL;
    free(data);
    return f;
}

/* 1 when a connection other than c, of c's app, is signed in as id. */
static int signed_in_elsewhere(rh_srv *srv, const rh_conn *c, const char *id)
{
    for (rh_conn *d = rh_hub_first_conn(srv); d; d = d->next)
        if (d != c && d->app == c->app && d->user_id && strcmp(d->user_id, id) == 0)
            return 1;
    return 0;
}

/* Sends name {c's user} to every other open connection of c's app watching c's user. */
static void tell_watchers(rh_srv *srv, rh_conn *c, const char *name)
{
    const char *id = c->user_id;
    rh_buf *f = NULL; /* encoded once, at the first watcher, for every watcher */
    for (rh_conn *d = rh_hub_first_conn(srv); d; d = d->next)
        if (d != c && d->app == c->app && d->user_id && !d->closing && !d->dead && d->watch &&
            rh_watch_has(&d->watch->list, id) && (f || (f = watch_frame(name, &id, 1))))
            rh_conn_send(d, f);
    rh_buf_unref(f);
}

void rh_hub_watch_signed_in(rh_srv *srv, rh_conn *c)
{
    if (rh_watch_bus_signed_in(srv, c) == 0)
        return; /* the store decides and answers (watchlist_bus.c) */
    rh_hub_enter(srv);
    rh_hub_watch_list_local(srv, c);
    if (!signed_in_elsewhere(srv, c, c->user_id))
        tell_watchers(srv, c, "online");
    rh_hub_leave(srv);
}

void rh_hub_watch_list_local(rh_srv *srv, rh_conn *c)
{
    if (c->watch) {
        const rh_watch *w = &c->watch->list;
        const char **on = malloc(w->n * sizeof *on);
        size_t n = 0;
        for (size_t i = 0; on && i < w->n; i++)
            if (signed_in_elsewhere(srv, c, w->ids[i]) || strcmp(w->ids[i], c->user_id) == 0)
                on[n++] = w->ids[i];
        if (on && n > 0)
            rh_conn_send_take(c, watch_frame("online", on, n));
        free(on);
    }
}

void rh_hub_watch_gone(rh_srv *srv, rh_conn *c)
{
    if (!c->user_id || !c->app || rh_watch_bus_gone(srv, c) == 0 ||
        signed_in_elsewhere(srv, c, c->user_id) || rh_fault_on(srv, RH_FAULT_WATCHLIST_NO_OFFLINE))
        return;
    tell_watchers(srv, c, "offline");
}

void rh_hub_watch_tell(rh_srv *srv, const rh_cfg_app *app, const char *id, const char *name)
{
    rh_buf *f = NULL;
    rh_hub_enter(srv);
    for (rh_conn *d = rh_hub_first_conn(srv); d; d = d->next)
        if (d->app == app && d->user_id && !d->closing && !d->dead && d->watch && !d->watch->wait &&
            rh_watch_has(&d->watch->list, id) && (f || (f = watch_frame(name, &id, 1))))
            rh_conn_send(d, f);
    rh_hub_leave(srv);
    rh_buf_unref(f);
}

void rh_hub_watch_send(rh_conn *c, const char *name, const char *const *ids, size_t n)
{
    if (n > 0)
        rh_conn_send_take(c, watch_frame(name, ids, n));
}

int rh_hub_foreach_signed_in(rh_srv *srv, const rh_cfg_app *app, rh_hub_count_cb cb, void *ud)
{
    uint64_t k[2] = {0, 0};
    srv->io.random(srv->io.ud, k, sizeof k);
    rh_htab counts;
    rh_htab_init(&counts, k[0], k[1]);
    int rc = 0;
    int exact = rh_watch_exact(srv);
    for (rh_conn *c = rh_hub_first_conn(srv); c && !rc; c = c->next) {
        if (c->app != app || !c->user_id)
            continue;
        if (c->closing || c->dead) { /* left out: its leave must not lower the others' count */
            if (exact && c->watch_counted == RH_WATCH_STORE)
                c->watch_counted = RH_WATCH_NOWHERE;
            continue;
        }
        if (exact)
            c->watch_counted = RH_WATCH_STORE;
        uintptr_t n = (uintptr_t)rh_htab_get(&counts, c->user_id);
        rc = rh_htab_put(&counts, c->user_id, (void *)(n + 1));
    }
    const char *id;
    void *v;
    for (size_t pos = 0; !rc && rh_htab_next(&counts, &pos, &id, &v);)
        cb(ud, id, (long)(uintptr_t)v);
    rh_htab_free(&counts);
    return rc;
}
