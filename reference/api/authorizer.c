/* The bundled authorizer, POST /broadcasting/auth (api/ owns it): bearer users from the
 * config, form-encoded (Laravel Echo) or JSON bodies, workspace membership, then the channel
 * signature of the first configured app. Checks run in the order the wire decisions fix:
 * token (401), body (400), socket_id (400), channel shape (403), membership (403). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "proto/channel.h"
#include "proto/enc.h"
#include "proto/form.h"
#include "proto/json.h"
#include "proto/sign.h"

const char *rh_api_bearer_token(const char *h, char *out, size_t outlen)
{
    if (!h)
        return NULL;
    while (*h == ' ' || *h == '\t')
        h++;
    if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
        return NULL;
    h += 6;
    while (*h == ' ' || *h == '\t')
        h++;
    size_t n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= outlen)
        return NULL;
    memcpy(out, h, n);
    out[n] = '\0';
    return out;
}

static int is_json_body(const rh_http_req *req)
{
    if (req->content_type)
        return strncasecmp(req->content_type, "application/json", 16) == 0;
    for (size_t i = 0; i < req->body_len; i++)
        if (!isspace((unsigned char)req->body[i]))
            return req->body[i] == '{';
    return 0;
}

typedef struct auth_fields {
    char *socket_id;
    char *channel;
} auth_fields;

/* Reads socket_id and channel_name. 0, or -1 after answering 400. */
static int read_fields(const rh_api_call *c, auth_fields *f)
{
    const rh_http_req *req = c->req;
    const char *sid = NULL, *ch = NULL;
    cJSON *o = NULL;
    rh_form form = {0};
    int is_json = is_json_body(req);
    if (is_json) {
        char err[160] = "";
        int code;
        o = rh_json_parse(req->body, req->body_len, &code, err, sizeof err);
        if (!o || !cJSON_IsObject(o)) {
            cJSON_Delete(o);
            rh_api_error(c->done, c->ud, 400, "malformed JSON body: %s",
                         err[0] ? err : "not an object");
            return -1;
        }
        sid = rh_json_str(o, "socket_id");
        ch = rh_json_str(o, "channel_name");
    } else {
        int rc = rh_form_parse(req->body, req->body_len, &form);
        if (rc != RH_FORM_OK) {
            rh_api_error(c->done, c->ud, 400, "malformed form body: %s", rh_form_strerror(rc));
            return -1;
        }
        sid = rh_form_get(&form, "socket_id");
        ch = rh_form_get(&form, "channel_name");
    }
    f->socket_id = sid ? strdup(sid) : NULL;
    f->channel = ch ? strdup(ch) : NULL;
    int oom = (sid && !f->socket_id) || (ch && !f->channel);
    cJSON_Delete(o);
    rh_form_free(&form);
    if (oom) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return -1;
    }
    if (!f->socket_id || !rh_sign_valid_socket_id(f->socket_id)) {
        rh_api_error(c->done, c->ud, 400, "socket_id missing or not of the form 123.456");
        return -1;
    }
    if (!f->channel) {
        rh_api_error(c->done, c->ud, 400, "channel_name missing");
        return -1;
    }
    return 0;
}

/* Parses a stream channel, private-, presence- or private-encrypted- (its twins). 0 or -1
 * with err set. */
static int parse_channel(const char *name, rh_chan_stream *out, int *presence, char *err,
                         size_t errlen)
{
    char buf[RH_CHAN_MAX_LEN + 16];
    *presence = strncmp(name, "presence-", 9) == 0;
    int encrypted = strncmp(name, "private-encrypted-", 18) == 0;
    const char *p = name;
    if (*presence || encrypted) {
        if (snprintf(buf, sizeof buf, "private-%s", name + (encrypted ? 18 : 9)) >=
            (int)sizeof buf) {
            snprintf(err, errlen, "channel name too long");
            return -1;
        }
        p = buf;
    }
    if (strlen(name) > RH_CHAN_MAX_LEN) {
        snprintf(err, errlen, "channel name too long");
        return -1;
    }
    return rh_chan_parse_stream(p, strlen(p), out, err, errlen) == 0 ? 0 : -1;
}

static char *presence_data(const rh_cfg_user *u)
{
    const char *uid = u ? u->user_id : "anonymous";
    const char *name = u && u->name ? u->name : uid;
    cJSON *o = cJSON_CreateObject();
    char *s = NULL;
    if (o && cJSON_AddStringToObject(o, "user_id", uid)) {
        cJSON *info = cJSON_AddObjectToObject(o, "user_info");
        if (info && cJSON_AddStringToObject(info, "name", name))
            s = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    return s;
}

/* protocol §16.3: shared_secret = base64(SHA-256(channel || master key)), as Pusher's server
 * libraries derive it. 0, or -1 after answering. */
static int add_shared_secret(const rh_api_call *c, const rh_cfg_app *app, const char *channel,
                             cJSON *o)
{
    rh_srv *srv = c->srv;
    if (strncmp(channel, "private-encrypted-", 18) != 0 ||
        rh_fault_on(srv, RH_FAULT_ENCRYPTED_NO_SECRET))
        return 0;
    if (!app->has_enc_key) {
        rh_api_error(c->done, c->ud, 500,
                     "encrypted channels need the app's encryption_master_key in the config");
        return -1;
    }
    char secret[RH_ENC_SECRET_B64];
    const char *from =
        rh_fault_on(srv, RH_FAULT_ENCRYPTED_SECRET_FIXED) ? "private-encrypted-" : channel;
    if (rh_enc_shared_secret(app->enc_key, from, secret, sizeof secret) != 0 ||
        !cJSON_AddStringToObject(o, "shared_secret", secret)) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return -1;
    }
    return 0;
}

/* Answers {"auth", "channel_data"?, "shared_secret"?} for the checked request. */
static void sign_reply(const rh_api_call *c, const rh_cfg_app *app, const auth_fields *f,
                       const char *cdata, const rh_cfg_user *user, const char *ws, int member)
{
    size_t alen = strlen(app->key) + RH_SIGN_HEX + 2;
    char *auth = malloc(alen);
    cJSON *o = cJSON_CreateObject();
    if (!auth || !o ||
        rh_sign_channel(app->key, app->secret, f->socket_id, f->channel, cdata, auth, alen) != 0 ||
        !cJSON_AddStringToObject(o, "auth", auth) ||
        (cdata && !cJSON_AddStringToObject(o, "channel_data", cdata))) {
        cJSON_Delete(o);
        o = NULL;
    }
    free(auth);
    if (o && add_shared_secret(c, app, f->channel, o) != 0) {
        cJSON_Delete(o);
        return;
    }
    rh_api_answer_bound(c, o, user, ws, f->socket_id, f->channel, member);
}

/* protocol §8.1: the authorizer signs only for workspace members with a bearer token */
void rh_api_authorize(const rh_api_call *c)
{
    rh_srv *srv = c->srv;
    char tokbuf[512];
    const char *token = rh_api_bearer_token(c->req->authorization, tokbuf, sizeof tokbuf);
    const rh_cfg_user *user = token ? rh_cfg_user_by_token(srv->cfg, token) : NULL;
    if (!user && !rh_fault_on(srv, RH_FAULT_AUTHZ_NO_TOKEN)) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_AUTHORIZER]++;
        rh_api_error(c->done, c->ud, 401,
                     token ? "unknown bearer token"
                           : "missing bearer token (Authorization: "
                             "Bearer TOKEN)");
        return;
    }
    auth_fields f = {0};
    if (read_fields(c, &f) != 0) {
        free(f.socket_id);
        free(f.channel);
        return;
    }
    rh_chan_stream cs;
    int presence = 0;
    char err[160] = "";
    int parsed = parse_channel(f.channel, &cs, &presence, err, sizeof err) == 0;
    char *cdata = NULL;
    /* On a shared bus a refusal is decided after the bus's order point (binds.c), where a
     * grant made through another node has arrived; on one node it is applied already. */
    int member =
        !parsed || !user || srv->cfg->napps == 0 || rh_api_signs_for(srv, user, cs.workspace);
    if (!parsed && !rh_fault_on(srv, RH_FAULT_AUTHZ_LAX_CHANNEL)) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_AUTHORIZER]++;
        rh_api_error(c->done, c->ud, 403,
                     "channel_name is not a stream channel private-workspace.W.thread.T: %s", err);
    } else if (!member && !rh_srv_has_bus(srv)) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_AUTHORIZER]++;
        rh_api_error(c->done, c->ud, 403, "user %s is not a member of workspace %s", user->user_id,
                     cs.workspace);
    } else if (srv->cfg->napps == 0) {
        rh_api_error(c->done, c->ud, 500, "no app configured");
    } else if (presence && !(cdata = presence_data(user))) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
    } else {
        sign_reply(c, &srv->cfg->apps[0], &f, cdata, user, parsed ? cs.workspace : "", member);
    }
    cJSON_free(cdata);
    free(f.socket_id);
    free(f.channel);
}
