/* rh_msg: Pusher protocol 7 envelopes. Owned by the proto module. */
#include "message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jw.h"

static void put_err(char *err, size_t errlen, const char *m)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", m);
}

static int map_json_err(int code)
{
    switch (code) {
    case RH_JSON_ERR_UTF8:
        return RH_MSG_ERR_UTF8;
    case RH_JSON_ERR_DUPLICATE:
        return RH_MSG_ERR_DUPLICATE;
    case RH_JSON_ERR_NUL:
        return RH_MSG_ERR_NUL;
    case RH_JSON_ERR_NOMEM:
        return RH_MSG_ERR_NOMEM;
    default:
        return RH_MSG_ERR_JSON;
    }
}

void rh_msg_clear(rh_msg *m)
{
    if (!m)
        return;
    free(m->event);
    free(m->channel);
    free(m->data);
    memset(m, 0, sizeof(*m));
}

int rh_msg_decode(const char *buf, size_t len, rh_msg *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    int jcode;
    char jerr[128];
    cJSON *root = rh_json_parse(buf, len, &jcode, jerr, sizeof(jerr));
    if (!root) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", rh_json_strerror(jcode), jerr);
        return map_json_err(jcode);
    }
    int rc = RH_MSG_OK;
    if (!cJSON_IsObject(root)) {
        put_err(err, errlen, "message is not a JSON object");
        rc = RH_MSG_ERR_NOT_OBJECT;
        goto done;
    }
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "event");
    if (!cJSON_IsString(ev) || ev->valuestring[0] == '\0') {
        put_err(err, errlen, ev ? "\"event\" must be a non-empty string" : "\"event\" is missing");
        rc = RH_MSG_ERR_EVENT;
        goto done;
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(root, "channel");
    if (ch && !cJSON_IsString(ch)) {
        put_err(err, errlen, "\"channel\" must be a string");
        rc = RH_MSG_ERR_CHANNEL;
        goto done;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    out->event = strdup(ev->valuestring);
    out->channel = ch ? strdup(ch->valuestring) : NULL;
    if (data) {
        out->data_is_string = cJSON_IsString(data);
        out->data = out->data_is_string ? strdup(data->valuestring) : cJSON_PrintUnformatted(data);
        if (out->data)
            out->data_len = strlen(out->data);
    }
    if (!out->event || (ch && !out->channel) || (data && !out->data)) {
        put_err(err, errlen, "out of memory");
        rc = RH_MSG_ERR_NOMEM;
    }
done:
    cJSON_Delete(root);
    if (rc != RH_MSG_OK)
        rh_msg_clear(out);
    return rc;
}

const char *rh_msg_strerror(int code)
{
    switch (code) {
    case RH_MSG_OK:
        return "ok";
    case RH_MSG_ERR_JSON:
        return "invalid JSON";
    case RH_MSG_ERR_UTF8:
        return "invalid UTF-8";
    case RH_MSG_ERR_NOT_OBJECT:
        return "message is not a JSON object";
    case RH_MSG_ERR_EVENT:
        return "event missing, empty or not a string";
    case RH_MSG_ERR_CHANNEL:
        return "channel is not a string";
    case RH_MSG_ERR_DATA:
        return "data has the wrong type";
    case RH_MSG_ERR_DUPLICATE:
        return "duplicate key";
    case RH_MSG_ERR_NUL:
        return "\\u0000 inside a string";
    case RH_MSG_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown message error";
    }
}

/* Parses m->data (object, or string holding one) into a tree the caller deletes. */
static cJSON *data_object(const rh_msg *m, const char *what, int *rc, char *err, size_t errlen)
{
    if (!m->data) {
        if (err && errlen)
            snprintf(err, errlen, "%s: \"data\" is missing", what);
        *rc = RH_MSG_ERR_DATA;
        return NULL;
    }
    int jcode;
    char jerr[128];
    cJSON *d = rh_json_parse(m->data, m->data_len, &jcode, jerr, sizeof(jerr));
    if (!d) {
        if (err && errlen)
            snprintf(err, errlen, "%s: \"data\" string is not valid JSON (%s)", what, jerr);
        *rc = jcode == RH_JSON_ERR_NOMEM ? RH_MSG_ERR_NOMEM : map_json_err(jcode);
        if (*rc == RH_MSG_ERR_JSON)
            *rc = RH_MSG_ERR_DATA;
        return NULL;
    }
    if (!cJSON_IsObject(d)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: \"data\" must be an object", what);
        cJSON_Delete(d);
        *rc = RH_MSG_ERR_DATA;
        return NULL;
    }
    return d;
}

void rh_msg_subscribe_clear(rh_msg_subscribe *s)
{
    if (!s)
        return;
    free(s->channel);
    free(s->auth);
    free(s->channel_data);
    memset(s, 0, sizeof(*s));
}

/* Copies an optional string member; -1 when present with another type. */
static int opt_str(const cJSON *d, const char *key, char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(d, key);
    *out = NULL;
    if (!it)
        return 0;
    if (!cJSON_IsString(it))
        return -1;
    *out = strdup(it->valuestring);
    return *out ? 0 : -2;
}

int rh_msg_decode_subscribe(const rh_msg *m, rh_msg_subscribe *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    int rc = RH_MSG_OK;
    cJSON *d = data_object(m, "pusher:subscribe", &rc, err, errlen);
    if (!d)
        return rc;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(d, "channel");
    /* An empty name is a string: the channel-name check refuses it as a name, so the client
     * gets a subscription error for the channel rather than a protocol error. */
    if (!cJSON_IsString(ch)) {
        put_err(err, errlen, "pusher:subscribe: data.channel must be a string");
        rc = RH_MSG_ERR_CHANNEL;
        goto done;
    }
    out->channel = strdup(ch->valuestring);
    if (!out->channel) {
        rc = RH_MSG_ERR_NOMEM;
        goto done;
    }
    int r = opt_str(d, "auth", &out->auth);
    if (r == -1) {
        put_err(err, errlen, "pusher:subscribe: data.auth must be a string");
        rc = RH_MSG_ERR_DATA;
        goto done;
    }
    if (r == 0)
        r = opt_str(d, "channel_data", &out->channel_data);
    if (r == -1) {
        put_err(err, errlen, "pusher:subscribe: data.channel_data must be a string");
        rc = RH_MSG_ERR_DATA;
        goto done;
    }
    if (r == -2)
        rc = RH_MSG_ERR_NOMEM;
done:
    if (rc == RH_MSG_ERR_NOMEM)
        put_err(err, errlen, "out of memory");
    cJSON_Delete(d);
    if (rc != RH_MSG_OK)
        rh_msg_subscribe_clear(out);
    return rc;
}

int rh_msg_decode_unsubscribe(const rh_msg *m, char **channel, char *err, size_t errlen)
{
    *channel = NULL;
    int rc = RH_MSG_OK;
    cJSON *d = data_object(m, "pusher:unsubscribe", &rc, err, errlen);
    if (!d)
        return rc;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(d, "channel");
    if (!cJSON_IsString(ch) || ch->valuestring[0] == '\0') {
        put_err(err, errlen, "pusher:unsubscribe: data.channel must be a non-empty string");
        rc = RH_MSG_ERR_CHANNEL;
    } else if (!(*channel = strdup(ch->valuestring))) {
        put_err(err, errlen, "out of memory");
        rc = RH_MSG_ERR_NOMEM;
    }
    cJSON_Delete(d);
    return rc;
}

/* protocol §18.1: pusher:signin carries auth and user_data, both strings */
int rh_msg_decode_signin(const rh_msg *m, char **auth, char **user_data, char *err, size_t errlen)
{
    *auth = *user_data = NULL;
    int rc = RH_MSG_OK;
    cJSON *d = data_object(m, "pusher:signin", &rc, err, errlen);
    if (!d)
        return rc;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(d, "auth");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(d, "user_data");
    if (!cJSON_IsString(a) || !cJSON_IsString(u)) {
        put_err(err, errlen, "pusher:signin: data.auth and data.user_data must be strings");
        rc = RH_MSG_ERR_DATA;
    } else if (!(*auth = strdup(a->valuestring)) || !(*user_data = strdup(u->valuestring))) {
        free(*auth);
        *auth = NULL;
        put_err(err, errlen, "out of memory");
        rc = RH_MSG_ERR_NOMEM;
    }
    cJSON_Delete(d);
    return rc;
}

/* protocol §18.1: user_data is an object with a non-empty string id */
int rh_msg_user_id(const char *user_data, size_t len, char id[129], char *err, size_t errlen)
{
    cJSON *o = cJSON_ParseWithLength(user_data, len);
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "id") : NULL;
    size_t n = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
    int ok = n > 0 && n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)v->valuestring[i] >= 0x20 && v->valuestring[i] != 0x7f;
    if (ok)
        memcpy(id, v->valuestring, n + 1);
    else
        put_err(err, errlen,
                cJSON_IsObject(o) ? "user_data.id must be a non-empty string of at most 128 bytes"
                                  : "user_data must be a JSON object");
    cJSON_Delete(o);
    return ok ? 0 : -1;
}

char *rh_json_quote(const char *s, size_t len)
{
    jw m = {0};
    jw_str(&m, s, len);
    char *out = malloc(m.len + 1);
    if (!out)
        return NULL;
    jw w = {.out = out};
    jw_str(&w, s, len);
    out[w.len] = '\0';
    return out;
}

typedef struct frame {
    const char *event;
    const char *channel;
    const char *data;
    size_t data_len;
    int data_raw; /* data is a JSON value, written verbatim */
    const char *user_id;
} frame;

static void write_frame(jw *w, const void *ctx)
{
    const frame *f = ctx;
    jw_lit(w, "{\"event\":");
    jw_cstr(w, f->event);
    if (f->channel) {
        jw_lit(w, ",\"channel\":");
        jw_cstr(w, f->channel);
    }
    if (f->data) {
        jw_lit(w, ",\"data\":");
        if (f->data_raw)
            jw_raw(w, f->data, f->data_len);
        else
            jw_str(w, f->data, f->data_len);
    }
    if (f->user_id) {
        jw_lit(w, ",\"user_id\":");
        jw_cstr(w, f->user_id);
    }
    jw_lit(w, "}");
}

rh_buf *rh_msg_encode(const char *event, const char *channel, const char *data, size_t data_len)
{
    frame f = {.event = event, .channel = channel, .data = data, .data_len = data_len};
    return jw_build(write_frame, &f);
}

rh_buf *rh_msg_encode_raw(const char *event, const char *channel, const char *data_json,
                          const char *user_id)
{
    frame f = {.event = event,
               .channel = channel,
               .data = data_json,
               .data_len = data_json ? strlen(data_json) : 0,
               .data_raw = 1,
               .user_id = user_id};
    return jw_build(write_frame, &f);
}

typedef struct errframe {
    int code;
    const char *message;
} errframe;

static void write_error(jw *w, const void *ctx)
{
    const errframe *e = ctx;
    jw_lit(w, "{\"event\":\"pusher:error\",\"data\":{\"code\":");
    jw_i64(w, e->code);
    jw_lit(w, ",\"message\":");
    jw_cstr(w, e->message ? e->message : "");
    jw_lit(w, "}}");
}

rh_buf *rh_msg_encode_error(int code, const char *message)
{
    errframe e = {code, message};
    return jw_build(write_error, &e);
}

typedef struct estframe {
    const char *socket_id;
    int activity_timeout;
} estframe;

static void write_established(jw *w, const void *ctx)
{
    const estframe *e = ctx;
    jw_lit(w, "{\"event\":\"pusher:connection_established\",\"data\":\"");
    w->esc++;
    jw_lit(w, "{\"socket_id\":");
    jw_cstr(w, e->socket_id);
    jw_lit(w, ",\"activity_timeout\":");
    jw_i64(w, e->activity_timeout);
    jw_lit(w, "}");
    w->esc--;
    jw_lit(w, "\"}");
}

rh_buf *rh_msg_encode_established(const char *socket_id, int activity_timeout)
{
    estframe e = {socket_id, activity_timeout};
    return jw_build(write_established, &e);
}
