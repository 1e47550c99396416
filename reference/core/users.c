/* User authentication (core/ owns it; docs/protocol.md section 18): pusher:signin, delivery
 * to the connections a user signed in on (#server-to-user-{id}), and terminating them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/sign.h"
#include "conn.h"
#include "hub.h"

#define USER_PREFIX "#server-to-user-"

/* protocol §18.1: a refused signin gets 4009 and the connection is closed */
static void signin_refused(rh_conn *c, const char *why)
{
    rh_conn_error(c, 4009, why, NULL);
    rh_conn_close(c, 4009, "signin refused");
}

static void signin_success(rh_conn *c, const char *user_data)
{
    char *q = rh_json_quote(user_data, strlen(user_data));
    size_t need = q ? strlen(q) + 16 : 0;
    char *data = q ? malloc(need) : NULL;
    if (data)
        snprintf(data, need, "{\"user_data\":%s}", q);
    rh_conn_send_take(c,
                      data ? rh_msg_encode_raw("pusher:signin_success", NULL, data, NULL) : NULL);
    free(data);
    free(q);
}

/* protocol §18.5: the first signin of c, with its watchlist (too long: 4302, not signed in) */
static void signin_first(rh_conn *c, const char *id, const char *ud)
{
    char err[200];
    rh_watch w;
    int rc = rh_watch_parse(ud, strlen(ud), &w, err, sizeof err);
    char *u = rc == RH_WATCH_OK ? strdup(id) : NULL;
    /* Only a user with a watchlist gets one on the heap: most connections have none. */
    rh_watch *wp = rc == RH_WATCH_OK && w.n > 0 ? malloc(sizeof *wp) : NULL;
    if (rc == RH_WATCH_TOO_MANY) {
        rh_conn_error(c, 4302, err, NULL);
    } else if (rc != RH_WATCH_OK) {
        signin_refused(c, err);
    } else if (!u || (w.n > 0 && !wp)) {
        rh_watch_clear(&w);
        free(u);
        free(wp);
        rh_conn_error(c, 4200, "out of memory", NULL);
    } else {
        c->user_id = u;
        if (wp)
            *wp = w;
        else
            rh_watch_clear(&w); /* empty: frees nothing, owns nothing */
        c->watch = wp;
        c->authorized = 1;
        signin_success(c, ud);
        rh_hub_watch_signed_in(c->srv, c);
    }
}

/* protocol §18.1: pusher:signin with user_data signed as "{socket_id}::user::{user_data}" */
void rh_conn_on_signin(rh_conn *c, const rh_msg *m)
{
    rh_srv *srv = c->srv;
    char err[200], id[129];
    char *auth = NULL, *ud = NULL;
    if (rh_msg_decode_signin(m, &auth, &ud, err, sizeof err) != 0) {
        rh_conn_malformed(c, err); /* not a signin at all: malformed input (2.6), 4200 */
    } else if (rh_msg_user_id(ud, strlen(ud), id, err, sizeof err) != 0) {
        signin_refused(c, err);
    } else if (rh_sign_verify_user(c->app->key, c->app->secret, c->socket_id, ud, auth) != 0 &&
               !rh_fault_on(srv, RH_FAULT_SIGNIN_UNCHECKED)) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_SUBSCRIBE]++;
        signin_refused(c, "Connection not authorized: invalid user authentication signature");
    } else if (c->user_id && strcmp(c->user_id, id) != 0) {
        rh_conn_error(c, 4009, "already signed in as another user", NULL);
    } else if (c->user_id) {
        signin_success(c, ud); /* the same user again: the first watchlist stays */
    } else {
        signin_first(c, id, ud);
    }
    free(auth);
    free(ud);
}

int rh_hub_is_user_channel(const char *channel)
{
    return strncmp(channel, USER_PREFIX, sizeof USER_PREFIX - 1) == 0;
}

/* protocol §18.2: an event on #server-to-user-{id} reaches every connection signed in as id */
size_t rh_hub_user_publish(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                           const char *except_socket_id)
{
    const char *id = channel + sizeof USER_PREFIX - 1;
    size_t n = 0;
    rh_hub_enter(srv);
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next) {
        if (c->app != app || c->closing || c->dead || !c->user_id ||
            (strcmp(c->user_id, id) != 0 && !rh_fault_on(srv, RH_FAULT_USER_EVENTS_TO_ALL)) ||
            (except_socket_id && strcmp(c->socket_id, except_socket_id) == 0))
            continue;
        if (rh_conn_send(c, frame) == 0)
            n++;
    }
    rh_hub_leave(srv);
    return n;
}

/* protocol §18.3: terminate_connections closes exactly the user's signed-in connections */
size_t rh_hub_terminate_user(rh_srv *srv, const rh_cfg_app *app, const char *user_id)
{
    size_t n = 0;
    rh_hub_enter(srv);
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next)
        if (c->app == app && !c->closing && !c->dead && c->user_id &&
            strcmp(c->user_id, user_id) == 0) {
            rh_conn_error(c, 4009, "You got disconnected by the app.", NULL);
            rh_conn_close(c, 4009, "terminated by the app");
            n++;
        }
    rh_hub_leave(srv);
    return n;
}

/* 1 when c is subscribed to a private or presence channel. */
static int has_private(rh_conn *c)
{
    size_t pos = 0;
    void *v = NULL;
    while (rh_htab_next(&c->subs, &pos, NULL, &v))
        if (rh_chan_needs_auth(((rh_sub *)v)->chan->type))
            return 1;
    return 0;
}

/* protocol §18.1.5: an app may require signin (or a private subscription) within a time */
void rh_hub_signin_deadline(rh_srv *srv)
{
    uint64_t now = srv->io.now_ms(srv->io.ud);
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next) {
        if (c->closing || c->dead || !c->app || c->authorized || c->app->signin_timeout <= 0)
            continue;
        if (has_private(c))
            c->authorized = 1;
        else if (now >= c->opened_ms &&
                 now - c->opened_ms >= (uint64_t)c->app->signin_timeout * 1000) {
            rh_conn_error(c, 4009, "Connection not authorized within timeout.", NULL);
            rh_conn_close(c, 4009, "not signed in within the sign-in timeout");
        }
    }
}
