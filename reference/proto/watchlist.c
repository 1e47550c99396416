/* Watchlist parsing and the watchlist_events payload (docs/protocol.md 18.5). */
#include "watchlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static void put_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static int valid_id(const cJSON *v)
{
    size_t n = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
    return n > 0 && n <= 128;
}

void rh_watch_clear(rh_watch *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->ids[i]);
    free(w->ids);
    w->ids = NULL;
    w->n = 0;
}

int rh_watch_has(const rh_watch *w, const char *id)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->ids[i], id) == 0)
            return 1;
    return 0;
}

/* Copies the array's ids into out (out empty on entry). */
static int copy_ids(const cJSON *arr, rh_watch *out, char *err, size_t errlen)
{
    int n = cJSON_GetArraySize(arr);
    if (n > RH_WATCH_MAX) {
        put_err(err, errlen, "user_data.watchlist has more than 100 user ids");
        return RH_WATCH_TOO_MANY;
    }
    out->ids = n > 0 ? calloc((size_t)n, sizeof *out->ids) : NULL;
    if (n > 0 && !out->ids) {
        put_err(err, errlen, "out of memory");
        return RH_WATCH_BAD;
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        if (!valid_id(v)) {
            put_err(err, errlen, "user_data.watchlist must hold strings of 1 to 128 bytes");
            return RH_WATCH_BAD;
        }
        if (rh_watch_has(out, v->valuestring))
            continue;
        if (!(out->ids[out->n] = strdup(v->valuestring))) {
            put_err(err, errlen, "out of memory");
            return RH_WATCH_BAD;
        }
        out->n++;
    }
    return RH_WATCH_OK;
}

int rh_watch_parse(const char *user_data, size_t len, rh_watch *out, char *err, size_t errlen)
{
    *out = (rh_watch){0};
    cJSON *o = user_data ? cJSON_ParseWithLength(user_data, len) : NULL;
    const cJSON *arr = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "watchlist") : NULL;
    int rc = RH_WATCH_OK;
    if (!cJSON_IsObject(o)) {
        put_err(err, errlen, "user_data must be a JSON object");
        rc = RH_WATCH_BAD;
    } else if (arr && !cJSON_IsNull(arr) && !cJSON_IsArray(arr)) {
        put_err(err, errlen, "user_data.watchlist must be an array of user ids");
        rc = RH_WATCH_BAD;
    } else if (cJSON_IsArray(arr)) {
        rc = copy_ids(arr, out, err, errlen);
    }
    if (rc != RH_WATCH_OK)
        rh_watch_clear(out);
    cJSON_Delete(o);
    return rc;
}

char *rh_watch_event(const char *name, const char *const *ids, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *evs = o ? cJSON_AddArrayToObject(o, "events") : NULL;
    cJSON *e = evs ? cJSON_CreateObject() : NULL;
    char *s = NULL;
    if (e && cJSON_AddItemToArray(evs, e) && cJSON_AddStringToObject(e, "name", name)) {
        cJSON *arr = cJSON_AddArrayToObject(e, "user_ids");
        size_t i = 0;
        for (; arr && i < n; i++) {
            cJSON *s1 = cJSON_CreateString(ids[i]);
            if (!s1 || !cJSON_AddItemToArray(arr, s1))
                break;
        }
        if (arr && i == n)
            s = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    return s;
}
