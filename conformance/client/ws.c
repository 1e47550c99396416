/* rc_ws: RFC 6455 client side for the suite. See client.h.
 *
 * Frames are parsed from a growing input buffer so that a timeout in the middle of a frame
 * loses nothing: the next receive continues where the last one stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "proto/utf8.h"
#include "ws_frame.h"
#include "ws_int.h"

static void wire_frame(rc_ws *ws, const char *dir, int op, const unsigned char *p, size_t len)
{
    char pre[48];
    switch (op) {
    case RC_WS_TEXT:
        rc__wire(ws->ctx, dir, "", p, len, 0);
        return;
    case RC_WS_BINARY:
        rc__wire(ws->ctx, dir, "[binary] ", p, len, 1);
        return;
    case RC_WS_CLOSE:
        if (len >= 2) {
            snprintf(pre, sizeof pre, "[close %d] ", (p[0] << 8) | p[1]);
            rc__wire(ws->ctx, dir, pre, p + 2, len - 2, 0);
        } else {
            rc__wire(ws->ctx, dir, "[close]", "", 0, 0);
        }
        return;
    default:
        snprintf(pre, sizeof pre, "[%s] ",
                 op == RC_WS_PING   ? "ping"
                 : op == RC_WS_PONG ? "pong"
                 : op == 0          ? "continuation"
                                    : "opcode");
        rc__wire(ws->ctx, dir, pre, p, len, op != 0 && op != RC_WS_PING && op != RC_WS_PONG);
    }
}

static void release(void *obj)
{
    rc_ws *ws = obj;
    if (ws->open && !ws->close_sent && ws->net.fd >= 0) {
        unsigned char c[2] = {1000 >> 8, 1000 & 255};
        rc_ws_send_frame(ws, RC_WS_CLOSE, c, 2, 1, 1);
    }
    rc_net_close(&ws->net);
    free(ws->in);
    free(ws->frag);
    free(ws->msg);
    free(ws);
}

rc_ws *rc_ws_open(rc_ctx *ctx, const char *path, int expect_failure, int *http_status)
{
    return rc_ws_open_hdr(ctx, path, NULL, expect_failure, http_status);
}

rc_ws *rc_ws_open_hdr(rc_ctx *ctx, const char *path, const char *headers, int expect_failure,
                      int *http_status)
{
    const rc_target *t = rc_target_of(ctx);
    char err[256];
    if (http_status)
        *http_status = 0;
    rc_ws *ws = calloc(1, sizeof *ws);
    if (!ws) {
        rc_error(ctx, "out of memory");
        return NULL;
    }
    ws->ctx = ctx;
    ws->auto_pong = 1;
    ws->net.fd = -1;
    if (!path)
        path = t->ws_path;
    int64_t dl = rc_net_deadline(rc__timeout(ctx, RC_DEFAULT_TIMEOUT_MS));
    if (rc_net_connect(&ws->net, t->host, t->port, t->tls, t->ca_file, dl, err, sizeof err) < 0) {
        rc__wire(ctx, "note", "", err, strlen(err), 0);
        if (!expect_failure)
            rc_error(ctx, "%s", err);
        free(ws);
        return NULL;
    }
    if (rc__ws_handshake(ws, path, headers, expect_failure, http_status) < 0) {
        ws->open = 0;
        release(ws);
        return NULL;
    }
    ws->open = 1;
    rc__track(ctx, ws, release);
    return ws;
}

int rc_ws_send_frame(rc_ws *ws, int opcode, const void *data, size_t len, int fin, int masked)
{
    if (!ws || ws->net.fd < 0)
        return -1;
    size_t hl = 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (masked ? 4 : 0);
    unsigned char *f = malloc(hl + len);
    if (!f)
        return -1;
    size_t o = 0;
    f[o++] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
    unsigned char mbit = masked ? 0x80 : 0;
    if (len < 126) {
        f[o++] = (unsigned char)(mbit | len);
    } else if (len < 65536) {
        f[o++] = mbit | 126;
        f[o++] = (unsigned char)(len >> 8);
        f[o++] = (unsigned char)len;
    } else {
        f[o++] = mbit | 127;
        for (int i = 7; i >= 0; i--)
            f[o++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    unsigned char mask[4] = {0};
    if (masked) {
        RAND_bytes(mask, 4);
        memcpy(f + o, mask, 4);
        o += 4;
    }
    if (len)
        memcpy(f + o, data, len);
    for (size_t i = 0; masked && i < len; i++)
        f[o + i] ^= mask[i & 3];
    if (!fin || !masked || opcode == 0) {
        char pre[64];
        snprintf(pre, sizeof pre, "[frame op=%d fin=%d masked=%d] ", opcode, fin ? 1 : 0,
                 masked ? 1 : 0);
        rc__wire(ws->ctx, "out", pre, data, len, opcode == RC_WS_BINARY);
    } else {
        wire_frame(ws, "out", opcode, data, len);
    }
    /* Sending is bounded too, but a close at cleanup gets a short grace of its own. */
    int ms = rc_remaining_ms(ws->ctx);
    if (ms < WS_CLOSE_GRACE_MS)
        ms = WS_CLOSE_GRACE_MS;
    int r = rc_net_write(&ws->net, f, o + len, rc_net_deadline(ms));
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

/* Parses one complete frame from the input: 1 frame (fields set), 0 need more, -1 bad. */
static int parse_frame(rc_ws *ws, int *op, int *fin, size_t *hdr, size_t *plen)
{
    rc_wsf f;
    int r = rc_wsf_parse((const unsigned char *)ws->in, ws->inlen, WS_MAX_MESSAGE, &f);
    switch (r) {
    case RC_WSF_RSV:
        rc_fail(ws->ctx, "server frame has RSV bits set without a negotiated extension");
        return -1;
    case RC_WSF_TOO_LARGE:
        rc_error(ws->ctx, "server frame of %zu bytes is over the suite's limit", f.len);
        return -1;
    case RC_WSF_MASKED:
        rc_fail(ws->ctx, "server sent a masked frame (RFC 6455 5.1: a server MUST NOT mask)");
        return -1;
    case RC_WSF_OK:
        *op = f.op;
        *fin = f.fin;
        *hdr = f.hdr;
        *plen = f.len;
        return 1;
    default:
        return 0;
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
        rc_fail(ws->ctx, "server sent a text message that is not valid UTF-8 (RFC 6455 8.1)");
    out->opcode = op;
    out->data = ws->msg;
    out->len = len;
    return 1;
}

/* Handles one parsed frame: 1 message ready in out, 0 keep reading, -1 closed/error. */
static int on_frame(rc_ws *ws, int op, int fin, const char *p, size_t len, rc_ws_msg *out)
{
    wire_frame(ws, "in", op, (const unsigned char *)p, len);
    switch (op) {
    case RC_WS_PING:
        if (ws->auto_pong) {
            rc_ws_send_frame(ws, RC_WS_PONG, p, len, 1, 1);
            return 0;
        }
        return deliver(ws, op, p, len, out);
    case RC_WS_PONG:
        return deliver(ws, op, p, len, out);
    case RC_WS_CLOSE: {
        int code = len >= 2 ? (((unsigned char)p[0] << 8) | (unsigned char)p[1]) : 1005;
        if (!ws->close_sent) {
            unsigned char c[2] = {(unsigned char)(code == 1005 ? 1000 >> 8 : p[0]),
                                  (unsigned char)(code == 1005 ? 1000 & 255 : p[1])};
            rc_ws_send_frame(ws, RC_WS_CLOSE, c, 2, 1, 1);
        }
        mark_closed(ws, code);
        rc_net_close(&ws->net);
        return -1;
    }
    case 0:
        if (!ws->fragop) {
            rc_fail(ws->ctx, "server sent a continuation frame with no message started");
            return -1;
        }
        break;
    case RC_WS_TEXT:
    case RC_WS_BINARY:
        if (ws->fragop) {
            rc_fail(ws->ctx, "server started a new message inside a fragmented one");
            return -1;
        }
        if (fin)
            return deliver(ws, op, p, len, out);
        ws->fragop = op;
        ws->fraglen = 0;
        break;
    default:
        rc_fail(ws->ctx, "server sent a frame with reserved opcode %d", op);
        return -1;
    }
    char *nf = ws->fraglen + len > WS_MAX_MESSAGE ? NULL : realloc(ws->frag, ws->fraglen + len + 1);
    if (!nf) {
        rc_error(ws->ctx, "fragmented server message too large");
        return -1;
    }
    ws->frag = nf;
    memcpy(ws->frag + ws->fraglen, p, len);
    ws->fraglen += len;
    if (!fin)
        return 0;
    int fop = ws->fragop;
    ws->fragop = 0;
    return deliver(ws, fop, ws->frag, ws->fraglen, out);
}

int rc_ws_recv(rc_ws *ws, int timeout_ms, rc_ws_msg *out)
{
    if (!ws || !ws->open)
        return -1;
    int64_t dl = rc_net_deadline(rc__timeout(ws->ctx, timeout_ms));
    for (;;) {
        int op = 0, fin = 0;
        size_t hdr = 0, plen = 0;
        int pr = parse_frame(ws, &op, &fin, &hdr, &plen);
        if (pr < 0) {
            mark_closed(ws, 1002);
            rc_net_close(&ws->net);
            return -1;
        }
        if (pr == 1) {
            /* Copy out first: on_frame may send (pong/close) but never reads. */
            char *payload = malloc(plen + 1);
            if (!payload)
                return -1;
            memcpy(payload, ws->in + hdr, plen);
            memmove(ws->in, ws->in + hdr + plen, ws->inlen - hdr - plen);
            ws->inlen -= hdr + plen;
            int r = on_frame(ws, op, fin, payload, plen, out);
            free(payload);
            if (r != 0)
                return r;
            continue;
        }
        long n = rc__ws_fill(ws, dl);
        if (n == -2)
            return 0;
        if (n <= 0) {
            rc__wire(ws->ctx, "note", "", "connection closed without a close frame", 39, 0);
            mark_closed(ws, 1006);
            rc_net_close(&ws->net);
            return -1;
        }
        ws->inlen += (size_t)n;
    }
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
        int64_t dl = rc__now_ns() + (int64_t)WS_CLOSE_GRACE_MS * 1000000LL;
        rc_ws_msg m;
        while (ws->open && rc__now_ns() < dl) {
            int left = (int)((dl - rc__now_ns()) / 1000000LL);
            int64_t d2 = rc_net_deadline(left);
            long n = rc__ws_fill(ws, d2);
            if (n <= 0)
                break;
            ws->inlen += (size_t)n;
            int op, fin;
            size_t hdr, plen;
            while (ws->open && parse_frame(ws, &op, &fin, &hdr, &plen) == 1) {
                char *pl = malloc(plen + 1);
                if (pl)
                    memcpy(pl, ws->in + hdr, plen);
                memmove(ws->in, ws->in + hdr + plen, ws->inlen - hdr - plen);
                ws->inlen -= hdr + plen;
                if (pl)
                    on_frame(ws, op, fin, pl, plen, &m);
                free(pl);
            }
        }
    }
    mark_closed(ws, ws->close_code ? ws->close_code : 1000);
    rc_net_close(&ws->net);
}

/* For the pusher layer: the ctx a connection belongs to. */
rc_ctx *rc__ws_ctx(rc_ws *ws);
rc_ctx *rc__ws_ctx(rc_ws *ws)
{
    return ws->ctx;
}
