/* User authentication on the HTTP side (api/ owns it; docs/protocol.md section 18): the
 * bundled authorizer's user-authentication endpoint and terminate_connections, which reaches
 * every node as a "trm" bus message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/form.h"
#include "proto/sign.h"

/* {"id":U,"user_info":{"name":N}} (heap, NULL out of memory). */
static char *user_data_of(const rh_cfg_user *u)
{
    cJSON *o = cJSON_CreateObject();
    char *s = NULL;
    if (o && cJSON_AddStringToObject(o, "id", u->user_id)) {
        cJSON *info = cJSON_AddObjectToObject(o, "user_info");
        if (info && cJSON_AddStringToObject(info, "name", u->name ? u->name : u->user_id))
            s = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    return s;
}

/* protocol §18.4: POST /broadcasting/user-auth signs user_data for the bearer's user */
void rh_api_user_auth(const rh_api_call *c)
{
    rh_srv *srv = c->srv;
    char tokbuf[512], auth[256];
    const char *token = rh_api_bearer_token(c->req->authorization, tokbuf, sizeof tokbuf);
    const rh_cfg_user *user = token ? rh_cfg_user_by_token(srv->cfg, token) : NULL;
    rh_form form = {0};
    if (!user) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_AUTHORIZER]++;
        rh_api_error(c->done, c->ud, 401, "missing or unknown bearer token");
        return;
    }
    int rc = rh_form_parse(c->req->body, c->req->body_len, &form);
    const char *sid = rc == RH_FORM_OK ? rh_form_get(&form, "socket_id") : NULL;
    char *ud = NULL;
    cJSON *o = NULL;
    if (!sid || !rh_sign_valid_socket_id(sid)) {
        rh_api_error(c->done, c->ud, 400, "socket_id missing or not of the form 123.456");
    } else if (srv->cfg->napps == 0) {
        rh_api_error(c->done, c->ud, 500, "no app configured");
    } else if (!(ud = user_data_of(user)) ||
               rh_sign_user(srv->cfg->apps[0].key, srv->cfg->apps[0].secret, sid, ud, auth,
                            sizeof auth) != 0 ||
               !(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "auth", auth) ||
               !cJSON_AddStringToObject(o, "user_data", ud)) {
        cJSON_Delete(o);
        rh_api_error(c->done, c->ud, 500, "out of memory");
    } else {
        rh_api_reply_json(c->done, c->ud, 200, o);
    }
    cJSON_free(ud);
    rh_form_free(&form);
}

typedef struct term_call {
    rh_http_done done;
    void *ud;
} term_call;

static void term_published(void *ud, int ok, const char *err)
{
    term_call *x = ud;
    if (ok)
        rh_api_reply_json(x->done, x->ud, 200, cJSON_CreateObject());
    else
        rh_api_error(x->done, x->ud, 503, "not delivered to every node: %s",
                     err ? err : "bus unavailable");
    free(x);
}

/* protocol §18.3: POST /apps/{id}/users/{U}/terminate_connections, on every node */
void rh_api_terminate_user(const rh_api_call *c)
{
    rh_srv *srv = c->srv;
    size_t n = strlen(c->arg);
    term_call *x = malloc(sizeof *x);
    if (!x) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    *x = (term_call){c->done, c->ud};
    if (n == 0 || n > 128) {
        free(x);
        rh_api_error(c->done, c->ud, 400, "user id must be 1 to 128 bytes");
        return;
    }
    rh_busmsg m = {0};
    rh_busmsg_add_str(&m, "trm");
    rh_busmsg_add_str(&m, c->app->id);
    rh_busmsg_add_str(&m, c->arg);
    if (m.failed || !srv->bus.publish) {
        if (!m.failed && !rh_fault_on(srv, RH_FAULT_TERMINATE_IGNORED))
            rh_hub_terminate_user(srv, c->app, c->arg);
        term_published(x, !m.failed, "out of memory");
    } else {
        srv->bus.publish(srv->bus.ud, m.p, m.len, term_published, x);
    }
    rh_busmsg_free(&m);
}

/* trm app user */
int rh_api_deliver_terminate(rh_srv *srv, const rh_busfield *f, long n)
{
    char user[129];
    if (n != 3 || f[1].len > RH_STORE_ID_MAX || f[2].len == 0 || f[2].len > 128 ||
        memchr(f[2].s, '\0', f[2].len))
        return -1;
    memcpy(user, f[2].s, f[2].len);
    user[f[2].len] = '\0';
    const rh_cfg_app *app = rh_api_bus_app(srv, &f[1]);
    if (!app)
        return -1;
    if (!rh_fault_on(srv, RH_FAULT_TERMINATE_IGNORED))
        rh_hub_terminate_user(srv, app, user);
    return 0;
}
