/* Revocation of workspace access for live subscribers (core/ owns it): which user the
 * authorizer signed each stream channel of a connection for, and ending the subscriptions
 * of a user who lost a workspace. See hub.h for the entry points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hub.h"

typedef struct rh_bind {
    char *channel; /* the key in conn->binds */
    char *user_id;
    int revoked; /* the user lost the channel's workspace: its signature no longer subscribes */
} rh_bind;

static void bind_free(rh_bind *b)
{
    if (b) {
        free(b->channel);
        free(b->user_id);
        free(b);
    }
}

void rh_hub_binds_free(rh_conn *c)
{
    size_t pos = 0;
    void *v = NULL;
    if (!c->binds)
        return;
    while (rh_htab_next(c->binds, &pos, NULL, &v))
        bind_free(v);
    rh_htab_free(c->binds);
    free(c->binds);
    c->binds = NULL;
}

/* c's binding of channel, or NULL. */
static rh_bind *bind_of(const rh_conn *c, const char *channel)
{
    return c->binds ? rh_htab_get(c->binds, channel) : NULL;
}

/* Bindings a connection keeps before old ones go: a client asks the authorizer for one per
 * channel, and may ask for many channels it never subscribes to. */
#define BINDS_MAX 1024

/* Drops one binding of c that is neither revoked nor of a subscribed channel (a revoked one
 * must stay, or its signature would subscribe again). */
static void binds_trim(rh_conn *c)
{
    size_t pos = 0;
    const char *name = NULL;
    void *v = NULL;
    while (rh_htab_next(c->binds, &pos, &name, &v))
        if (!((rh_bind *)v)->revoked && !rh_htab_get(&c->subs, name)) {
            rh_htab_del(c->binds, name);
            bind_free(v);
            return;
        }
}

/* protocol §19.2: the server learns from the authorizer whom a signature was for */
int rh_hub_bind(rh_srv *srv, const rh_cfg_app *app, const char *socket_id, const char *channel,
                const char *user_id)
{
    rh_conn *c = rh_hub_conn_by_socket(srv, socket_id);
    if (!c || c->app != app || c->closing)
        return 0; /* another node's connection, or gone: nothing to remember here */
    rh_bind *old = bind_of(c, channel);
    if (old) {
        char *u = strdup(user_id);
        if (!u)
            return -1;
        free(old->user_id);
        old->user_id = u;
        /* A revoked binding stays so: this "bnd" was published before the authorizer's last
         * check, which may yet refuse; only a grant (rh_hub_grant) lifts it. */
        return 0;
    }
    if (!c->binds) {
        /* The table is made at the first binding and kept until c goes; its SipHash key is
         * the subscription table's with the halves swapped (both are per connection). */
        c->binds = malloc(sizeof *c->binds);
        if (!c->binds)
            return -1;
        rh_htab_init(c->binds, c->subs.k1, c->subs.k0);
    }
    if (c->binds->n >= BINDS_MAX)
        binds_trim(c);
    rh_bind *b = calloc(1, sizeof *b);
    if (b) {
        b->channel = strdup(channel);
        b->user_id = strdup(user_id);
    }
    if (!b || !b->channel || !b->user_id || rh_htab_put(c->binds, b->channel, b) != 0) {
        bind_free(b);
        return -1;
    }
    return 0;
}

/* 1 when name is a stream channel (or its presence twin) of workspace ws. */
static int in_workspace(const char *name, const char *ws)
{
    static const char *const pre[2] = {"private-workspace.", "presence-workspace."};
    size_t wl = strlen(ws);
    for (int i = 0; i < 2; i++) {
        size_t pl = strlen(pre[i]);
        if (strncmp(name, pre[i], pl) == 0 && strncmp(name + pl, ws, wl) == 0 &&
            strncmp(name + pl + wl, ".thread.", 8) == 0)
            return 1;
    }
    return 0;
}

/* 1 when sub (a subscription to a channel of the workspace) belongs to user_id: signed for
 * that user by the authorizer, or a presence member with that id. */
static int sub_of_user(rh_conn *c, const rh_sub *sub, const char *user_id)
{
    if (sub->member && strcmp(sub->member->user_id, user_id) == 0)
        return 1;
    const rh_bind *b = bind_of(c, sub->chan->name);
    return b && strcmp(b->user_id, user_id) == 0;
}

int rh_hub_bind_revoked(rh_conn *c, const char *channel)
{
    const rh_bind *b = bind_of(c, channel);
    return b && b->revoked;
}

/* Marks c's bindings to ws's channels signed for user_id revoked (1) or not (0). */
static void mark_binds(rh_conn *c, const char *ws, const char *user_id, int revoked)
{
    size_t pos = 0;
    const char *name = NULL;
    void *v = NULL;
    while (c->binds && rh_htab_next(c->binds, &pos, &name, &v))
        if (in_workspace(name, ws) && strcmp(((rh_bind *)v)->user_id, user_id) == 0)
            ((rh_bind *)v)->revoked = revoked;
}

/* Ends c's subscriptions to ws's channels that belong to user_id; the count. Signatures the
 * authorizer gave c for them before (subscribed or not yet) are marked revoked. */
static size_t revoke_conn(rh_srv *srv, rh_conn *c, const char *ws, const char *user_id)
{
    size_t n = 0, pos;
    const char *name = NULL;
    void *v = NULL;
    if (!rh_fault_on(srv, RH_FAULT_REVOKE_OLD_SIGNATURE))
        mark_binds(c, ws, user_id, 1);
    for (;;) {
        rh_sub *hit = NULL;
        pos = 0;
        while (!hit && rh_htab_next(&c->subs, &pos, &name, &v))
            if (in_workspace(name, ws) && sub_of_user(c, v, user_id))
                hit = v;
        if (!hit)
            return n;
        char why[200];
        snprintf(why, sizeof why, "access to workspace %s was revoked", ws);
        /* the notice first: the channel's name is freed with its last subscription */
        rh_conn_sub_error(c, hit->chan->name, "AuthError", why, 403);
        rh_hub_unsubscribe(srv, hit, 0);
        n++;
    }
}

/* protocol §19.3: every live subscription of the user to the workspace's channels ends */
size_t rh_hub_revoke(rh_srv *srv, const rh_cfg_app *app, const char *workspace, const char *user_id)
{
    size_t n = 0;
    rh_hub_enter(srv); /* a connection closed meanwhile is freed only after the walk */
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next)
        if (c->app == app && !c->closing && !c->dead)
            n += revoke_conn(srv, c, workspace, user_id);
    rh_hub_leave(srv);
    return n;
}

/* protocol §19.4 point 3: a grant makes the user's signatures for the workspace subscribe */
void rh_hub_grant(rh_srv *srv, const rh_cfg_app *app, const char *workspace, const char *user_id)
{
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next)
        if (c->app == app)
            mark_binds(c, workspace, user_id, 0);
}
