/* The case API of client.h on top of the transport (io.h): rc_hooks from a case's rc_ctx
 * (the wire log, the case's deadline, findings as rc_fail / rc_error), the target's
 * endpoints, resource tracking, and the signed API, authorizer and control-API helpers. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../runner/endpoints.h"
#include "../runner/internal.h"
#include "client.h"
#include "io.h"
#include "wire/pusher.h"

_Static_assert(RC_IO_TIMEOUT_MS == RC_DEFAULT_TIMEOUT_MS, "one default wait for cases and I/O");

static void hook_wire(void *ud, const char *dir, const char *prefix, const void *data, size_t len,
                      int binary)
{
    rc__wire(ud, dir, prefix, data, len, binary);
}

static int hook_timeout(void *ud, int ms)
{
    return rc__timeout(ud, ms);
}

static void hook_report(void *ud, rc_hook_kind kind, const char *msg, const char *expected,
                        const char *seen)
{
    if (kind == RC_HOOK_FAIL)
        rc_fail(ud, "%s", msg);
    else
        rc_error(ud, "%s", msg);
    if (expected || seen)
        rc_expect_seen(ud, expected, seen);
}

static rc_hooks hooks_of(rc_ctx *ctx)
{
    return (rc_hooks){.ud = ctx, .wire = hook_wire, .timeout = hook_timeout, .report = hook_report};
}

static void release_ws(void *obj)
{
    rc_ws_free(obj);
}

rc_ws *rc_ws_open(rc_ctx *ctx, const char *path, int expect_failure, int *http_status)
{
    return rc_ws_open_hdr(ctx, path, NULL, expect_failure, http_status);
}

rc_ws *rc_ws_open_hdr(rc_ctx *ctx, const char *path, const char *headers, int expect_failure,
                      int *http_status)
{
    const rc_target *t = rc_target_of(ctx);
    rc_hooks h = hooks_of(ctx);
    rc_endpoint ep = {.host = t->host, .port = t->port, .tls = t->tls, .ca_file = t->ca_file};
    rc_ws *ws =
        rc_ws_connect(&h, &ep, path ? path : t->ws_path, headers, expect_failure, http_status);
    if (ws)
        rc__track(ctx, ws, release_ws);
    return ws;
}

int rc_http(rc_ctx *ctx, const char *method, const char *path_and_query, const char *headers,
            const char *body, size_t body_len, rc_http_resp *resp)
{
    const rc_target *t = rc_target_of(ctx);
    /* each request goes to its role's endpoint; a target built without endpoints (unit
     * tests, callers that fill only host and port) uses the WebSocket host for all */
    rc_role role = rc_ep_route(t->app_id, t->auth_path, path_and_query);
    if (role == RC_ROLE_CONTROL && t->producer && t->producer_http) {
        int pr = t->producer_http(ctx, t->producer, method, path_and_query, body,
                                  body ? body_len : 0, resp);
        if (pr <= 0)
            return pr;
    }
    const rc_role_ep *re = t->ep[role].host[0] ? &t->ep[role] : NULL;
    rc_endpoint ep = {.host = re ? re->host : t->host,
                      .port = re ? re->port : t->port,
                      .tls = re ? re->tls : t->tls,
                      .ca_file = t->ca_file};
    if (t->nhttp_nodes > 1 && !(re && re->given)) {
        unsigned i = __atomic_fetch_add(t->http_rr, 1u, __ATOMIC_RELAXED);
        ep.host = t->http_nodes[i % (unsigned)t->nhttp_nodes].host;
        ep.port = t->http_nodes[i % (unsigned)t->nhttp_nodes].port;
    }
    rc_hooks h = hooks_of(ctx);
    return rc_http_request(&h, &ep, method, path_and_query, headers, body, body_len, resp);
}

int rc_api(rc_ctx *ctx, const char *method, const char *path, const char *extra_query,
           const char *body, rc_http_resp *resp)
{
    const rc_target *t = rc_target_of(ctx);
    return rc_api_as(ctx, t->app_key, t->app_secret, method, path, extra_query, body, resp);
}

int rc_api_as(rc_ctx *ctx, const char *key, const char *secret, const char *method,
              const char *path, const char *extra_query, const char *body, rc_http_resp *resp)
{
    return rc_api_sign_hdr(ctx, key, secret, method, path, extra_query, NULL, body, resp);
}

int rc_api_hdr(rc_ctx *ctx, const char *method, const char *path, const char *headers,
               const char *body, rc_http_resp *resp)
{
    const rc_target *t = rc_target_of(ctx);
    return rc_api_sign_hdr(ctx, t->app_key, t->app_secret, method, path, NULL, headers, body, resp);
}

int rc_api_sign_hdr(rc_ctx *ctx, const char *key, const char *secret, const char *method,
                    const char *path, const char *extra_query, const char *headers,
                    const char *body, rc_http_resp *resp)
{
    size_t blen = body ? strlen(body) : 0;
    char *url =
        rw_pusher_api_target(key, secret, method, path, extra_query, body, blen, (long)time(NULL));
    if (!url) {
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "cannot sign the request (rh_httpsig_build_query failed)");
        return -1;
    }
    int r = rc_http(ctx, method, url, headers, body, blen, resp);
    free(url);
    return r;
}

/* s form-encoded (RFC 3986 unreserved bytes kept) at the end of out, which has room for
 * 3 * strlen(s) more bytes. */
static void form_escape(char *out, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t o = strlen(out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hx[c >> 4];
            out[o++] = hx[c & 15];
        }
    }
    out[o] = '\0';
}

int rc_authorize(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                 rc_http_resp *resp)
{
    const rc_target *t = rc_target_of(ctx);
    socket_id = socket_id ? socket_id : "";
    channel = channel ? channel : "";
    char *b = malloc(32 + 3 * (strlen(socket_id) + strlen(channel)));
    char *hdr = NULL;
    int hn = bearer ? asprintf(&hdr,
                               "Content-Type: application/x-www-form-urlencoded\r\n"
                               "Authorization: Bearer %s\r\n",
                               bearer)
                    : asprintf(&hdr, "Content-Type: application/x-www-form-urlencoded\r\n");
    if (hn < 0 || !b) {
        free(b);
        if (hn >= 0)
            free(hdr);
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "out of memory");
        return -1;
    }
    strcpy(b, "socket_id=");
    form_escape(b, socket_id);
    strcat(b, "&channel_name=");
    form_escape(b, channel);
    int r = rc_http(ctx, "POST", t->auth_path, hdr, b, strlen(b), resp);
    free(hdr);
    free(b);
    return r;
}

/* Signed control-API call with a cJSON body (consumed). */
static int control_hdr(rc_ctx *ctx, const char *method, const char *path, const char *headers,
                       cJSON *body, rc_http_resp *resp)
{
    char *s = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (body && !s) {
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "out of memory");
        return -1;
    }
    int r = rc_api_hdr(ctx, method, path, headers, s, resp);
    free(s);
    return r;
}

static int control(rc_ctx *ctx, const char *method, const char *path, cJSON *body,
                   rc_http_resp *resp)
{
    return control_hdr(ctx, method, path, NULL, body, resp);
}

int rc_stream_start(rc_ctx *ctx, const char *workspace, const char *thread, const char *run,
                    const char *stream, rc_http_resp *resp)
{
    char path[256];
    snprintf(path, sizeof path, "/apps/%s/streams", rc_target_of(ctx)->app_id);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "workspace_id", workspace);
    cJSON_AddStringToObject(b, "thread_id", thread);
    cJSON_AddStringToObject(b, "run_id", run);
    cJSON_AddStringToObject(b, "stream_id", stream);
    return control(ctx, "POST", path, b, resp);
}

int rc_stream_token(rc_ctx *ctx, const char *stream, const char *token, rc_http_resp *resp)
{
    char path[512];
    snprintf(path, sizeof path, "/apps/%s/streams/%s/tokens", rc_target_of(ctx)->app_id, stream);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "token", token);
    return control(ctx, "POST", path, b, resp);
}

int rc_stream_token_key(rc_ctx *ctx, const char *stream, const char *token, const char *key,
                        rc_http_resp *resp)
{
    char path[512], hdr[200] = "";
    snprintf(path, sizeof path, "/apps/%s/streams/%s/tokens", rc_target_of(ctx)->app_id, stream);
    if (key)
        snprintf(hdr, sizeof hdr, "Idempotency-Key: %.128s\r\n", key);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "token", token);
    return control_hdr(ctx, "POST", path, key ? hdr : NULL, b, resp);
}

int rc_stream_end(rc_ctx *ctx, const char *stream, const char *reason, rc_http_resp *resp)
{
    char path[512];
    snprintf(path, sizeof path, "/apps/%s/streams/%s/end", rc_target_of(ctx)->app_id, stream);
    cJSON *b = NULL;
    if (reason) {
        b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "reason", reason);
    }
    return control(ctx, "POST", path, b, resp);
}

int rc_stream_get(rc_ctx *ctx, const char *stream, rc_http_resp *resp)
{
    char path[512];
    snprintf(path, sizeof path, "/apps/%s/streams/%s", rc_target_of(ctx)->app_id, stream);
    return control(ctx, "GET", path, NULL, resp);
}

int rc_json_int(const cJSON *obj, const char *key, long long *out)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || floor(d) != d || fabs(d) > 9007199254740992.0)
        return 0;
    *out = (long long)d;
    return 1;
}

const char *rc_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}
