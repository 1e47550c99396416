/* rc_ws: RFC 6455 client side for the suite over rc_net and conformance/wire. See client.h
 * and io.h.
 *
 * Frames are parsed from a growing input buffer so that a timeout in the middle of a frame
 * loses nothing: the next receive continues where the last one stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include "proto/utf8.h"
#include "wire/clock.h"
#include "wire/wsframe.h"
#include "ws_int.h"

static void wire_frame(rc_ws *ws, const char *dir, int op, const unsigned char *p, size_t len)
{
    char pre[48];
    switch (op) {
    case RC_WS_TEXT:
        rc_hooks_wire(&ws->h, dir, "", p, len, 0);
        return;
    case RC_WS_BINARY:
        rc_hooks_wire(&ws->h, dir, "[binary] ", p, len, 1);
        return;
    case RC_WS_CLOSE:
        if (len >= 2) {
            snprintf(pre, sizeof pre, "[close %d] ", (p[0] << 8) | p[1]);
            rc_hooks_wire(&ws->h, dir, pre, p + 2, len - 2, 0);
        } else {
            rc_hooks_wire(&ws->h, dir, "[close]", "", 0, 0);
        }
        return;
    default:
        snprintf(pre, sizeof pre, "[%s] ",
                 op == RC_WS_PING   ? "ping"
                 : op == RC_WS_PONG ? "pong"
                 : op == 0          ? "continuation"
                                    : "opcode");
        rc_hooks_wire(&ws->h, dir, pre, p, len, op != 0 && op != RC_WS_PING && op != RC_WS_PONG);
    }
}

void rc_ws_free(rc_ws *ws)
{
    if (!ws)
        return;
    if (ws->open && !ws->close_sent && ws->net.fd >= 0) {
        unsigned char c[2] = {1000 >> 8, 1000 & 255};
        rc_ws_send_frame(ws, RC_WS_CLOSE, c, 2, 1, 1);
    }
    rc_net_close(&ws->net);
    rw_wsmsg_free(&ws->msgs);
    free(ws->in);
    free(ws->msg);
    free(ws);
}

rc_ws *rc_ws_connect(const rc_hooks *h, const rc_endpoint *ep, const char *path,
                     const char *headers, int expect_failure, int *http_status)
{
    char err[256];
    if (http_status)
        *http_status = 0;
    rc_ws *ws = calloc(1, sizeof *ws);
    if (!ws) {
        rc_hooks_error(h, "out of memory");
        return NULL;
    }
    ws->h = *h;
    ws->auto_pong = 1;
    ws->net.fd = -1;
    rw_wsmsg_init(&ws->msgs, WS_MAX_MESSAGE);
    int64_t dl = rw_deadline_ns(rc_hooks_timeout(h, RC_IO_TIMEOUT_MS));
    if (rc_net_connect(&ws->net, ep->host, ep->port, ep->tls, ep->ca_file, dl, err, sizeof err) <
        0) {
        rc_hooks_wire(h, "note", "", err, strlen(err), 0);
        if (!expect_failure)
            rc_hooks_error(h, "%s", err);
        rc_ws_free(ws);
        return NULL;
    }
    if (rc__ws_handshake(ws, ep->host, ep->port, path, headers, expect_failure, http_status) < 0) {
        ws->open = 0;
        rc_ws_free(ws);
        return NULL;
    }
    ws->open = 1;
    return ws;
}

static int rand_mask(void *ud, uint8_t mask[4])
{
    (void)ud;
    return RAND_bytes(mask, 4) == 1 ? 0 : -1;
}

int rc_ws_send_frame(rc_ws *ws, int opcode, const void *data, size_t len, int fin, int masked)
{
    if (!ws || ws->net.fd < 0)
        return -1;
    rw_wsframe fr = {.fin = fin ? 1 : 0, .opcode = opcode & 0x0f, .masked = masked ? 1 : 0};
    size_t n = rw_wsframe_encode(NULL, 0, &fr, data, len, NULL, NULL);
    unsigned char *f = malloc(n);
    if (!f || rw_wsframe_encode(f, n, &fr, data, len, masked ? rand_mask : NULL, NULL) != n) {
        free(f);
        return -1;
    }
    if (!fin || !masked || opcode == 0) {
        char pre[64];
        snprintf(pre, sizeof pre, "[frame op=%d fin=%d masked=%d] ", opcode, fin ? 1 : 0,
                 masked ? 1 : 0);
        rc_hooks_wire(&ws->h, "out", pre, data, len, opcode == RC_WS_BINARY);
    } else {
        wire_frame(ws, "out", opcode, data, len);
    }
    /* Sending is bounded too, but a close at cleanup gets a short grace of its own. */
    int ms = rc_hooks_timeout(&ws->h, -1);
    if (ms < WS_CLOSE_GRACE_MS)
        ms = WS_CLOSE_GRACE_MS;
    int r = rc_net_write(&ws->net, f, n, rw_deadline_ns(ms));
    free(f);
    if (opcode == RC_WS_CLOSE && r == 0)
        ws->close_sent = 1;
    return r;
}

int rc_ws_send_text(rc_ws *ws, const char *s, size_t len)
{
    return rc_ws_send_frame(ws, RC_WS_TEXT, s, len, 1, 1);
}

void rc_ws_set_auto_pong(rc_ws *ws, int on)
{
    if (ws)
        ws->auto_pong = on;
}

int rc_ws_close_code(const rc_ws *ws)
{
    return ws ? ws->close_code : 1006;
}

int rc_ws_is_open(const rc_ws *ws)
{
    return ws && ws->open;
}

static void mark_closed(rc_ws *ws, int code)
{
    if (!ws->close_code)
        ws->close_code = code;
    ws->open = 0;
}

/* Parses one complete frame from the input: 1 frame (f, hdr set), 0 need more, -1 bad. */
static int parse_frame(rc_ws *ws, rw_wsframe *f, size_t *hdr)
{
    if (rw_wsframe_decode((const unsigned char *)ws->in, ws->inlen, f, hdr) != RW_WSFRAME_HEADER)
        return 0;
    switch (rw_wsframe_check(f, WS_MAX_MESSAGE, 0)) {
    case RW_WSFRAME_E_RSV:
        rc_hooks_fail(&ws->h, "server frame has RSV bits set without a negotiated extension");
        return -1;
    case RW_WSFRAME_E_TOO_LARGE:
        rc_hooks_error(&ws->h, "server frame of %llu bytes is over the suite's limit",
                       (unsigned long long)f->len);
        return -1;
    case RW_WSFRAME_E_MASKED:
        rc_hooks_fail(&ws->h, "server sent a masked frame (RFC 6455 5.1: a server MUST NOT mask)");
        return -1;
    default:
        return ws->inlen - *hdr < f->len ? 0 : 1;
    }
}

static int deliver(rc_ws *ws, int op, const char *p, size_t len, rc_ws_msg *out)
{
    free(ws->msg);
    ws->msg = malloc(len + 1);
    if (!ws->msg)
        return -1;
    memcpy(ws->msg, p, len);
    ws->msg[len] = '\0';
    if (op == RC_WS_TEXT && !rh_utf8_valid(p, len))
        rc_hooks_fail(&ws->h, "server sent a text message that is not valid UTF-8 (RFC 6455 8.1)");
    out->opcode = op;
    out->data = ws->msg;
    out->len = len;
    return 1;
}

static int on_close(rc_ws *ws, const rw_wsmsg_event *ev)
{
    if (!ws->close_sent) {
        int code = ev->close_code == 1005 ? 1000 : ev->close_code;
        unsigned char c[2] = {(unsigned char)(code >> 8), (unsigned char)(code & 255)};
        rc_ws_send_frame(ws, RC_WS_CLOSE, c, 2, 1, 1);
    }
    mark_closed(ws, ev->close_code);
    rc_net_close(&ws->net);
    return -1;
}

static int on_error(rc_ws *ws, const rw_wsframe *f, int why)
{
    switch (why) {
    case RW_WSMSG_E_CONT_NO_START:
        rc_hooks_fail(&ws->h, "server sent a continuation frame with no message started");
        break;
    case RW_WSMSG_E_NEW_IN_FRAG:
        rc_hooks_fail(&ws->h, "server started a new message inside a fragmented one");
        break;
    case RW_WSMSG_E_OPCODE:
        rc_hooks_fail(&ws->h, "server sent a frame with reserved opcode %d", f->opcode);
        break;
    default:
        rc_hooks_error(&ws->h, "fragmented server message too large");
    }
    return -1;
}

/* Handles one parsed frame: 1 message ready in out, 0 keep reading, -1 closed/error. */
static int on_frame(rc_ws *ws, const rw_wsframe *f, const char *p, size_t len, rc_ws_msg *out)
{
    wire_frame(ws, "in", f->opcode, (const unsigned char *)p, len);
    rw_wsmsg_event ev;
    switch (rw_wsmsg_frame(&ws->msgs, f, p, len, &ev)) {
    case RW_WSMSG_MESSAGE:
        return deliver(ws, ev.opcode, ev.data, ev.len, out);
    case RW_WSMSG_CONTROL:
        if (ev.opcode == RW_WS_CLOSE)
            return on_close(ws, &ev);
        if (ev.opcode == RW_WS_PING && ws->auto_pong) {
            rc_ws_send_frame(ws, RC_WS_PONG, p, len, 1, 1);
            return 0;
        }
        return deliver(ws, ev.opcode, p, len, out);
    case RW_WSMSG_ERROR:
        return on_error(ws, f, ev.why);
    default:
        return 0;
    }
}

/* Takes the next whole frame out of the input and handles it: as on_frame, or 2 when there
 * is no whole frame yet, -2 when the input is bad. */
static int next_frame(rc_ws *ws, rc_ws_msg *out)
{
    rw_wsframe f;
    size_t hdr = 0;
    int pr = parse_frame(ws, &f, &hdr);
    if (pr <= 0)
        return pr < 0 ? -2 : 2;
    /* Copy out first: on_frame may send (pong/close) but never reads. */
    size_t plen = (size_t)f.len;
    char *payload = malloc(plen + 1);
    if (!payload)
        return -1;
    memcpy(payload, ws->in + hdr, plen);
    memmove(ws->in, ws->in + hdr + plen, ws->inlen - hdr - plen);
    ws->inlen -= hdr + plen;
    int r = on_frame(ws, &f, payload, plen, out);
    free(payload);
    return r;
}

int rc_ws_recv(rc_ws *ws, int timeout_ms, rc_ws_msg *out)
{
    if (!ws || !ws->open)
        return -1;
    int64_t dl = rw_deadline_ns(rc_hooks_timeout(&ws->h, timeout_ms));
    for (;;) {
        int r = next_frame(ws, out);
        if (r == -2) {
            mark_closed(ws, 1002);
            rc_net_close(&ws->net);
            return -1;
        }
        if (r != 2) {
            if (r != 0)
                return r;
            continue;
        }
        long n = rc__ws_fill(ws, dl);
        if (n == -2)
            return 0;
        if (n <= 0) {
            rc_hooks_wire(&ws->h, "note", "", "connection closed without a close frame", 39, 0);
            mark_closed(ws, 1006);
            rc_net_close(&ws->net);
            return -1;
        }
        ws->inlen += (size_t)n;
    }
}

void rc_ws_drop(rc_ws *ws)
{
    if (!ws || ws->net.fd < 0)
        return;
    /* Linger 0: close() sends a TCP reset at once, no FIN handshake and no close frame. */
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(ws->net.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    rc_net_close(&ws->net);
    mark_closed(ws, 1006);
}

void rc_ws_close(rc_ws *ws)
{
    if (!ws || ws->net.fd < 0) {
        if (ws)
            ws->open = 0;
        return;
    }
    if (ws->open && !ws->close_sent) {
        unsigned char c[2] = {1000 >> 8, 1000 & 255};
        rc_ws_send_frame(ws, RC_WS_CLOSE, c, 2, 1, 1);
        /* Wait briefly for the server's close so the log shows its answer. */
        int64_t dl = rw_deadline_ns(WS_CLOSE_GRACE_MS);
        rc_ws_msg m;
        while (ws->open && rw_now_ns() < dl) {
            long n = rc__ws_fill(ws, dl);
            if (n <= 0)
                break;
            ws->inlen += (size_t)n;
            int r = 0;
            while (ws->open && (r = next_frame(ws, &m)) != 2 && r != -2)
                ;
            if (r == -2)
                break;
        }
    }
    mark_closed(ws, ws->close_code ? ws->close_code : 1000);
    rc_net_close(&ws->net);
}
