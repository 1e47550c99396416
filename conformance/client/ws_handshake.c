/* rc_ws: the client side of the WebSocket opening handshake (RFC 6455 4.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ws_int.h"

static void b64(const unsigned char *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

int rc__ws_in_reserve(rc_ws *ws, size_t more)
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
    if (rc__ws_in_reserve(ws, 16384) < 0)
        return -1;
    return rc_net_read(&ws->net, ws->in + ws->inlen, ws->incap - ws->inlen, deadline);
}

int rc__ws_handshake(rc_ws *ws, const char *path, const char *headers, int expect_failure,
                     int *http_status)
{
    const rc_target *t = rc_target_of(ws->ctx);
    unsigned char nonce[16];
    char key[32], accept[64], want[64];
    RAND_bytes(nonce, sizeof nonce);
    b64(nonce, sizeof nonce, key);
    char *req = NULL;
    int n = asprintf(&req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\nUser-Agent: rehome-conform\r\n%s\r\n",
                     path, t->host, t->port, key, headers ? headers : "");
    if (n < 0)
        return -1;
    rc__wire(ws->ctx, "out", "", req, (size_t)n, 0);
    int64_t dl = rc_net_deadline(rc__timeout(ws->ctx, RC_DEFAULT_TIMEOUT_MS));
    int wr = rc_net_write(&ws->net, req, (size_t)n, dl);
    free(req);
    if (wr < 0) {
        if (!expect_failure)
            rc_error(ws->ctx, "WebSocket upgrade: cannot send the request");
        return -1;
    }
    char *end = NULL;
    while (!(end = ws->in ? memmem(ws->in, ws->inlen, "\r\n\r\n", 4) : NULL)) {
        long r = rc__ws_fill(ws, dl);
        if (r <= 0 || ws->inlen > 65536) {
            if (!expect_failure)
                rc_error(ws->ctx, "WebSocket upgrade: %s before the response headers ended",
                         r == -2 ? "timeout" : "connection closed");
            return -1;
        }
        ws->inlen += (size_t)r;
    }
    size_t hlen = (size_t)(end - ws->in) + 4;
    char *head = strndup(ws->in, hlen);
    if (!head)
        return -1;
    rc__wire(ws->ctx, "in", "", head, hlen, 0);
    memmove(ws->in, ws->in + hlen, ws->inlen - hlen);
    ws->inlen -= hlen;
    int status = 0;
    sscanf(head, "HTTP/1.%*d %d", &status);
    if (http_status)
        *http_status = status;
    int rc = -1;
    if (status != 101) {
        if (!expect_failure)
            rc_error(ws->ctx, "WebSocket upgrade refused with HTTP status %d", status);
        goto out;
    }
    char up[64] = "", conn[128] = "";
    rc_net_header(head, "Upgrade", up, sizeof up);
    rc_net_header(head, "Connection", conn, sizeof conn);
    if (strcasecmp(up, "websocket") != 0 || !strcasestr(conn, "upgrade")) {
        rc_fail(ws->ctx, "101 response without Upgrade: websocket / Connection: Upgrade");
        goto out;
    }
    /* RFC 6455 4.1: Accept = base64(SHA-1(key + GUID)). */
    unsigned char dig[SHA_DIGEST_LENGTH];
    char cat[96];
    snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    SHA1((const unsigned char *)cat, strlen(cat), dig);
    b64(dig, sizeof dig, want);
    if (!rc_net_header(head, "Sec-WebSocket-Accept", accept, sizeof accept) ||
        strcmp(accept, want) != 0) {
        rc_fail(ws->ctx, "Sec-WebSocket-Accept is \"%s\", expected \"%s\" (RFC 6455 4.1)", accept,
                want);
        rc_expect_seen(ws->ctx, want, accept);
        goto out;
    }
    rc = 0;
out:
    free(head);
    return rc;
}
