/* --limits: the suite learns the limit app's credentials and limits from the server's own
 * config file, so the limit cases need no second copy of the numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

static int copy_str(const cJSON *app, const char *key, char *out, size_t outlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(app, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= outlen)
        return -1;
    snprintf(out, outlen, "%s", v->valuestring);
    return 0;
}

static long num_or_zero(const cJSON *app, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(app, key);
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? (long)v->valuedouble : 0;
}

static const cJSON *find_app(const cJSON *root, const char *app_id)
{
    const cJSON *app = NULL, *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "apps"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, app_id) == 0)
            app = e;
    }
    return app;
}

int rc_limits_load_sizes(const char *file, const char *app_id, rc_server_info *s)
{
    char *text = rc_read_file(file, NULL);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    const cJSON *app = find_app(root, app_id);
    free(text);
    if (app && !s->max_token_bytes)
        s->max_token_bytes = num_or_zero(app, "max_token_bytes");
    if (app && !s->max_event_bytes)
        s->max_event_bytes = num_or_zero(app, "max_event_bytes");
    if (root && !s->ended_ttl_s)
        s->ended_ttl_s = num_or_zero(root, "ended_ttl");
    if (root && !s->cache_ttl_s)
        s->cache_ttl_s = num_or_zero(root, "cache_ttl");
    const cJSON *hooks = app ? cJSON_GetObjectItemCaseSensitive(app, "webhooks") : NULL;
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(hooks, 0), "url");
    if (cJSON_IsString(url) && !s->webhook_url[0])
        snprintf(s->webhook_url, sizeof s->webhook_url, "%s", url->valuestring);
    const cJSON *d = app ? cJSON_GetObjectItemCaseSensitive(app, "webhook_delay_ms") : NULL;
    if (cJSON_IsNumber(d) && !s->webhook_delay_ms)
        s->webhook_delay_ms = d->valuedouble > 0 ? (long)d->valuedouble : -1;
    const cJSON *b = app ? cJSON_GetObjectItemCaseSensitive(app, "webhook_batch_ms") : NULL;
    if (cJSON_IsNumber(b) && !s->webhook_batch_ms)
        s->webhook_batch_ms = b->valuedouble > 0 ? (long)b->valuedouble : -1;
    if (root && !s->pong_timeout_s)
        s->pong_timeout_s = num_or_zero(root, "pong_timeout");
    if (root && !s->send_queue_bytes)
        s->send_queue_bytes = num_or_zero(root, "send_queue_bytes");
    if (app && !s->max_user_id_bytes)
        s->max_user_id_bytes = num_or_zero(app, "max_user_id_bytes");
    if (app && !s->max_user_info_bytes)
        s->max_user_info_bytes = num_or_zero(app, "max_user_info_bytes");
    if (app && !s->max_presence_members)
        s->max_presence_members = num_or_zero(app, "max_presence_members");
    const cJSON *sc = app ? cJSON_GetObjectItemCaseSensitive(app, "subscription_count") : NULL;
    if (cJSON_IsBool(sc) && s->caps[RC_CAP_SUBSCRIPTION_COUNT] == RC_CAP_UNKNOWN)
        s->caps[RC_CAP_SUBSCRIPTION_COUNT] = cJSON_IsTrue(sc) ? RC_CAP_YES : RC_CAP_NO;
    cJSON_Delete(root);
    return app ? 0 : -1;
}

int rc_limits_load(const char *file, const char *app_id, rc_limits *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *text = rc_read_file(file, NULL);
    if (!text) {
        snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *app = find_app(root, app_id);
    int rc = -1;
    if (!root)
        snprintf(err, errlen, "%s: not valid JSON", file);
    else if (!app)
        snprintf(err, errlen, "%s: no app with id %s in \"apps\"", file, app_id);
    else if (copy_str(app, "id", out->app_id, sizeof out->app_id) ||
             copy_str(app, "key", out->key, sizeof out->key) ||
             copy_str(app, "secret", out->secret, sizeof out->secret))
        snprintf(err, errlen, "%s: app %s lacks id, key or secret", file, app_id);
    else
        rc = 0;
    if (rc == 0) {
        out->max_connections = num_or_zero(app, "max_connections");
        out->max_subscriptions = num_or_zero(app, "max_subscriptions");
        out->http_requests_per_sec = num_or_zero(app, "http_requests_per_sec");
        out->max_open_streams = num_or_zero(app, "max_open_streams");
        const cJSON *o;
        cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(app, "allowed_origins"))
        {
            if (cJSON_IsString(o) && strcmp(o->valuestring, "*") != 0 &&
                strlen(o->valuestring) < sizeof out->allowed_origin) {
                snprintf(out->allowed_origin, sizeof out->allowed_origin, "%s", o->valuestring);
                break;
            }
        }
        out->known = 1;
    }
    cJSON_Delete(root);
    return rc;
}
