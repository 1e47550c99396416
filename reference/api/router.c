/* rh_srv_http: routing, app lookup, the request signature check and the JSON answers shared
 * by every handler (api/ owns it). Also the api state and the periodic expiry of ended
 * streams. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "proto/channel.h"
#include "proto/form.h"
#include "proto/httpsig.h"

#define MAX_SEGS 6
#define SEG_MAX  256

/* --- answers ------------------------------------------------------------------------------ */

static void reply_text(rh_http_done done, void *ud, int status, const char *body,
                       const char *retry_after)
{
    rh_http_resp r = {.status = status,
                      .content_type = "application/json",
                      .body = body,
                      .body_len = strlen(body),
                      .retry_after = retry_after};
    done(ud, &r);
}

void rh_api_reply_json(rh_http_done done, void *ud, int status, cJSON *body)
{
    char *s = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (!s) {
        reply_text(done, ud, 500, "{\"error\":\"out of memory\",\"code\":500}", NULL);
        return;
    }
    reply_text(done, ud, status, s, NULL);
    cJSON_free(s);
}

/* {"error": msg, "code": status}, with a Retry-After header when retry_after is set. */
static void error_v(rh_http_done done, void *ud, int status, const char *retry_after,
                    const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "error", msg) && cJSON_AddNumberToObject(o, "code", status))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) {
        reply_text(done, ud, 500, "{\"error\":\"out of memory\",\"code\":500}", NULL);
        return;
    }
    reply_text(done, ud, status, text, retry_after);
    cJSON_free(text);
}

/* protocol §12.1: every error is a JSON body {"error": ..., "code": N} */
void rh_api_error(rh_http_done done, void *ud, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(done, ud, status, NULL, fmt, ap);
    va_end(ap);
}

static void error_retry(rh_http_done done, void *ud, int status, const char *retry_after,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void error_retry(rh_http_done done, void *ud, int status, const char *retry_after,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(done, ud, status, retry_after, fmt, ap);
    va_end(ap);
}

/* --- api state ---------------------------------------------------------------------------- */

int rh_api_init(rh_srv *srv)
{
    srv->api = calloc(1, sizeof *srv->api);
    if (!srv->api)
        return -1;
    srv->api->out = rh_api_out_plain;
    srv->api->parse = rh_api_parsers_strict;
    if (rh_api_wh_init(srv) != 0) {
        free(srv->api);
        srv->api = NULL;
        return -1;
    }
    rh_api_cache_init(srv);
    rh_htab_init(&srv->api->members, 0x6d656d62657273ull, (uintptr_t)srv);
    return 0;
}

void rh_api_free(rh_srv *srv)
{
    if (!srv->api)
        return;
    rh_api_held_free_all(srv);
    rh_api_cache_free(srv);
    rh_api_wh_free(srv);
    rh_api_fault_store_free(srv);
    rh_api_members_free(srv);
    rh_api_binds_free(srv);
    free(srv->api);
    srv->api = NULL;
}

uint64_t rh_api_now_ms(rh_srv *srv)
{
    return srv->io.now_ms ? srv->io.now_ms(srv->io.ud) : 0;
}

uint64_t rh_api_ttl_ms(rh_srv *srv)
{
    if (rh_fault_on(srv, RH_FAULT_STREAM_EARLY_EXPIRY))
        return 0;
    int ttl = srv->cfg->ended_ttl;
    return ttl > 0 ? (uint64_t)ttl * 1000u : 0;
}

/* protocol §12.5: ended streams expire after ended_ttl */
void rh_api_expire(rh_srv *srv)
{
    if (rh_fault_on(srv, RH_FAULT_STREAM_NO_EXPIRY))
        return;
    rh_store_expire(srv->store, srv->io.now_ms(srv->io.ud), rh_api_ttl_ms(srv), NULL, NULL);
}

void rh_api_tick(rh_srv *srv)
{
    rh_api_binds_tick(srv);
    rh_api_wh_tick(srv);
    if (srv->store) {
        rh_api_expire(srv);
        rh_api_end_idle(srv);
    }
}

void rh_api_chan_info(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                      rh_hub_chan_info *out)
{
    rh_hub_channel_info(srv, app, channel, out);
    if (rh_fault_on(srv, RH_FAULT_CHANNELS_INFO)) {
        /* a stale cache: counts one too high, channels never reported vacated */
        out->occupied = 1;
        out->subscription_count++;
        out->user_count++;
    }
}

int rh_api_parse_info(const char *info)
{
    int bits = 0;
    const char *p = info;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 18 && strncmp(p, "subscription_count", n) == 0)
            bits |= RH_API_INFO_SUBS;
        else if (n == 10 && strncmp(p, "user_count", n) == 0)
            bits |= RH_API_INFO_USERS;
        else if (n != 0)
            return -1;
        p = e ? e + 1 : NULL;
    }
    return bits;
}

/* --- signature ---------------------------------------------------------------------------- */

/* The body_md5-blind verifier of the httpsig-no-body-md5 fault: key and signature only. */
static int lax_md5_verify(const rh_cfg_app *app, const rh_http_req *req)
{
    rh_form f;
    if (rh_form_parse(req->query, strlen(req->query), &f) != RH_FORM_OK)
        return -1;
    const char *key = rh_form_get(&f, "auth_key");
    const char *sig = rh_form_get(&f, "auth_signature");
    char want[RH_SIGN_HEX];
    int ok = key && sig && strcmp(key, app->key) == 0 && strlen(sig) == RH_SIGN_HEX - 1 &&
             rh_httpsig_sign(app->secret, req->method, req->path, req->query, want) == 0 &&
             rh_sign_ct_equal(want, sig, RH_SIGN_HEX - 1);
    rh_form_free(&f);
    return ok ? 0 : -1;
}

/* 0 when the request is signed for app; otherwise answers and returns -1. */
/* protocol §6.1: every HTTP API and control API request is signed */
static int check_signature(rh_srv *srv, const rh_cfg_app *app, const rh_http_req *req,
                           rh_http_done done, void *ud)
{
    if (rh_fault_on(srv, RH_FAULT_HTTPSIG_SKIP))
        return 0;
    long window = srv->cfg->auth_window > 0 ? srv->cfg->auth_window : 0;
    if (rh_fault_on(srv, RH_FAULT_HTTPSIG_NO_TIMESTAMP))
        window = 0;
    char err[256] = "";
    long now = srv->io.wall_s ? (long)srv->io.wall_s(srv->io.ud) : (long)time(NULL);
    int rc = rh_httpsig_verify(app->key, app->secret, req->method, req->path, req->query, req->body,
                               req->body_len, now, window, err, sizeof err);
    if (rc == RH_HTTPSIG_OK)
        return 0;
    if (rc == RH_HTTPSIG_ERR_BODY_MD5 && rh_fault_on(srv, RH_FAULT_HTTPSIG_NO_BODY_MD5) &&
        lax_md5_verify(app, req) == 0)
        return 0;
    if (!err[0])
        snprintf(err, sizeof err, "%s", rh_httpsig_strerror(rc));
    if (rc == RH_HTTPSIG_ERR_NOMEM)
        rh_api_error(done, ud, 500, "%s", err);
    else if (rc == RH_HTTPSIG_ERR_MALFORMED)
        rh_api_error(done, ud, 400, "malformed query: %s", err);
    else
        rh_api_error(done, ud, 401, "authentication failed: %s", err);
    if (rc != RH_HTTPSIG_ERR_NOMEM)
        srv->metrics.auth_failures[RH_AUTH_FAIL_HTTP_SIGNATURE]++;
    return -1;
}

/* --- rate limit ----------------------------------------------------------------------------- */

/* Fixed one-second windows per app: cheap and predictable for clients (Retry-After is the
 * rest of the window). 0 when the request may go on; otherwise answers 429 and returns -1. */
/* protocol §6.6: http_requests_per_sec answered 429 with Retry-After */
static int check_rate(rh_srv *srv, const rh_cfg_app *app, rh_http_done done, void *ud)
{
    int max = app->http_requests_per_sec;
    if (max <= 0 || rh_fault_on(srv, RH_FAULT_NO_HTTP_RATE))
        return 0;
    rh_app_state *st = rh_srv_app_state(srv, app);
    uint64_t now = srv->io.now_ms(srv->io.ud);
    if (now < st->http_window_ms || now - st->http_window_ms >= 1000) {
        st->http_window_ms = now;
        st->http_count = 0;
    }
    if (st->http_count < max) {
        st->http_count++;
        return 0;
    }
    /* The window ends within a second: whole seconds, so 1. */
    error_retry(done, ud, 429, "1", "over %d requests per second for this app", max);
    return -1;
}

/* --- routing ------------------------------------------------------------------------------ */

/* Splits the path into segments. The edge hands the path over already percent-decoded
 * (libwebsockets decodes it), so nothing is decoded here: decoding again would route
 * "/%256Detrics" to /metrics behind a proxy that denies /metrics. decode is only set by the
 * path-double-decode fault. -1 for an empty segment, a bad escape, a decoded NUL or '/', or
 * too many / too long segments: no route has them. */
static int split_path(const char *path, int decode, char segs[MAX_SEGS][SEG_MAX], int *nsegs)
{
    int n = 0;
    if (path[0] != '/')
        return -1;
    const char *p = path + 1;
    if (!*p) {
        *nsegs = 0;
        return 0;
    }
    for (;;) {
        if (n == MAX_SEGS)
            return -1;
        size_t len = 0;
        while (*p && *p != '/') {
            int c = (unsigned char)*p;
            if (c == '%' && decode) {
                int hi = rh_form_hexval(p[1]), lo = hi >= 0 ? rh_form_hexval(p[2]) : -1;
                if (hi < 0 || lo < 0)
                    return -1;
                c = hi * 16 + lo;
                if (c == 0 || c == '/')
                    return -1;
                p += 2;
            }
            if (len + 1 >= SEG_MAX)
                return -1;
            segs[n][len++] = (char)c;
            p++;
        }
        if (len == 0)
            return -1;
        segs[n][len] = '\0';
        n++;
        if (!*p)
            break;
        p++;
    }
    *nsegs = n;
    return 0;
}

typedef void (*handler_fn)(const rh_api_call *c);

typedef struct route {
    const char *method;
    handler_fn fn;
    int has_arg;
} route;

/* Matches /apps/{id}/... ; *rt NULL when the path is unknown. method picks between the two
 * handlers of .../tokens (POST appends, GET replays). */
static void match_app_route(const char segs[MAX_SEGS][SEG_MAX], int n, const char *method,
                            route *rt)
{
    rt->fn = NULL;
    rt->has_arg = 0;
    const char *a = segs[2];
    if (n == 3) {
        rt->method = strcmp(a, "channels") == 0 ? "GET" : "POST";
        if (strcmp(a, "events") == 0)
            rt->fn = rh_api_events;
        else if (strcmp(a, "batch_events") == 0)
            rt->fn = rh_api_batch_events;
        else if (strcmp(a, "channels") == 0)
            rt->fn = rh_api_channels;
        else if (strcmp(a, "streams") == 0)
            rt->fn = rh_api_stream_start;
        return;
    }
    rt->has_arg = 1;
    if (n == 4) {
        rt->method = "GET";
        if (strcmp(a, "channels") == 0)
            rt->fn = rh_api_channel;
        else if (strcmp(a, "streams") == 0)
            rt->fn = rh_api_stream_get;
        return;
    }
    if (n == 5) {
        const char *b = segs[4];
        if (strcmp(a, "channels") == 0 && strcmp(b, "users") == 0) {
            rt->method = "GET";
            rt->fn = rh_api_channel_users;
        } else if (strcmp(a, "streams") == 0 && strcmp(b, "tokens") == 0) {
            int get = strcmp(method, "GET") == 0;
            rt->method = get ? "GET" : "POST";
            rt->fn = get ? rh_api_stream_replay : rh_api_stream_tokens;
        } else if (strcmp(a, "streams") == 0 && strcmp(b, "end") == 0) {
            rt->method = "POST";
            rt->fn = rh_api_stream_end;
        } else if (strcmp(a, "users") == 0 && strcmp(b, "terminate_connections") == 0) {
            rt->method = "POST";
            rt->fn = rh_api_terminate_user;
        } else if (strcmp(a, "workspaces") == 0 && strcmp(b, "members") == 0) {
            rt->method = "POST";
            rt->fn = rh_api_workspace_members;
        }
    }
}

/* /up: {"health":"OK"} on one node; with a bus also the store and whether it is reachable
 * (503 "degraded" while it is not, so a load balancer can steer clients elsewhere). */
static void up_answer(rh_srv *srv, rh_http_done done, void *ud)
{
    int bus = rh_srv_has_bus(srv);
    int up = !bus || !srv->bus.up || srv->bus.up(srv->bus.ud);
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "health", up ? "OK" : "degraded");
    if (ok && bus)
        ok = cJSON_AddStringToObject(o, "status", up ? "ok" : "degraded") &&
             cJSON_AddStringToObject(o, "store",
                                     srv->bus.store_name ? srv->bus.store_name : "bus") &&
             (up || cJSON_AddStringToObject(o, "error", "store unreachable; reconnecting"));
    if (o && !ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    rh_api_reply_json(done, ud, up ? 200 : 503, o);
}

void rh_srv_http(rh_srv *srv, const rh_http_req *req_in, rh_http_done done, void *ud)
{
    char segs[MAX_SEGS][SEG_MAX];
    int n = 0;
    rh_http_req req = *req_in;
    if (rh_fault_on(srv, RH_FAULT_ALLOW_ERROR_BODY_SHAPE))
        (void)rh_api_allow_error_shape(&done, &ud);
    if (!req.method || !req.path) {
        rh_api_error(done, ud, 400, "malformed request");
        return;
    }
    if (!req.query)
        req.query = "";
    if (!req.body)
        req.body = "";
    rh_api_call call = {.srv = srv, .req = &req, .done = done, .ud = ud};
    if (strcmp(req.path, "/demo/") == 0) {
        rh_api_demo(&call, NULL);
        return;
    }
    if (split_path(req.path, rh_fault_on(srv, RH_FAULT_PATH_DOUBLE_DECODE), segs, &n) != 0) {
        rh_api_error(done, ud, 404, "not found");
        return;
    }
    if (n >= 1 && n <= 2 && strcmp(segs[0], "demo") == 0) {
        rh_api_demo(&call, n == 2 ? segs[1] : NULL);
        return;
    }
    if (n == 1 && strcmp(segs[0], "up") == 0) {
        if (strcmp(req.method, "GET") != 0 && strcmp(req.method, "HEAD") != 0) {
            rh_api_error(done, ud, 405, "method not allowed: use GET");
            return;
        }
        up_answer(srv, done, ud);
        return;
    }
    if (n == 1 && strcmp(segs[0], "metrics") == 0 && srv->cfg->metrics) {
        if (strcmp(req.method, "GET") != 0 && strcmp(req.method, "HEAD") != 0) {
            rh_api_error(done, ud, 405, "method not allowed: use GET");
            return;
        }
        rh_api_metrics(&call);
        return;
    }
    if (n == 2 && strcmp(segs[0], "broadcasting") == 0 && strcmp(segs[1], "auth") == 0) {
        if (strcmp(req.method, "POST") != 0) {
            rh_api_error(done, ud, 405, "method not allowed: use POST");
            return;
        }
        rh_api_authorize(&call);
        return;
    }
    if (n == 2 && strcmp(segs[0], "broadcasting") == 0 && strcmp(segs[1], "user-auth") == 0) {
        if (strcmp(req.method, "POST") != 0) {
            rh_api_error(done, ud, 405, "method not allowed: use POST");
            return;
        }
        rh_api_user_auth(&call);
        return;
    }
    if (n == 2 && strcmp(segs[0], "broadcasting") == 0 && strcmp(segs[1], "replay") == 0) {
        if (strcmp(req.method, "GET") != 0) {
            rh_api_error(done, ud, 405, "method not allowed: use GET");
            return;
        }
        rh_api_browser_replay(&call);
        return;
    }
    route rt = {0};
    if (n >= 3 && strcmp(segs[0], "apps") == 0)
        match_app_route(segs, n, req.method, &rt);
    if (!rt.fn) {
        rh_api_error(done, ud, 404, "not found");
        return;
    }
    if (strcmp(req.method, rt.method) != 0) {
        rh_api_error(done, ud, 405, "method not allowed: use %s", rt.method);
        return;
    }
    call.app = rh_cfg_app_by_id(srv->cfg, segs[1]);
    if (!call.app && rh_fault_on(srv, RH_FAULT_UNKNOWN_APP_ACCEPTED) && srv->cfg->napps > 0)
        call.app = &srv->cfg->apps[0];
    if (!call.app) {
        rh_api_error(done, ud, 404, "unknown app id");
        return;
    }
    if (check_signature(srv, call.app, &req, done, ud) != 0)
        return;
    if (check_rate(srv, call.app, done, ud) != 0)
        return;
    call.arg = rt.has_arg ? segs[3] : NULL;
    rt.fn(&call);
}
