/* Workspace membership at runtime and revocation of access (api/ owns it; docs/protocol.md
 * section 19). The configured memberships (users[].workspaces) are the starting point; a
 * signed POST /apps/{id}/workspaces/{W}/members grants or revokes one user's membership on
 * every node: the change travels as an "mbr" bus message, each node records it and, for a
 * revocation, ends its connections' subscriptions of that user to W's channels. The
 * authorizer publishes a "bnd" message (socket, channel, user) before it answers (binds.c),
 * so the node holding the socket knows whose subscription it is. Both kinds go through the
 * one bus, in one order on every node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/busmsg.h"

#define MEMBERS_MAX 100000 /* membership changes kept per server; more answer 429 */

/* One recorded change; key "app\nws\nuser" is the table's key. */
typedef struct member_rec {
    int member;
    char key[];
} member_rec;

/* "app\nws\nuser" into a new record (heap), or NULL. */
static member_rec *rec_new(const char *app, const char *ws, const char *user)
{
    size_t n = strlen(app) + strlen(ws) + strlen(user) + 3;
    member_rec *r = malloc(sizeof *r + n);
    if (r)
        snprintf(r->key, n, "%s\n%s\n%s", app, ws, user);
    return r;
}

void rh_api_members_free(rh_srv *srv)
{
    size_t pos = 0;
    void *v = NULL;
    while (rh_htab_next(&srv->api->members, &pos, NULL, &v))
        free(v);
    rh_htab_free(&srv->api->members);
}

int rh_api_is_member(rh_srv *srv, const rh_cfg_app *app, const rh_cfg_user *u, const char *ws)
{
    member_rec *k = rec_new(app->id, ws, u->user_id);
    const member_rec *r = k ? rh_htab_get(&srv->api->members, k->key) : NULL;
    int member = r ? r->member : rh_cfg_user_in_workspace(u, ws);
    if (r && !r->member && rh_fault_on(srv, RH_FAULT_REVOKE_SIGNS_ANYWAY))
        member = 1;
    free(k);
    return member;
}

int rh_api_signs_for(rh_srv *srv, const rh_cfg_user *u, const char *ws)
{
    /* ws "": a channel only a fault switch lets through; the fault signs for non-members */
    return !ws[0] || rh_fault_on(srv, RH_FAULT_AUTHZ_NON_MEMBER) ||
           rh_api_is_member(srv, &srv->cfg->apps[0], u, ws);
}

/* Records the change and, for a revocation, ends the live subscriptions here. 0 or -1. */
static int member_apply(rh_srv *srv, const rh_cfg_app *app, const char *ws, const char *user,
                        int member)
{
    member_rec *k = rec_new(app->id, ws, user);
    if (!k)
        return -1;
    member_rec *r = rh_htab_get(&srv->api->members, k->key);
    if (r) {
        r->member = member;
        free(k);
    } else {
        k->member = member;
        if (rh_htab_put(&srv->api->members, k->key, k) != 0) {
            free(k);
            return -1;
        }
    }
    if (!member && !rh_fault_on(srv, RH_FAULT_REVOKE_KEEPS_SUBSCRIPTION))
        rh_hub_revoke(srv, app, ws, user);
    else if (member)
        rh_hub_grant(srv, app, ws, user);
    return 0;
}

/* The fields f[from..from+n) as C strings in one heap block (*out[i]); NULL on bad input. */
static char *fields_dup(const rh_busfield *f, int n, char **out)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += f[i].len + 1;
    char *blk = malloc(total), *p = blk;
    for (int i = 0; blk && i < n; i++) {
        if (memchr(f[i].s, '\0', f[i].len)) {
            free(blk);
            return NULL;
        }
        memcpy(p, f[i].s, f[i].len);
        p[f[i].len] = '\0';
        out[i] = p;
        p += f[i].len + 1;
    }
    return blk;
}

/* mbr app ws user member(0|1); bnd app socket channel user node nonce */
int rh_api_deliver_members(rh_srv *srv, const rh_busfield *f, long n, int is_bind)
{
    const rh_cfg_app *app = n == (is_bind ? 7 : 5) ? rh_api_bus_app(srv, &f[1]) : NULL;
    char *s[3];
    char *blk = app ? fields_dup(&f[2], 3, s) : NULL;
    unsigned long long nonce = 0;
    int rc = -1;
    if (blk && is_bind && rh_busfield_u64(&f[6], &nonce) == 0) {
        rc = rh_hub_bind(srv, app, s[0], s[1], s[2]);
        if (rh_busfield_is(&f[5], srv->node_id))
            rh_api_bind_back(srv, nonce);
    } else if (blk && !is_bind && (rh_busfield_is(&f[4], "0") || rh_busfield_is(&f[4], "1")))
        rc = member_apply(srv, app, s[0], s[1], rh_busfield_is(&f[4], "1"));
    free(blk);
    return rc;
}

static void publish(rh_srv *srv, rh_busmsg *m, rh_bus_done done, void *ud)
{
    if (m->failed)
        done(ud, 0, "out of memory");
    else if (!srv->bus.publish)
        done(ud, 1, NULL); /* no bus at all (tests of the HTTP side alone) */
    else
        srv->bus.publish(srv->bus.ud, m->p, m->len, done, ud);
    rh_busmsg_free(m);
}

typedef struct member_call {
    rh_http_done done;
    void *ud;
    char ws[RH_CHAN_ID_MAX + 1];
    char user[RH_CTL_USER_MAX + 1];
    int member;
} member_call;

static void member_published(void *ud, int ok, const char *err)
{
    member_call *x = ud;
    if (!ok) {
        rh_api_error(x->done, x->ud, 503, "membership change not delivered to every node: %s",
                     err ? err : "bus unavailable");
    } else {
        cJSON *o = cJSON_CreateObject();
        if (o && (!cJSON_AddStringToObject(o, "workspace_id", x->ws) ||
                  !cJSON_AddStringToObject(o, "user_id", x->user) ||
                  !cJSON_AddBoolToObject(o, "member", x->member))) {
            cJSON_Delete(o);
            o = NULL;
        }
        rh_api_reply_json(x->done, x->ud, 200, o);
    }
    free(x);
}

/* protocol §19.1: POST /apps/{id}/workspaces/{W}/members {"user_id":U,"member":B} */
void rh_api_workspace_members(const rh_api_call *c)
{
    rh_srv *srv = c->srv;
    char err[160] = "";
    member_call *x = calloc(1, sizeof *x);
    if (!x) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    x->done = c->done;
    x->ud = c->ud;
    int rc =
        rh_ctl_parse_member(c->req->body, c->req->body_len, x->user, &x->member, err, sizeof err);
    if (!rh_chan_valid_id(c->arg, strlen(c->arg))) {
        rh_api_error(c->done, c->ud, 400, "workspace id must match [A-Za-z0-9_-]{1,64}");
    } else if (rc != RH_CTL_OK) {
        rh_api_error(c->done, c->ud, rc == RH_CTL_ERR_NOMEM ? 500 : 400, "%s", err);
    } else if (srv->api->members.n >= MEMBERS_MAX) {
        rh_api_error(c->done, c->ud, 429,
                     "over %d membership changes kept; restart with the "
                     "memberships in the config",
                     MEMBERS_MAX);
    } else {
        snprintf(x->ws, sizeof x->ws, "%s", c->arg);
        /* Applied here at once, so nothing of W reaches the user through this node after the
         * answer even before the bus message comes back; applying it again is harmless. */
        if (member_apply(srv, c->app, x->ws, x->user, x->member) != 0) {
            rh_api_error(c->done, c->ud, 500, "out of memory");
        } else {
            rh_busmsg m = {0};
            rh_busmsg_add_str(&m, "mbr");
            rh_busmsg_add_str(&m, c->app->id);
            rh_busmsg_add_str(&m, x->ws);
            rh_busmsg_add_str(&m, x->user);
            rh_busmsg_add_str(&m, x->member ? "1" : "0");
            publish(srv, &m, member_published, x);
            return;
        }
    }
    free(x);
}
