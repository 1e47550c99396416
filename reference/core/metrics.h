/* rh_metrics: the server's counters and the Prometheus text encoder for GET /metrics.
 *
 * Why one plain struct: every increment is a one-line, allocation-free statement at the place
 * the thing happens (srv->metrics.x++), so a change to the hub or the publishing path
 * touches one line per counter. Gauges that the server can count
 * when asked (connections, subscriptions, channels, streams, queued bytes) are not kept
 * here: they are collected at scrape time into rh_metrics_gauges and never drift.
 *
 * Ownership: rh_metrics is embedded by value in rh_srv (no globals). rh_metrics_encode is
 * pure: it reads the two structs and returns a heap string the caller frees. */
#ifndef RH_METRICS_H
#define RH_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RH_AUTH_FAIL_HTTP_SIGNATURE, /* HTTP API / control API signature refused (401) */
    RH_AUTH_FAIL_SUBSCRIBE,      /* private/presence subscription with a bad auth */
    RH_AUTH_FAIL_AUTHORIZER,     /* /broadcasting/auth refused (401 no token, 403 non-member) */
    RH_AUTH_FAIL__COUNT
} rh_auth_fail;

/* Upper bounds, in microseconds, of the publish-to-send histogram buckets (+Inf implied). */
#define RH_METRICS_LAT_BUCKETS 12
extern const uint64_t rh_metrics_lat_bounds_us[RH_METRICS_LAT_BUCKETS];

#define RH_METRICS_HTTP_MIN 100
#define RH_METRICS_HTTP_MAX 599

typedef struct rh_metrics {
    uint64_t conns_opened;        /* connections that got connection_established */
    uint64_t conns_refused;       /* refused at open: unknown app, origin, quota, shutdown */
    uint64_t ws_messages_in;      /* WebSocket messages received */
    uint64_t frames_out;          /* frames queued to connections */
    uint64_t channel_publishes;   /* events published to a channel (any source) */
    uint64_t deliveries;          /* channel events queued to subscribers */
    uint64_t client_events_in;    /* client- events accepted for relay */
    uint64_t tokens_in;           /* stream tokens accepted by the control API */
    uint64_t tokens_out;          /* token events queued to subscribers */
    uint64_t send_queue_overflow; /* connections closed because their queue was over its cap */
    uint64_t auth_failures[RH_AUTH_FAIL__COUNT];
    uint64_t http[RH_METRICS_HTTP_MAX - RH_METRICS_HTTP_MIN + 1]; /* responses by status */
    uint64_t lat_buckets[RH_METRICS_LAT_BUCKETS + 1];             /* not cumulative; last is +Inf */
    uint64_t lat_count;
    uint64_t lat_sum_us;
    uint64_t webhooks_sent;    /* webhook POSTs acknowledged with a 2xx */
    uint64_t webhooks_failed;  /* webhook attempts answered non-2xx or not at all */
    uint64_t webhooks_retried; /* webhook attempts after a failed one */
    uint64_t webhooks_dropped; /* webhook events dropped: queue full or retries given up */
} rh_metrics;

/* Values counted at scrape time. */
typedef struct rh_metrics_gauges {
    size_t connections;
    size_t subscriptions;
    size_t channels;         /* occupied channels, all apps */
    size_t streams;          /* streams the store keeps (open or ended, not yet expired) */
    size_t send_queue_bytes; /* bytes queued to connections, not yet written */
    const char *store;       /* "memory", "redis" */
    int store_up;            /* 1 when the store answers */
} rh_metrics_gauges;

/* One HTTP answer; statuses outside 100..599 are ignored. */
void rh_metrics_http(rh_metrics *m, int status);
/* One frame written to a socket, us after it was first queued. */
void rh_metrics_latency(rh_metrics *m, uint64_t us);
/* The Prometheus text exposition format (version 0.0.4) of m and g; *len gets its length.
 * Heap string (free()), or NULL when out of memory. */
char *rh_metrics_encode(const rh_metrics *m, const rh_metrics_gauges *g, size_t *len);

#endif
