/* rh_srv, HTTP side: the Pusher HTTP API, the control API, /broadcasting/auth, /up and the
 * cross-node bus's deliveries, without sockets (reference/api implements it; the edge calls
 * it through server/server.h).
 *
 * Ownership: the request and its strings belong to the caller for the duration of
 * rh_srv_http only; the response handed to done belongs to the server and is valid only
 * during that call. */
#ifndef RH_API_SERVICE_H
#define RH_API_SERVICE_H

#include "../core/server.h"

/* One message received from the bus. Malformed messages are logged and dropped. */
void rh_srv_bus_deliver(rh_srv *srv, const char *msg, size_t len);

/* --- HTTP side -------------------------------------------------------------------------- */

typedef struct rh_http_req {
    const char *method; /* "GET", "POST" */
    const char *path;   /* percent-decoded once (by the edge), e.g. "/apps/app-id/events" */
    const char *query;  /* raw query without '?', or "" */
    const char *body;
    size_t body_len;
    const char *authorization;   /* Authorization header value, or NULL */
    const char *content_type;    /* Content-Type header value, or NULL */
    const char *idempotency_key; /* Idempotency-Key header value, or NULL (protocol §12.7) */
} rh_http_req;

typedef struct rh_http_resp {
    int status;
    const char *content_type; /* "application/json" */
    const char *body;
    size_t body_len;
    const char *retry_after; /* Retry-After header value, or NULL */
} rh_http_resp;

/* Called exactly once per request, maybe before rh_srv_http returns (embedded store) or
 * later (an asynchronous store). resp and its body are valid only during the call. */
typedef void (*rh_http_done)(void *ud, const rh_http_resp *resp);

/* Routes and answers one complete HTTP request: /up, the Pusher HTTP API, the control API,
 * /broadcasting/auth. Every error is a JSON body {"error": "...", "code": N}. */
void rh_srv_http(rh_srv *srv, const rh_http_req *req, rh_http_done done, void *ud);

#endif
