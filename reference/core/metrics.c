/* rh_metrics: recording and the Prometheus text encoder (pure: no clock, no I/O). */
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint64_t rh_metrics_lat_bounds_us[RH_METRICS_LAT_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};

static const char *const auth_reasons[RH_AUTH_FAIL__COUNT] = {
    [RH_AUTH_FAIL_HTTP_SIGNATURE] = "http_signature",
    [RH_AUTH_FAIL_SUBSCRIBE] = "subscription",
    [RH_AUTH_FAIL_AUTHORIZER] = "authorizer",
};

void rh_metrics_http(rh_metrics *m, int status)
{
    if (status >= RH_METRICS_HTTP_MIN && status <= RH_METRICS_HTTP_MAX)
        m->http[status - RH_METRICS_HTTP_MIN]++;
}

void rh_metrics_latency(rh_metrics *m, uint64_t us)
{
    int i = 0;
    while (i < RH_METRICS_LAT_BUCKETS && us > rh_metrics_lat_bounds_us[i])
        i++;
    m->lat_buckets[i]++;
    m->lat_count++;
    m->lat_sum_us += us;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap * 2 + (size_t)n;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

static void metric(sbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
    put(b, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type, name, v);
}

/* Microseconds as seconds with six decimals, exact (no floating point). */
static void put_seconds(sbuf *b, uint64_t us)
{
    put(b, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
}

char *rh_metrics_encode(const rh_metrics *m, const rh_metrics_gauges *g, size_t *len)
{
    sbuf b = {.p = malloc(4096), .cap = 4096};
    if (!b.p)
        return NULL;
    b.p[0] = '\0';
    metric(&b, "rehome_connections", "gauge", "Open WebSocket connections.", g->connections);
    metric(&b, "rehome_connections_opened_total", "counter",
           "Connections that got pusher:connection_established.", m->conns_opened);
    metric(&b, "rehome_connections_refused_total", "counter",
           "Connections refused at open (unknown app, origin, quota, shutdown).", m->conns_refused);
    metric(&b, "rehome_subscriptions", "gauge", "Channel subscriptions of open connections.",
           g->subscriptions);
    metric(&b, "rehome_channels", "gauge", "Occupied channels.", g->channels);
    metric(&b, "rehome_streams", "gauge", "Streams kept by the store (open or ended).", g->streams);
    metric(&b, "rehome_ws_messages_in_total", "counter", "WebSocket messages received.",
           m->ws_messages_in);
    metric(&b, "rehome_frames_out_total", "counter", "Frames queued to connections.",
           m->frames_out);
    metric(&b, "rehome_events_in_total", "counter",
           "Events published to a channel (HTTP API, client events, streams).",
           m->channel_publishes);
    metric(&b, "rehome_events_out_total", "counter", "Channel events queued to subscribers.",
           m->deliveries);
    metric(&b, "rehome_client_events_in_total", "counter", "Client events accepted for relay.",
           m->client_events_in);
    metric(&b, "rehome_tokens_in_total", "counter", "Stream tokens accepted.", m->tokens_in);
    metric(&b, "rehome_tokens_out_total", "counter", "Token events queued to subscribers.",
           m->tokens_out);
    metric(&b, "rehome_send_queue_bytes", "gauge", "Bytes queued to connections, not yet written.",
           g->send_queue_bytes);
    metric(&b, "rehome_send_queue_overflows_total", "counter",
           "Connections closed with 4100 because their send queue went over its cap.",
           m->send_queue_overflow);
    metric(&b, "rehome_webhooks_sent_total", "counter", "Webhook POSTs acknowledged with a 2xx.",
           m->webhooks_sent);
    metric(&b, "rehome_webhooks_failed_total", "counter",
           "Webhook attempts answered non-2xx or not at all.", m->webhooks_failed);
    metric(&b, "rehome_webhooks_retried_total", "counter", "Webhook attempts after a failed one.",
           m->webhooks_retried);
    metric(&b, "rehome_webhooks_dropped_total", "counter",
           "Webhook events dropped (queue full, or retried for the whole retry window).",
           m->webhooks_dropped);
    put(&b,
        "# HELP rehome_store_up 1 when the store answers.\n# TYPE rehome_store_up gauge\n"
        "rehome_store_up{store=\"%s\"} %d\n",
        g->store ? g->store : "memory", g->store_up ? 1 : 0);
    put(&b, "# HELP rehome_auth_failures_total Refused authentications by reason.\n"
            "# TYPE rehome_auth_failures_total counter\n");
    for (int i = 0; i < RH_AUTH_FAIL__COUNT; i++)
        put(&b, "rehome_auth_failures_total{reason=\"%s\"} %" PRIu64 "\n", auth_reasons[i],
            m->auth_failures[i]);
    put(&b, "# HELP rehome_http_responses_total HTTP answers by status code.\n"
            "# TYPE rehome_http_responses_total counter\n");
    for (int s = RH_METRICS_HTTP_MIN; s <= RH_METRICS_HTTP_MAX; s++)
        if (m->http[s - RH_METRICS_HTTP_MIN])
            put(&b, "rehome_http_responses_total{code=\"%d\"} %" PRIu64 "\n", s,
                m->http[s - RH_METRICS_HTTP_MIN]);
    put(&b, "# HELP rehome_publish_to_send_seconds Time from a frame's first queueing (its "
            "publish) to its write on a socket, per subscriber.\n"
            "# TYPE rehome_publish_to_send_seconds histogram\n");
    uint64_t cum = 0;
    for (int i = 0; i < RH_METRICS_LAT_BUCKETS; i++) {
        cum += m->lat_buckets[i];
        put(&b, "rehome_publish_to_send_seconds_bucket{le=\"");
        put_seconds(&b, rh_metrics_lat_bounds_us[i]);
        put(&b, "\"} %" PRIu64 "\n", cum);
    }
    cum += m->lat_buckets[RH_METRICS_LAT_BUCKETS];
    put(&b, "rehome_publish_to_send_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    put(&b, "rehome_publish_to_send_seconds_sum ");
    put_seconds(&b, m->lat_sum_us);
    put(&b, "\nrehome_publish_to_send_seconds_count %" PRIu64 "\n", m->lat_count);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.p;
}
