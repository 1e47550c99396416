/* rh_cfg: the reference server's configuration: defaults (contract section 9) and the JSON
 * config file. Pure: parsing takes the file's text, not a path.
 *
 * Ownership: rh_cfg_defaults and rh_cfg_parse fill a caller-owned rh_cfg whose strings and
 * arrays are heap-allocated; rh_cfg_clear frees them (safe on zeroed structs). */
#ifndef RH_CFG_H
#define RH_CFG_H

#include <stddef.h>

/* One webhook target of an app: every event of a type in types (bit 1 << rh_wh_type of
 * proto/webhook.h) is POSTed to url (http:// only). */
typedef struct rh_cfg_webhook {
    char *url;
    unsigned types;
} rh_cfg_webhook;

typedef struct rh_cfg_app {
    char *id;
    char *key;
    char *secret;
    int client_events;           /* 1: client- events allowed on private/presence channels */
    size_t max_event_bytes;      /* HTTP API event data limit; 10240 */
    size_t max_token_bytes;      /* control API tokens per request; 10240 */
    size_t max_channels;         /* channels per trigger; 100 */
    size_t max_batch;            /* batch_events items; 10 */
    size_t max_message_bytes;    /* inbound WebSocket message; 10240 */
    size_t max_presence_members; /* 100 */
    size_t max_user_id_bytes;    /* presence user_id; 128 (at most 128) */
    size_t max_user_info_bytes;  /* presence user_info as compact JSON; 1024 (at most 1024) */
    int client_events_per_sec;   /* 10 */
    size_t max_connections;      /* WebSocket connections of the app; 0 = unlimited (0) */
    size_t max_subscriptions;    /* channels one connection may be subscribed to; 100 */
    size_t max_open_streams;     /* open (not ended) streams of the app; 1000 (0 = no cap) */
    int http_requests_per_sec;   /* signed /apps/{id}/... requests per second; 0 = off (0) */
    int signin_timeout;          /* seconds a connection may stay without pusher:signin or a
                                    private or presence subscription before close 4009; 0 = off */
    int subscription_count;      /* 1: pusher_internal:subscription_count on non-presence
                                    channels (Pusher's opt-in per app); 0 */
    char **allowed_origins;      /* Origin values allowed on the upgrade, exact or "*"; */
    size_t nallowed_origins;     /* none listed (0): every origin allowed */
    /* encryption_master_key (base64 of 32 bytes), decoded: the authorizer derives the
     * shared_secret of private-encrypted- channels from it (docs/protocol.md 16) */
    int has_enc_key; /* 0: none configured (null, the default) */
    unsigned char enc_key[32];
    rh_cfg_webhook *webhooks; /* protocol section 20; none by default */
    size_t nwebhooks;
    int webhook_batch_ms;     /* events gathered into one POST for this long; 250 */
    size_t webhook_batch_max; /* events per POST at most; 100 */
    int webhook_delay_ms;     /* channel_vacated and member_removed wait this long; 3000 */
    int webhook_retry_s;      /* a failed POST is retried for this long; 300 */
    int webhook_timeout_ms;   /* one attempt may take this long; 5000 */
    size_t webhook_queue_max; /* events waiting per target before new ones drop; 10000 */
} rh_cfg_app;

typedef struct rh_cfg_user {
    char *token; /* bearer token */
    char *user_id;
    char *name; /* user_info.name for presence; may be NULL */
    char **workspaces;
    size_t nworkspaces;
} rh_cfg_user;

typedef struct rh_cfg {
    char *host;              /* "127.0.0.1" */
    int port;                /* 8080 */
    char *redis_url;         /* NULL: embedded store */
    char *redis_prefix;      /* prefix of every Redis key and channel; "rehome:" */
    size_t replay_tokens;    /* tokens kept per stream for replay; 1000 (0: none) */
    size_t replay_bytes;     /* token bytes kept per stream for replay; 262144 */
    char *tls_cert;          /* PEM certificate chain: TLS on the one port; NULL: plain */
    char *tls_key;           /* PEM private key; set together with tls_cert */
    int demo;                /* 1: serve the browser reference client at /demo; 1 */
    int metrics;             /* 1: serve GET /metrics (Prometheus text); 1 */
    int shutdown_timeout;    /* seconds a graceful stop may flush queues; 10 */
    int http_read_timeout;   /* seconds an HTTP request (headers and body) may take; 10 */
    int activity_timeout;    /* seconds advertised in connection_established; 120 */
    int pong_timeout;        /* seconds to wait for a pong after a server ping; 30 */
    int ended_ttl;           /* seconds an ended stream's state is kept; 300 */
    int stream_idle_timeout; /* seconds an open stream may go without a request before the
                                server ends it as failed; 3600 (0 = never) */
    int auth_window;         /* HTTP signature timestamp window, seconds; 600 (0 = off) */
    int cache_ttl;           /* seconds a cache channel keeps its last event; 1800 (17) */
    int idempotency_window;  /* seconds an append's Idempotency-Key is remembered; 600 */
    size_t idempotency_keys; /* Idempotency-Keys remembered per stream (oldest forgotten); 1000 */
    size_t send_queue_bytes; /* per-connection send queue cap; 4 MiB */
    int busy_poll_us;        /* after I/O, poll without blocking for this long before sleeping
                                in epoll (trades CPU for wake-up latency); 0 = off (0) */
    char *log_level;         /* "info" */
    rh_cfg_app *apps;
    size_t napps;
    rh_cfg_user *users;
    size_t nusers;
} rh_cfg;

/* Sets an app's limits and client_events to the defaults above (ids and secrets untouched),
 * so configs and test fixtures start from one definition of them. */
void rh_cfg_app_defaults(rh_cfg_app *a);
/* The built-in defaults: app app-id/app-key/app-secret, users alice (acme), bob (globex). */
int rh_cfg_defaults(rh_cfg *out);
/* Parses a JSON config file's text on top of the defaults: keys present replace them
 * ("apps" and "users" replace the whole list). Unknown keys are errors (typos must not pass
 * silently). 0, or -1 with a message naming the key. */
/* The app's "webhooks" list (a cJSON array, passed as void * so this header needs no cJSON)
 * into a->webhooks. 0, or -1 with a message naming path. */
int rh_cfg_parse_webhooks(const void *json, const char *path, rh_cfg_app *a, char *err,
                          size_t errlen);
int rh_cfg_parse(const char *text, size_t len, rh_cfg *out, char *err, size_t errlen);
void rh_cfg_clear(rh_cfg *c);
/* Bounds of busy_poll_us: a window longer than a few scheduler ticks only burns the core. */
#define RH_CFG_BUSY_POLL_MAX_US 10000
/* The --busy-poll flag's value: decimal microseconds, 0 to RH_CFG_BUSY_POLL_MAX_US. 0, or -1
 * with a message (err may be NULL). */
int rh_cfg_parse_busy_poll(const char *text, int *out, char *err, size_t errlen);
const rh_cfg_app *rh_cfg_app_by_key(const rh_cfg *c, const char *key);
const rh_cfg_app *rh_cfg_app_by_id(const rh_cfg *c, const char *id);
/* 1 when a WebSocket upgrade with this Origin header (NULL: none sent) may connect to app:
 * no list, "*" in the list, an exact (case-insensitive) match, or no Origin at all (clients
 * that are not browsers send none, and the check only guards browsers against foreign
 * pages). */
int rh_cfg_origin_allowed(const rh_cfg_app *app, const char *origin);
const rh_cfg_user *rh_cfg_user_by_token(const rh_cfg *c, const char *token);
int rh_cfg_user_in_workspace(const rh_cfg_user *u, const char *workspace);

#endif
