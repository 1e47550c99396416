/* --server-profile: a server describes its capabilities, limits, limit app and users in one
 * JSON file, so that the suite reports UNSUPPORTED instead of FAIL for what it lacks and uses
 * its own limits instead of this specification's defaults. Pure except rc_profile_load. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runner.h"

static const char *const cap_names[RC__CAPS] = {
    [RC_CAP_REPLAY] = "replay",
    [RC_CAP_PRESENCE_TWIN] = "presence-twin",
    [RC_CAP_LIMITS] = "limits",
    [RC_CAP_CLIENT_EVENTS] = "client-events",
    [RC_CAP_PRESENCE] = "presence",
    [RC_CAP_CHANNEL_QUERIES] = "channel-queries",
    [RC_CAP_ENCRYPTED] = "encrypted-channels",
    [RC_CAP_CACHE] = "cache-channels",
    [RC_CAP_REVOCATION] = "revocation",
    [RC_CAP_USER_AUTH] = "user-auth",
    [RC_CAP_IDEMPOTENT_APPENDS] = "idempotent-appends",
    [RC_CAP_WEBHOOKS] = "webhooks",
    [RC_CAP_SUBSCRIPTION_COUNT] = "subscription-count",
};

const char *rc_cap_name(rc_cap c)
{
    return c >= 0 && c < RC__CAPS ? cap_names[c] : NULL;
}

int rc_cap_of_tag(const char *tag, size_t len)
{
    if (len < 6 || strncmp(tag, "needs:", 6) != 0)
        return -1;
    for (int c = 0; c < RC__CAPS; c++)
        if (strlen(cap_names[c]) == len - 6 && strncmp(tag + 6, cap_names[c], len - 6) == 0)
            return c;
    return -1;
}

typedef struct pctx {
    char *err;
    size_t errlen;
} pctx;

static int bad(pctx *p, const char *where, const char *what)
{
    snprintf(p->err, p->errlen, "%s: %s", where, what);
    return -1;
}

/* Every member of obj must be one of names (NULL-terminated). */
static int only(pctx *p, const cJSON *obj, const char *where, const char *const *names)
{
    if (!cJSON_IsObject(obj))
        return bad(p, where, "must be a JSON object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t i = 0;
        while (names[i] && strcmp(names[i], it->string) != 0)
            i++;
        if (!names[i]) {
            snprintf(p->err, p->errlen, "%s: unknown member \"%.60s\"", where, it->string);
            return -1;
        }
    }
    return 0;
}

static int get_str(pctx *p, const cJSON *obj, const char *key, const char *where, char *out,
                   size_t outlen, int required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char w[96];
    snprintf(w, sizeof w, "%s.%s", where, key);
    if (!v)
        return required ? bad(p, w, "is required") : 0;
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return bad(p, w, "must be a non-empty string");
    if (strlen(v->valuestring) >= outlen)
        return bad(p, w, "is too long");
    snprintf(out, outlen, "%s", v->valuestring);
    return 0;
}

/* A whole number in 1..1e9, or absent (0). */
static int get_num(pctx *p, const cJSON *obj, const char *key, const char *where, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char w[96];
    snprintf(w, sizeof w, "%s.%s", where, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 ||
        v->valuedouble != (double)(long)v->valuedouble)
        return bad(p, w, "must be a whole number from 1 to 1000000000");
    *out = (long)v->valuedouble;
    return 0;
}

static int parse_caps(pctx *p, const cJSON *obj, rc_server_info *s)
{
    if (!cJSON_IsObject(obj))
        return bad(p, "capabilities", "must be a JSON object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        int c = 0;
        while (c < RC__CAPS && strcmp(cap_names[c], it->string) != 0)
            c++;
        if (c == RC__CAPS) {
            snprintf(p->err, p->errlen, "capabilities: unknown capability \"%.60s\"", it->string);
            return -1;
        }
        if (!cJSON_IsBool(it)) {
            snprintf(p->err, p->errlen, "capabilities.%s: must be true or false", it->string);
            return -1;
        }
        s->caps[c] = cJSON_IsTrue(it) ? RC_CAP_YES : RC_CAP_NO;
    }
    return 0;
}

static int parse_limit_app(pctx *p, const cJSON *obj, rc_limits *l)
{
    static const char *const names[] = {"id",
                                        "key",
                                        "secret",
                                        "max_connections",
                                        "max_subscriptions",
                                        "http_requests_per_sec",
                                        "allowed_origin",
                                        NULL};
    const char *w = "limit_app";
    if (only(p, obj, w, names) || get_str(p, obj, "id", w, l->app_id, sizeof l->app_id, 1) ||
        get_str(p, obj, "key", w, l->key, sizeof l->key, 1) ||
        get_str(p, obj, "secret", w, l->secret, sizeof l->secret, 1) ||
        get_num(p, obj, "max_connections", w, &l->max_connections) ||
        get_num(p, obj, "max_subscriptions", w, &l->max_subscriptions) ||
        get_num(p, obj, "http_requests_per_sec", w, &l->http_requests_per_sec) ||
        get_str(p, obj, "allowed_origin", w, l->allowed_origin, sizeof l->allowed_origin, 0))
        return -1;
    l->known = 1;
    return 0;
}

static int parse_user(pctx *p, const cJSON *users, const char *key, char *tok, size_t toklen,
                      char *ws, size_t wslen, int *have)
{
    static const char *const names[] = {"token", "workspace", NULL};
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(users, key);
    char w[32];
    snprintf(w, sizeof w, "users.%s", key);
    if (!u)
        return 0;
    if (only(p, u, w, names) || get_str(p, u, "token", w, tok, toklen, 1) ||
        get_str(p, u, "workspace", w, ws, wslen, 1))
        return -1;
    *have = 1;
    return 0;
}

/* "webhooks": {"url": "http://...", "delay_ms": N, "batch_ms": N} (delays 0..1e9). */
static int parse_webhooks(pctx *p, const cJSON *obj, rc_server_info *s)
{
    static const char *const names[] = {"url", "delay_ms", "batch_ms", NULL};
    const char *w = "webhooks";
    if (only(p, obj, w, names) ||
        get_str(p, obj, "url", w, s->webhook_url, sizeof s->webhook_url, 0))
        return -1;
    static const char *const nums[] = {"delay_ms", "batch_ms"};
    long *outs[] = {&s->webhook_delay_ms, &s->webhook_batch_ms};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, nums[i]);
        if (!v)
            continue;
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e9 ||
            v->valuedouble != (double)(long)v->valuedouble) {
            char where[40];
            snprintf(where, sizeof where, "webhooks.%s", nums[i]);
            return bad(p, where, "must be a whole number from 0 to 1000000000");
        }
        *outs[i] = v->valuedouble == 0 ? -1 : (long)v->valuedouble;
    }
    return 0;
}

static int parse_root(pctx *p, const cJSON *root, rc_profile *out)
{
    static const char *const top[] = {"capabilities", "limits",   "limit_app",
                                      "users",        "webhooks", NULL};
    static const char *const lim[] = {"max_token_bytes",     "max_event_bytes",
                                      "ended_ttl",           "cache_ttl",
                                      "pong_timeout",        "max_presence_members",
                                      "send_queue_bytes",    "max_user_id_bytes",
                                      "max_user_info_bytes", NULL};
    static const char *const usr[] = {"member", "other", NULL};
    const cJSON *v;
    if (!cJSON_IsObject(root))
        return bad(p, "profile", "must be a JSON object");
    if (only(p, root, "profile", top))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "capabilities")) &&
        parse_caps(p, v, &out->server))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "limits")) &&
        (only(p, v, "limits", lim) ||
         get_num(p, v, "max_token_bytes", "limits", &out->server.max_token_bytes) ||
         get_num(p, v, "max_event_bytes", "limits", &out->server.max_event_bytes) ||
         get_num(p, v, "ended_ttl", "limits", &out->server.ended_ttl_s) ||
         get_num(p, v, "cache_ttl", "limits", &out->server.cache_ttl_s) ||
         get_num(p, v, "pong_timeout", "limits", &out->server.pong_timeout_s) ||
         get_num(p, v, "max_presence_members", "limits", &out->server.max_presence_members) ||
         get_num(p, v, "send_queue_bytes", "limits", &out->server.send_queue_bytes) ||
         get_num(p, v, "max_user_id_bytes", "limits", &out->server.max_user_id_bytes) ||
         get_num(p, v, "max_user_info_bytes", "limits", &out->server.max_user_info_bytes)))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "webhooks")) &&
        parse_webhooks(p, v, &out->server))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "limit_app")) &&
        parse_limit_app(p, v, &out->limits))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "users")) &&
        (only(p, v, "users", usr) ||
         parse_user(p, v, "member", out->member_token, sizeof out->member_token, out->member_ws,
                    sizeof out->member_ws, &out->have_member) ||
         parse_user(p, v, "other", out->other_token, sizeof out->other_token, out->other_ws,
                    sizeof out->other_ws, &out->have_other)))
        return -1;
    return 0;
}

int rc_profile_parse(const char *text, size_t len, rc_profile *out, char *err, size_t errlen)
{
    pctx p = {err, errlen};
    memset(out, 0, sizeof *out);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    if (!root) {
        snprintf(err, errlen, "not valid JSON");
        return -1;
    }
    int rc = parse_root(&p, root, out);
    cJSON_Delete(root);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

char *rc_read_file(const char *path, size_t *lenp)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, chunk[4096];
    size_t len = 0, r;
    if (!f)
        return NULL;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        char *nb = len + r < (1u << 24) ? realloc(buf, len + r + 1) : NULL;
        if (!nb) {
            free(buf);
            fclose(f);
            errno = EFBIG;
            return NULL;
        }
        buf = nb;
        memcpy(buf + len, chunk, r);
        len += r;
    }
    fclose(f);
    if (!buf && (buf = malloc(1)) == NULL)
        return NULL;
    buf[len] = '\0';
    if (lenp)
        *lenp = len;
    return buf;
}

int rc_profile_load(const char *path, rc_profile *out, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = rc_read_file(path, &len);
    char msg[400];
    if (!text) {
        memset(out, 0, sizeof *out);
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    int rc = rc_profile_parse(text, len, out, msg, sizeof msg);
    free(text);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, msg);
    return rc;
}
