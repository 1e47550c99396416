/* Webhook bodies, signatures and the rules of batching, retries and the delayed vacate
 * (protocol section 20), as pure functions. */
#include "webhook.h"

#include <stdlib.h>
#include <string.h>

#include "jw.h"

static const char *const type_names[RH_WH__COUNT] = {
    "channel_occupied", "channel_vacated", "member_added",       "member_removed",
    "client_event",     "cache_miss",      "subscription_count",
};

const char *rh_wh_type_name(rh_wh_type t)
{
    return (unsigned)t < RH_WH__COUNT ? type_names[t] : NULL;
}

int rh_wh_type_by_name(const char *s, size_t n)
{
    for (int i = 0; s && i < RH_WH__COUNT; i++)
        if (strlen(type_names[i]) == n && memcmp(type_names[i], s, n) == 0)
            return i;
    return -1;
}

static int dup_opt(char **dst, const char *s)
{
    *dst = NULL;
    if (!s)
        return 0;
    *dst = strdup(s);
    return *dst ? 0 : -1;
}

rh_wh_event *rh_wh_event_new(rh_wh_type type, const char *channel, const char *user_id,
                             const char *event, const char *data, const char *socket_id)
{
    if (!channel || (unsigned)type >= RH_WH__COUNT)
        return NULL;
    rh_wh_event *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->type = type;
    if (dup_opt(&e->channel, channel) || dup_opt(&e->user_id, user_id) ||
        dup_opt(&e->event, event) || dup_opt(&e->data, data) || dup_opt(&e->socket_id, socket_id)) {
        rh_wh_event_free(e);
        return NULL;
    }
    return e;
}

rh_wh_event *rh_wh_event_dup(const rh_wh_event *e)
{
    rh_wh_event *d =
        rh_wh_event_new(e->type, e->channel, e->user_id, e->event, e->data, e->socket_id);
    if (d) {
        d->subscription_count = e->subscription_count;
        d->due_ms = e->due_ms;
    }
    return d;
}

void rh_wh_event_free(rh_wh_event *e)
{
    if (!e)
        return;
    free(e->channel);
    free(e->user_id);
    free(e->event);
    free(e->data);
    free(e->socket_id);
    free(e);
}

static void str_field(jw *w, const char *name, const char *v)
{
    if (!v)
        return;
    jw_lit(w, ",\"");
    jw_lit(w, name);
    jw_lit(w, "\":");
    jw_cstr(w, v);
}

/* protocol §20.2: the fields of each event type */
static void write_event(jw *w, const rh_wh_event *e)
{
    jw_lit(w, "{\"name\":");
    jw_cstr(w, rh_wh_type_name(e->type));
    str_field(w, "channel", e->channel);
    switch (e->type) {
    case RH_WH_MEMBER_ADDED:
    case RH_WH_MEMBER_REMOVED:
        str_field(w, "user_id", e->user_id ? e->user_id : "");
        break;
    case RH_WH_CLIENT_EVENT:
        str_field(w, "event", e->event ? e->event : "");
        str_field(w, "data", e->data ? e->data : "");
        str_field(w, "socket_id", e->socket_id ? e->socket_id : "");
        str_field(w, "user_id", e->user_id); /* presence channels only */
        break;
    case RH_WH_SUBSCRIPTION_COUNT:
        jw_lit(w, ",\"subscription_count\":");
        jw_i64(w, e->subscription_count);
        break;
    default:
        break;
    }
    jw_lit(w, "}");
}

typedef struct body_ctx {
    uint64_t time_ms;
    rh_wh_event *const *events;
    size_t n;
} body_ctx;

static void write_body(jw *w, const void *ud)
{
    const body_ctx *b = ud;
    jw_lit(w, "{\"time_ms\":");
    jw_u64(w, b->time_ms);
    jw_lit(w, ",\"events\":[");
    for (size_t i = 0; i < b->n; i++) {
        if (i)
            jw_lit(w, ",");
        write_event(w, b->events[i]);
    }
    jw_lit(w, "]}");
}

rh_buf *rh_wh_body(uint64_t time_ms, rh_wh_event *const *events, size_t n)
{
    body_ctx b = {time_ms, events, n};
    return jw_build(write_body, &b);
}

void rh_wh_signature(const char *secret, const char *body, size_t len, char out[RH_SIGN_HEX])
{
    rh_sign_hmac_hex(secret, body, len, out);
}

size_t rh_wh_batch_take(size_t queued, uint64_t oldest_ms, uint64_t now_ms, uint64_t window_ms,
                        size_t max)
{
    if (queued == 0 || max == 0)
        return 0;
    if (queued >= max)
        return max;
    return now_ms >= oldest_ms + window_ms ? queued : 0;
}

uint64_t rh_wh_retry_delay_ms(unsigned attempt)
{
    if (attempt < 2)
        return 0;
    unsigned shift = attempt - 2;
    return shift >= 6 ? 60000u : (uint64_t)1000u << shift;
}

int rh_wh_retry_allowed(uint64_t first_ms, uint64_t now_ms, unsigned attempt, uint64_t limit_ms)
{
    uint64_t next = now_ms + rh_wh_retry_delay_ms(attempt);
    return next >= first_ms && next - first_ms <= limit_ms;
}

int rh_wh_acked(int status)
{
    return status >= 200 && status <= 299;
}

int rh_wh_is_delayed(rh_wh_type t)
{
    return t == RH_WH_CHANNEL_VACATED || t == RH_WH_MEMBER_REMOVED;
}

/* protocol §20.4: a quick return within the delay sends neither event */
int rh_wh_cancels(const rh_wh_event *pending, rh_wh_type type, const char *channel,
                  const char *user_id)
{
    if (!pending || !channel || strcmp(pending->channel, channel) != 0)
        return 0;
    if (pending->type == RH_WH_CHANNEL_VACATED)
        return type == RH_WH_CHANNEL_OCCUPIED;
    if (pending->type == RH_WH_MEMBER_REMOVED)
        return type == RH_WH_MEMBER_ADDED && user_id && pending->user_id &&
               strcmp(pending->user_id, user_id) == 0;
    return 0;
}

static int url_fail(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return -1;
}

int rh_wh_url_parse(const char *url, char *host, size_t hostlen, int *port, const char **path,
                    const char **why)
{
    static const char scheme[] = "http://";
    if (!url || strncmp(url, scheme, sizeof scheme - 1) != 0)
        return url_fail(why, url && strncmp(url, "https://", 8) == 0
                                 ? "https is not supported; use an http:// URL"
                                 : "expected an http:// URL");
    const char *h = url + sizeof scheme - 1, *e = h;
    while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') ||
           *e == '.' || *e == '-')
        e++;
    if (e == h || (size_t)(e - h) >= hostlen)
        return url_fail(why, "missing or too long host");
    memcpy(host, h, (size_t)(e - h));
    host[e - h] = '\0';
    long p = 80;
    if (*e == ':') {
        p = 0;
        const char *d = ++e;
        while (*e >= '0' && *e <= '9' && p <= 65535)
            p = p * 10 + (*e++ - '0');
        if (e == d || p < 1 || p > 65535)
            return url_fail(why, "bad port");
    }
    if (*e && *e != '/')
        return url_fail(why, "unexpected character after the host");
    for (const char *c = e; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return url_fail(why, "the path must be printable ASCII without spaces");
    *port = (int)p;
    *path = *e ? e : "/";
    return 0;
}
