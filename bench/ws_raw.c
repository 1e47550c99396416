/* rb_wsr: the bench's Pusher subscribers on plain non-blocking TCP sockets, each watched by a
 * uv_poll_t on the bench's loop: the same subscribers as ws.c's libwebsockets client with
 * less work per delivery (one recv per readiness, every whole frame of it handled in place),
 * so a fan-out run measures the server rather than the client. The byte stream is rb_wsc's
 * (wsconn.c); the connect queue and the Pusher side are rb_wsq and rb_wss (wssub.c), as in
 * ws.c. */
#include "ws_impl.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "wire/clock.h"
#include "wire/pusher.h"
#include "wsconn.h"
#include "wssub.h"

#define WSR_OUT 4096 /* pending outgoing bytes: the upgrade request, a subscribe, pongs */

typedef struct rsub {
    rb_wsr *w;
    uv_poll_t poll;
    int fd; /* -1: none */
    int idx;
    rb_wss p;
    int tcp_up;
    int events; /* what the poll handle watches */
    rb_wsc c;
    unsigned char out[WSR_OUT];
    size_t outlen;
} rsub;

struct rb_wsr {
    uv_loop_t *loop;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[128];
    int port;
    char *path;
    char key[128], secret[128];
    rsub *subs;
    int nsubs;
    rb_wsq q;
    rb_ws_cbs cbs;
    void *ud;
};

static void pump(rb_wsr *w);

static void drop(rsub *s)
{
    if (s->fd >= 0) {
        /* uv_close stops the watch at once, so the fd may be closed (and reused) right after. */
        uv_close((uv_handle_t *)&s->poll, NULL);
        close(s->fd);
        s->fd = -1;
    }
    rb_wsc_free(&s->c);
    s->outlen = 0;
}

static void fail(rsub *s, const char *msg)
{
    rb_wsr *w = s->w;
    int alive = rb_wss_fail(&s->p, &w->q);
    drop(s);
    if (alive)
        w->cbs.on_error(w->ud, s->idx, msg);
    pump(w);
}

static void on_poll(uv_poll_t *h, int status, int events);

static void watch(rsub *s)
{
    int ev = UV_READABLE | (!s->tcp_up || s->outlen ? UV_WRITABLE : 0);
    /* uv_poll_start re-registers the fd (epoll_ctl) even for the same events: only on a
     * change, not once per delivery. */
    if (ev == s->events)
        return;
    s->events = ev;
    if (uv_poll_start(&s->poll, ev, on_poll) != 0)
        fail(s, "cannot watch the socket");
}

/* Sends what is pending; the rest waits for writability. 0, or -1 (failed). */
static int flush(rsub *s)
{
    while (s->outlen) {
        ssize_t n = send(s->fd, s->out, s->outlen, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            char why[160];
            snprintf(why, sizeof(why), "send failed: %s", strerror(errno));
            fail(s, why);
            return -1;
        }
        memmove(s->out, s->out + n, s->outlen - (size_t)n);
        s->outlen -= (size_t)n;
    }
    return 0;
}

/* Queues one masked frame and sends at once when nothing is waiting. 0, or -1 (failed). */
static int send_frame(rsub *s, int opcode, const char *p, size_t len)
{
    uint8_t mask[4];
    if (RAND_bytes(mask, sizeof(mask)) != 1) {
        fail(s, "no random bytes for a frame mask");
        return -1;
    }
    size_t n = rb_wsc_frame(s->out + s->outlen, WSR_OUT - s->outlen, opcode, p, len, mask);
    if (n > WSR_OUT - s->outlen) {
        fail(s, "outgoing frames pile up (the server does not read)");
        return -1;
    }
    s->outlen += n;
    return flush(s);
}

static int send_text(rsub *s, const char *txt)
{
    return send_frame(s, RW_WS_TEXT, txt, strlen(txt));
}

/* One Pusher message. 0, or -1 (the subscriber failed). */
static int on_message(rsub *s, const char *m, size_t len)
{
    rb_wsr *w = s->w;
    rb_wss_act a;
    int rc = 0;
    switch (rb_wss_step(&s->p, w->key, w->secret, m, len, &a)) {
    case RB_WSS_TOKEN:
        w->cbs.on_token(w->ud, s->idx, a.seq, (uint64_t)rw_now_ns(), m, len);
        break;
    case RB_WSS_SUBSCRIBE:
        rc = send_text(s, a.text);
        free(a.text);
        break;
    case RB_WSS_SUBSCRIBED:
        rb_wsq_done(&w->q);
        w->cbs.on_subscribed(w->ud, s->idx);
        pump(w);
        break;
    case RB_WSS_PONG:
        rc = send_text(s, rw_pusher_pong());
        break;
    case RB_WSS_FAIL:
        fail(s, a.why);
        rc = -1;
        break;
    case RB_WSS_NOTHING:
        break;
    }
    return rc;
}

/* Everything whole in the receive buffer. 0, or -1 (the subscriber failed). */
static int drain(rsub *s)
{
    for (;;) {
        rb_wsc_ev ev;
        char why[200];
        switch (rb_wsc_next(&s->c, &ev)) {
        case RB_WSC_MORE:
            return 0;
        case RB_WSC_OPEN:
            break;
        case RB_WSC_TEXT:
            if (on_message(s, ev.data, ev.len) < 0)
                return -1;
            break;
        case RB_WSC_PING:
            if (send_frame(s, RW_WS_PONG, ev.data, ev.len) < 0)
                return -1;
            break;
        case RB_WSC_CLOSE:
            snprintf(why, sizeof(why), "connection closed by the server (close code %d)", ev.code);
            fail(s, why);
            return -1;
        default:
            snprintf(why, sizeof(why), "WebSocket error: %s", ev.why);
            fail(s, why);
            return -1;
        }
    }
}

static void on_readable(rsub *s)
{
    for (;;) {
        size_t room;
        unsigned char *p = rb_wsc_space(&s->c, &room);
        if (!p) {
            fail(s, "out of memory for the receive buffer");
            return;
        }
        ssize_t n = recv(s->fd, p, room, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            char why[160];
            snprintf(why, sizeof(why), "connection closed by the server%s%s", n ? ": " : "",
                     n ? strerror(errno) : "");
            fail(s, why);
            return;
        }
        rb_wsc_received(&s->c, (size_t)n);
        if (drain(s) < 0 || (size_t)n < room)
            return; /* a short read emptied the socket: no second recv for EAGAIN */
    }
}

/* The TCP connection is up (or failed): send the upgrade request. 0, or -1 (failed). */
static int on_connected(rsub *s)
{
    rb_wsr *w = s->w;
    int err = 0;
    socklen_t sl = sizeof(err);
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
        err = errno;
    if (err) {
        char why[200];
        snprintf(why, sizeof(why), "WebSocket connect failed: %s", strerror(err));
        fail(s, why);
        return -1;
    }
    s->tcp_up = 1;
    size_t n = rb_wsc_request(&s->c, (char *)s->out, WSR_OUT, w->path, w->host, w->port);
    if (n >= WSR_OUT) {
        fail(s, "upgrade request too long");
        return -1;
    }
    s->outlen = n;
    return flush(s);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    rsub *s = h->data;
    if (s->p.phase == RB_WSP_DEAD || s->fd < 0)
        return;
    if (status < 0) {
        /* libuv reports a socket error (a refused connect too) as a status: say which. */
        int err = 0;
        socklen_t sl = sizeof(err);
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
        char why[160];
        snprintf(why, sizeof(why), "%s: %s",
                 s->tcp_up ? "socket error" : "WebSocket connect failed",
                 err ? strerror(err) : uv_strerror(status));
        fail(s, why);
        return;
    }
    if (!s->tcp_up && (events & UV_WRITABLE) && on_connected(s) < 0)
        return;
    if (s->tcp_up && s->outlen && (events & UV_WRITABLE) && flush(s) < 0)
        return;
    if (s->tcp_up && (events & (UV_READABLE | UV_DISCONNECT)))
        on_readable(s);
    if (s->fd >= 0)
        watch(s);
}

static void connect_one(rb_wsr *w, rsub *s)
{
    uint8_t nonce[16];
    s->p.phase = RB_WSP_CONNECTING;
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        fail(s, "no random bytes for the WebSocket key");
        return;
    }
    rb_wsc_init(&s->c, nonce);
    int fd = socket(w->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail(s, "cannot create a socket");
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if ((connect(fd, (struct sockaddr *)&w->addr, w->addrlen) != 0 && errno != EINPROGRESS) ||
        uv_poll_init_socket(w->loop, &s->poll, fd) != 0) {
        char why[160];
        snprintf(why, sizeof(why), "WebSocket connect failed: %s", strerror(errno));
        close(fd);
        fail(s, why);
        return;
    }
    s->fd = fd;
    s->poll.data = s;
    s->events = 0;
    watch(s);
}

static void pump(rb_wsr *w)
{
    int idx;
    while ((idx = rb_wsq_pop(&w->q)) >= 0)
        connect_one(w, &w->subs[idx]);
}

static int resolve(rb_wsr *w, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", w->port);
    int rc = getaddrinfo(w->host, port, &hints, &res);
    if (rc != 0 || !res || res->ai_addrlen > sizeof(w->addr)) {
        snprintf(err, errlen, "cannot resolve %s: %s", w->host, rc ? gai_strerror(rc) : "?");
        if (res)
            freeaddrinfo(res);
        return -1;
    }
    memcpy(&w->addr, res->ai_addr, res->ai_addrlen);
    w->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

rb_wsr *rb_wsr_new(uv_loop_t *loop, const char *host, int port, const char *key, const char *secret,
                   int nsubs, const rb_ws_cbs *cbs, void *ud, char *err, size_t errlen)
{
    rb_wsr *w = calloc(1, sizeof(*w));
    if (!w || !(w->subs = calloc((size_t)(nsubs > 0 ? nsubs : 1), sizeof(rsub)))) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->loop = loop;
    snprintf(w->host, sizeof(w->host), "%s", host);
    w->port = port;
    snprintf(w->key, sizeof(w->key), "%s", key);
    snprintf(w->secret, sizeof(w->secret), "%s", secret);
    w->path = rw_pusher_ws_path(key, "rehome-bench", RH_VERSION);
    int oom = !w->path || rb_wsq_init(&w->q, nsubs) != 0;
    if (oom || resolve(w, err, errlen) != 0) {
        if (oom)
            snprintf(err, errlen, "out of memory");
        rb_wsq_free(&w->q);
        free(w->path);
        free(w->subs);
        free(w);
        return NULL;
    }
    w->nsubs = nsubs;
    w->cbs = *cbs;
    w->ud = ud;
    for (int i = 0; i < nsubs; i++) {
        w->subs[i].w = w;
        w->subs[i].idx = i;
        w->subs[i].fd = -1;
    }
    return w;
}

int rb_wsr_open(rb_wsr *w, int idx, const char *channel)
{
    if (idx < 0 || idx >= w->nsubs || rb_wss_queue(&w->subs[idx].p, &w->q, idx, channel) != 0)
        return -1;
    pump(w);
    return 0;
}

void rb_wsr_free(rb_wsr *w)
{
    if (!w)
        return;
    /* Closing is not a failure: stop reporting, and open nothing more. */
    rb_wsq_clear(&w->q);
    for (int i = 0; i < w->nsubs; i++) {
        w->subs[i].p.phase = RB_WSP_DEAD;
        drop(&w->subs[i]);
    }
    uv_run(w->loop, UV_RUN_DEFAULT);
    for (int i = 0; i < w->nsubs; i++)
        rb_wss_clear(&w->subs[i].p);
    rb_wsq_free(&w->q);
    free(w->subs);
    free(w->path);
    free(w);
}
