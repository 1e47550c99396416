/* rc_case: the conformance suite's case registry and the API a case is written against.
 *
 * A case is a static, const description (stable id, spec section, requirement level, title,
 * requirement sentence, capability tags, timeout) plus a run function. The run function
 * drives the server under test through conformance/client (over the network only) and
 * reports through rc_ctx. Every resource opened through the ctx (WebSockets, HTTP) is closed
 * by the runner when the case ends, so a case may simply return after a failure.
 *
 * Verdict rules: a case starts as PASS. rc_fail marks a broken requirement; the verdict is
 * FAIL for a MUST case and NON-STRICT for a SHOULD case (or for a single check marked
 * should-level with rc_fail_should). rc_error is harness or network trouble (ERROR),
 * rc_unsupported an optional capability absent, rc_skip a precondition not met. The first
 * rc_fail/rc_error wins for the verdict; later messages are still logged.
 *
 * Thread safety: a case may start threads (e.g. concurrent producers). rc_fail, rc_error,
 * rc_log and the wire log are safe to call from them.
 *
 * rc_fail/rc_error after rc_skip/rc_unsupported still make the case FAIL/ERROR (a finding is
 * a finding). rc_ok() also turns 0 after rc_skip/rc_unsupported (the case should stop), but not
 * after rc_fail_should, so a MUST case keeps checking after a SHOULD-level slip. */
#ifndef RC_CASE_H
#define RC_CASE_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
    RC_PASS = 0,
    RC_NONSTRICT,
    RC_FAIL,
    RC_UNSUPPORTED,
    RC_SKIP,
    RC_ERROR,
    RC__VERDICTS
} rc_verdict;

typedef enum { RC_MUST = 0, RC_SHOULD, RC_MAY } rc_level;

/* What a case checks: an essential of the contract (contract.md; a break is FAIL) or a choice
 * docs/protocol.md makes where the contract is silent (never FAIL: the case is SHOULD, or
 * accepts the alternatives, or is gated by a capability the server declares or shows).
 * RC_BASIS_UNSET is refused by the registry's test so that no case forgets to say. */
typedef enum { RC_BASIS_UNSET = 0, RC_CONTRACT, RC_SPEC } rc_basis;

typedef struct rc_ctx rc_ctx;

typedef struct rc_case {
    const char *id;      /* "<profile>/<section>/<slug>", e.g. "stream/9.2/concurrent-producers" */
    const char *section; /* "9.2": a section of docs/protocol.md */
    rc_level level;
    rc_basis basis;
    const char *title;       /* one line */
    const char *requirement; /* the sentence of the spec, printed on failure */
    const char *tags;        /* space-separated: "needs:control-api needs:presence slow" */
    int timeout_ms;          /* 0: default (5000) */
    /* NULL (the default): the case may run beside others under --jobs, which is safe for a
     * case that touches only its own connections, channels and streams (rc_random_id names).
     * Else why it must have the server to itself (docs/conformance.md 11): it then runs
     * alone, after every other case. */
    const char *serial;
    void (*run)(rc_ctx *ctx);
} rc_case;

/* Each file in cases/ exports one table `const rc_case rc_cases_<file>[]`, declared with
 * designated initializers and terminated by {0}; meson generates the registry from the case
 * files it builds (runner/gen_registry.py), so a table needs no other listing. */

/* --- reporting ----------------------------------------------------------------------- */
void rc_fail(rc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A SHOULD-level check inside a MUST case: NON-STRICT unless something else FAILs. */
void rc_fail_should(rc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rc_error(rc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rc_unsupported(rc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rc_skip(rc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Expected vs seen, kept in the JSON report for the failing check. */
void rc_expect_seen(rc_ctx *ctx, const char *expected, const char *seen);
void rc_log(rc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 while the case has neither failed nor errored (a case may stop early when 0). */
int rc_ok(const rc_ctx *ctx);
/* Milliseconds left before the case's deadline (>= 0). */
int rc_remaining_ms(const rc_ctx *ctx);
/* For a case that must wait longer than its timeout (heartbeat): 1 with the deadline moved
 * to at least now + wait_ms + the case's own timeout; 0 after rc_skip(ctx, ...) naming what
 * when wait_ms is over the run's --max-wait. */
int rc_allow_wait(rc_ctx *ctx, long wait_ms, const char *what);

/* Check helper: on a false condition, report and return from the case function. */
#define RC_CHECK(ctx, cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rc_fail((ctx), __VA_ARGS__);                                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)
/* Harness step helper: on failure report ERROR and return. */
#define RC_TRY(ctx, cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rc_error((ctx), __VA_ARGS__);                                                          \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* --- the target under test ---------------------------------------------------------- */
typedef struct rc_user {
    const char *token;     /* bearer token for the authorizer */
    const char *workspace; /* a workspace the user is a member of */
} rc_user;

#define RC_MAX_HTTP_NODES 8

/* One node of a deployment of several servers (same scheme as the main URL). */
typedef struct rc_node {
    const char *host;
    int port;
} rc_node;
/* The app the limit cases (needs:limits) run against, read from the server's own config
 * with --limits FILE: a separate app so its low limits never disturb the other cases. */
typedef struct rc_limits {
    int known; /* 0: no --limits; the limit cases SKIP */
    char app_id[65], key[65], secret[129];
    long max_connections;       /* 0: unlimited (that case SKIPs) */
    long max_subscriptions;     /* 0: unlimited */
    long http_requests_per_sec; /* 0: off */
    long max_open_streams;      /* 0: no cap (that case SKIPs) */
    char allowed_origin[256];   /* one allowed Origin; "": every origin allowed */
} rc_limits;

/* One endpoint per role of a deployment: the WebSocket server, the Pusher HTTP API, the
 * authorizer (its path included) and the control API. Each defaults from the positional URL,
 * so a server that serves every role on one port needs none of --ws-url, --api-url,
 * --auth-url, --control-url (runner/endpoints.h resolves them). */
typedef enum { RC_ROLE_WS = 0, RC_ROLE_API, RC_ROLE_AUTH, RC_ROLE_CONTROL, RC_ROLES } rc_role;

typedef struct rc_role_ep {
    char url[512];  /* as given, or built from the positional URL */
    char host[256]; /* without brackets for IPv6 */
    int port;
    int tls;        /* https / wss */
    char path[256]; /* the authorizer's path ("/broadcasting/auth"); "" for the others */
    int given;      /* 1: from its own option; 0: defaulted from the positional URL */
} rc_role_ep;

/* The producer driver (--producer exec:CMD, conformance/producer): NULL drives the control
 * API over HTTP. */
typedef struct rc_producer rc_producer;
struct rc_http_resp;
/* Hands a control API request to the driver: 0 answered (resp filled), -1 after rc_error,
 * 1 not a producer operation (send it over HTTP). */
typedef int (*rc_producer_http_fn)(rc_ctx *ctx, rc_producer *p, const char *method,
                                   const char *path_and_query, const char *body, size_t body_len,
                                   struct rc_http_resp *resp);

/* Optional capabilities (docs/protocol.md 1.5), each named by a case tag "needs:<name>".
 * Declared in --server-profile, or unknown; a case needing one the server declares absent is
 * UNSUPPORTED without running, and an unknown one is detected by the case where it can be. */
typedef enum {
    RC_CAP_REPLAY,
    RC_CAP_PRESENCE_TWIN,
    RC_CAP_LIMITS,
    RC_CAP_CLIENT_EVENTS,
    RC_CAP_PRESENCE,
    RC_CAP_CHANNEL_QUERIES,
    RC_CAP_ENCRYPTED, /* private-encrypted- channels (16) */
    RC_CAP_CACHE,     /* cache channels (17) */
    RC_CAP_REVOCATION,
    RC_CAP_USER_AUTH,
    RC_CAP_IDEMPOTENT_APPENDS,
    RC_CAP_WEBHOOKS,
    RC_CAP_SUBSCRIPTION_COUNT,
    RC__CAPS
} rc_cap;
typedef enum { RC_CAP_UNKNOWN = 0, RC_CAP_YES, RC_CAP_NO } rc_cap_state;

/* What the server says of itself (--server-profile). 0 for a number: not declared (the cases
 * then discover it, or use this specification's default where only that is possible). */
typedef struct rc_server_info {
    rc_cap_state caps[RC__CAPS];
    long max_token_bytes; /* per tokens request (12.3) */
    long max_event_bytes; /* event data in the HTTP API (6.6) */
    long ended_ttl_s;     /* how long an ended stream's state is kept (12.5) */
    long cache_ttl_s;     /* how long a cache channel keeps its last event (17) */
    /* Webhooks (20): the URL the server was configured to send to ("": not declared), the
     * delay of channel_vacated and member_removed and the batch window, ms (0: not declared;
     * a delay of 0 is declared as -1). */
    char webhook_url[256];
    long webhook_delay_ms;
    long webhook_batch_ms;
    long pong_timeout_s;       /* seconds after a server ping before a silent peer is cut (2.4.6) */
    long max_presence_members; /* members one presence channel admits (4.3.6) */
    long send_queue_bytes;     /* bytes queued for one connection before it is closed (2.5.8) */
    long max_user_id_bytes;    /* presence user_id size the server admits (4.7.4) */
    long max_user_info_bytes;  /* presence user_info size, compact JSON (4.7.4) */
} rc_server_info;

typedef struct rc_target {
    const char *base_url; /* "http://127.0.0.1:8080": the WebSocket endpoint's URL */
    const char *host;     /* = ep[RC_ROLE_WS]: every WebSocket goes there */
    int port;
    int tls;             /* https / wss */
    const char *ca_file; /* --ca: PEM CA the server's certificate must chain to; NULL: none */
    const char *ws_path; /* "/app/<key>?protocol=7&client=rehome-conform&version=X" */
    const char *app_id;
    const char *app_key;
    const char *app_secret;
    const char *auth_path;   /* = ep[RC_ROLE_AUTH].path: "/broadcasting/auth" */
    rc_role_ep ep[RC_ROLES]; /* every HTTP request goes to its role's endpoint */
    rc_producer *producer;   /* NULL: the control API at ep[RC_ROLE_CONTROL] */
    rc_producer_http_fn producer_http;
    rc_user member;           /* member of member.workspace (alice-token, acme) */
    rc_user other;            /* member of other.workspace only (bob-token, globex) */
    int activity_timeout_max; /* --max-wait: seconds a case may wait (heartbeat); default 10 */
    /* --http-node: HTTP requests (HTTP API, control API, authorizer) go round-robin over
     * these, the main URL first; WebSockets always use the main URL. nhttp_nodes 0: main only.
     * Only the roles whose endpoint defaulted from the main URL take part.
     * http_rr is the shared round-robin counter (atomic), owned by the runner. */
    rc_node http_nodes[RC_MAX_HTTP_NODES];
    int nhttp_nodes;
    unsigned *http_rr;
    rc_limits limits;           /* --limits, or the profile's limit_app */
    rc_server_info server;      /* --server-profile */
    struct rc_whrecv *webhooks; /* --webhook-listen: the suite's receiver (client/whrecv.h), or
                                   NULL: the webhook cases SKIP */
} rc_target;

const rc_target *rc_target_of(const rc_ctx *ctx);
/* A fresh random name part [a-z0-9]{12} (per call), so cases never share channels/streams. */
void rc_random_id(rc_ctx *ctx, char out[13]);

#endif
