/* rc_io: the suite's transport without the runner: a WebSocket connection and one HTTP
 * request over rc_net (sockets, TLS, deadlines), every byte format from conformance/wire,
 * findings and the wire log through rc_hooks. client.h's case API (ctx.c, pusher.c) is built
 * on it; anything else (a driver, a fuzzer) may link it without the runner.
 *
 * Ownership: rc_ws_connect returns a connection the caller frees with rc_ws_free (which sends
 * a close frame first when the connection is still open); the rc_ws_* calls of client.h work
 * on it. rc_http_request fills an rc_http_resp the caller frees with rc_http_resp_free. */
#ifndef RC_IO_H
#define RC_IO_H

#include <stddef.h>

#include "client.h"
#include "hooks.h"

/* The wait for a connect, an upgrade or a response (an HTTP request gets twice that), before
 * the hooks clip it to the caller's deadline. Equal to the runner's RC_DEFAULT_TIMEOUT_MS. */
#define RC_IO_TIMEOUT_MS 5000

typedef struct rc_endpoint {
    const char *host;
    int port;
    int tls;
    const char *ca_file; /* NULL: the certificate is not checked */
} rc_endpoint;

/* Connects and upgrades at path with extra headers (NULL: none). NULL on failure, after an
 * ERROR or FAIL finding unless expect_failure; *http_status (when non-NULL) gets the status
 * of the answer (0 when there was none). */
rc_ws *rc_ws_connect(const rc_hooks *h, const rc_endpoint *ep, const char *path,
                     const char *headers, int expect_failure, int *http_status);
void rc_ws_free(rc_ws *ws);

/* One request on a fresh connection (Connection: close). headers: extra raw lines or NULL.
 * 0 on a complete response, -1 after an ERROR finding. */
int rc_http_request(const rc_hooks *h, const rc_endpoint *ep, const char *method,
                    const char *target, const char *headers, const char *body, size_t body_len,
                    rc_http_resp *resp);

#endif
