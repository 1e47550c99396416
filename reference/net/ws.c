/* The WebSocket side of the edge: upgrade at /app/{key}, message reassembly, the per
 * connection send queue (one frame per writeable callback) and closing after the queue
 * drains. */
#include <stdlib.h>
#include <string.h>

#include "net_int.h"
#include "proto/httpedge.h"

#define APP_PREFIX "/app/"
/* lws-write.h keeps LWS_WRITE_CLOSE private ("handled by lws_close_reason()"); its value is
 * the gap between LWS_WRITE_HTTP (3) and LWS_WRITE_PING (5) in that ABI-stable enum. */
#define RH_LWS_WRITE_CLOSE ((enum lws_write_protocol)4)

static void ws_unlink(rh_ws *ws)
{
    rh_net *net = ws->net;
    if (ws->prev)
        ws->prev->next = ws->next;
    else if (net->ws_head == ws)
        net->ws_head = ws->next;
    if (ws->next)
        ws->next->prev = ws->prev;
    ws->prev = ws->next = NULL;
}

static void ws_free(rh_ws *ws)
{
    ws->net->qbytes -= ws->qbytes;
    while (ws->qlen) {
        rh_buf_unref(ws->q[ws->qhead]);
        ws->qhead = (ws->qhead + 1) % ws->qcap;
        ws->qlen--;
    }
    free(ws->q);
    free(ws->rx);
    free(ws->close_reason);
    free(ws);
}

static int q_push(rh_ws *ws, rh_buf *b)
{
    if (ws->qlen == ws->qcap) {
        uint32_t ncap = ws->qcap ? ws->qcap * 2 : 8;
        rh_buf **nq = malloc(ncap * sizeof *nq);
        if (!nq)
            return -1;
        for (uint32_t i = 0; i < ws->qlen; i++)
            nq[i] = ws->q[(ws->qhead + i) % ws->qcap];
        free(ws->q);
        ws->q = nq;
        ws->qcap = ncap;
        ws->qhead = 0;
    }
    ws->q[(ws->qhead + ws->qlen) % ws->qcap] = rh_buf_ref(b);
    ws->qlen++;
    ws->qbytes += b->len;
    ws->net->qbytes += b->len;
    return 0;
}

static rh_buf *q_pop(rh_ws *ws)
{
    if (!ws->qlen)
        return NULL;
    rh_buf *b = ws->q[ws->qhead];
    ws->qhead = (ws->qhead + 1) % ws->qcap;
    ws->qlen--;
    ws->qbytes -= b->len;
    ws->net->qbytes -= b->len;
    return b;
}

int rh_net_ws_send(void *ud, void *h, rh_buf *frame)
{
    (void)ud;
    rh_ws *ws = h;
    /* After a close nothing more goes out; the frame is simply not taken. */
    if (!ws || !ws->wsi || ws->closing || !frame)
        return 0;
    if (ws->qbytes + frame->len > ws->net->cfg->send_queue_bytes) {
        if (rh_srv_has_fault(ws->net->srv, RH_FAULT_SLOW_DROP_FRAMES))
            return 0; /* the frame is lost and the connection kept: a gap for the client */
        if (ws->overflow)
            return -1;
        rh_logf(ws->net->log, RH_LOG_WARN,
                "send queue over %zu bytes: dropping its unsent frames, closing 4100",
                ws->net->cfg->send_queue_bytes);
        ws->overflow = 1;
        /* Memory comes back at once; what was never written the client replays after it
         * reconnects, so only the 4100 error and close frame are queued from here on. */
        rh_buf *b;
        while ((b = q_pop(ws)))
            rh_buf_unref(b);
        return -1;
    }
    if (!frame->stamp_us)
        frame->stamp_us = rh_net_now_us();
    /* Hot path of every delivery: with nothing queued here or in lws, write now. Asking for
     * a writeable callback instead costs two epoll_ctl calls per frame (POLLOUT on, then
     * off), half the server's CPU in the fan-out benchmark; lws_send_pipe_choked() would
     * cost a poll() each. A frame the socket cannot take whole is kept by lws, which then
     * reports partial_buffered, so later frames queue here and the queue limit still holds. */
    if (!ws->qlen && !ws->overflow && !lws_partial_buffered(ws->wsi)) {
        int n = lws_write(ws->wsi, (unsigned char *)frame->data, frame->len, LWS_WRITE_TEXT);
        if (n < 0) {
            /* The socket is gone (reset by the peer), not over capacity: no 4100 and no
             * overflow count; lws closes it and core hears of it through CLOSED. */
            ws->closing = 1;
            lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            return 0;
        }
        uint64_t now = rh_net_now_us();
        rh_srv_note_send_latency(ws->net->srv, now > frame->stamp_us ? now - frame->stamp_us : 0);
        return 0;
    }
    if (q_push(ws, frame) != 0)
        return -1;
    lws_callback_on_writable(ws->wsi);
    return 0;
}

void rh_net_ws_close(void *ud, void *h, int code, const char *reason)
{
    (void)ud;
    rh_ws *ws = h;
    if (!ws || !ws->wsi || ws->closing)
        return;
    ws->closing = 1;
    ws->close_code = code;
    ws->close_reason = strdup(reason ? reason : ""); /* NULL (out of memory): no reason */
    lws_callback_on_writable(ws->wsi);
    /* A peer that never reads would keep the queue, and the socket, forever; one already
     * too slow for its queue gets less time to read its 4100. */
    lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK, ws->overflow ? 5 : 10);
}

/* A refused upgrade gets an HTTP answer with the JSON error body of every other HTTP error
 * (docs/protocol.md 2.1.6, 6.6.1) before lws closes the connection; lws' own refusal is a
 * bare TCP close. Written raw: the connection is not an HTTP transaction of ours. */
static int ws_refuse(struct lws *wsi, int status, const char *reason, const char *msg)
{
    unsigned char buf[LWS_PRE + 512];
    char body[192];
    int bl = snprintf(body, sizeof body, "{\"error\":\"%s\",\"code\":%d}", msg, status);
    int n = snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: "
                     "%d\r\nconnection: close\r\n\r\n%s",
                     status, reason, bl, body);
    if (n > 0 && (size_t)n < sizeof buf - LWS_PRE)
        lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_FINAL);
    return -1;
}

/* The app key of an upgrade at /app/{key}, or NULL for any other path. */
static const char *key_of(rh_net *net, const char *uri)
{
    if (strncmp(uri, APP_PREFIX, strlen(APP_PREFIX)) == 0)
        return uri + strlen(APP_PREFIX);
    if (rh_srv_has_fault(net->srv, RH_FAULT_WS_ANY_PATH)) {
        const char *slash = strrchr(uri, '/');
        return slash ? slash + 1 : NULL; /* any path that ends in a key */
    }
    return NULL;
}

/* Upgrades are accepted at /app/{key} only, and not once a stop has begun. */
static int ws_filter(rh_net *net, struct lws *wsi)
{
    char uri[512];
    if (net->stopping)
        return ws_refuse(wsi, 503, "Service Unavailable", "server shutting down");
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
        return ws_refuse(wsi, 404, "Not Found", "not found");
    if (!key_of(net, uri)) {
        rh_logf(net->log, RH_LOG_DEBUG, "refusing WebSocket upgrade at %s", uri);
        return ws_refuse(wsi, 404, "Not Found", "not found: WebSockets upgrade at /app/{key}");
    }
    return 0;
}

static int ws_established(rh_net *net, struct lws *wsi, rh_pss *pss)
{
    char uri[512];
    const char *key =
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) > 0 ? key_of(net, uri) : NULL;
    if (!key)
        return -1;
    rh_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return -1;
    ws->net = net;
    ws->wsi = wsi;
    const rh_cfg_app *app = rh_cfg_app_by_key(net->cfg, key);
    size_t max = app ? app->max_message_bytes : 10240;
    ws->rxlimit = max + RH_NET_RX_SLACK;
    ws->next = net->ws_head;
    if (net->ws_head)
        net->ws_head->prev = ws;
    net->ws_head = ws;
    pss->ws = ws;
    char *query = rh_net_query_of(wsi);
    char origin[256];
    int olen = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    /* An Origin too long to copy is no allowed origin: pass it on truncated to be refused. */
    if (olen < 0 && lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0)
        snprintf(origin, sizeof origin, "(too long)");
    int has_origin = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
    ws->conn = rh_srv_conn_open_origin(net->srv, key, query, has_origin ? origin : NULL, ws);
    free(query);
    if (!ws->conn) {
        rh_logf(net->log, RH_LOG_ERROR, "out of memory opening a connection");
        return -1; /* CLOSED follows and frees ws */
    }
    return 0;
}

static void ws_deliver(rh_ws *ws)
{
    if (ws->conn && !ws->closing)
        rh_srv_conn_message(ws->net->srv, ws->conn, ws->rx ? ws->rx : "", ws->rxlen, ws->rx_binary);
}

static int ws_receive(rh_ws *ws, struct lws *wsi, const char *in, size_t len)
{
    if (!ws->rx_in_msg) {
        ws->rx_in_msg = 1;
        ws->rx_binary = lws_frame_is_binary(wsi) ? 1 : 0;
        ws->rx_skip = 0;
        ws->rxlen = 0;
    }
    if (!ws->rx_skip) {
        size_t take = len;
        if (ws->rxlen + take > ws->rxlimit)
            take = ws->rxlimit - ws->rxlen;
        if (ws->rxlen + take > ws->rxcap) {
            size_t ncap = ws->rxcap ? ws->rxcap : 1024;
            while (ncap < ws->rxlen + take)
                ncap *= 2;
            if (ncap > ws->rxlimit)
                ncap = ws->rxlimit;
            char *n = realloc(ws->rx, ncap + 1);
            if (!n)
                return -1;
            ws->rx = n;
            ws->rxcap = ncap;
        }
        if (take) /* lws hands an empty frame as NULL, 0: memcpy must not see NULL */
            memcpy(ws->rx + ws->rxlen, in, take);
        ws->rxlen += take;
        if (take < len) {
            /* Over the cap: hand core what we have (already too long) and let it decide;
             * the rest of this message is dropped unread. */
            ws->rx_skip = 1;
            ws->rx[ws->rxlen] = '\0';
            ws_deliver(ws);
        }
    }
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        ws->rx_in_msg = 0;
        if (!ws->rx_skip) {
            if (ws->rx)
                ws->rx[ws->rxlen] = '\0';
            ws_deliver(ws);
        }
        /* Clients send few messages (subscribe, ping, client events) and most connections
         * then sit idle: a buffer kept between messages was ~1 KB of every idle connection's
         * memory, one malloc per inbound message costs next to nothing. */
        free(ws->rx);
        ws->rx = NULL;
        ws->rxcap = 0;
        ws->rxlen = 0;
    }
    return 0;
}

/* The close frame is written here rather than by lws_close_reason() and returning -1:
 * Debian's libwebsockets 4.1.6 is a _DEBUG build whose libuv service path closes a wsi a
 * second time right after a callback asks for a close ("uv repeat test"), which kills the
 * socket before the close frame leaves. So: write the close frame ourselves, then close
 * when the peer acknowledges it (LWS_CALLBACK_WS_PEER_INITIATED_CLOSE) or after a timeout. */
static int ws_send_close(rh_ws *ws, struct lws *wsi)
{
    unsigned char buf[LWS_PRE + 125];
    const char *reason = ws->close_reason ? ws->close_reason : "";
    size_t rlen = strlen(reason);
    if (rlen > 123) {
        rlen = 123;
        /* never cut a UTF-8 sequence: the reason must stay valid UTF-8 */
        while (rlen && ((unsigned char)reason[rlen] & 0xC0) == 0x80)
            rlen--;
    }
    buf[LWS_PRE] = (unsigned char)((ws->close_code >> 8) & 0xff);
    buf[LWS_PRE + 1] = (unsigned char)(ws->close_code & 0xff);
    memcpy(buf + LWS_PRE + 2, reason, rlen);
    ws->close_sent = 1;
    if (lws_write(wsi, buf + LWS_PRE, rlen + 2, RH_LWS_WRITE_CLOSE) < 0)
        return -1;
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, 3);
    return 0;
}

static int ws_writeable(rh_ws *ws, struct lws *wsi)
{
    rh_buf *b = q_pop(ws);
    if (b) {
        /* Several frames per callback while the socket takes them whole (see lws-ws-state.h
         * on lws_partial_buffered): one wake-up drains a burst. */
        for (int i = 0; b; i++) {
            int n = lws_write(wsi, (unsigned char *)b->data, b->len, LWS_WRITE_TEXT);
            uint64_t now = rh_net_now_us();
            rh_srv_note_send_latency(ws->net->srv, now > b->stamp_us ? now - b->stamp_us : 0);
            rh_buf_unref(b);
            if (n < 0)
                return -1;
            b = (i < 15 && !lws_partial_buffered(wsi)) ? q_pop(ws) : NULL;
        }
        if (ws->qlen || (ws->closing && !ws->close_sent))
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (ws->closing && !ws->close_sent)
        return ws_send_close(ws, wsi);
    return 0;
}

static void ws_closed(rh_net *net, rh_pss *pss)
{
    rh_ws *ws = pss->ws;
    if (!ws)
        return;
    pss->ws = NULL;
    ws->wsi = NULL;
    rh_conn *conn = ws->conn;
    ws->conn = NULL;
    if (conn && !ws->closing)
        rh_srv_conn_dropped(net->srv, conn);
    if (conn)
        rh_srv_conn_closed(net->srv, conn);
    ws_unlink(ws);
    ws_free(ws);
}

int rh_net_ws_cb(rh_net *net, struct lws *wsi, int reason, rh_pss *pss, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return ws_filter(net, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        if (!pss)
            return -1;
        return ws_established(net, wsi, pss);
    case LWS_CALLBACK_RECEIVE:
        if (!pss || !pss->ws)
            return -1;
        return ws_receive(pss->ws, wsi, in, len);
    case LWS_CALLBACK_RECEIVE_PONG:
        if (pss && pss->ws && pss->ws->conn)
            rh_srv_conn_activity(net->srv, pss->ws->conn);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!pss || !pss->ws)
            return 0;
        return ws_writeable(pss->ws, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* Our close acknowledged: done. Otherwise lws answers the peer's close itself, and
         * no data frame may follow (RFC 6455 5.5.1): direct writes would not know. */
        if (pss && pss->ws && !pss->ws->close_sent) {
            pss->ws->closing = 1;
            /* lws echoes this payload as its close answer */
            if (!rh_srv_has_fault(net->srv, RH_FAULT_WS_CLOSE_UTF8))
                rh_httpedge_close_fix_utf8(in, len);
        }
        return (pss && pss->ws && pss->ws->close_sent) ? -1 : 0;
    case LWS_CALLBACK_CLOSED:
        if (pss)
            ws_closed(net, pss);
        return 0;
    default:
        return 0;
    }
}

/* At the end of the loop every socket is closed; anything left is freed without telling
 * core (rh_srv_free drops its connections itself). */
void rh_net_ws_free_all(rh_net *net)
{
    while (net->ws_head) {
        rh_ws *ws = net->ws_head;
        ws_unlink(ws);
        ws_free(ws);
    }
}
