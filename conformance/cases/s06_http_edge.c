/* Pusher profile, section 6.8: HTTP message framing and paths at the server's edge
 * (pipelined requests, Content-Length with Transfer-Encoding, double-encoded paths).
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

/* GET channels, POST events (name "pipelined", data "x", on ch) and GET channels with
 * Connection: close, in one packet. The POST with its body sits between two requests and
 * keeps the connection open, so a server that reads the bytes behind a body wrongly meets
 * them whatever it does with Connection: close; the last GET asks for the close that ends
 * the exchange. Heap (free()) in *req, its length returned; -1 after rc_error. */
static int pipelined_packet(rc_ctx *ctx, const char *ch, char **req)
{
    char chpath[128], evpath[128], body[256];
    rc_app_path(ctx, "/channels", chpath, sizeof chpath);
    rc_app_path(ctx, "/events", evpath, sizeof evpath);
    snprintf(body, sizeof body, "{\"name\":\"pipelined\",\"channel\":\"%s\",\"data\":\"x\"}", ch);
    char *h1 = signed_head(ctx, "GET", chpath, chpath, NULL);
    char *h2 = signed_head(ctx, "POST", evpath, evpath, body);
    char *h3 = signed_head(ctx, "GET", chpath, chpath, NULL);
    *req = NULL;
    int n = (h1 && h2 && h3) ? asprintf(req,
                                        "%s\r\n%sContent-Type: application/json\r\n"
                                        "Content-Length: %zu\r\n\r\n%s%sConnection: close\r\n\r\n",
                                        h1, h2, strlen(body), body, h3)
                             : -1;
    free(h1);
    free(h2);
    free(h3);
    return n;
}

static void run_pipelined(rc_ctx *ctx)
{
    rc_pconn *other = rc_conn(ctx);
    if (!other)
        return;
    char ch[64];
    rc_chan(ctx, "pipe-", ch, sizeof ch);
    char *req = NULL;
    int n = pipelined_packet(ctx, ch, &req);
    rc_raw_resp r;
    if (!send_raw(ctx, req, n, &r))
        return;
    char first[4096];
    int st = status_of(r.data);
    int whole = st > 0 && body_of(r.data, r.data + r.len, first, sizeof first);
    if (st < 0) {
        rc_expect_seen(ctx, "an answer to the first request (then the second, or a close)",
                       r.len ? r.data : "(nothing)");
        rc_fail(ctx, "the first of three pipelined requests (GET channels, POST events, GET "
                     "channels in the same packet) got no HTTP answer");
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

/* Where the answer after the one starting at p starts: behind its body by Content-Length,
 * else at the next status line behind its head; NULL when there is none. */
static const char *next_answer(const char *p, const char *end)
{
    const char *hend = strstr(p, "\r\n\r\n");
    if (!hend || hend >= end)
        return NULL;
    long cl = -1;
    for (const char *l = strstr(p, "\r\n"); l && l < hend; l = strstr(l + 2, "\r\n"))
        if (strncasecmp(l + 2, "content-length:", 15) == 0)
            cl = strtol(l + 17, NULL, 10);
    const char *b = hend + 4, *next = cl >= 0 ? b + cl : strstr(b, "HTTP/1.");
    return next && next < end && status_of(next) > 0 ? next : NULL;
}

/* The packet of pipelined-requests, with a subscriber on the POST's channel: the POST must
 * get an answer before the close, and the answer must tell the truth about the event. */
static void run_pipelined_post(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "pipepost-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    char *req = NULL;
    int n = pipelined_packet(ctx, ch, &req);
    rc_raw_resp r;
    if (!send_raw(ctx, req, n, &r))
        return;
    const char *end = r.data + r.len;
    const char *second = r.len && status_of(r.data) > 0 ? next_answer(r.data, end) : NULL;
    int st = second ? status_of(second) : -1;
    if (st < 0) {
        rc_expect_seen(ctx, "an answer to the GET, then one to the POST (then the close)",
                       r.len ? r.data : "(nothing)");
        rc_fail(ctx,
                "the POST pipelined between two GETs got no answer before the connection %s: "
                "its producer cannot tell whether the event was published",
                r.closed ? "closed" : "went silent");
    }
    rc_raw_resp_free(&r);
    if (st < 0)
        return;
    const char *who = "the subscriber of the pipelined POST's channel";
    if (st >= 200 && st < 300) {
        const rc_pmsg *m = NULL;
        if (rc_await(ctx, sub, who, "pipelined", ch, &m))
            rc_check_event(ctx, m, who, "pipelined", ch, "x");
        return;
    }
    /* an error answer: the event must not have been published */
    rc_log(ctx, "the pipelined POST was answered %d", st);
    rc_quiet(ctx, sub, who, ch, RC_QUIET_MS);
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

const rc_case rc_cases_s06_http_edge[] = {
    /* protocol §6.8: pipelined requests are answered in order or the connection closed */
    {
        .id = "pusher/6.8/pipelined-requests",
        .section = "6.8",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "pipelined requests are answered in order or the connection closed",
        .requirement = "A server MUST answer pipelined requests in the order received or close the "
                       "connection after an answer (RFC 9112 9.3.2), and MUST go on serving its "
                       "other connections (2.6.1): a GET, a POST with a body and a GET in one "
                       "packet.",
        .tags = "needs:http-api",
        .timeout_ms = 8000,
        .serial = "a server that mishandles the pipelined body can stop serving everyone "
                  "(http-pipeline-freeze), which would fail every case running beside it",
        .run = run_pipelined,
    },
    /* protocol §6.8: a pipelined POST is answered before the connection closes */
    {
        .id = "pusher/6.8/pipelined-post-answered",
        .section = "6.8",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "a pipelined POST is answered before the connection closes",
        .requirement = "A server SHOULD answer a pipelined request with a body before it closes "
                       "the connection, and the answer tells the truth: after a 2xx the event "
                       "is published, after an error it is not (a GET, a POST with a body "
                       "and a GET in one packet).",
        .tags = "needs:http-api",
        .timeout_ms = 8000,
        .serial = "a server that mishandles the pipelined body can stop serving everyone "
                  "(http-pipeline-freeze), which would fail every case running beside it",
        .run = run_pipelined_post,
    },
    /* protocol §6.8: Content-Length with Transfer-Encoding is never read by Content-Length */
    {
        .id = "pusher/6.8/length-and-chunked",
        .section = "6.8",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "Content-Length with Transfer-Encoding is never read by Content-Length",
        .requirement =
            "A request with both Content-Length and Transfer-Encoding MUST NOT be processed "
            "by its Content-Length; the server refuses it (reference: 400) or reads it "
            "as chunked, and closes the connection after answering (RFC 9112 6.3).",
        .tags = "needs:http-api",
        .timeout_ms = 8000,
        .run = run_length_and_chunked,
    },
    /* protocol §6.8: a double-encoded path is not routed to another resource */
    {
        .id = "pusher/6.8/double-encoded-path",
        .section = "6.8",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "a double-encoded path is not routed to another resource",
        .requirement =
            "A server SHOULD percent-decode the request path once: /%2561pps/{id}/channels is "
            "not /apps/{id}/channels.",
        .tags = "needs:http-api",
        .run = run_double_encoded,
    },
    {0},
};
