/* rehome-load's epoll WebSocket client and its small blocking HTTP client: the sockets and
 * the loop are here, every byte format (handshake, frames, messages, Pusher messages, HTTP
 * requests and response heads) is conformance/wire's. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/rand.h>

#include "load.h"
#include "wire/clock.h"
#include "wire/http.h"
#include "wire/proc.h"
#include "wire/pscan.h"
#include "wire/pusher.h"
#include "wire/url.h"
#include "wire/wsframe.h"
#include "wire/wskey.h"
#include "wire/wsmsg.h"

#define LD_MAX_MESSAGE (1u << 20)

uint64_t ld_now_us(void)
{
    return rw_now_us();
}

int ld_env_init(ld_env *env, const char *url)
{
    memset(env, 0, sizeof *env);
    rw_url u;
    char err[160];
    if (rw_url_parse(url, &u, err, sizeof err) != 0 || u.tls ||
        snprintf(env->host, sizeof env->host, "%s", u.host) >= (int)sizeof env->host) {
        fprintf(stderr, "rehome-load: URL must be http://HOST:PORT (loopback)%s%s\n",
                u.tls ? "" : ": ", u.tls ? "" : err);
        return -1;
    }
    env->port = u.port;
    env->key = getenv("RH_KEY") ? getenv("RH_KEY") : "app-key";
    env->app_id = getenv("RH_APP") ? getenv("RH_APP") : "app-id";
    env->secret = getenv("RH_SECRET") ? getenv("RH_SECRET") : "app-secret";
    env->pid = getenv("RH_PID") ? atoi(getenv("RH_PID")) : 0;
    return 0;
}

long ld_rss_kib(const ld_env *env)
{
    long kib = env->pid ? rw_proc_rss_kb(env->pid) : 0;
    return kib < 0 ? 0 : kib;
}

static int rand_mask(void *ud, uint8_t mask[4])
{
    (void)ud;
    return RAND_bytes(mask, 4) == 1 ? 0 : -1;
}

void ld_ws_key(char key[RW_WSKEY_LEN + 1])
{
    uint8_t nonce[16];
    RAND_bytes(nonce, sizeof nonce);
    rw_wskey_make(nonce, key);
}

static int tcp_socket(const ld_env *env, int nonblock, struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)env->port);
    inet_pton(AF_INET, env->host, &sa->sin_addr);
    return fd;
}

int ld_loop_init(ld_loop *l, size_t n)
{
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    l->conns = calloc(n ? n : 1, sizeof *l->conns);
    l->n = n;
    for (size_t i = 0; l->conns && i < n; i++)
        l->conns[i].fd = -1;
    return l->ep >= 0 && l->conns ? 0 : -1;
}

void ld_conn_close(ld_loop *l, ld_conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    if (c->state != LD_CLOSED && !c->close_code)
        c->close_code = 1006;
    c->state = LD_CLOSED;
    rw_wsmsg_free(&c->msg);
    free(c->in);
    c->in = NULL;
    c->inlen = c->incap = 0;
}

void ld_loop_free(ld_loop *l)
{
    for (size_t i = 0; i < l->n; i++)
        ld_conn_close(l, &l->conns[i]);
    free(l->conns);
    close(l->ep);
}

int ld_conn_start(ld_loop *l, const ld_env *env, ld_conn *c, const char *channel, int rcvbuf)
{
    struct sockaddr_in sa;
    c->fd = tcp_socket(env, 1, &sa);
    c->channel = channel;
    c->state = LD_CONNECTING;
    if (c->fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        ld_conn_close(l, c);
        return -1;
    }
    l->env = env;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
    return epoll_ctl(l->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

void ld_conn_pause(ld_loop *l, ld_conn *c, int paused)
{
    if (c->fd < 0 || c->paused == paused)
        return;
    c->paused = paused;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(l->ep, paused ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, c->fd, &ev);
}

static int send_frame(ld_conn *c, int op, const char *s, size_t len)
{
    unsigned char buf[RW_WSFRAME_MAX_HEADER + 4096];
    rw_wsframe f = {.fin = 1, .opcode = op, .masked = 1};
    if (len > 4096 || c->fd < 0)
        return -1;
    size_t n = rw_wsframe_encode(buf, sizeof buf, &f, s, len, rand_mask, NULL);
    return n && send(c->fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

int ld_conn_send_text(ld_conn *c, const char *s, size_t len)
{
    return send_frame(c, RW_WS_TEXT, s, len);
}

static void on_text(ld_conn *c, const char *m, size_t len)
{
    rw_pscan f;
    if (rw_pscan_frame(m, len, &f) != 0)
        return;
    if (f.kind == RW_PSCAN_ESTABLISHED) {
        c->established = 1;
        char *sub = c->channel ? rw_pusher_subscribe(c->channel, NULL, NULL) : NULL;
        if (sub)
            send_frame(c, RW_WS_TEXT, sub, strlen(sub));
        free(sub);
    } else if (f.kind == RW_PSCAN_SUBSCRIBED) {
        c->subscribed = 1;
    } else if (f.event_len == 7 && memcmp(f.event, "rh-load", 7) == 0) {
        c->events++;
        c->last_us = ld_now_us();
    } else if (f.kind == RW_PSCAN_PING) {
        send_frame(c, RW_WS_TEXT, rw_pusher_pong(), strlen(rw_pusher_pong()));
    } else if (f.kind == RW_PSCAN_ERROR && f.event_len == 12) {
        c->error_code = f.code;
    }
}

/* One whole frame: 1 go on, 0 the connection was closed. */
static int on_frame(ld_loop *l, ld_conn *c, const rw_wsframe *f, char *payload)
{
    rw_wsmsg_event ev;
    int k = rw_wsmsg_frame(&c->msg, f, payload, (size_t)f->len, &ev);
    if (k == RW_WSMSG_MESSAGE && ev.opcode == RW_WS_TEXT)
        on_text(c, ev.data, ev.len);
    if (k == RW_WSMSG_CONTROL && ev.opcode == RW_WS_PING)
        send_frame(c, RW_WS_PONG, ev.data, ev.len);
    if (k == RW_WSMSG_CONTROL && ev.opcode == RW_WS_CLOSE)
        c->close_code = ev.close_code;
    if (k == RW_WSMSG_ERROR || (k == RW_WSMSG_CONTROL && ev.opcode == RW_WS_CLOSE)) {
        if (!c->close_code)
            c->close_code = 1002;
        ld_conn_close(l, c);
        return 0;
    }
    return 1;
}

/* Consumes whole frames from c->in. */
static void parse_frames(ld_loop *l, ld_conn *c)
{
    size_t off = 0;
    for (;;) {
        rw_wsframe f;
        size_t h;
        unsigned char *p = (unsigned char *)c->in + off;
        if (rw_wsframe_decode(p, c->inlen - off, &f, &h) != RW_WSFRAME_HEADER)
            break;
        if (rw_wsframe_check(&f, LD_MAX_MESSAGE, 0) != RW_WSFRAME_OK) {
            c->close_code = 1002;
            ld_conn_close(l, c);
            return;
        }
        if (c->inlen - off - h < f.len)
            break;
        if (!on_frame(l, c, &f, (char *)p + h))
            return;
        off += h + (size_t)f.len;
    }
    memmove(c->in, c->in + off, c->inlen - off);
    c->inlen -= off;
}

/* The upgrade answer at the start of c->in: 1 done (or failed and closed), 0 need more. */
static int on_upgrade(ld_loop *l, ld_conn *c)
{
    rw_header hdrs[32];
    rw_http_head hd;
    int hl = rw_http_parse_head(c->in, c->inlen, &hd, hdrs, 32);
    if (hl == RW_HTTP_PARTIAL && c->inlen < 65536)
        return 0;
    if (hl < 0 || rw_wskey_check(&hd, c->key, NULL, NULL, 0) != RW_WSKEY_OK) {
        /* The HTTP status of a refused upgrade; 1002 for a broken handshake. */
        c->close_code = hl > 0 && hd.status != 101 ? hd.status : 1002;
        ld_conn_close(l, c);
        return 1;
    }
    memmove(c->in, c->in + hl, c->inlen - (size_t)hl);
    c->inlen -= (size_t)hl;
    c->state = LD_OPEN;
    return 1;
}

static void on_readable(ld_loop *l, ld_conn *c)
{
    for (;;) {
        if (c->incap - c->inlen < 4096) {
            size_t ncap = c->incap ? c->incap * 2 : 8192;
            char *n = realloc(c->in, ncap + 1);
            if (!n) {
                ld_conn_close(l, c);
                return;
            }
            c->in = n;
            c->incap = ncap;
        }
        ssize_t r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            ld_conn_close(l, c);
            return;
        }
        if (r < 0)
            break;
        c->inlen += (size_t)r;
    }
    if (c->state == LD_UPGRADING && !on_upgrade(l, c))
        return;
    if (c->state == LD_OPEN)
        parse_frames(l, c);
}

static void on_writable(ld_loop *l, ld_conn *c)
{
    int err = 0;
    socklen_t sl = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
    char req[512], target[256];
    ld_ws_key(c->key);
    rw_wsmsg_init(&c->msg, LD_MAX_MESSAGE);
    snprintf(target, sizeof target, "/app/%s?protocol=7&client=rehome-load", l->env->key);
    size_t n =
        rw_wskey_request(req, sizeof req, target, l->env->host, l->env->port, c->key, NULL, NULL);
    if (err || n >= sizeof req || send(c->fd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
        ld_conn_close(l, c);
        return;
    }
    c->state = LD_UPGRADING;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

void ld_loop_run(ld_loop *l, int ms, int (*done)(void *ud), void *ud)
{
    uint64_t end = ld_now_us() + (uint64_t)ms * 1000u;
    struct epoll_event evs[256];
    for (uint64_t now = ld_now_us(); now < end && !(done && done(ud)); now = ld_now_us()) {
        uint64_t left_ms = (end - now + 999) / 1000;
        int n = epoll_wait(l->ep, evs, 256, left_ms < 20 ? (int)left_ms : 20);
        for (int i = 0; i < n; i++) {
            ld_conn *c = evs[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (c->state == LD_CONNECTING && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                on_writable(l, c);
            else if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                on_readable(l, c);
        }
    }
}

/* One request on a fresh blocking connection (Connection: close); the status or -1. With
 * out, the whole answer (head and body, NUL-terminated, cut to outlen) is copied there. */
static int http_req(const ld_env *env, const char *method, const char *path_query, const char *body,
                    char *out, size_t outlen)
{
    struct sockaddr_in sa;
    int fd = tcp_socket(env, 0, &sa);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t blen = body ? strlen(body) : 0;
    /* One write: a head and a body in two would meet Nagle and delayed ACKs (40 ms each). */
    rw_http_req hr = {.method = method,
                      .target = path_query,
                      .host = env->host,
                      .port = env->port,
                      .content_type = "application/json",
                      .body = body,
                      .body_len = blen};
    size_t n;
    char *req = rw_http_format_alloc(&hr, &n);
    int status = -1;
    if (req && send(fd, req, n, MSG_NOSIGNAL) == (ssize_t)n) {
        char buf[512] = "";
        char *dst = out ? out : buf;
        size_t cap = out ? outlen : sizeof buf, got = 0;
        ssize_t r;
        rw_header hdrs[32];
        rw_http_head hd;
        int hl = RW_HTTP_PARTIAL;
        /* Without out, reading stops at the end of the head: the status is all that is asked. */
        while (got + 1 < cap && (r = recv(fd, dst + got, cap - 1 - got, 0)) > 0) {
            got += (size_t)r;
            hl = rw_http_parse_head(dst, got, &hd, hdrs, 32);
            if (!out && hl != RW_HTTP_PARTIAL)
                break;
        }
        dst[got] = '\0';
        if (hl == RW_HTTP_PARTIAL)
            hl = rw_http_parse_head(dst, got, &hd, hdrs, 32);
        if (hl > 0)
            status = hd.status;
    }
    free(req);
    close(fd);
    return status;
}

int ld_http_get(const ld_env *env, const char *path)
{
    return http_req(env, "GET", path, NULL, NULL, 0);
}

long ld_metric(const ld_env *env, const char *name)
{
    static char buf[65536]; /* one thread; the answer is a few KiB */
    if (http_req(env, "GET", "/metrics", NULL, buf, sizeof buf) != 200)
        return -1;
    size_t n = strlen(name);
    for (const char *p = strstr(buf, name); p; p = strstr(p + 1, name))
        if (p[-1] == '\n' && p[n] == ' ')
            return atol(p + n + 1);
    return -1;
}

int ld_publish(const ld_env *env, const char *channel, const char *data)
{
    char path[128];
    snprintf(path, sizeof path, "/apps/%s/events", env->app_id);
    char *body = rw_pusher_trigger_body("rh-load", channel, data);
    char *target = body ? rw_pusher_api_target(env->key, env->secret, "POST", path, NULL, body,
                                               strlen(body), (long)time(NULL))
                        : NULL;
    int status = target ? http_req(env, "POST", target, body, NULL, 0) : -1;
    free(target);
    free(body);
    return status;
}
