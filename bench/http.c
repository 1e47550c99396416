#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/http.h"
#include "wire/pusher.h"

typedef struct req {
    struct req *next;
    char *wire;
    size_t len;
    rb_http_cb cb;
    void *ud;
} req;

typedef struct conn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    rb_http *pool;
    int state; /* 0 closed, 1 connecting, 2 ready, 3 closing after an answer */
    req *cur;
    char *rbuf;
    size_t rlen, rcap;
} conn;

struct rb_http {
    uv_loop_t *loop;
    struct sockaddr_in addr;
    char host[160];
    char *key, *secret;
    conn *conns;
    int nconns;
    req *head, *tail;
    size_t queued;
    char err[160];
    int closing;
    int open_handles;
    int reopens;
};

#define MAX_REOPENS 100 /* failed connections in a row before giving up */

static void pool_release(rb_http *h)
{
    for (int i = 0; h->conns && i < h->nconns; i++)
        free(h->conns[i].rbuf);
    free(h->conns);
    free(h->key);
    free(h->secret);
    free(h);
}

static void dispatch(rb_http *h);
static void conn_open(conn *c);

static void finish(conn *c, int status, const char *body, size_t len)
{
    req *r = c->cur;
    c->cur = NULL;
    if (r) {
        r->cb(r->ud, status, body, len);
        free(r->wire);
        free(r);
    }
}

static void on_closed(uv_handle_t *hd)
{
    conn *c = hd->data;
    rb_http *h = c->pool;
    c->state = 0;
    c->rlen = 0;
    h->open_handles--;
    if (h->closing) {
        if (h->open_handles == 0)
            pool_release(h);
        return;
    }
    /* Open it again: after an answer with Connection: close at once, after failures within
     * reason. */
    if (h->reopens < MAX_REOPENS)
        conn_open(c);
}

static void conn_fail(conn *c, const char *why)
{
    rb_http *h = c->pool;
    h->reopens++;
    snprintf(h->err, sizeof(h->err), "%s", why);
    if (c->cur)
        finish(c, -1, why, strlen(why));
    if (c->state && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *b)
{
    conn *c = hd->data;
    (void)hint;
    if (c->rcap - c->rlen < 8192) {
        size_t cap = c->rcap ? c->rcap * 2 : 16384;
        char *n = realloc(c->rbuf, cap);
        if (!n) {
            *b = uv_buf_init(NULL, 0);
            return;
        }
        c->rbuf = n;
        c->rcap = cap;
    }
    *b = uv_buf_init(c->rbuf + c->rlen, (unsigned)(c->rcap - c->rlen));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    conn *c = s->data;
    (void)b;
    if (n < 0) {
        conn_fail(c, n == UV_EOF ? "server closed the HTTP connection" : uv_strerror((int)n));
        return;
    }
    c->rlen += (size_t)n;
    for (;;) {
        rw_header hdrs[32];
        rw_http_head hd;
        rw_body_kind kind;
        uint64_t clen = 0;
        int rc = rw_http_parse_head(c->rbuf, c->rlen, &hd, hdrs, 32);
        if (rc == RW_HTTP_PARTIAL && c->rlen <= 65536)
            return;
        /* Keep-alive needs a length: a chunked answer is not read here. */
        if (rc > 0 && (rw_http_framing(&hd, "POST", &kind, &clen) != 0 || kind == RW_BODY_CHUNKED))
            rc = RW_HTTP_ERROR;
        if (rc < 0 || !c->cur) {
            conn_fail(c, rc < 0 ? "unreadable HTTP response" : "HTTP response nobody asked for");
            return;
        }
        int close = rw_http_has_token(&hd, "Connection", "close");
        size_t total = hd.head_len + (size_t)clen;
        if (c->rlen < total)
            return;
        /* soketi answers every HTTP API call with Connection: close; take the connection out
         * of service before the callback can queue the next request on it. */
        if (close)
            c->state = 3;
        c->pool->reopens = 0;
        finish(c, hd.status, c->rbuf + hd.head_len, (size_t)clen);
        memmove(c->rbuf, c->rbuf + total, c->rlen - total);
        c->rlen -= total;
        if (close) {
            if (!uv_is_closing((uv_handle_t *)&c->tcp))
                uv_close((uv_handle_t *)&c->tcp, on_closed);
            return;
        }
        dispatch(c->pool);
        if (c->rlen == 0)
            return;
    }
}

static void on_write(uv_write_t *w, int status)
{
    conn *c = w->data;
    if (status < 0)
        conn_fail(c, uv_strerror(status));
}

static void on_connect(uv_connect_t *cr, int status)
{
    conn *c = cr->data;
    if (status < 0) {
        conn_fail(c, uv_strerror(status));
        return;
    }
    c->state = 2;
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    dispatch(c->pool);
}

static void conn_open(conn *c)
{
    rb_http *h = c->pool;
    uv_tcp_init(h->loop, &c->tcp);
    h->open_handles++;
    c->tcp.data = c;
    c->creq.data = c;
    c->wreq.data = c;
    c->state = 1;
    int rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&h->addr, on_connect);
    if (rc < 0)
        conn_fail(c, uv_strerror(rc));
}

static void dispatch(rb_http *h)
{
    for (int i = 0; i < h->nconns && h->head; i++) {
        conn *c = &h->conns[i];
        if (c->state != 2 || c->cur)
            continue;
        req *r = h->head;
        h->head = r->next;
        if (!h->head)
            h->tail = NULL;
        h->queued--;
        c->cur = r;
        uv_buf_t b = uv_buf_init(r->wire, (unsigned)r->len);
        int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
        if (rc < 0)
            conn_fail(c, uv_strerror(rc));
    }
}

rb_http *rb_http_new(uv_loop_t *loop, const char *host, int port, int nconns, const char *key,
                     const char *secret)
{
    rb_http *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->loop = loop;
    h->nconns = nconns;
    h->conns = calloc((size_t)nconns, sizeof(conn));
    h->key = strdup(key);
    h->secret = strdup(secret);
    snprintf(h->host, sizeof(h->host), "%s:%d", host, port);
    if (!h->conns || !h->key || !h->secret || uv_ip4_addr(host, port, &h->addr) != 0) {
        pool_release(h);
        return NULL;
    }
    for (int i = 0; i < nconns; i++) {
        h->conns[i].pool = h;
        conn_open(&h->conns[i]);
    }
    return h;
}

int rb_http_post(rb_http *h, const char *path, const char *body, size_t len, rb_http_cb cb,
                 void *ud)
{
    return rb_http_post_hdr(h, path, NULL, body, len, cb, ud);
}

int rb_http_post_hdr(rb_http *h, const char *path, const char *headers, const char *body,
                     size_t len, rb_http_cb cb, void *ud)
{
    char *t =
        rw_pusher_api_target(h->key, h->secret, "POST", path, NULL, body, len, (long)time(NULL));
    req *r = calloc(1, sizeof(*r));
    rw_http_req hr = {.method = "POST",
                      .target = t,
                      .host = h->host,
                      .keep_alive = 1,
                      .content_type = "application/json",
                      .headers = headers,
                      .body = body,
                      .body_len = len};
    size_t n = 0;
    char *w = t ? rw_http_format_alloc(&hr, &n) : NULL;
    free(t);
    if (!r || !w) {
        free(r);
        free(w);
        return -1;
    }
    r->wire = w;
    r->len = n;
    r->cb = cb;
    r->ud = ud;
    if (h->tail)
        h->tail->next = r;
    else
        h->head = r;
    h->tail = r;
    h->queued++;
    dispatch(h);
    return 0;
}

size_t rb_http_queued(const rb_http *h)
{
    return h->queued;
}

const char *rb_http_error(const rb_http *h)
{
    return h->err;
}

void rb_http_free(rb_http *h)
{
    if (!h)
        return;
    h->closing = 1;
    for (int i = 0; h->conns && i < h->nconns; i++) {
        conn *c = &h->conns[i];
        if (c->cur)
            finish(c, -1, "stopped", 7);
        if (c->state && !uv_is_closing((uv_handle_t *)&c->tcp))
            uv_close((uv_handle_t *)&c->tcp, on_closed);
    }
    while (h->head) {
        req *r = h->head;
        h->head = r->next;
        free(r->wire);
        free(r);
    }
    /* The connections' memory must outlive their handles: the last close frees the pool. */
    if (h->open_handles == 0)
        pool_release(h);
}
