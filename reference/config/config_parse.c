/* rh_cfg_parse: the JSON config file, strict. Every key is known, every value typed and
 * ranged, so a typo or a wrong unit fails at start with the key's name instead of running
 * with a default nobody asked for. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/enc.h"
#include "../proto/json.h"
#include "../proto/presence.h"
#include "config_int.h"

#define MAX_BYTES_LIMIT (64ll * 1024 * 1024)
#define MAX_SECONDS     (365ll * 24 * 3600)

typedef struct pctx {
    char *err;
    size_t errlen;
} pctx;

static int vfail(pctx *p, const char *path, const char *fmt, va_list ap)
{
    char msg[160];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (p->errlen)
        snprintf(p->err, p->errlen, "key \"%s\": %s", path, msg);
    return -1;
}

static int fail(pctx *p, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(p, path, fmt, ap);
    va_end(ap);
    return rc;
}

/* The path of an entry of the apps or users list, "list[idx]", or of one of its keys,
 * "list[idx].key" (a key from the file is cut short so the path always fits). */
static void entry_path(char *buf, size_t len, const char *list, size_t idx, const char *key)
{
    if (key)
        snprintf(buf, len, "%s[%zu].%.48s", list, idx, key);
    else
        snprintf(buf, len, "%s[%zu]", list, idx);
}

static int fail_at(pctx *p, const char *list, size_t idx, const char *key, const char *fmt, ...)
{
    char path[96];
    va_list ap;
    entry_path(path, sizeof path, list, idx, key);
    va_start(ap, fmt);
    int rc = vfail(p, path, fmt, ap);
    va_end(ap);
    return rc;
}

/* Entry i repeats entry j's value of key, which must be unique across the list. */
static int duplicate(pctx *p, const char *list, const char *key, size_t i, size_t j)
{
    return fail_at(p, list, i, key, "duplicate of %s[%zu].%s", list, j, key);
}

/* Fails on the first of the n required keys whose value (have[k]) is still unset. */
static int require(pctx *p, const char *list, size_t idx, const char *const *keys,
                   char *const *have, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!have[k])
            return fail_at(p, list, idx, keys[k], "missing (required)");
    return 0;
}

static int nomem(pctx *p)
{
    if (p->errlen)
        snprintf(p->err, p->errlen, "out of memory");
    return -1;
}

static int get_int(pctx *p, const cJSON *v, const char *path, long long min, long long max,
                   long long *out)
{
    if (!cJSON_IsNumber(v))
        return fail(p, path, "expected an integer");
    double d = v->valuedouble;
    if (!isfinite(d) || d != trunc(d))
        return fail(p, path, "expected an integer, got %g", d);
    if (d < (double)min || d > (double)max)
        return fail(p, path, "%g is out of range %lld..%lld", d, min, max);
    *out = (long long)d;
    return 0;
}

static int set_int(pctx *p, const cJSON *v, const char *path, long long min, long long max,
                   int *out)
{
    long long x;
    if (get_int(p, v, path, min, max, &x) != 0)
        return -1;
    *out = (int)x;
    return 0;
}

static int set_size(pctx *p, const cJSON *v, const char *path, long long min, long long max,
                    size_t *out)
{
    long long x;
    if (get_int(p, v, path, min, max, &x) != 0)
        return -1;
    *out = (size_t)x;
    return 0;
}

static int set_bool(pctx *p, const cJSON *v, const char *path, int *out)
{
    if (!cJSON_IsBool(v))
        return fail(p, path, "expected true or false");
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

/* Replaces *out with a copy of a string value. allow_null: JSON null clears it. */
static int set_str(pctx *p, const cJSON *v, const char *path, int allow_null, char **out)
{
    if (allow_null && cJSON_IsNull(v)) {
        free(*out);
        *out = NULL;
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail(p, path, allow_null ? "expected a string or null" : "expected a string");
    if (!v->valuestring[0])
        return fail(p, path, "must not be empty");
    char *s = rh_cfg__strdup(v->valuestring);
    if (!s)
        return nomem(p);
    free(*out);
    *out = s;
    return 0;
}

/* protocol §16: null (no encrypted channels) or the base64 of 32 bytes */
static int set_enc_key(pctx *p, const cJSON *v, const char *path, rh_cfg_app *a)
{
    char why[128];
    if (cJSON_IsNull(v)) {
        a->has_enc_key = 0;
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail(p, path, "expected a string or null");
    if (rh_enc_key_decode(v->valuestring, a->enc_key, why, sizeof why) != 0)
        return fail(p, path, "%s", why);
    a->has_enc_key = 1;
    return 0;
}

/* App ids and keys appear in URL paths (/apps/{id}, /app/{key}): keep them to characters
 * that need no escaping. */
static int set_ident(pctx *p, const cJSON *v, const char *path, char **out)
{
    if (set_str(p, v, path, 0, out) != 0)
        return -1;
    size_t n = strlen(*out);
    if (n > 64)
        return fail(p, path, "longer than 64 characters");
    for (size_t i = 0; i < n; i++) {
        char c = (*out)[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return fail(p, path, "may contain only A-Z a-z 0-9 - _ .");
    }
    return 0;
}

static int set_str_list(pctx *p, const cJSON *v, const char *path, char ***list, size_t *count);

static int parse_app(pctx *p, const cJSON *obj, size_t idx, rh_cfg_app *a)
{
    char path[96];
    if (!cJSON_IsObject(obj))
        return fail_at(p, "apps", idx, NULL, "expected an object");
    rh_cfg_app_defaults(a);
    for (const cJSON *v = obj->child; v; v = v->next) {
        const char *k = v->string;
        entry_path(path, sizeof path, "apps", idx, k);
        int rc;
        if (strcmp(k, "id") == 0)
            rc = set_ident(p, v, path, &a->id);
        else if (strcmp(k, "key") == 0)
            rc = set_ident(p, v, path, &a->key);
        else if (strcmp(k, "secret") == 0)
            rc = set_str(p, v, path, 0, &a->secret);
        else if (strcmp(k, "client_events") == 0)
            rc = set_bool(p, v, path, &a->client_events);
        else if (strcmp(k, "max_event_bytes") == 0)
            rc = set_size(p, v, path, 1, MAX_BYTES_LIMIT, &a->max_event_bytes);
        else if (strcmp(k, "max_token_bytes") == 0)
            rc = set_size(p, v, path, 1, MAX_BYTES_LIMIT, &a->max_token_bytes);
        else if (strcmp(k, "max_channels") == 0)
            rc = set_size(p, v, path, 1, 100000, &a->max_channels);
        else if (strcmp(k, "max_batch") == 0)
            rc = set_size(p, v, path, 1, 100000, &a->max_batch);
        else if (strcmp(k, "max_message_bytes") == 0)
            rc = set_size(p, v, path, 64, MAX_BYTES_LIMIT, &a->max_message_bytes);
        else if (strcmp(k, "max_presence_members") == 0)
            rc = set_size(p, v, path, 1, 1000000, &a->max_presence_members);
        else if (strcmp(k, "max_user_id_bytes") == 0)
            rc = set_size(p, v, path, 1, RH_PRES_USER_ID_MAX, &a->max_user_id_bytes);
        else if (strcmp(k, "max_user_info_bytes") == 0)
            rc = set_size(p, v, path, 2, RH_PRES_USER_INFO_MAX, &a->max_user_info_bytes);
        else if (strcmp(k, "client_events_per_sec") == 0)
            rc = set_int(p, v, path, 1, 1000000, &a->client_events_per_sec);
        else if (strcmp(k, "max_connections") == 0)
            rc = set_size(p, v, path, 0, 100000000, &a->max_connections);
        else if (strcmp(k, "max_subscriptions") == 0)
            rc = set_size(p, v, path, 1, 1000000, &a->max_subscriptions);
        else if (strcmp(k, "max_open_streams") == 0)
            rc = set_size(p, v, path, 0, 100000000, &a->max_open_streams);
        else if (strcmp(k, "http_requests_per_sec") == 0)
            rc = set_int(p, v, path, 0, 100000000, &a->http_requests_per_sec);
        else if (strcmp(k, "signin_timeout") == 0)
            rc = set_int(p, v, path, 0, 86400, &a->signin_timeout);
        else if (strcmp(k, "subscription_count") == 0)
            rc = set_bool(p, v, path, &a->subscription_count);
        else if (strcmp(k, "allowed_origins") == 0)
            rc = set_str_list(p, v, path, &a->allowed_origins, &a->nallowed_origins);
        else if (strcmp(k, "encryption_master_key") == 0)
            rc = set_enc_key(p, v, path, a);
        else if (strcmp(k, "webhooks") == 0)
            rc = rh_cfg_parse_webhooks(v, path, a, p->err, p->errlen);
        else if (strcmp(k, "webhook_batch_ms") == 0)
            rc = set_int(p, v, path, 0, 60000, &a->webhook_batch_ms);
        else if (strcmp(k, "webhook_batch_max") == 0)
            rc = set_size(p, v, path, 1, 10000, &a->webhook_batch_max);
        else if (strcmp(k, "webhook_delay_ms") == 0)
            rc = set_int(p, v, path, 0, 60000, &a->webhook_delay_ms);
        else if (strcmp(k, "webhook_retry_s") == 0)
            rc = set_int(p, v, path, 0, 3600, &a->webhook_retry_s);
        else if (strcmp(k, "webhook_timeout_ms") == 0)
            rc = set_int(p, v, path, 100, 60000, &a->webhook_timeout_ms);
        else if (strcmp(k, "webhook_queue_max") == 0)
            rc = set_size(p, v, path, 1, 10000000, &a->webhook_queue_max);
        else
            return fail(p, path, "unknown key");
        if (rc != 0)
            return -1;
    }
    static const char *const required[] = {"id", "key", "secret"};
    char *const have[] = {a->id, a->key, a->secret};
    return require(p, "apps", idx, required, have, 3);
}

static int parse_apps(pctx *p, const cJSON *v, rh_cfg *c)
{
    if (!cJSON_IsArray(v))
        return fail(p, "apps", "expected an array of objects");
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n == 0)
        return fail(p, "apps", "must list at least one app");
    rh_cfg_app *apps = calloc(n, sizeof *apps);
    if (!apps)
        return nomem(p);
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (parse_app(p, e, i, &apps[i]) != 0)
            goto fail;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(apps[j].id, apps[i].id) == 0) {
                duplicate(p, "apps", "id", i, j);
                goto fail;
            }
            if (strcmp(apps[j].key, apps[i].key) == 0) {
                duplicate(p, "apps", "key", i, j);
                goto fail;
            }
        }
    }
    rh_cfg__free_apps(c->apps, c->napps);
    c->apps = apps;
    c->napps = n;
    return 0;
fail:
    rh_cfg__free_apps(apps, n);
    return -1;
}

/* Replaces *list (n entries) with a copy of an array of non-empty strings. */
static int set_str_list(pctx *p, const cJSON *v, const char *path, char ***list, size_t *count)
{
    if (!cJSON_IsArray(v))
        return fail(p, path, "expected an array of strings");
    size_t n = (size_t)cJSON_GetArraySize(v);
    char **ws = calloc(n ? n : 1, sizeof *ws);
    if (!ws)
        return nomem(p);
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        char epath[128];
        snprintf(epath, sizeof epath, "%s[%zu]", path, i);
        if (set_str(p, e, epath, 0, &ws[i]) != 0) {
            for (size_t j = 0; j < n; j++)
                free(ws[j]);
            free(ws);
            return -1;
        }
    }
    for (size_t j = 0; j < *count; j++)
        free((*list)[j]);
    free(*list);
    *list = ws;
    *count = n;
    return 0;
}

static int parse_user(pctx *p, const cJSON *obj, size_t idx, rh_cfg_user *u)
{
    char path[96];
    if (!cJSON_IsObject(obj))
        return fail_at(p, "users", idx, NULL, "expected an object");
    for (const cJSON *v = obj->child; v; v = v->next) {
        const char *k = v->string;
        entry_path(path, sizeof path, "users", idx, k);
        int rc;
        if (strcmp(k, "token") == 0)
            rc = set_str(p, v, path, 0, &u->token);
        else if (strcmp(k, "user_id") == 0)
            rc = set_str(p, v, path, 0, &u->user_id);
        else if (strcmp(k, "name") == 0)
            rc = set_str(p, v, path, 1, &u->name);
        else if (strcmp(k, "workspaces") == 0)
            rc = set_str_list(p, v, path, &u->workspaces, &u->nworkspaces);
        else
            return fail(p, path, "unknown key");
        if (rc != 0)
            return -1;
    }
    static const char *const required[] = {"token", "user_id"};
    char *const have[] = {u->token, u->user_id};
    return require(p, "users", idx, required, have, 2);
}

static int parse_users(pctx *p, const cJSON *v, rh_cfg *c)
{
    if (!cJSON_IsArray(v))
        return fail(p, "users", "expected an array of objects");
    size_t n = (size_t)cJSON_GetArraySize(v);
    rh_cfg_user *users = calloc(n ? n : 1, sizeof *users);
    if (!users)
        return nomem(p);
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (parse_user(p, e, i, &users[i]) != 0)
            goto fail;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(users[j].token, users[i].token) == 0) {
                duplicate(p, "users", "token", i, j);
                goto fail;
            }
        }
    }
    rh_cfg__free_users(c->users, c->nusers);
    c->users = users;
    c->nusers = n;
    return 0;
fail:
    rh_cfg__free_users(users, n);
    return -1;
}

static int parse_log_level(pctx *p, const cJSON *v, char **out)
{
    if (set_str(p, v, "log_level", 0, out) != 0)
        return -1;
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
        if (strcmp(*out, levels[i]) == 0)
            return 0;
    return fail(p, "log_level", "expected one of error, warn, info, debug");
}

static int parse_top(pctx *p, const cJSON *root, rh_cfg *c)
{
    if (!cJSON_IsObject(root)) {
        if (p->errlen)
            snprintf(p->err, p->errlen, "the config must be a JSON object");
        return -1;
    }
    for (const cJSON *v = root->child; v; v = v->next) {
        const char *k = v->string;
        int rc;
        if (strcmp(k, "host") == 0)
            rc = set_str(p, v, k, 0, &c->host);
        else if (strcmp(k, "port") == 0)
            rc = set_int(p, v, k, 0, 65535, &c->port);
        else if (strcmp(k, "redis_url") == 0)
            rc = set_str(p, v, k, 1, &c->redis_url);
        else if (strcmp(k, "redis_prefix") == 0)
            rc = set_str(p, v, k, 0, &c->redis_prefix);
        else if (strcmp(k, "replay_tokens") == 0)
            rc = set_size(p, v, k, 0, 1000000, &c->replay_tokens);
        else if (strcmp(k, "replay_bytes") == 0)
            rc = set_size(p, v, k, 0, MAX_BYTES_LIMIT, &c->replay_bytes);
        else if (strcmp(k, "tls_cert") == 0)
            rc = set_str(p, v, k, 1, &c->tls_cert);
        else if (strcmp(k, "tls_key") == 0)
            rc = set_str(p, v, k, 1, &c->tls_key);
        else if (strcmp(k, "demo") == 0)
            rc = set_bool(p, v, k, &c->demo);
        else if (strcmp(k, "metrics") == 0)
            rc = set_bool(p, v, k, &c->metrics);
        else if (strcmp(k, "shutdown_timeout") == 0)
            rc = set_int(p, v, k, 0, 3600, &c->shutdown_timeout);
        else if (strcmp(k, "http_read_timeout") == 0)
            rc = set_int(p, v, k, 1, 3600, &c->http_read_timeout);
        else if (strcmp(k, "activity_timeout") == 0)
            rc = set_int(p, v, k, 1, 86400, &c->activity_timeout);
        else if (strcmp(k, "pong_timeout") == 0)
            rc = set_int(p, v, k, 1, 86400, &c->pong_timeout);
        else if (strcmp(k, "ended_ttl") == 0)
            rc = set_int(p, v, k, 1, MAX_SECONDS, &c->ended_ttl);
        else if (strcmp(k, "cache_ttl") == 0) /* Pusher keeps a cached event 30 min at most */
            rc = set_int(p, v, k, 1, 1800, &c->cache_ttl);
        else if (strcmp(k, "stream_idle_timeout") == 0)
            rc = set_int(p, v, k, 0, MAX_SECONDS, &c->stream_idle_timeout);
        else if (strcmp(k, "auth_window") == 0)
            rc = set_int(p, v, k, 0, MAX_SECONDS, &c->auth_window);
        else if (strcmp(k, "idempotency_window") == 0)
            rc = set_int(p, v, k, 1, MAX_SECONDS, &c->idempotency_window);
        else if (strcmp(k, "idempotency_keys") == 0)
            rc = set_size(p, v, k, 1, 1000000, &c->idempotency_keys);
        else if (strcmp(k, "send_queue_bytes") == 0)
            rc = set_size(p, v, k, 4096, 1024ll * 1024 * 1024, &c->send_queue_bytes);
        else if (strcmp(k, "busy_poll_us") == 0)
            rc = set_int(p, v, k, 0, RH_CFG_BUSY_POLL_MAX_US, &c->busy_poll_us);
        else if (strcmp(k, "log_level") == 0)
            rc = parse_log_level(p, v, &c->log_level);
        else if (strcmp(k, "apps") == 0)
            rc = parse_apps(p, v, c);
        else if (strcmp(k, "users") == 0)
            rc = parse_users(p, v, c);
        else {
            char path[72];
            snprintf(path, sizeof path, "%.64s", k);
            return fail(p, path, "unknown key");
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int rh_cfg_parse(const char *text, size_t len, rh_cfg *out, char *err, size_t errlen)
{
    pctx p = {err, errlen};
    if (errlen)
        err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (!text) {
        if (errlen)
            snprintf(err, errlen, "no config text");
        return -1;
    }
    int code = 0;
    char jerr[128] = "";
    cJSON *root = rh_json_parse(text, len, &code, jerr, sizeof jerr);
    if (!root) {
        if (errlen)
            snprintf(err, errlen, "invalid JSON: %s", jerr[0] ? jerr : rh_json_strerror(code));
        return -1;
    }
    rh_cfg c;
    if (rh_cfg_defaults(&c) != 0) {
        cJSON_Delete(root);
        return nomem(&p);
    }
    int rc = parse_top(&p, root, &c);
    cJSON_Delete(root);
    if (rc == 0 && (!c.tls_cert) != (!c.tls_key))
        rc = fail(&p, c.tls_cert ? "tls_key" : "tls_cert",
                  "tls_cert and tls_key must be given together");
    if (rc != 0) {
        rh_cfg_clear(&c);
        return -1;
    }
    *out = c;
    return 0;
}
