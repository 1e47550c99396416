/* rc_http: one HTTP/1.1 request per connection (Connection: close), plus the signed API,
 * authorizer and control-API helpers built on it. See client.h. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../runner/endpoints.h"
#include "../runner/internal.h"
#include "client.h"
#include "http_resp.h"
#include "net.h"
#include "proto/httpsig.h"

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static int sb_add(sbuf *b, const void *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int rc_http_header(const rc_http_resp *resp, const char *name, char *out, size_t outlen)
{
    return resp ? rc_net_header(resp->headers, name, out, outlen) : 0;
}

static int read_response(rc_ctx *ctx, rc_net *n, int64_t dl, const char *method, rc_http_resp *resp)
{
    sbuf in = {0};
    char buf[16384];
    int rc = -1;
    for (;;) {
        long r = rc_net_read(n, buf, sizeof buf, dl);
        if (r > 0) {
            if (sb_add(&in, buf, (size_t)r) < 0 || in.len > RC_HTTP_MAX_RESPONSE) {
                rc_error(ctx, "HTTP response too large");
                goto out;
            }
        }
        const char *why = NULL;
        int pr = rc_http_parse(in.p, in.len, r == 0, method, resp, &why);
        if (pr == 0)
            break;
        if (pr < 0) {
            rc_error(ctx, "%s", why);
            goto out;
        }
        if (r == 0) {
            rc_error(ctx, "HTTP connection closed before the response was complete");
            goto out;
        }
        if (r < 0) {
            rc_error(ctx, "HTTP response: %s", r == -2 ? "timeout" : "read error");
            goto out;
        }
    }
    rc = 0;
out:
    if (in.p)
        rc__wire(ctx, "in", "", in.p, in.len, 0);
    free(in.p);
    return rc;
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
    const rc_endpoint *ep = t->ep[role].host[0] ? &t->ep[role] : NULL;
    const char *host = ep ? ep->host : t->host;
    int port = ep ? ep->port : t->port;
    int tls = ep ? ep->tls : t->tls;
    if (t->nhttp_nodes > 1 && !(ep && ep->given)) {
        unsigned i = __atomic_fetch_add(t->http_rr, 1u, __ATOMIC_RELAXED);
        host = t->http_nodes[i % (unsigned)t->nhttp_nodes].host;
        port = t->http_nodes[i % (unsigned)t->nhttp_nodes].port;
    }
    memset(resp, 0, sizeof *resp);
    if (!headers)
        headers = "";
    int has_ct = strcasestr(headers, "content-type:") != NULL;
    char *head = NULL;
    int hn = asprintf(&head,
                      "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
                      "User-Agent: rehome-conform\r\nContent-Length: %zu\r\n%s%s\r\n",
                      method, path_and_query, host, port, body ? body_len : 0,
                      body_len && !has_ct ? "Content-Type: application/json\r\n" : "", headers);
    if (hn < 0) {
        rc_error(ctx, "out of memory");
        return -1;
    }
    sbuf req = {0};
    sb_add(&req, head, (size_t)hn);
    if (body && body_len)
        sb_add(&req, body, body_len);
    free(head);
    if (!req.p) {
        rc_error(ctx, "out of memory");
        return -1;
    }
    rc__wire(ctx, "out", "", req.p, req.len, 0);
    int64_t dl = rc_net_deadline(rc__timeout(ctx, RC_DEFAULT_TIMEOUT_MS * 2));
    rc_net n;
    char err[256];
    int rc = -1;
    if (rc_net_connect(&n, host, port, tls, t->ca_file, dl, err, sizeof err) < 0) {
        rc_error(ctx, "%s", err);
        free(req.p);
        return -1;
    }
    if (rc_net_write(&n, req.p, req.len, dl) < 0)
        rc_error(ctx, "HTTP %s %s: cannot send the request", method, path_and_query);
    else
        rc = read_response(ctx, &n, dl, method, resp);
    rc_net_close(&n);
    free(req.p);
    if (rc < 0)
        rc_http_resp_free(resp);
    return rc;
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
    size_t blen = body ? strlen(body) : 0;
    char *q = rh_httpsig_build_query(key, secret, method, path, (long)time(NULL), body, blen,
                                     extra_query);
    if (!q) {
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "cannot sign the request (rh_httpsig_build_query failed)");
        return -1;
    }
    char *url = NULL;
    int r = asprintf(&url, "%s?%s", path, q);
    free(q);
    if (r < 0) {
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "out of memory");
        return -1;
    }
    r = rc_http(ctx, method, url, NULL, body, blen, resp);
    free(url);
    return r;
}

static int form_escape(sbuf *b, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            if (sb_add(b, s, 1) < 0)
                return -1;
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            if (sb_add(b, e, 3) < 0)
                return -1;
        }
    }
    return 0;
}

int rc_authorize(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                 rc_http_resp *resp)
{
    const rc_target *t = rc_target_of(ctx);
    sbuf b = {0};
    sb_add(&b, "socket_id=", 10);
    form_escape(&b, socket_id ? socket_id : "");
    sb_add(&b, "&channel_name=", 14);
    form_escape(&b, channel ? channel : "");
    char *hdr = NULL;
    int hn = bearer ? asprintf(&hdr,
                               "Content-Type: application/x-www-form-urlencoded\r\n"
                               "Authorization: Bearer %s\r\n",
                               bearer)
                    : asprintf(&hdr, "Content-Type: application/x-www-form-urlencoded\r\n");
    if (hn < 0 || !b.p) {
        free(b.p);
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "out of memory");
        return -1;
    }
    int r = rc_http(ctx, "POST", t->auth_path, hdr, b.p, b.len, resp);
    free(hdr);
    free(b.p);
    return r;
}

/* Signed control-API call with a cJSON body (consumed). */
static int control(rc_ctx *ctx, const char *method, const char *path, cJSON *body,
                   rc_http_resp *resp)
{
    char *s = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (body && !s) {
        memset(resp, 0, sizeof *resp);
        rc_error(ctx, "out of memory");
        return -1;
    }
    int r = rc_api(ctx, method, path, NULL, s, resp);
    free(s);
    return r;
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
