/* rh_trig: HTTP API trigger bodies. Owned by the proto module. */
#include "trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "events.h"
#include "json.h"
#include "sign.h"

static const rh_trig_limits default_limits = {100, 10, 10240, 0, 0};

/* Formats the error with the batch prefix ("batch[3]: ") when idx >= 0. */
static int fail(int rc, long idx, char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err && errlen) {
        int n = 0;
        if (idx >= 0)
            n = snprintf(err, errlen, "batch[%ld]: ", idx);
        if (n >= 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, fmt, a);
    }
    return rc;
}

void rh_trig_clear(rh_trig_event *e)
{
    if (!e)
        return;
    free(e->name);
    free(e->data);
    if (e->channels)
        for (size_t i = 0; i < e->nchannels; i++)
            free(e->channels[i]);
    free(e->channels);
    free(e->socket_id);
    free(e->info);
    memset(e, 0, sizeof(*e));
}

static int dup_into(char **dst, const char *s)
{
    *dst = strdup(s);
    return *dst ? 0 : -1;
}

static int add_channel(rh_trig_event *e, const cJSON *it, long idx, char *err, size_t errlen)
{
    if (!cJSON_IsString(it))
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s", "channel names must be strings");
    const char *c = it->valuestring;
    char why[160];
    /* protocol §18.2: #server-to-user-{id}, whose id follows the channel-name rules */
    const char *vc = strncmp(c, "#server-to-user-", 16) == 0 ? c + 16 : c;
    if (rh_chan_validate(vc, strlen(vc), why, sizeof(why)) != RH_CHAN_OK)
        return fail(RH_TRIG_ERR_CHANNEL, idx, err, errlen, "invalid channel: %s", why);
    for (size_t i = 0; i < e->nchannels; i++)
        if (strcmp(e->channels[i], c) == 0)
            return fail(RH_TRIG_ERR_CHANNELS, idx, err, errlen, "channel \"%.164s\" listed twice",
                        c);
    if (dup_into(&e->channels[e->nchannels], c) < 0)
        return fail(RH_TRIG_ERR_NOMEM, idx, err, errlen, "%s", "out of memory");
    e->nchannels++;
    return RH_TRIG_OK;
}

/* RH_TRIG_OK, or RH_TRIG_ERR_RESERVED when e's name is reserved on one of its channels. */
static int check_reserved(const rh_trig_event *e, const rh_trig_limits *lim, long idx, char *err,
                          size_t errlen)
{
    const char *n = e->name;
    if (!lim->allow_reserved &&
        (strncmp(n, "pusher:", 7) == 0 || strncmp(n, "pusher_internal:", 16) == 0))
        return fail(RH_TRIG_ERR_RESERVED, idx, err, errlen,
                    "event name \"%.200s\" is reserved: the pusher: and pusher_internal: "
                    "prefixes belong to the protocol",
                    n);
    if (lim->allow_stream_events || (strcmp(n, RH_EVT_TOKEN) != 0 && strcmp(n, RH_EVT_END) != 0))
        return RH_TRIG_OK;
    for (size_t i = 0; i < e->nchannels; i++) {
        rh_chan_stream cs;
        const char *c = e->channels[i];
        if (rh_chan_parse_stream(c, strlen(c), &cs, NULL, 0) == RH_CHAN_OK)
            return fail(RH_TRIG_ERR_RESERVED, idx, err, errlen,
                        "stream events on stream channel \"%.164s\" are published only by the "
                        "control API (/streams/{sid}/tokens and /end), which numbers them",
                        c);
    }
    return RH_TRIG_OK;
}

/* Fills e from one event object; in_batch forbids "channels". */
static int parse_obj(const cJSON *o, const rh_trig_limits *lim, long idx, rh_trig_event *e,
                     char *err, size_t errlen)
{
    if (!cJSON_IsObject(o))
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s", "event must be a JSON object");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (!cJSON_IsString(name))
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s",
                    "\"name\" is missing or not a string");
    size_t nlen = strlen(name->valuestring);
    if (nlen == 0 || nlen > RH_TRIG_NAME_MAX)
        return fail(RH_TRIG_ERR_NAME, idx, err, errlen, "%s",
                    "\"name\" must be 1 to 200 bytes long");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(o, "data");
    if (!cJSON_IsString(data))
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s",
                    data ? "\"data\" must be a string (JSON-encode objects first)"
                         : "\"data\" is missing");
    size_t dlen = strlen(data->valuestring);
    if (dlen > lim->max_data_bytes) {
        char lim_s[32];
        snprintf(lim_s, sizeof(lim_s), "%zu", lim->max_data_bytes);
        return fail(RH_TRIG_ERR_TOO_LARGE, idx, err, errlen, "\"data\" is over %s bytes", lim_s);
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "channel");
    const cJSON *chs = cJSON_GetObjectItemCaseSensitive(o, "channels");
    if (idx >= 0 && chs)
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s",
                    "batch items take \"channel\", not \"channels\"");
    if ((ch && chs) || (!ch && !chs))
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s",
                    "exactly one of \"channel\" and \"channels\" is required");
    if (chs && !cJSON_IsArray(chs))
        return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s",
                    "\"channels\" must be an array of strings");
    size_t n = chs ? (size_t)cJSON_GetArraySize(chs) : 1;
    if (n == 0 || n > lim->max_channels) {
        char lim_s[32];
        snprintf(lim_s, sizeof(lim_s), "%zu", lim->max_channels);
        return fail(RH_TRIG_ERR_CHANNELS, idx, err, errlen, "\"channels\" must hold 1 to %s names",
                    lim_s);
    }
    if (dup_into(&e->name, name->valuestring) < 0 || dup_into(&e->data, data->valuestring) < 0 ||
        !(e->channels = calloc(n, sizeof(*e->channels))))
        return fail(RH_TRIG_ERR_NOMEM, idx, err, errlen, "%s", "out of memory");
    e->data_len = dlen;
    int rc = RH_TRIG_OK;
    if (ch) {
        rc = add_channel(e, ch, idx, err, errlen);
    } else {
        for (const cJSON *it = chs->child; it && rc == RH_TRIG_OK; it = it->next)
            rc = add_channel(e, it, idx, err, errlen);
    }
    if (rc == RH_TRIG_OK)
        rc = check_reserved(e, lim, idx, err, errlen);
    if (rc != RH_TRIG_OK)
        return rc;
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "socket_id");
    if (sid) {
        if (!cJSON_IsString(sid) || !rh_sign_valid_socket_id(sid->valuestring))
            return fail(RH_TRIG_ERR_SOCKET_ID, idx, err, errlen, "%s",
                        "\"socket_id\" must be a string like \"123.456\"");
        if (dup_into(&e->socket_id, sid->valuestring) < 0)
            return fail(RH_TRIG_ERR_NOMEM, idx, err, errlen, "%s", "out of memory");
    }
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(o, "info");
    if (info) {
        if (!cJSON_IsString(info))
            return fail(RH_TRIG_ERR_FIELD, idx, err, errlen, "%s", "\"info\" must be a string");
        if (dup_into(&e->info, info->valuestring) < 0)
            return fail(RH_TRIG_ERR_NOMEM, idx, err, errlen, "%s", "out of memory");
    }
    return RH_TRIG_OK;
}

/* The start both parsers share: clears out (so it may be cleared again on any error), picks
 * the default limits when lim is NULL and parses the body. NULL with *rc on a parse error. */
static cJSON *parse_body(void *out, size_t outsize, const rh_trig_limits **lim, const char *body,
                         size_t len, int *rc, char *err, size_t errlen)
{
    memset(out, 0, outsize);
    if (!*lim)
        *lim = &default_limits;
    int jcode;
    char jerr[128];
    cJSON *root = rh_json_parse(body, len, &jcode, jerr, sizeof(jerr));
    if (!root) {
        *rc = jcode == RH_JSON_ERR_NOMEM ? RH_TRIG_ERR_NOMEM : RH_TRIG_ERR_JSON;
        fail(*rc, -1, err, errlen, "body is not valid JSON: %s", jerr);
    }
    return root;
}

int rh_trig_parse_event(const char *body, size_t len, const rh_trig_limits *lim, rh_trig_event *out,
                        char *err, size_t errlen)
{
    int rc;
    cJSON *root = parse_body(out, sizeof(*out), &lim, body, len, &rc, err, errlen);
    if (!root)
        return rc;
    rc = parse_obj(root, lim, -1, out, err, errlen);
    cJSON_Delete(root);
    if (rc != RH_TRIG_OK)
        rh_trig_clear(out);
    return rc;
}

void rh_trig_batch_clear(rh_trig_batch *b)
{
    if (!b)
        return;
    if (b->items)
        for (size_t i = 0; i < b->n; i++)
            rh_trig_clear(&b->items[i]);
    free(b->items);
    memset(b, 0, sizeof(*b));
}

int rh_trig_parse_batch(const char *body, size_t len, const rh_trig_limits *lim, rh_trig_batch *out,
                        char *err, size_t errlen)
{
    int rc;
    cJSON *root = parse_body(out, sizeof(*out), &lim, body, len, &rc, err, errlen);
    if (!root)
        return rc;
    const cJSON *batch =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "batch") : NULL;
    size_t n = cJSON_IsArray(batch) ? (size_t)cJSON_GetArraySize(batch) : 0;
    rc = RH_TRIG_OK;
    if (!cJSON_IsArray(batch)) {
        rc = fail(RH_TRIG_ERR_FIELD, -1, err, errlen, "%s",
                  "body must be an object with a \"batch\" array");
    } else if (n == 0 || n > lim->max_batch) {
        char lim_s[32];
        snprintf(lim_s, sizeof(lim_s), "%zu", lim->max_batch);
        rc = fail(RH_TRIG_ERR_BATCH, -1, err, errlen, "\"batch\" must hold 1 to %s events", lim_s);
    } else if (!(out->items = calloc(n, sizeof(*out->items)))) {
        rc = fail(RH_TRIG_ERR_NOMEM, -1, err, errlen, "%s", "out of memory");
    } else {
        long i = 0;
        for (const cJSON *it = batch->child; it && rc == RH_TRIG_OK; it = it->next, i++) {
            /* Count the item first so a half-filled one is freed by rh_trig_batch_clear. */
            out->n++;
            rc = parse_obj(it, lim, i, &out->items[i], err, errlen);
        }
    }
    cJSON_Delete(root);
    if (rc != RH_TRIG_OK)
        rh_trig_batch_clear(out);
    return rc;
}

const char *rh_trig_strerror(int code)
{
    switch (code) {
    case RH_TRIG_OK:
        return "ok";
    case RH_TRIG_ERR_RESERVED:
        return "reserved event name";
    case RH_TRIG_ERR_JSON:
        return "body is not valid JSON";
    case RH_TRIG_ERR_FIELD:
        return "field missing or of the wrong type";
    case RH_TRIG_ERR_CHANNEL:
        return "invalid channel name";
    case RH_TRIG_ERR_CHANNELS:
        return "wrong number of channels";
    case RH_TRIG_ERR_BATCH:
        return "wrong number of batch events";
    case RH_TRIG_ERR_SOCKET_ID:
        return "invalid socket_id";
    case RH_TRIG_ERR_TOO_LARGE:
        return "data too large";
    case RH_TRIG_ERR_NAME:
        return "invalid event name";
    case RH_TRIG_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown trigger error";
    }
}
