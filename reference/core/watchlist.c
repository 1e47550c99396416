/* Watchlist events (docs/protocol.md 18.5) on one node: a signed-in user's watchlist names
 * the users whose online status it is told about with pusher_internal:watchlist_events. A
 * user is online while at least one connection is signed in as that user. */
#include <stdlib.h>
#include <string.h>

#include "conn.h"

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
            rh_watch_has(d->watch, id) && (f || (f = watch_frame(name, &id, 1))))
            rh_conn_send(d, f);
    rh_buf_unref(f);
}

void rh_hub_watch_signed_in(rh_srv *srv, rh_conn *c)
{
    rh_hub_enter(srv);
    if (c->watch) {
        const rh_watch *w = c->watch;
        const char **on = malloc(w->n * sizeof *on);
        size_t n = 0;
        for (size_t i = 0; on && i < w->n; i++)
            if (signed_in_elsewhere(srv, c, w->ids[i]) || strcmp(w->ids[i], c->user_id) == 0)
                on[n++] = w->ids[i];
        if (on && n > 0)
            rh_conn_send_take(c, watch_frame("online", on, n));
        free(on);
    }
    if (!signed_in_elsewhere(srv, c, c->user_id))
        tell_watchers(srv, c, "online");
    rh_hub_leave(srv);
}

void rh_hub_watch_gone(rh_srv *srv, rh_conn *c)
{
    if (!c->user_id || !c->app || signed_in_elsewhere(srv, c, c->user_id) ||
        rh_fault_on(srv, RH_FAULT_WATCHLIST_NO_OFFLINE))
        return;
    tell_watchers(srv, c, "offline");
}
