/* Watchlist events over every node (docs/protocol.md 18.5.5). With a bus that keeps the users
 * (rh_bus.user), each node counts its connections signed in as a user in the shared store
 * ("u\n{app}\n{user}"), and the store's script that adds a sign-in or a leave publishes an
 * "onl" notice when the user's total over the live nodes went 0 -> 1 (online) or -> 0
 * (offline); every node tells its own watchers of that user when the notice comes back. A
 * sign-in with a watchlist asks, in the same script, which of the watched users are online
 * over the live nodes: the answer ("wls") is published after the sign-in's own notice, so it
 * takes its place in the bus's one order. Until it comes the connection is told nothing of
 * its watchlist (notices before the answer are in it, those after come after it); an answer
 * that does not come within RH_WATCH_WAIT_MS is replaced by this node's list, as without the
 * bus. The messages:
 *   onl  app_id, node_id, "1" online / "0" offline, user_id
 *   wls  app_id, node_id, socket_id, answer id, then the online user ids
 * A dead node's users are announced offline by the sweep that removes its share
 * (store/redis_sweep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/busmsg.h"
#include "conn.h"

int rh_watch_exact(const rh_srv *srv)
{
    return srv->bus.user && !rh_fault_on(srv, RH_FAULT_WATCHLIST_NODE_LOCAL);
}

/* The sign-in (delta 1) or leave (-1) of c's user in the store, with the answer head when
 * list_id is not 0. 0 sent, -1 not (bus down, out of memory). */
static int tell_store(rh_srv *srv, rh_conn *c, long delta, uint64_t list_id)
{
    char *field = rh_srv_field('u', c->app->id, c->user_id, NULL);
    size_t plen = strlen(c->app->id) + 4;
    char *prefix = malloc(plen);
    rh_busmsg msg = {0}, head = {0};
    rh_busmsg_add_str(&msg, "onl");
    rh_busmsg_add_str(&msg, c->app->id);
    rh_busmsg_add_str(&msg, srv->node_id);
    rh_busmsg_add_str(&msg, delta > 0 ? "1" : "0");
    rh_busmsg_add_str(&msg, c->user_id);
    if (list_id) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)list_id);
        rh_busmsg_add_str(&head, "wls");
        rh_busmsg_add_str(&head, c->app->id);
        rh_busmsg_add_str(&head, srv->node_id);
        rh_busmsg_add_str(&head, c->socket_id);
        rh_busmsg_add_str(&head, id);
    }
    int rc = -1;
    if (field && prefix && !msg.failed && !head.failed) {
        snprintf(prefix, plen, "u\n%s\n", c->app->id);
        rh_bus_user u = {.field = field,
                         .delta = delta,
                         .msg = msg.p,
                         .msg_len = msg.len,
                         .head = list_id ? head.p : NULL,
                         .head_len = list_id ? head.len : 0,
                         .id_prefix = prefix,
                         .ids = c->watch ? (const char *const *)c->watch->list.ids : NULL,
                         .nids = list_id && c->watch ? c->watch->list.n : 0};
        rc = srv->bus.user(srv->bus.ud, &u);
    } else {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory telling the store of a signed-in user");
    }
    free(field);
    free(prefix);
    rh_busmsg_free(&msg);
    rh_busmsg_free(&head);
    return rc;
}

int rh_watch_bus_signed_in(rh_srv *srv, rh_conn *c)
{
    if (!rh_watch_exact(srv))
        return -1;
    uint64_t id = c->watch && c->watch->list.n > 0 ? srv->watch_serial + 1 : 0;
    if (tell_store(srv, c, 1, id) != 0)
        return -1; /* the bus is down: as one node would */
    c->watch_counted = RH_WATCH_STORE;
    if (id) {
        srv->watch_serial = id;
        c->watch->wait = id;
        c->watch->wait_ms = srv->io.now_ms(srv->io.ud);
        srv->watch_pending++;
    }
    return 0;
}

int rh_watch_bus_gone(rh_srv *srv, rh_conn *c)
{
    if (c->watch && c->watch->wait) {
        if (srv->watch_pending)
            srv->watch_pending--;
        c->watch->wait = 0;
    }
    if (c->watch_counted == RH_WATCH_HERE)
        return -1;
    int counted = c->watch_counted == RH_WATCH_STORE;
    c->watch_counted = RH_WATCH_HERE;
    if (!counted)
        return 0;
    /* A leave the store never counted (the bus was down at the sign-in) changes nothing
     * there; while the bus is down nothing reaches the other nodes anyway. */
    if (tell_store(srv, c, -1, 0) != 0 && rh_srv_has_bus(srv))
        rh_srv_log(srv, RH_LOG_WARN, "the store did not get that user %s left", c->user_id);
    return 0;
}

/* The app named by field f, or NULL. */
static const rh_cfg_app *app_of(rh_srv *srv, const rh_busfield *f)
{
    char id[129];
    if (f->len >= sizeof id || memchr(f->s, '\0', f->len))
        return NULL;
    memcpy(id, f->s, f->len);
    id[f->len] = '\0';
    return rh_cfg_app_by_id(srv->cfg, id);
}

/* A heap NUL-terminated copy of f (NULL out of memory or when f holds a NUL). */
static char *dup_field(const rh_busfield *f)
{
    char *s = memchr(f->s, '\0', f->len) ? NULL : malloc(f->len + 1);
    if (s) {
        memcpy(s, f->s, f->len);
        s[f->len] = '\0';
    }
    return s;
}

/* onl app node state user: every watcher here of user is told. */
static int deliver_onl(rh_srv *srv, const rh_busfield *f, long n)
{
    const rh_cfg_app *app = n == 5 ? app_of(srv, &f[1]) : NULL;
    int online = n == 5 && rh_busfield_is(&f[3], "1");
    if (!app || (!online && !rh_busfield_is(&f[3], "0")) || !f[4].len)
        return -1;
    if (!online && rh_fault_on(srv, RH_FAULT_WATCHLIST_NO_OFFLINE))
        return 0;
    char *user = dup_field(&f[4]);
    if (!user)
        return -1;
    if (srv->hub)
        rh_hub_watch_tell(srv, app, user, online ? "online" : "offline");
    free(user);
    return 0;
}

/* wls app node socket id ids...: the answer to a sign-in of this node. */
static int deliver_wls(rh_srv *srv, const rh_busfield *f, long n)
{
    unsigned long long id = 0;
    if (n < 5 || rh_busfield_u64(&f[4], &id) != 0)
        return -1;
    char sock[RH_SOCKET_ID_MAX];
    if (!rh_busfield_is(&f[2], srv->node_id) || f[3].len >= sizeof sock || !srv->hub)
        return 0; /* another node's connection */
    memcpy(sock, f[3].s, f[3].len);
    sock[f[3].len] = '\0';
    rh_conn *c = rh_hub_conn_by_socket(srv, sock);
    if (!c || c->closing || !c->watch || !c->watch->wait || c->watch->wait != id || !c->app ||
        !rh_busfield_is(&f[1], c->app->id))
        return 0;
    c->watch->wait = 0;
    if (srv->watch_pending)
        srv->watch_pending--;
    size_t k = (size_t)(n - 5);
    char **ids = calloc(k ? k : 1, sizeof *ids);
    int rc = ids ? 0 : -1;
    for (size_t i = 0; ids && i < k && rc == 0; i++)
        rc = (ids[i] = dup_field(&f[5 + i])) ? 0 : -1;
    if (rc == 0)
        rh_hub_watch_send(c, "online", (const char *const *)ids, k);
    else
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory telling a watchlist its users online");
    for (size_t i = 0; ids && i < k; i++)
        free(ids[i]);
    free(ids);
    return rc;
}

int rh_srv_watch_deliver(rh_srv *srv, const rh_busfield *f, long n)
{
    if (n >= 1 && rh_busfield_is(&f[0], "onl"))
        return deliver_onl(srv, f, n);
    return deliver_wls(srv, f, n);
}

void rh_watch_tick(rh_srv *srv)
{
    if (!srv->watch_pending || !srv->hub)
        return;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    rh_hub_enter(srv);
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next) {
        if (!c->watch || !c->watch->wait || c->closing ||
            now - c->watch->wait_ms < RH_WATCH_WAIT_MS)
            continue;
        rh_srv_log(srv, RH_LOG_WARN,
                   "socket %s: no watchlist answer from the bus within %d ms: this node's "
                   "users are listed",
                   c->socket_id, RH_WATCH_WAIT_MS);
        c->watch->wait = 0;
        if (srv->watch_pending)
            srv->watch_pending--;
        rh_hub_watch_list_local(srv, c);
    }
    rh_hub_leave(srv);
}
