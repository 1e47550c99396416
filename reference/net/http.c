/* The HTTP side of the edge: read a request (body up to 1 MiB), hand it to rh_srv_http, write
 * the answer when its done callback comes, keep-alive allowed. An answer that comes while
 * rh_srv_http runs is written from the request's own callback (answer_now); one that comes
 * later (a Redis store, the bus) from a writeable callback.
 *
 * Pipelining, as libwebsockets 4.1.6's h1 server does it: one read call parses one request's
 * headers; the bytes behind it go to the connection's buflist, served again only after the
 * transaction completed (lws_http_transaction_completed, LRS_DEFERRING_ACTION until POLLOUT),
 * so answers leave in the order of the requests. Two things go wrong there:
 * - A request with a body whose headers come from that buflist: lws_http_action re-reads the
 *   buflist from the request line on as the body and, once that "body" is complete, calls
 *   LWS_CALLBACK_HTTP_BODY_COMPLETION again and again without consuming anything: the loop
 *   never returns and the whole server stops. lws shows neither its buffer nor the real
 *   body, but the re-read shows itself: the first body chunk is the request's own request
 *   line (rh_httpedge_body_is_request_line), which can only happen on a connection that
 *   already carried a request. That request is answered 503 (not processed) and the
 *   connection closed: the requests before it were answered in order, those behind it are
 *   not read (RFC 9112 9.3.2 allows the close).
 * - After a body the h1 state stays LRS_BODY, and every service of the buflist calls
 *   BODY_COMPLETION again. While that request's answer is still to come, reading is stopped
 *   (lws_rx_flow_control), which keeps the connection out of buflist service, until the
 *   answer came (hold_reading). Stopping is safe there: a body that was not refused was read
 *   from fresh bytes with the buflist empty (the bytes behind it join it after the callback);
 *   stopping with buffered bytes would ask for POLLOUT, which lws ignores on a stopped h1
 *   connection, and the loop would spin. A request without a body is not stopped (its
 *   headers may have come from the buflist): lws reads nothing in LRS_DOING_TRANSACTION, so
 *   the order holds, but bytes the client sends meanwhile keep POLLIN up and the loop spins
 *   until the answer came. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net_int.h"
#include "proto/httpedge.h"

static const char *const method_names[] = {
    [LWSHUMETH_GET] = "GET",         [LWSHUMETH_POST] = "POST",   [LWSHUMETH_OPTIONS] = "OPTIONS",
    [LWSHUMETH_PUT] = "PUT",         [LWSHUMETH_PATCH] = "PATCH", [LWSHUMETH_DELETE] = "DELETE",
    [LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
};

static void pend_free(rh_http_pend *p)
{
    rh_net *net = p->net;
    if (p->prev)
        p->prev->next = p->next;
    else if (net->pend_head == p)
        net->pend_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p->method);
    free(p->path);
    free(p->query);
    free(p->auth);
    free(p->ctype);
    free(p->idem);
    free(p->body);
    free(p->resp_ctype);
    free(p->resp);
    free(p);
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A header's value, or NULL when absent (or on allocation failure: treated as absent). */
static char *hdr_dup(struct lws *wsi, enum lws_token_indexes h)
{
    int n = lws_hdr_total_length(wsi, h);
    if (n <= 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s && lws_hdr_copy(wsi, s, n + 1, h) < 0) {
        free(s);
        s = NULL;
    }
    return s;
}

/* A header lws has no token for, by its lower-case name with the colon ("name:"), or NULL. */
static char *custom_dup(struct lws *wsi, const char *name)
{
    int nl = (int)strlen(name), n = lws_hdr_custom_length(wsi, name, nl);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s && lws_hdr_custom_copy(wsi, s, n + 1, name, nl) < 0) {
        free(s);
        s = NULL;
    }
    return s;
}

static void set_answer(rh_http_pend *p, int status, const char *ctype, const char *body, size_t len,
                       const char *retry_after)
{
    p->done = 1;
    p->status = status;
    if (!ctype)
        ctype = "application/json";
    p->resp_ctype = dupn(ctype, strlen(ctype));
    p->resp = malloc(LWS_PRE + len + 1);
    if (p->resp) {
        if (len)
            memcpy(p->resp + LWS_PRE, body, len);
        p->resp_len = len;
    } else {
        p->status = 500;
        p->resp_len = 0;
    }
    if (retry_after)
        snprintf(p->retry_after, sizeof p->retry_after, "%s", retry_after);
}

static void http_done(void *ud, const rh_http_resp *resp)
{
    rh_http_pend *p = ud;
    if (p->done) {
        rh_logf(p->net->log, RH_LOG_ERROR, "HTTP done callback called twice for %s %s",
                p->method ? p->method : "?", p->path ? p->path : "?");
        return;
    }
    set_answer(p, resp->status, resp->content_type, resp->body, resp->body_len, resp->retry_after);
    rh_srv_note_http(p->net->srv, p->status);
    if (!p->wsi) {
        pend_free(p); /* the client left before the answer */
        return;
    }
    if (p == p->net->sync_pend)
        return; /* dispatch's caller writes it once rh_srv_http has returned (answer_now) */
    if (p->held) {
        /* lws asks for POLLOUT itself when it holds bytes behind the request; whichever comes
         * first, the writeable callback or BODY_COMPLETION again, writes the answer */
        p->held = 0;
        lws_rx_flow_control(p->wsi, 1);
    }
    lws_callback_on_writable(p->wsi);
}

/* An answer made by the edge itself (before rh_srv_http saw the request). */
static int answer_error(rh_pss *pss, struct lws *wsi, int status, const char *msg, int close_after)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"code\":%d}", msg, status);
    rh_http_pend *p = pss->pend;
    pss->reading = 0;
    p->close_after = close_after;
    set_answer(p, status, "application/json", body, (size_t)n, NULL);
    rh_srv_note_http(pss->pend->net->srv, p->status);
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_finish(rh_net *net, struct lws *wsi, rh_pss *pss);

/* An answer that came while rh_srv_http ran, written from the request's own callback
 * (LWS_CALLBACK_HTTP or LWS_CALLBACK_HTTP_BODY_COMPLETION) instead of a writeable callback:
 * asking for one costs two epoll_ctl calls and a loop turn per request. lws does the same in
 * these callbacks (lws_callback_http_dummy answers and completes the transaction there);
 * lws_http_transaction_completed then waits for POLLOUT itself (LRS_DEFERRING_ACTION) before
 * it reads a pipelined request, and defers itself while lws holds unsent bytes. Only after
 * rh_srv_http returned: completing may hand the header buffer to a connection waiting for
 * one and service it at once (lws_header_table_detach), which must not re-enter rh_srv_http.
 * Answers that close the connection, large ones (replays) and those behind unsent bytes
 * keep the writeable callback. */
static int answer_now(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    rh_http_pend *p = pss->pend;
    if (p->close_after || (!p->head && p->resp_len > RH_NET_DIRECT_MAX) ||
        lws_partial_buffered(wsi)) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    return http_finish(net, wsi, pss);
}

/* Stops reading the connection of a request with a body until its answer came (top of this
 * file); http_done resumes it. */
static void hold_reading(struct lws *wsi, rh_http_pend *p)
{
    p->held = 1;
    lws_rx_flow_control(wsi, 0);
}

static int dispatch(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    rh_http_pend *p = pss->pend;
    pss->reading = 0;
    p->read_deadline_ms = 0;
    rh_http_req req = {
        .method = p->method,
        .path = p->path,
        .query = p->query ? p->query : "",
        .body = p->body ? p->body : "",
        .body_len = p->body_len,
        .authorization = p->auth,
        .content_type = p->ctype,
        .idempotency_key = p->idem,
    };
    if (net->log->level >= RH_LOG_DEBUG) {
        char q[512]; /* bearer tokens and signatures never reach the log */
        rh_logf(net->log, RH_LOG_DEBUG, "HTTP %s %s%s%s (%zu bytes)", p->method, p->path,
                req.query[0] ? "?" : "", rh_httpedge_redact_query(req.query, q, sizeof q),
                p->body_len);
    }
    rh_http_pend *outer = net->sync_pend;
    net->sync_pend = p;
    rh_srv_http(net->srv, &req, http_done, p);
    net->sync_pend = outer;
    /* p outlives rh_srv_http: only http_done frees it, and only once its wsi is gone */
    if (p->done)
        return answer_now(net, wsi, pss);
    if (p->body)
        hold_reading(wsi, p);
    return 0;
}

/* Detaches the session from its request: freed when answered, orphaned when still waiting. */
static void http_reset(rh_pss *pss)
{
    rh_http_pend *p = pss->pend;
    int reading = pss->reading;
    pss->pend = NULL;
    pss->reading = 0;
    pss->expect = 0;
    pss->check_echo = 0;
    pss->completions = 0;
    if (!p)
        return;
    if (p->done || reading)
        pend_free(p);
    else
        p->wsi = NULL;
}

/* RFC 9110 10.1.1: a client that sent "Expect: 100-continue" waits for 100 before its body
 * (curl a second, others longer); lws 4.1 never sends it. Only once the body is going to be
 * read: a request refused from its headers gets its final answer instead. */
static void send_continue(struct lws *wsi)
{
    char ex[32];
    if (lws_hdr_copy(wsi, ex, sizeof ex, WSI_TOKEN_HTTP_EXPECT) <= 0 ||
        strcasecmp(ex, "100-continue") != 0)
        return;
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    unsigned char buf[LWS_PRE + sizeof line];
    memcpy(buf + LWS_PRE, line, sizeof line - 1);
    lws_write(wsi, buf + LWS_PRE, sizeof line - 1, LWS_WRITE_HTTP);
}

static int http_begin(rh_net *net, struct lws *wsi, rh_pss *pss, const char *uri)
{
    http_reset(pss);
    rh_http_pend *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->net = net;
    p->wsi = wsi;
    p->next = net->pend_head;
    if (net->pend_head)
        net->pend_head->prev = p;
    net->pend_head = p;
    pss->pend = p;

    char *mu = NULL;
    int mlen = 0;
    int m = lws_http_get_uri_and_method(wsi, &mu, &mlen);
    const char *mname =
        (m >= 0 && (size_t)m < sizeof method_names / sizeof *method_names && method_names[m])
            ? method_names[m]
            : "UNKNOWN";
    p->head = m == LWSHUMETH_HEAD;
    p->method = dupn(mname, strlen(mname));
    p->path = dupn(uri, strlen(uri));
    p->query = rh_net_query_of(wsi);
    p->auth = hdr_dup(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    p->ctype = hdr_dup(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    p->idem = custom_dup(wsi, "idempotency-key:");
    if (!p->method || !p->path || !p->query)
        return answer_error(pss, wsi, 500, "out of memory", 1);

    /* Stopping: requests already read are answered; new ones are turned away so the stop
     * can finish (a load balancer retries them on another node). */
    if (net->stopping)
        return answer_error(pss, wsi, 503, "server shutting down", 1);
    char clbuf[32];
    int cl = lws_hdr_copy(wsi, clbuf, sizeof clbuf, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    int te = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    switch (rh_httpedge_framing_of(cl != 0, te)) {
    case RH_HTTPEDGE_AMBIGUOUS:
        /* RFC 9112 6.3: a proxy in front may have framed the body by Transfer-Encoding; reading
         * it by Content-Length would smuggle the rest in as another request. */
        if (!rh_srv_has_fault(net->srv, RH_FAULT_HTTP_CL_OVER_TE))
            return answer_error(pss, wsi, 400, "both Content-Length and Transfer-Encoding sent", 1);
        break;
    case RH_HTTPEDGE_CHUNKED:
        return answer_error(pss, wsi, 411, "Content-Length required", 1);
    case RH_HTTPEDGE_NO_BODY:
        return dispatch(net, wsi, pss);
    case RH_HTTPEDGE_LENGTH:
        break;
    }
    char *end = NULL;
    unsigned long long want = cl > 0 ? strtoull(clbuf, &end, 10) : 0;
    if (cl < 0 || clbuf[0] < '0' || clbuf[0] > '9' || !end || *end)
        return answer_error(pss, wsi, 400, "invalid Content-Length", 1);
    if (want > RH_NET_MAX_BODY)
        return answer_error(pss, wsi, 413, "request body over 1048576 bytes", 1);
    if (want == 0)
        return dispatch(net, wsi, pss);
    p->body = malloc((size_t)want + 1);
    if (!p->body)
        return answer_error(pss, wsi, 500, "out of memory", 1);
    p->body[0] = '\0';
    pss->expect = (size_t)want;
    pss->reading = 1;
    /* Only a connection that carried a request before can have this one buffered by lws. */
    pss->check_echo = lws_get_opaque_user_data(wsi) != NULL;
    /* lws restarts its own body timeout at every chunk, so a body trickled a byte at a time
     * would hold the connection (and its header buffer) for ever: the whole body gets one
     * deadline. The headers are bounded by lws' header-buffer timeout (timeout_secs_ah_idle). */
    p->read_deadline_ms = rh_net_now_ms(net) + (uint64_t)net->cfg->http_read_timeout * 1000u;
    send_continue(wsi);
    return 0;
}

/* lws' re-read of a pipelined request with a body (top of this file): the request is answered
 * 503 without being processed, so its client knows it may send it again, and the connection
 * is closed. Written at once (small: it fits the socket buffer; the answers before it are
 * out, lws parsed these headers only after them); lws calls no writeable callback before
 * the close. */
static int refuse_pipelined(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    static const char body[] = "{\"error\":\"pipelined request with a body not processed: "
                               "send it again, not pipelined\",\"code\":503}";
    rh_http_pend *p = pss->pend;
    rh_logf(net->log, RH_LOG_INFO,
            "pipelined %s with a body: answered 503 unprocessed, closing the connection",
            p->method);
    if (rh_srv_has_fault(net->srv, RH_FAULT_HTTP_PIPELINE_UNANSWERED))
        return -1;
    pss->reading = 0;
    p->read_deadline_ms = 0;
    p->close_after = 1;
    set_answer(p, 503, "application/json", body, sizeof body - 1, NULL);
    rh_srv_note_http(net->srv, p->status);
    (void)rh_net_http_write_answer(wsi, p);
    return -1;
}

static int http_body(rh_net *net, struct lws *wsi, rh_pss *pss, const char *in, size_t len)
{
    rh_http_pend *p = pss->pend;
    if (!p || !pss->reading || p->done)
        return 0; /* an early answer is on its way; the rest of the body is dropped */
    int first = pss->check_echo;
    pss->check_echo = 0;
    if (first && rh_httpedge_body_is_request_line(p->method, in, len) &&
        !rh_srv_has_fault(net->srv, RH_FAULT_HTTP_PIPELINE_FREEZE))
        return refuse_pipelined(net, wsi, pss);
    if (len > pss->expect - p->body_len)
        len = pss->expect - p->body_len;
    memcpy(p->body + p->body_len, in, len);
    p->body_len += len;
    p->body[p->body_len] = '\0';
    return 0;
}

/* Writes pss's answer and ends the transaction: -1 to close the connection. */
static int http_finish(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    rh_http_pend *p = pss->pend;
    if (rh_net_http_write_answer(wsi, p) != 0)
        return -1;
    int close_after = p->close_after;
    pss->pend = NULL;
    pend_free(p);
    if (close_after)
        return -1;
    /* Marks the connection as having carried a request (see http_body); any non-NULL value,
     * never dereferenced. */
    lws_set_opaque_user_data(wsi, net);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_writeable(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    if (!pss->pend || !pss->pend->done)
        return 0;
    return http_finish(net, wsi, pss);
}

/* BODY_COMPLETION for a request whose body already completed. lws calls it each time it
 * serves bytes buffered behind that request (top of this file): then the answer, when it is
 * there, is written as the writeable callback would (whichever comes first). lws' re-read
 * of a pipelined request also shows this way when the request was answered before its body
 * was read (a 400 from its headers), which the request-line check never sees: that answer
 * closes the connection. With the answer still to come the connection would have been held
 * (hold_reading); that it was not can only mean the re-read: closed instead of spinning. */
static int body_again(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    rh_http_pend *p = pss->pend;
    if (p && p->done)
        return http_finish(net, wsi, pss); /* lws queues it behind any unsent bytes */
    if (rh_srv_has_fault(net->srv, RH_FAULT_HTTP_PIPELINE_FREEZE))
        return 0;
    rh_logf(net->log, RH_LOG_INFO, "body completed twice: closing the connection");
    return -1;
}

int rh_net_http_cb(rh_net *net, struct lws *wsi, int reason, rh_pss *pss, void *in, size_t len)
{
    if (!pss)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return http_begin(net, wsi, pss, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        return http_body(net, wsi, pss, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (++pss->completions > 1)
            return body_again(net, wsi, pss);
        if (pss->pend && pss->reading && !pss->pend->done)
            return dispatch(net, wsi, pss);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writeable(net, wsi, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        http_reset(pss);
        return 0;
    default:
        return 0;
    }
}

void rh_net_http_expire(rh_net *net, uint64_t now_ms)
{
    static const char body[] = "{\"error\":\"request not received in time\",\"code\":408}";
    for (rh_http_pend *p = net->pend_head; p; p = p->next) {
        if (!p->wsi || p->done || !p->read_deadline_ms || now_ms < p->read_deadline_ms)
            continue;
        p->read_deadline_ms = 0;
        p->close_after = 1;
        set_answer(p, 408, "application/json", body, sizeof body - 1, NULL);
        rh_srv_note_http(net->srv, 408);
        lws_callback_on_writable(p->wsi);
    }
}

/* Requests whose answers never came (the loop ended first). */
void rh_net_http_free_all(rh_net *net)
{
    while (net->pend_head)
        pend_free(net->pend_head);
}
