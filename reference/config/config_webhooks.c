/* The "webhooks" list of an app in the config file: [{"url": "http://...", "event_types":
 * ["channel_occupied", ...]}, ...] (protocol section 20). Strict like the rest of the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/json.h"
#include "../proto/webhook.h"
#include "config.h"
#include "config_int.h"

static int wfail(char *err, size_t errlen, const char *path, size_t i, const char *key,
                 const char *msg)
{
    if (errlen)
        snprintf(err, errlen, "key \"%s[%zu]%s%s\": %s", path, i, key ? "." : "", key ? key : "",
                 msg);
    return -1;
}

static int parse_types(const cJSON *v, unsigned *out, const char **why)
{
    if (!cJSON_IsArray(v)) {
        *why = "expected an array of event type names";
        return -1;
    }
    unsigned mask = 0;
    for (const cJSON *t = v->child; t; t = t->next) {
        int ty =
            cJSON_IsString(t) ? rh_wh_type_by_name(t->valuestring, strlen(t->valuestring)) : -1;
        if (ty < 0) {
            *why = "unknown event type (channel_occupied, channel_vacated, member_added, "
                   "member_removed, client_event, cache_miss, subscription_count)";
            return -1;
        }
        mask |= 1u << ty;
    }
    *out = mask;
    return 0;
}

static int parse_one(const cJSON *o, const char *path, size_t i, rh_cfg_webhook *w, char *err,
                     size_t errlen)
{
    if (!cJSON_IsObject(o))
        return wfail(err, errlen, path, i, NULL, "expected an object");
    w->types = RH_WH_ALL;
    for (const cJSON *v = o->child; v; v = v->next) {
        const char *why = NULL;
        if (strcmp(v->string, "url") == 0) {
            char host[256];
            int port;
            const char *p;
            if (!cJSON_IsString(v))
                why = "expected a string";
            else if (rh_wh_url_parse(v->valuestring, host, sizeof host, &port, &p, &why) == 0 &&
                     !(w->url = rh_cfg__strdup(v->valuestring)))
                why = "out of memory";
        } else if (strcmp(v->string, "event_types") == 0) {
            parse_types(v, &w->types, &why);
        } else {
            why = "unknown key";
        }
        if (why)
            return wfail(err, errlen, path, i, v->string, why);
    }
    return w->url ? 0 : wfail(err, errlen, path, i, "url", "required");
}

int rh_cfg_parse_webhooks(const void *json, const char *path, rh_cfg_app *a, char *err,
                          size_t errlen)
{
    const cJSON *v = json;
    if (!cJSON_IsArray(v)) {
        if (errlen)
            snprintf(err, errlen, "key \"%s\": expected an array of objects", path);
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(v);
    rh_cfg_webhook *w = calloc(n ? n : 1, sizeof *w);
    if (!w) {
        if (errlen)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t i = 0;
    int rc = 0;
    for (const cJSON *e = v->child; e && rc == 0; e = e->next, i++)
        rc = parse_one(e, path, i, &w[i], err, errlen);
    if (rc != 0) {
        for (size_t j = 0; j < n; j++)
            free(w[j].url);
        free(w);
        return -1;
    }
    for (size_t j = 0; j < a->nwebhooks; j++)
        free(a->webhooks[j].url);
    free(a->webhooks);
    a->webhooks = w;
    a->nwebhooks = n;
    return 0;
}
