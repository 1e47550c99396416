/* rw_pscan: see pscan.h. */
#include "pscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

static const char *find(const char *s, size_t len, const char *needle)
{
    return memmem(s, len, needle, strlen(needle));
}

/* The string value after `"name":` (optionally spaced), or NULL. */
static const char *str_member(const char *s, size_t len, const char *key, size_t *vlen)
{
    const char *p = find(s, len, key);
    if (!p)
        return NULL;
    const char *end = s + len;
    p += strlen(key);
    while (p < end && (*p == ' ' || *p == ':'))
        p++;
    if (p >= end || *p != '"')
        return NULL;
    p++;
    const char *q = p;
    while (q < end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= end)
        return NULL;
    *vlen = (size_t)(q - p);
    return p;
}

/* The integer after "code" (data may be an object or a JSON string), or -1. */
static int error_code(const char *s, size_t len)
{
    const char *p = find(s, len, "code");
    if (!p)
        return -1;
    const char *end = s + len;
    p += 4;
    while (p < end && (*p == '\\' || *p == '"' || *p == ':' || *p == ' '))
        p++;
    int v = 0, digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 6) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    return digits ? v : -1;
}

static int eq(const char *p, size_t n, const char *lit)
{
    return p && n == strlen(lit) && memcmp(p, lit, n) == 0;
}

int rw_pscan_frame(const char *s, size_t len, rw_pscan *out)
{
    memset(out, 0, sizeof(*out));
    size_t elen;
    const char *ev = str_member(s, len, "\"event\"", &elen);
    if (!ev)
        return -1;
    out->event = ev;
    out->event_len = elen;
    out->code = -1;
    out->channel = str_member(s, len, "\"channel\"", &out->channel_len);
    if (eq(ev, elen, "thread.token.streamed")) {
        out->kind = RW_PSCAN_TOKEN;
        /* data is a JSON string, so its quotes arrive escaped; accept an object too. */
        const char *p = find(s, len, "\\\"seq\\\":");
        size_t skip = 8;
        if (!p) {
            p = find(s, len, "\"seq\":");
            skip = 6;
        }
        if (p) {
            p += skip;
            while (p < s + len && *p == ' ')
                p++;
            uint64_t v = 0;
            int digits = 0;
            while (p < s + len && *p >= '0' && *p <= '9' && digits < 19) {
                v = v * 10 + (uint64_t)(*p - '0');
                p++;
                digits++;
            }
            out->seq = digits ? v : 0;
        }
    } else if (eq(ev, elen, "pusher:connection_established")) {
        out->kind = RW_PSCAN_ESTABLISHED;
        const char *p = find(s, len, "socket_id");
        if (p) {
            p += 9;
            while (p < s + len && (*p == '\\' || *p == '"' || *p == ':' || *p == ' '))
                p++;
            size_t n = 0;
            while (p + n < s + len && n + 1 < sizeof(out->socket_id) &&
                   ((p[n] >= '0' && p[n] <= '9') || p[n] == '.'))
                n++;
            memcpy(out->socket_id, p, n);
            out->socket_id[n] = 0;
        }
    } else if (eq(ev, elen, "pusher_internal:subscription_succeeded")) {
        out->kind = RW_PSCAN_SUBSCRIBED;
    } else if (eq(ev, elen, "pusher:ping")) {
        out->kind = RW_PSCAN_PING;
    } else if (eq(ev, elen, "pusher:error") || eq(ev, elen, "pusher:subscription_error")) {
        out->kind = RW_PSCAN_ERROR;
        out->code = error_code(s, len);
    }
    return 0;
}

int rw_pscan_token_full(const char *s, size_t len, const char *channel, const char *stream_id,
                        uint64_t *seq, char *err, size_t errlen)
{
    int rc = -1;
    cJSON *root = cJSON_ParseWithLength(s, len), *data = NULL;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "event");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(root, "channel");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "frame is not a JSON object");
        goto out;
    }
    if (!cJSON_IsString(ev) || strcmp(ev->valuestring, "thread.token.streamed") != 0) {
        snprintf(err, errlen, "event is not thread.token.streamed");
        goto out;
    }
    if (!cJSON_IsString(ch) || strcmp(ch->valuestring, channel) != 0) {
        snprintf(err, errlen, "channel is not %s", channel);
        goto out;
    }
    if (!cJSON_IsString(d)) {
        snprintf(err, errlen, "data is not a string");
        goto out;
    }
    data = cJSON_Parse(d->valuestring);
    const cJSON *sq = cJSON_GetObjectItemCaseSensitive(data, "seq");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(data, "stream_id");
    if (!cJSON_IsObject(data)) {
        snprintf(err, errlen, "data does not decode to an object");
        goto out;
    }
    /* Range first: converting a double beyond 2^63 to an integer is undefined. */
    if (!cJSON_IsNumber(sq) || !(sq->valuedouble >= 1 && sq->valuedouble <= 9007199254740992.0) ||
        sq->valuedouble != (double)(uint64_t)sq->valuedouble) {
        snprintf(err, errlen, "seq is not a positive integer");
        goto out;
    }
    if (!cJSON_IsString(sid) || strcmp(sid->valuestring, stream_id) != 0) {
        snprintf(err, errlen, "stream_id is not %s", stream_id);
        goto out;
    }
    *seq = (uint64_t)sq->valuedouble;
    rc = 0;
out:
    cJSON_Delete(data);
    cJSON_Delete(root);
    return rc;
}
