#include "wsconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/http.h"

#define WSC_FIRST_CAP 4096
#define WSC_MAX_CAP   (RB_WSC_MSG_MAX + RW_WSFRAME_MAX_HEADER)

void rb_wsc_init(rb_wsc *c, const uint8_t nonce[16])
{
    memset(c, 0, sizeof(*c));
    rw_wskey_make(nonce, c->key);
    rw_wsmsg_init(&c->msg, RB_WSC_MSG_MAX);
}

void rb_wsc_free(rb_wsc *c)
{
    free(c->in);
    c->in = NULL;
    c->off = c->len = c->cap = 0;
    rw_wsmsg_free(&c->msg);
}

size_t rb_wsc_request(const rb_wsc *c, char *out, size_t cap, const char *target, const char *host,
                      int port)
{
    return rw_wskey_request(out, cap, target, host, port, c->key, NULL, NULL);
}

unsigned char *rb_wsc_space(rb_wsc *c, size_t *room)
{
    if (c->off) {
        memmove(c->in, c->in + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    /* A frame over WSC_MAX_CAP is refused by rb_wsc_next before it fills the buffer, so a
     * full buffer at the bound always holds something whole; grow early to read in big
     * pieces. */
    if (c->cap - c->len < WSC_FIRST_CAP / 2 && c->cap < WSC_MAX_CAP) {
        size_t cap = c->cap ? c->cap * 2 : WSC_FIRST_CAP;
        if (cap > WSC_MAX_CAP)
            cap = WSC_MAX_CAP;
        unsigned char *n = realloc(c->in, cap);
        if (!n)
            return NULL;
        c->in = n;
        c->cap = cap;
    }
    *room = c->cap - c->len;
    return *room ? c->in + c->len : NULL;
}

void rb_wsc_received(rb_wsc *c, size_t n)
{
    c->len += n;
}

static int wsc_fail(rb_wsc *c, rb_wsc_ev *ev, const char *fmt, int n)
{
    c->failed = 1;
    ev->kind = RB_WSC_ERROR;
    snprintf(ev->why, sizeof(ev->why), fmt, n);
    return ev->kind;
}

static int wsc_upgrade(rb_wsc *c, rb_wsc_ev *ev)
{
    rw_header hdrs[32];
    rw_http_head hd;
    size_t avail = c->len - c->off;
    int hl = rw_http_parse_head((const char *)c->in + c->off, avail, &hd, hdrs, 32);
    if (hl == RW_HTTP_PARTIAL)
        return avail >= RB_WSC_HEAD_MAX
                   ? wsc_fail(c, ev, "upgrade answer head over %d bytes", RB_WSC_HEAD_MAX)
                   : RB_WSC_MORE;
    if (hl < 0)
        return wsc_fail(c, ev, "malformed upgrade answer%.0d", 0);
    switch (rw_wskey_check(&hd, c->key, NULL, NULL, 0)) {
    case RW_WSKEY_OK:
        break;
    case RW_WSKEY_NOT_101:
        return wsc_fail(c, ev, "upgrade refused: HTTP %d", hd.status);
    case RW_WSKEY_NO_UPGRADE:
        return wsc_fail(c, ev, "101 without Upgrade: websocket%.0d", 0);
    default:
        return wsc_fail(c, ev, "wrong Sec-WebSocket-Accept%.0d", 0);
    }
    c->off += (size_t)hl;
    c->open = 1;
    ev->kind = RB_WSC_OPEN;
    return ev->kind;
}

/* One whole frame's meaning: an event kind, or RB_WSC_MORE to go on. */
static int wsc_frame(rb_wsc *c, rb_wsc_ev *ev, const rw_wsframe *f, const char *p)
{
    rw_wsmsg_event me;
    switch (rw_wsmsg_frame(&c->msg, f, p, (size_t)f->len, &me)) {
    case RW_WSMSG_MESSAGE:
        if (me.opcode != RW_WS_TEXT)
            return RB_WSC_MORE; /* Pusher speaks text only; a binary message is skipped */
        ev->kind = RB_WSC_TEXT;
        break;
    case RW_WSMSG_CONTROL:
        if (me.opcode == RW_WS_PONG)
            return RB_WSC_MORE;
        ev->kind = me.opcode == RW_WS_PING ? RB_WSC_PING : RB_WSC_CLOSE;
        ev->code = me.close_code;
        break;
    case RW_WSMSG_ERROR:
        c->failed = 1;
        ev->kind = RB_WSC_ERROR;
        snprintf(ev->why, sizeof(ev->why), "bad message from the server: %s",
                 rw_wsmsg_strerror(me.why));
        return ev->kind;
    default:
        return RB_WSC_MORE;
    }
    ev->data = me.data;
    ev->len = me.len;
    return ev->kind;
}

int rb_wsc_next(rb_wsc *c, rb_wsc_ev *ev)
{
    memset(ev, 0, sizeof(*ev));
    if (c->failed)
        return wsc_fail(c, ev, "connection already failed%.0d", 0);
    if (!c->open)
        return wsc_upgrade(c, ev);
    for (;;) {
        rw_wsframe f;
        size_t h, avail = c->len - c->off;
        const unsigned char *p = c->in + c->off;
        if (rw_wsframe_decode(p, avail, &f, &h) != RW_WSFRAME_HEADER)
            return RB_WSC_MORE;
        rw_wsframe_error e = rw_wsframe_check(&f, RB_WSC_MSG_MAX, 0);
        if (e != RW_WSFRAME_OK)
            return wsc_fail(c, ev,
                            e == RW_WSFRAME_E_TOO_LARGE ? "frame over %d bytes"
                            : e == RW_WSFRAME_E_MASKED  ? "masked frame from the server%.0d"
                                                        : "frame with RSV bits%.0d",
                            e == RW_WSFRAME_E_TOO_LARGE ? (int)RB_WSC_MSG_MAX : 0);
        if (avail - h < f.len)
            return RB_WSC_MORE;
        c->off += h + (size_t)f.len;
        int k = wsc_frame(c, ev, &f, (const char *)p + h);
        if (k != RB_WSC_MORE)
            return k;
    }
}

size_t rb_wsc_frame(unsigned char *out, size_t cap, int opcode, const void *payload, size_t len,
                    const uint8_t mask[4])
{
    rw_wsframe f = {.fin = 1, .opcode = opcode, .masked = 1};
    memcpy(f.mask, mask, 4);
    return rw_wsframe_encode(out, cap, &f, payload, len, NULL, NULL);
}
