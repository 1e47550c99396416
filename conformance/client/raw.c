/* rc_http_raw: bytes as given on a fresh connection to the main URL, and everything the server
 * sends back until it closes or the wait ends. For cases about HTTP framing (pipelining,
 * conflicting length headers) that rc_http's well-formed requests cannot express. */
#include <stdlib.h>
#include <string.h>

#include "../runner/internal.h"
#include "client.h"
#include "http_resp.h"
#include "net.h"
#include "wire/clock.h"

int rc_http_raw(rc_ctx *ctx, const void *req, size_t len, int wait_ms, rc_raw_resp *out)
{
    const rc_target *t = rc_target_of(ctx);
    memset(out, 0, sizeof *out);
    int64_t dl = rw_deadline_ns(rc__timeout(ctx, wait_ms));
    rc_net n;
    char err[256];
    if (rc_net_connect(&n, t->host, t->port, t->tls, t->ca_file, dl, err, sizeof err) < 0) {
        rc_error(ctx, "%s", err);
        return -1;
    }
    rc__wire(ctx, "out", "", req, len, 0);
    if (rc_net_write(&n, req, len, dl) < 0) {
        rc_net_close(&n);
        rc_error(ctx, "raw HTTP: cannot send the request");
        return -1;
    }
    size_t cap = 4096;
    out->data = malloc(cap + 1);
    if (!out->data) {
        rc_net_close(&n);
        rc_error(ctx, "out of memory");
        return -1;
    }
    for (;;) {
        if (out->len == cap) {
            if (cap >= RC_HTTP_MAX_RESPONSE)
                break;
            char *np = realloc(out->data, cap * 2 + 1);
            if (!np)
                break;
            out->data = np;
            cap *= 2;
        }
        long r = rc_net_read(&n, out->data + out->len, cap - out->len, dl);
        if (r > 0) {
            out->len += (size_t)r;
            continue;
        }
        out->closed = r == 0 || r == -1;
        break;
    }
    out->data[out->len] = '\0';
    if (out->len)
        rc__wire(ctx, "in", "", out->data, out->len, 0);
    rc_net_close(&n);
    return 0;
}

void rc_raw_resp_free(rc_raw_resp *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}
