/* rc_ws internals shared by ws.c (frames and messages) and ws_handshake.c (the upgrade). */
#ifndef RC_WS_INT_H
#define RC_WS_INT_H

#include <stdint.h>

#include "io.h"
#include "net.h"
#include "wire/wsmsg.h"

#define WS_MAX_MESSAGE    (64u << 20) /* a larger server frame is treated as a protocol error */
#define WS_CLOSE_GRACE_MS 300

struct rc_ws {
    rc_hooks h;
    rc_net net;
    char *in;
    size_t inlen, incap;
    rw_wsmsg msgs; /* joins fragmented messages */
    char *msg;     /* last returned message */
    int auto_pong;
    int open;
    int close_sent;
    int close_code;
};

/* Reads more input: >0 bytes, 0 eof, -1 error, -2 deadline. */
long rc__ws_fill(rc_ws *ws, int64_t deadline);
/* Sends the upgrade request and checks the 101 answer (RFC 6455 4.1): 0 or -1 (reported
 * unless expect_failure). Bytes after the response head stay in ws->in. */
int rc__ws_handshake(rc_ws *ws, const char *host, int port, const char *path, const char *headers,
                     int expect_failure, int *http_status);

#endif
