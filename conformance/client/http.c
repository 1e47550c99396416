/* rc_http: one HTTP/1.1 request per connection (Connection: close) over rc_net; the bytes
 * from conformance/wire (rw_http). See io.h; the signed API, authorizer and control-API
 * helpers of client.h are in ctx.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_resp.h"
#include "io.h"
#include "net.h"
#include "wire/clock.h"
#include "wire/http.h"

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static int sb_add(sbuf *b, const void *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int read_response(const rc_hooks *h, rc_net *n, int64_t dl, const char *method,
                         rc_http_resp *resp)
{
    sbuf in = {0};
    char buf[16384];
    int rc = -1;
    for (;;) {
        long r = rc_net_read(n, buf, sizeof buf, dl);
        if (r > 0) {
            if (sb_add(&in, buf, (size_t)r) < 0 || in.len > RC_HTTP_MAX_RESPONSE) {
                rc_hooks_error(h, "HTTP response too large");
                goto out;
            }
        }
        const char *why = NULL;
        int pr = rc_http_parse(in.p, in.len, r == 0, method, resp, &why);
        if (pr == 0)
            break;
        if (pr < 0) {
            rc_hooks_error(h, "%s", why);
            goto out;
        }
        if (r == 0) {
            rc_hooks_error(h, "HTTP connection closed before the response was complete");
            goto out;
        }
        if (r < 0) {
            rc_hooks_error(h, "HTTP response: %s", r == -2 ? "timeout" : "read error");
            goto out;
        }
    }
    rc = 0;
out:
    if (in.p)
        rc_hooks_wire(h, "in", "", in.p, in.len, 0);
    free(in.p);
    return rc;
}

int rc_http_request(const rc_hooks *h, const rc_endpoint *ep, const char *method,
                    const char *target, const char *headers, const char *body, size_t body_len,
                    rc_http_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    rw_http_req r = {.method = method,
                     .target = target,
                     .host = ep->host,
                     .port = ep->port,
                     .user_agent = "rehome-conform",
                     .headers = headers,
                     .body = body,
                     .body_len = body ? body_len : 0};
    size_t n;
    char *req = rw_http_format_alloc(&r, &n);
    if (!req) {
        rc_hooks_error(h, "out of memory");
        return -1;
    }
    rc_hooks_wire(h, "out", "", req, n, 0);
    int64_t dl = rw_deadline_ns(rc_hooks_timeout(h, RC_IO_TIMEOUT_MS * 2));
    rc_net net;
    char err[256];
    int rc = -1;
    if (rc_net_connect(&net, ep->host, ep->port, ep->tls, ep->ca_file, dl, err, sizeof err) < 0) {
        rc_hooks_error(h, "%s", err);
        free(req);
        return -1;
    }
    if (rc_net_write(&net, req, n, dl) < 0)
        rc_hooks_error(h, "HTTP %s %s: cannot send the request", method, target);
    else
        rc = read_response(h, &net, dl, method, resp);
    rc_net_close(&net);
    free(req);
    if (rc < 0)
        rc_http_resp_free(resp);
    return rc;
}
