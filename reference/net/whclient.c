/* The webhook client: one non-blocking HTTP/1.1 POST per call on the server's libuv loop
 * (name lookup, connect, write, read the status line, close), with a deadline. It never
 * blocks the loop, so an unreachable or slow receiver costs the subscribers nothing: the
 * POST simply ends with -1 at its deadline. Plain http:// only (proto/webhook.c
 * rh_wh_url_parse). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../proto/webhook.h"
#include "net_int.h"

int64_t rh_net_wall_ms(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct rh_whc {
    rh_net *net;
    uv_getaddrinfo_t gai;
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    uv_timer_t timer;
    char *req;
    size_t reqlen;
    char head[64]; /* the start of the answer: "HTTP/1.1 200 ..." */
    size_t hlen;
    void (*done)(void *ud, int status);
    void *done_ud;
    int open;        /* libuv handles not yet closed (tcp, timer) */
    int gai_pending; /* the name lookup has not called back yet */
    int tcp_on;
    int finished;       /* done called (or the POST abandoned) */
    int blocked_status; /* the fault webhook-blocking: the answer already read */
    struct rh_whc *prev, *next;
} rh_whc;

static void maybe_free(rh_whc *c)
{
    if (c->open || c->gai_pending)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->net->whc_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->req);
    free(c);
}

static void on_closed(uv_handle_t *h)
{
    rh_whc *c = h->data;
    c->open--;
    maybe_free(c);
}

/* Ends the POST once: closes what is open and calls done unless it was abandoned. */
static void complete(rh_whc *c, int status, int call)
{
    if (c->finished)
        return;
    c->finished = 1;
    if (c->gai_pending)
        uv_cancel((uv_req_t *)&c->gai);
    if (c->tcp_on && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_closed);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_closed);
    if (call)
        c->done(c->done_ud, status);
}

/* "HTTP/1.x DDD": the status, 0 while incomplete, -1 for anything else. */
static int status_of(const char *h, size_t n)
{
    if (n < 12)
        return memchr(h, '\n', n) ? -1 : 0;
    if (memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ')
        return -1;
    int s = 0;
    for (int i = 9; i < 12; i++) {
        if (h[i] < '0' || h[i] > '9')
            return -1;
        s = s * 10 + (h[i] - '0');
    }
    return s;
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
    (void)size;
    rh_whc *c = h->data;
    buf->base = c->head + c->hlen;
    buf->len = sizeof c->head - c->hlen;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    rh_whc *c = s->data;
    if (n < 0) {
        complete(c, -1, 1);
        return;
    }
    c->hlen += (size_t)n;
    int st = status_of(c->head, c->hlen);
    if (st != 0 || c->hlen == sizeof c->head)
        complete(c, st > 0 ? st : -1, 1);
}

static void on_written(uv_write_t *w, int status)
{
    rh_whc *c = w->data;
    if (c->finished)
        return;
    if (status < 0 || uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        complete(c, -1, 1);
}

static void on_connect(uv_connect_t *req, int status)
{
    rh_whc *c = req->data;
    if (c->finished)
        return;
    uv_buf_t b = uv_buf_init(c->req, (unsigned)c->reqlen);
    c->wr.data = c;
    if (status < 0 || uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
        complete(c, -1, 1);
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res)
{
    rh_whc *c = g->data;
    c->gai_pending = 0;
    if (c->finished || status < 0 || !res) {
        uv_freeaddrinfo(res);
        complete(c, -1, 1);
        maybe_free(c);
        return;
    }
    int rc = uv_tcp_init(c->net->loop, &c->tcp);
    if (rc == 0) {
        c->tcp.data = c;
        c->tcp_on = 1;
        c->open++;
        c->conn.data = c;
        rc = uv_tcp_connect(&c->conn, &c->tcp, res->ai_addr, on_connect);
    }
    uv_freeaddrinfo(res);
    if (rc != 0)
        complete(c, -1, 1);
}

static void on_timeout(uv_timer_t *t)
{
    complete(t->data, -1, 1);
}

static char *build_request(const char *url, const char *headers, const char *body, size_t len,
                           char *host, int *port, size_t *outlen)
{
    const char *path, *why;
    if (rh_wh_url_parse(url, host, 256, port, &path, &why) != 0)
        return NULL;
    size_t cap = strlen(path) + strlen(host) + strlen(headers) + len + 160;
    char *r = malloc(cap);
    if (!r)
        return NULL;
    int n = snprintf(r, cap,
                     "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\nUser-Agent: rehome-server\r\n%s\r\n",
                     path, host, *port, len, headers);
    if (n < 0 || (size_t)n + len >= cap) {
        free(r);
        return NULL;
    }
    memcpy(r + n, body, len);
    *outlen = (size_t)n + len;
    return r;
}

/* The fault webhook-blocking: the whole POST on the loop's thread, the way a blocking HTTP
 * client would do it; the answer then goes through the timer like any other. */
static int blocking_status(const char *host, const char *port, const char *req, size_t len,
                           int timeout_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, res->ai_socktype, 0), st = -1;
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0 &&
        write(fd, req, len) == (ssize_t)len) {
        char head[64];
        size_t n = 0;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        while (n < sizeof head && poll(&pf, 1, timeout_ms) == 1) {
            ssize_t got = read(fd, head + n, sizeof head - n);
            if (got <= 0)
                break;
            n += (size_t)got;
            if ((st = status_of(head, n)) != 0)
                break;
        }
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return st > 0 ? st : -1;
}

static void on_blocked_done(uv_timer_t *t)
{
    rh_whc *c = t->data;
    complete(c, c->blocked_status, 1);
}

int rh_net_http_post(void *ud, const char *url, const char *headers, const char *body, size_t len,
                     int timeout_ms, void (*done)(void *done_ud, int status), void *done_ud)
{
    rh_net *net = ud;
    if (net->destroying)
        return -1;
    rh_whc *c = calloc(1, sizeof *c);
    char host[256], port[8];
    int p = 0;
    if (!c || !(c->req = build_request(url, headers, body, len, host, &p, &c->reqlen))) {
        free(c);
        return -1;
    }
    snprintf(port, sizeof port, "%d", p);
    c->net = net;
    c->done = done;
    c->done_ud = done_ud;
    c->gai.data = c;
    c->timer.data = c;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    if (uv_timer_init(net->loop, &c->timer) != 0) {
        free(c->req);
        free(c);
        return -1;
    }
    c->open = 1;
    c->next = net->whc_head;
    if (c->next)
        c->next->prev = c;
    net->whc_head = c;
    uv_timer_start(&c->timer, on_timeout, (uint64_t)(timeout_ms > 0 ? timeout_ms : 5000), 0);
    if (rh_srv_has_fault(net->srv, RH_FAULT_WEBHOOK_BLOCKING)) {
        c->blocked_status = blocking_status(host, port, c->req, c->reqlen, timeout_ms);
        uv_timer_start(&c->timer, on_blocked_done, 0, 0);
        return 0;
    }
    c->gai_pending = 1;
    if (uv_getaddrinfo(net->loop, &c->gai, on_resolved, host, port, &hints) != 0) {
        c->gai_pending = 0;
        complete(c, -1, 0);
        return -1;
    }
    return 0;
}

void rh_net_http_cancel(void *ud, const void *done_ud)
{
    rh_net *net = ud;
    for (rh_whc *c = net->whc_head; c; c = c->next)
        if (c->done_ud == done_ud)
            complete(c, -1, 0);
}

void rh_net_whc_abort_all(rh_net *net)
{
    for (rh_whc *c = net->whc_head; c; c = c->next)
        complete(c, -1, 0);
}
