/* rh_cfg: built-in defaults, freeing and lookups. The JSON file parser is config_parse.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

char *rh_cfg__strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void rh_cfg_app_defaults(rh_cfg_app *a)
{
    a->client_events = 1;
    a->max_event_bytes = 10240;
    a->max_token_bytes = 10240;
    a->max_channels = 100;
    a->max_batch = 10;
    a->max_message_bytes = 10240;
    a->max_presence_members = 100;
    a->max_user_id_bytes = 128;
    a->max_user_info_bytes = 1024;
    a->client_events_per_sec = 10;
    a->max_connections = 0;
    a->max_subscriptions = 100;
    a->max_open_streams = 1000;
    a->http_requests_per_sec = 0;
    a->webhook_batch_ms = 250;
    a->webhook_batch_max = 100;
    a->webhook_delay_ms = 3000;
    a->webhook_retry_s = 300;
    a->webhook_timeout_ms = 5000;
    a->webhook_queue_max = 10000;
    a->subscription_count = 0;
}

int rh_cfg_parse_busy_poll(const char *text, int *out, char *err, size_t errlen)
{
    long v = 0;
    const char *p = text;
    /* digits only: no sign, no blanks, no unit suffix that strtol would stop at silently */
    while (p && *p >= '0' && *p <= '9' && v <= RH_CFG_BUSY_POLL_MAX_US)
        v = v * 10 + (*p++ - '0');
    if (!text || p == text || *p || v > RH_CFG_BUSY_POLL_MAX_US) {
        if (err && errlen)
            snprintf(err, errlen, "\"%s\" is not a number of microseconds from 0 to %d",
                     text ? text : "", RH_CFG_BUSY_POLL_MAX_US);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int rh_cfg_origin_allowed(const rh_cfg_app *app, const char *origin)
{
    if (!app || !app->nallowed_origins || !origin)
        return 1;
    for (size_t i = 0; i < app->nallowed_origins; i++)
        if (strcmp(app->allowed_origins[i], "*") == 0 ||
            strcasecmp(app->allowed_origins[i], origin) == 0)
            return 1;
    return 0;
}

static int add_user(rh_cfg_user *u, const char *token, const char *id, const char *ws)
{
    u->token = rh_cfg__strdup(token);
    u->user_id = rh_cfg__strdup(id);
    u->name = rh_cfg__strdup(id);
    u->workspaces = calloc(1, sizeof(char *));
    if (!u->token || !u->user_id || !u->name || !u->workspaces)
        return -1;
    u->workspaces[0] = rh_cfg__strdup(ws);
    if (!u->workspaces[0])
        return -1;
    u->nworkspaces = 1;
    return 0;
}

/* protocol §13: the reference server's defaults */
int rh_cfg_defaults(rh_cfg *out)
{
    memset(out, 0, sizeof(*out));
    out->host = rh_cfg__strdup("127.0.0.1");
    out->port = 8080;
    out->activity_timeout = 120;
    out->pong_timeout = 30;
    out->ended_ttl = 300;
    out->cache_ttl = 1800;
    out->stream_idle_timeout = 3600;
    out->auth_window = 600;
    out->idempotency_window = 600;
    out->idempotency_keys = 1000;
    out->send_queue_bytes = 4u * 1024u * 1024u;
    out->log_level = rh_cfg__strdup("info");
    out->redis_prefix = rh_cfg__strdup("rehome:");
    out->replay_tokens = 1000;
    out->replay_bytes = 256u * 1024u;
    out->demo = 1;
    out->metrics = 1;
    out->shutdown_timeout = 10;
    out->http_read_timeout = 10;
    out->apps = calloc(1, sizeof(rh_cfg_app));
    out->users = calloc(2, sizeof(rh_cfg_user));
    if (!out->host || !out->log_level || !out->redis_prefix || !out->apps || !out->users)
        goto fail;
    out->napps = 1;
    rh_cfg_app *a = &out->apps[0];
    rh_cfg_app_defaults(a);
    a->id = rh_cfg__strdup("app-id");
    a->key = rh_cfg__strdup("app-key");
    a->secret = rh_cfg__strdup("app-secret");
    if (!a->id || !a->key || !a->secret)
        goto fail;
    out->nusers = 2;
    if (add_user(&out->users[0], "alice-token", "alice", "acme") != 0 ||
        add_user(&out->users[1], "bob-token", "bob", "globex") != 0)
        goto fail;
    return 0;
fail:
    rh_cfg_clear(out);
    return -1;
}

void rh_cfg__free_apps(rh_cfg_app *apps, size_t n)
{
    for (size_t i = 0; apps && i < n; i++) {
        free(apps[i].id);
        free(apps[i].key);
        free(apps[i].secret);
        for (size_t j = 0; j < apps[i].nallowed_origins; j++)
            free(apps[i].allowed_origins[j]);
        free(apps[i].allowed_origins);
        for (size_t j = 0; j < apps[i].nwebhooks; j++)
            free(apps[i].webhooks[j].url);
        free(apps[i].webhooks);
    }
    free(apps);
}

void rh_cfg__free_users(rh_cfg_user *users, size_t n)
{
    for (size_t i = 0; users && i < n; i++) {
        free(users[i].token);
        free(users[i].user_id);
        free(users[i].name);
        for (size_t j = 0; users[i].workspaces && j < users[i].nworkspaces; j++)
            free(users[i].workspaces[j]);
        free(users[i].workspaces);
    }
    free(users);
}

void rh_cfg_clear(rh_cfg *c)
{
    if (!c)
        return;
    free(c->host);
    free(c->redis_url);
    free(c->redis_prefix);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->log_level);
    rh_cfg__free_apps(c->apps, c->napps);
    rh_cfg__free_users(c->users, c->nusers);
    memset(c, 0, sizeof(*c));
}

const rh_cfg_app *rh_cfg_app_by_key(const rh_cfg *c, const char *key)
{
    if (!c || !key)
        return NULL;
    for (size_t i = 0; i < c->napps; i++)
        if (c->apps[i].key && strcmp(c->apps[i].key, key) == 0)
            return &c->apps[i];
    return NULL;
}

const rh_cfg_app *rh_cfg_app_by_id(const rh_cfg *c, const char *id)
{
    if (!c || !id)
        return NULL;
    for (size_t i = 0; i < c->napps; i++)
        if (c->apps[i].id && strcmp(c->apps[i].id, id) == 0)
            return &c->apps[i];
    return NULL;
}

/* Bearer tokens are secrets: compare without an early exit so timing does not reveal how
 * many leading bytes matched. */
static int token_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
    return diff == 0;
}

const rh_cfg_user *rh_cfg_user_by_token(const rh_cfg *c, const char *token)
{
    if (!c || !token || !*token)
        return NULL;
    const rh_cfg_user *found = NULL;
    for (size_t i = 0; i < c->nusers; i++)
        if (c->users[i].token && token_eq(c->users[i].token, token) && !found)
            found = &c->users[i];
    return found;
}

int rh_cfg_user_in_workspace(const rh_cfg_user *u, const char *workspace)
{
    if (!u || !workspace)
        return 0;
    for (size_t i = 0; i < u->nworkspaces; i++)
        if (strcmp(u->workspaces[i], workspace) == 0)
            return 1;
    return 0;
}
