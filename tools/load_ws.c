/* rh-load's epoll WebSocket client and its small blocking HTTP client. */
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

#include "load.h"
#include "proto/httpsig.h"

uint64_t ld_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int ld_env_init(ld_env *env, const char *url)
{
    memset(env, 0, sizeof *env);
    if (sscanf(url, "http://%63[^:]:%d", env->host, &env->port) != 2) {
        fprintf(stderr, "rh-load: URL must be http://HOST:PORT (loopback)\n");
        return -1;
    }
    env->key = getenv("RH_KEY") ? getenv("RH_KEY") : "app-key";
    env->app_id = getenv("RH_APP") ? getenv("RH_APP") : "app-id";
    env->secret = getenv("RH_SECRET") ? getenv("RH_SECRET") : "app-secret";
    env->pid = getenv("RH_PID") ? atoi(getenv("RH_PID")) : 0;
    return 0;
}

long ld_rss_kib(const ld_env *env)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", env->pid);
    FILE *f = env->pid ? fopen(path, "r") : NULL;
    long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
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
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = (unsigned char)(0x80 | op);
    if (len < 126) {
        hdr[h++] = (unsigned char)(0x80 | len);
    } else {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    }
    static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(hdr + h, mask, 4);
    h += 4;
    unsigned char buf[14 + 4096];
    if (len > 4096 || c->fd < 0)
        return -1;
    memcpy(buf, hdr, h);
    for (size_t i = 0; i < len; i++)
        buf[h + i] = (unsigned char)s[i] ^ mask[i & 3];
    return send(c->fd, buf, h + len, MSG_NOSIGNAL) == (ssize_t)(h + len) ? 0 : -1;
}

int ld_conn_send_text(ld_conn *c, const char *s, size_t len)
{
    return send_frame(c, 1, s, len);
}

static int error_code_of(const char *msg)
{
    const char *p = strstr(msg, "code");
    if (!p)
        return -1;
    p += 4;
    for (int i = 0; i < 6 && *p && (*p < '0' || *p > '9'); i++)
        p++;
    return atoi(p);
}

static void on_text(ld_conn *c, const char *m)
{
    if (strstr(m, "\"pusher:connection_established\"")) {
        c->established = 1;
        if (c->channel) {
            char sub[256];
            int n = snprintf(sub, sizeof sub,
                             "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"%s\"}}",
                             c->channel);
            send_frame(c, 1, sub, (size_t)n);
        }
    } else if (strstr(m, "\"pusher_internal:subscription_succeeded\"")) {
        c->subscribed = 1;
    } else if (strstr(m, "\"event\":\"rh-load\"")) {
        c->events++;
        c->last_us = ld_now_us();
    } else if (strstr(m, "\"pusher:ping\"")) {
        send_frame(c, 1, "{\"event\":\"pusher:pong\",\"data\":{}}", 33);
    } else if (strstr(m, "\"pusher:error\"")) {
        c->error_code = error_code_of(m);
    }
}

/* Consumes whole frames from c->in. */
static void parse_frames(ld_loop *l, ld_conn *c)
{
    size_t off = 0;
    while (c->inlen - off >= 2) {
        unsigned char *p = (unsigned char *)c->in + off;
        int op = p[0] & 0x0f;
        uint64_t len = p[1] & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (c->inlen - off < 4)
                break;
            len = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (len == 127) {
            if (c->inlen - off < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[2 + i];
            h = 10;
        }
        if (c->inlen - off - h < len)
            break;
        char *payload = (char *)p + h;
        char save = payload[len];
        payload[len] = '\0';
        if (op == 1)
            on_text(c, payload);
        else if (op == 9)
            send_frame(c, 10, payload, (size_t)len);
        payload[len] = save;
        off += h + (size_t)len;
        if (op == 8) {
            c->close_code =
                len >= 2 ? ((unsigned char)payload[0] << 8 | (unsigned char)payload[1]) : 1005;
            ld_conn_close(l, c);
            return;
        }
    }
    memmove(c->in, c->in + off, c->inlen - off);
    c->inlen -= off;
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
    if (c->state == LD_UPGRADING) {
        c->in[c->inlen] = '\0';
        char *end = strstr(c->in, "\r\n\r\n");
        if (!end)
            return;
        if (strncmp(c->in, "HTTP/1.1 101", 12) != 0) {
            c->close_code = atoi(c->in + 9); /* the HTTP status of a refused upgrade */
            ld_conn_close(l, c);
            return;
        }
        size_t hl = (size_t)(end - c->in) + 4;
        memmove(c->in, c->in + hl, c->inlen - hl);
        c->inlen -= hl;
        c->state = LD_OPEN;
    }
    parse_frames(l, c);
}

static void on_writable(ld_loop *l, ld_conn *c)
{
    int err = 0;
    socklen_t sl = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /app/%s?protocol=7&client=rh-load HTTP/1.1\r\nHost: %s:%d\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     l->env->key, l->env->host, l->env->port);
    if (err || send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
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
    char *req = NULL;
    int n = asprintf(&req,
                     "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path_query, env->host, env->port, blen, body ? body : "");
    int status = -1;
    if (n > 0 && send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
        char buf[64] = "";
        char *dst = out ? out : buf;
        size_t cap = out ? outlen : sizeof buf, got = 0;
        ssize_t r;
        while (got + 1 < cap && (r = recv(fd, dst + got, cap - 1 - got, 0)) > 0) {
            got += (size_t)r;
            if (!out)
                break;
        }
        dst[got] = '\0';
        if (got > 12 && strncmp(dst, "HTTP/1.1 ", 9) == 0)
            status = atoi(dst + 9);
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
    size_t blen = strlen(channel) + strlen(data) + 64;
    char *body = malloc(blen);
    if (!body)
        return -1;
    snprintf(body, blen, "{\"name\":\"rh-load\",\"channel\":\"%s\",\"data\":\"%s\"}", channel,
             data);
    char *q = rh_httpsig_build_query(env->key, env->secret, "POST", path, (long)time(NULL), body,
                                     strlen(body), NULL);
    char *pq = q ? malloc(strlen(path) + strlen(q) + 2) : NULL;
    int status = -1;
    if (pq) {
        sprintf(pq, "%s?%s", path, q);
        status = http_req(env, "POST", pq, body, NULL, 0);
    }
    free(pq);
    free(q);
    free(body);
    return status;
}
