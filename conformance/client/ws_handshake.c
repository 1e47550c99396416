/* rc_ws: the client side of the WebSocket opening handshake (RFC 6455 4.1), the bytes from
 * conformance/wire (rw_wskey, rw_http). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "wire/clock.h"
#include "wire/http.h"
#include "wire/wskey.h"
#include "ws_int.h"

#define WS_MAX_HEAD 65536

static int in_reserve(rc_ws *ws, size_t more)
{
    if (ws->inlen + more <= ws->incap)
        return 0;
    size_t cap = ws->incap ? ws->incap : 16384;
    while (cap < ws->inlen + more)
        cap *= 2;
    char *p = realloc(ws->in, cap);
    if (!p)
        return -1;
    ws->in = p;
    ws->incap = cap;
    return 0;
}

long rc__ws_fill(rc_ws *ws, int64_t deadline)
{
    if (in_reserve(ws, 16384) < 0)
        return -1;
    return rc_net_read(&ws->net, ws->in + ws->inlen, ws->incap - ws->inlen, deadline);
}

static int send_request(rc_ws *ws, const char *req, size_t n, int64_t dl, int expect_failure)
{
    rc_hooks_wire(&ws->h, "out", "", req, n, 0);
    if (rc_net_write(&ws->net, req, n, dl) == 0)
        return 0;
    if (!expect_failure)
        rc_hooks_error(&ws->h, "WebSocket upgrade: cannot send the request");
    return -1;
}

/* Reads until the response head is complete: its length, or -1 (reported). */
static int read_head(rc_ws *ws, int64_t dl, rw_http_head *hd, rw_header *hdrs, size_t maxh,
                     int expect_failure)
{
    for (;;) {
        int hl =
            ws->inlen ? rw_http_parse_head(ws->in, ws->inlen, hd, hdrs, maxh) : RW_HTTP_PARTIAL;
        if (hl > 0)
            return hl;
        if (hl == RW_HTTP_ERROR) {
            /* The whole head goes to the log, as far as it came. */
            rc_hooks_wire(&ws->h, "in", "", ws->in, ws->inlen, 0);
            if (!expect_failure)
                rc_hooks_error(&ws->h, "WebSocket upgrade: malformed HTTP response head");
            return -1;
        }
        long r = rc__ws_fill(ws, dl);
        if (r <= 0 || ws->inlen > WS_MAX_HEAD) {
            if (!expect_failure)
                rc_hooks_error(&ws->h, "WebSocket upgrade: %s before the response headers ended",
                               r == -2 ? "timeout" : "connection closed");
            return -1;
        }
        ws->inlen += (size_t)r;
    }
}

int rc__ws_handshake(rc_ws *ws, const char *host, int port, const char *path, const char *headers,
                     int expect_failure, int *http_status)
{
    uint8_t nonce[16];
    char key[RW_WSKEY_LEN + 1], want[RW_WSACCEPT_LEN + 1], accept[64];
    RAND_bytes(nonce, sizeof nonce);
    rw_wskey_make(nonce, key);
    size_t n = rw_wskey_request(NULL, 0, path, host, port, key, "rehome-conform", headers);
    char *req = malloc(n + 1);
    if (!req)
        return -1;
    rw_wskey_request(req, n + 1, path, host, port, key, "rehome-conform", headers);
    int64_t dl = rw_deadline_ns(rc_hooks_timeout(&ws->h, RC_IO_TIMEOUT_MS));
    int wr = send_request(ws, req, n, dl, expect_failure);
    free(req);
    if (wr < 0)
        return -1;
    rw_header hdrs[64];
    rw_http_head hd;
    int hl = read_head(ws, dl, &hd, hdrs, 64, expect_failure);
    if (hl < 0)
        return -1;
    rc_hooks_wire(&ws->h, "in", "", ws->in, (size_t)hl, 0);
    if (http_status)
        *http_status = hd.status;
    int rc = -1;
    switch (rw_wskey_check(&hd, key, want, accept, sizeof accept)) {
    case RW_WSKEY_OK:
        rc = 0;
        break;
    case RW_WSKEY_NOT_101:
        if (!expect_failure)
            rc_hooks_error(&ws->h, "WebSocket upgrade refused with HTTP status %d", hd.status);
        break;
    case RW_WSKEY_NO_UPGRADE:
        rc_hooks_fail(&ws->h, "101 response without Upgrade: websocket / Connection: Upgrade");
        break;
    case RW_WSKEY_BAD_ACCEPT:
        rc_hooks_report(&ws->h, RC_HOOK_FAIL, want, accept,
                        "Sec-WebSocket-Accept is \"%s\", expected \"%s\" (RFC 6455 4.1)", accept,
                        want);
        break;
    }
    /* The slices into ws->in are not used past here. */
    memmove(ws->in, ws->in + hl, ws->inlen - (size_t)hl);
    ws->inlen -= (size_t)hl;
    return rc;
}
