/* Pusher profile, sections 6.8 (HTTP message framing and paths at the server's edge:
 * pipelined requests, Content-Length with Transfer-Encoding, double-encoded paths) and 2.3.6
 * (a WebSocket close whose reason is not UTF-8).
 *
 * These cases send bytes rc_http's well-formed requests cannot express, through rc_http_raw,
 * and judge only what any HTTP/1.1 server may answer: each accepts every behaviour RFC 9112
 * and the spec allow (answering, refusing, closing) and fails only the one that is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"
#include "proto/httpsig.h"

#define RAW_WAIT_MS 3000

/* "METHOD PATH?signed-query HTTP/1.1\r\nHost: h:p\r\n" (headers not ended) for a signed API
 * request on path, signed over sign_path; heap (free()), NULL after rc_error. */
static char *signed_head(rc_ctx *ctx, const char *method, const char *path, const char *sign_path,
                         const char *body)
{
    const rc_target *t = rc_target_of(ctx);
    size_t blen = body ? strlen(body) : 0;
    char *q = rh_httpsig_build_query(t->app_key, t->app_secret, method, sign_path, (long)time(NULL),
                                     body, blen, NULL);
    char *head = NULL;
    if (!q || asprintf(&head, "%s %s?%s HTTP/1.1\r\nHost: %s:%d\r\n", method, path, q, t->host,
                       t->port) < 0)
        head = NULL;
    free(q);
    if (!head)
        rc_error(ctx, "cannot build a signed request");
    return head;
}

/* Status of the HTTP response starting at p ("HTTP/1.1 200 ..."), or -1. */
static int status_of(const char *p)
{
    int st = -1;
    if (!p || sscanf(p, "HTTP/1.%*[01] %3d", &st) != 1)
        return -1;
    return st;
}

/* The body of the response starting at p, by its Content-Length, copied into out (cut to
 * fit). 1 when the head and the whole body are there. */
static int body_of(const char *p, const char *end, char *out, size_t outlen)
{
    const char *hend = strstr(p, "\r\n\r\n");
    if (!hend || hend >= end)
        return 0;
    long cl = -1;
    for (const char *l = strstr(p, "\r\n"); l && l < hend; l = strstr(l + 2, "\r\n"))
        if (strncasecmp(l + 2, "content-length:", 15) == 0)
            cl = strtol(l + 17, NULL, 10);
    const char *b = hend + 4;
    if (cl < 0 || b + cl > end)
        return 0;
    size_t n = (size_t)cl < outlen - 1 ? (size_t)cl : outlen - 1;
    memcpy(out, b, n);
    out[n] = '\0';
    return 1;
}

/* Sends req (n bytes; n <= 0: building it failed) and frees it with rc_http_raw.
 * 1 with the answer in *r, 0 after rc_error. */
static int send_raw(rc_ctx *ctx, char *req, int n, rc_raw_resp *r)
{
    if (n <= 0) { /* after a failed asprintf req is undefined: not freed */
        rc_error(ctx, "cannot build the raw request");
        return 0;
    }
    int sent = rc_http_raw(ctx, req, (size_t)n, RAW_WAIT_MS, r);
    free(req);
    return sent == 0;
}

/* --- 6.8.1 pipelined requests --------------------------------------------------------- */

static void run_pipelined(rc_ctx *ctx)
{
    rc_pconn *other = rc_conn(ctx);
    if (!other)
        return;
    char ch[64], chpath[128], evpath[128], body[256];
    rc_chan(ctx, "pipe-", ch, sizeof ch);
    rc_app_path(ctx, "/channels", chpath, sizeof chpath);
    rc_app_path(ctx, "/events", evpath, sizeof evpath);
    snprintf(body, sizeof body, "{\"name\":\"pipelined\",\"channel\":\"%s\",\"data\":\"x\"}", ch);
    char *h1 = signed_head(ctx, "GET", chpath, chpath, NULL);
    char *h2 = signed_head(ctx, "POST", evpath, evpath, body);
    char *req = NULL;
    int n = (h1 && h2) ? asprintf(&req,
                                  "%s\r\n%sContent-Type: application/json\r\nContent-Length: "
                                  "%zu\r\nConnection: close\r\n\r\n%s",
                                  h1, h2, strlen(body), body)
                       : -1;
    free(h1);
    free(h2);
    rc_raw_resp r;
    if (!send_raw(ctx, req, n, &r))
        return;
    char first[4096];
    int st = status_of(r.data);
    int whole = st > 0 && body_of(r.data, r.data + r.len, first, sizeof first);
    if (st < 0) {
        rc_expect_seen(ctx, "an answer to the first request (then the second, or a close)",
                       r.len ? r.data : "(nothing)");
        rc_fail(ctx, "the first of two pipelined requests (GET channels, then POST events in "
                     "the same packet) got no HTTP answer");
    } else if (st != 200 || !whole || !strstr(first, "\"channels\"")) {
        rc_expect_seen(ctx, "200 with the channels answer first (answers in request order)",
                       r.data);
        rc_fail(ctx,
                "the first answer on a pipelined connection is not the GET channels "
                "answer (status %d)",
                st);
    }
    rc_raw_resp_free(&r);
    /* RFC 9112 9.3.2 allows closing after any answer; what must hold is that the server
     * still serves everyone else (2.6.1). */
    if (rc_ok(ctx) && rc_pusher_send(other, "pusher:ping", NULL, "{}") == 0)
        rc_await(ctx, other, "another connection, after the pipelined packet", "pusher:pong", NULL,
                 NULL);
    else if (rc_ok(ctx))
        rc_fail(ctx, "another connection was closed after the pipelined packet");
}

/* --- 6.8.2 Content-Length together with Transfer-Encoding ------------------------------ */

static void run_length_and_chunked(rc_ctx *ctx)
{
    char ch[64], evpath[128], body[256];
    rc_chan(ctx, "clte-", ch, sizeof ch);
    rc_app_path(ctx, "/events", evpath, sizeof evpath);
    snprintf(body, sizeof body, "{\"name\":\"smuggled\",\"channel\":\"%s\",\"data\":\"x\"}", ch);
    char *h = signed_head(ctx, "POST", evpath, evpath, body);
    if (!h)
        return;
    /* Read by Content-Length this is a valid, signed publish; read as chunked it is not even
     * a chunk size ("{"), so a 2xx answer can only come from Content-Length winning. */
    char *req = NULL;
    int n = asprintf(&req,
                     "%sContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n%s",
                     h, strlen(body), body);
    free(h);
    rc_raw_resp r;
    if (!send_raw(ctx, req, n, &r))
        return;
    int st = status_of(r.data);
    if (st >= 200 && st < 300) {
        rc_expect_seen(ctx, "a 4xx answer and a close (or a close, or a chunked-body error)",
                       r.data);
        rc_fail(ctx,
                "a request with both Content-Length and Transfer-Encoding was processed "
                "by Content-Length (status %d)",
                st);
    } else if (st > 0 && !r.closed) {
        rc_expect_seen(ctx, "the connection closed after the answer", "still open");
        rc_fail(ctx,
                "the server answered %d to a request with both Content-Length and "
                "Transfer-Encoding but kept the connection open (RFC 9112 6.3: MUST close)",
                st);
    }
    rc_raw_resp_free(&r);
}

/* --- 6.8.3 a double-encoded path --------------------------------------------------------- */

static void run_double_encoded(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    char sent_path[160], once[160], twice[160];
    /* "%2561" is "%61" once decoded and "a" twice: /apps/{id}/channels only when decoded
     * twice. Signed over each reading of the path, so whichever one a server verifies
     * against, only the routing decides. */
    snprintf(sent_path, sizeof sent_path, "/%%2561pps/%s/channels", t->app_id);
    snprintf(once, sizeof once, "/%%61pps/%s/channels", t->app_id);
    snprintf(twice, sizeof twice, "/apps/%s/channels", t->app_id);
    const char *const sign_over[] = {sent_path, once, twice};
    for (size_t i = 0; i < 3 && rc_ok(ctx); i++) {
        char *q = rh_httpsig_build_query(t->app_key, t->app_secret, "GET", sign_over[i],
                                         (long)time(NULL), NULL, 0, NULL);
        char *url = NULL;
        if (!q || asprintf(&url, "%s?%s", sent_path, q) < 0)
            url = NULL;
        free(q);
        RC_TRY(ctx, url, "out of memory");
        rc_http_resp r;
        int rc = rc_http(ctx, "GET", url, NULL, NULL, 0, &r);
        free(url);
        if (rc != 0)
            return;
        if (r.status == 200 && r.body && strstr(r.body, "\"channels\"")) {
            rc_expect_seen(ctx, "404 (no resource has this path)", r.body);
            rc_fail(ctx,
                    "GET %s (signed over %s) was served as /apps/{id}/channels: the path "
                    "was percent-decoded twice",
                    sent_path, sign_over[i]);
        }
        rc_http_resp_free(&r);
    }
}

/* --- 2.3.6 a close reason that is not UTF-8 ----------------------------------------------- */

static void run_close_bad_utf8(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    const unsigned char c[] = {1000 >> 8, 1000 & 255, 'o', 'k', 0xff, 0xfe};
    RC_TRY(ctx, rc_ws_send_frame(pc->ws, RC_WS_CLOSE, c, sizeof c, 1, 1) == 0, "send failed");
    rc_ws_msg m;
    int r;
    while ((r = rc_ws_recv(pc->ws, RC_WAIT_MS, &m)) == 1)
        ; /* messages sent before the server read the close */
    int code = rc_ws_close_code(pc->ws);
    if (code == 1007 || code == 1002)
        return;
    char seen[64];
    if (r == 0)
        snprintf(seen, sizeof seen, "no close within %d ms", RC_WAIT_MS);
    else if (code == 1006)
        snprintf(seen, sizeof seen, "a TCP close without a close frame");
    else
        snprintf(seen, sizeof seen, "close %d", code);
    rc_expect_seen(ctx, "close 1007 (or 1002)", seen);
    rc_fail(ctx, "a client close frame whose reason is not valid UTF-8 was answered with %s", seen);
}

const rc_case rc_cases_pusher_edge[] = {
    {"pusher/6.8/pipelined-requests", "6.8", RC_MUST,
     "pipelined requests are answered in order or the connection closed",
     "A server MUST answer pipelined requests in the order received or close the connection "
     "after an answer, and MUST go on serving its other connections (2.6.1): a GET and a POST "
     "with a body in one packet.",
     "needs:http-api", 8000, run_pipelined},
    {"pusher/6.8/length-and-chunked", "6.8", RC_MUST,
     "Content-Length with Transfer-Encoding is never read by Content-Length",
     "A request with both Content-Length and Transfer-Encoding MUST NOT be processed by its "
     "Content-Length; the server refuses it (reference: 400) or reads it as chunked, and "
     "closes the connection after answering (RFC 9112 6.3).",
     "needs:http-api", 8000, run_length_and_chunked},
    {"pusher/6.8/double-encoded-path", "6.8", RC_SHOULD,
     "a double-encoded path is not routed to another resource",
     "A server SHOULD percent-decode the request path once: /%2561pps/{id}/channels is not "
     "/apps/{id}/channels.",
     "needs:http-api", 0, run_double_encoded},
    {"pusher/2.3/close-reason-not-utf8", "2.3", RC_SHOULD,
     "a close whose reason is not UTF-8 is answered with 1007",
     "RFC 6455 8.1 and 7.4.1: a close frame whose reason is not valid UTF-8 fails the "
     "connection, with close code 1007 (1002 accepted), not an echo of the client's code.",
     "", 0, run_close_bad_utf8},
    {0},
};
