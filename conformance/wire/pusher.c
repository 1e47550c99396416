/* rw_pusher: see pusher.h. */
#include "pusher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto/httpsig.h"
#include "proto/sign.h"

const char *rw_pusher_ping(void)
{
    return "{\"event\":\"pusher:ping\",\"data\":{}}";
}

const char *rw_pusher_pong(void)
{
    return "{\"event\":\"pusher:pong\",\"data\":{}}";
}

static char *json_string(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *out = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return out;
}

char *rw_pusher_event(const char *event, const char *channel, const char *data_json)
{
    char *ev = json_string(event ? event : ""), *ch = channel ? json_string(channel) : NULL;
    char *msg = NULL;
    if (ev && (!channel || ch) &&
        asprintf(&msg, "{\"event\":%s%s%s%s%s}", ev, ch ? ",\"channel\":" : "", ch ? ch : "",
                 data_json ? ",\"data\":" : "", data_json ? data_json : "") < 0)
        msg = NULL;
    free(ev);
    free(ch);
    return msg;
}

char *rw_pusher_subscribe(const char *channel, const char *auth, const char *channel_data)
{
    cJSON *d = cJSON_CreateObject();
    if (!d || !cJSON_AddStringToObject(d, "channel", channel ? channel : "") ||
        (auth && !cJSON_AddStringToObject(d, "auth", auth)) ||
        (channel_data && !cJSON_AddStringToObject(d, "channel_data", channel_data))) {
        cJSON_Delete(d);
        return NULL;
    }
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    char *msg = s ? rw_pusher_event("pusher:subscribe", NULL, s) : NULL;
    free(s);
    return msg;
}

char *rw_pusher_subscribe_signed(const char *key, const char *secret, const char *socket_id,
                                 const char *channel, const char *channel_data)
{
    int presence = strncmp(channel, "presence-", 9) == 0;
    if (!presence && strncmp(channel, "private-", 8) != 0)
        return rw_pusher_subscribe(channel, NULL, NULL);
    char defdata[128], auth[512];
    if (presence && !channel_data) {
        /* A member is required; one per connection is what the clients here need. */
        snprintf(defdata, sizeof defdata, "{\"user_id\":\"u%.64s\"}", socket_id);
        channel_data = defdata;
    }
    if (rh_sign_channel(key, secret, socket_id, channel, presence ? channel_data : NULL, auth,
                        sizeof auth) != 0)
        return NULL;
    return rw_pusher_subscribe(channel, auth, presence ? channel_data : NULL);
}

char *rw_pusher_ws_path(const char *key, const char *client, const char *version)
{
    char *p = NULL;
    if (asprintf(&p, "/app/%s?protocol=7&client=%s&version=%s&flash=false", key, client, version) <
        0)
        return NULL;
    return p;
}

char *rw_pusher_api_target(const char *key, const char *secret, const char *method,
                           const char *path, const char *extra_query, const char *body,
                           size_t body_len, long now)
{
    char *q = rh_httpsig_build_query(key, secret, method, path, now, body, body ? body_len : 0,
                                     extra_query);
    char *t = NULL;
    if (q && asprintf(&t, "%s?%s", path, q) < 0)
        t = NULL;
    free(q);
    return t;
}

char *rw_pusher_trigger_body(const char *name, const char *channel, const char *data)
{
    cJSON *b = cJSON_CreateObject();
    char *s = NULL;
    if (b && cJSON_AddStringToObject(b, "name", name) &&
        cJSON_AddStringToObject(b, "channel", channel) && cJSON_AddStringToObject(b, "data", data))
        s = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    return s;
}
