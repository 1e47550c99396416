/* Internals shared by the files of reference/net (net.c, ws.c, http*.c); nothing outside net/
 * includes this. */
#ifndef RH_NET_INT_H
#define RH_NET_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>
#include <uv.h>

#include "../core/faults.h"
#include "net.h"

/* Frames are written in place: the bytes before rh_buf.data hold the WebSocket header. */
_Static_assert(RH_BUF_PRE >= LWS_PRE, "rh_buf headroom must cover LWS_PRE");

#define RH_NET_MAX_BODY (1024u * 1024u) /* largest HTTP request body read */
#define RH_NET_RX_SLACK 1024u           /* read past max_message_bytes so core sees "too big" */
#define RH_NET_HDR_MAX  1024u           /* status line and headers of an HTTP answer */
/* Largest HTTP answer body written in the same write as its headers, and the largest one
 * written at once from the request's own callback (http.c); bigger ones (replays) go out
 * from the writeable callback, body apart. */
#define RH_NET_DIRECT_MAX 4096u

/* One WebSocket connection: the handle core/ sees. Outlives neither its wsi nor the net. */
typedef struct rh_ws {
    rh_net *net;
    struct lws *wsi; /* NULL once libwebsockets closed the socket */
    rh_conn *conn;
    rh_buf **q; /* ring of queued frames, each holding one reference */
    /* 32 bits: every idle connection carries these, and the queue, capped in bytes
     * (send_queue_bytes, at most 1 GiB), never holds 2^31 frames. */
    uint32_t qhead, qlen, qcap;
    size_t qbytes;
    /* Flags as bit-fields and the close reason on the heap: every idle connection carries
     * this struct, and only closing ones need a reason. */
    unsigned closing : 1;
    unsigned close_sent : 1; /* our close frame is written; waiting for the peer's */
    unsigned overflow : 1;   /* the send queue went over its cap */
    unsigned rx_in_msg : 1, rx_binary : 1, rx_skip : 1;
    int close_code;
    char *close_reason; /* heap, set with closing; NULL: none (or out of memory) */
    char *rx;           /* message being reassembled; NULL between messages */
    size_t rxlen, rxcap, rxlimit;
    struct rh_ws *prev, *next;
} rh_ws;

/* One HTTP request from dispatch to the written answer. Kept apart from the wsi's session
 * data because the answer may come after the client left: then wsi is NULL and the done
 * callback frees it. */
typedef struct rh_http_pend {
    rh_net *net;
    struct lws *wsi;
    int done;
    int head; /* HEAD request: headers only */
    int close_after;
    /* the connection's reading is stopped (lws_rx_flow_control) until this answer came: a
     * request with a body whose answer comes later (http.c dispatch) */
    int held;
    uint64_t read_deadline_ms; /* while the body is read: when it must be complete; else 0 */
    /* request copies, alive until the answer (an asynchronous store may read them late) */
    char *method, *path, *query, *auth, *ctype, *body;
    char *idem; /* Idempotency-Key header */
    size_t body_len;
    /* the answer */
    int status;
    char *resp_ctype;
    unsigned char *resp; /* LWS_PRE bytes of headroom, then resp_len bytes */
    size_t resp_len;
    char retry_after[32];
    struct rh_http_pend *prev, *next;
} rh_http_pend;

/* libwebsockets' per-session data for our single protocol. */
typedef struct rh_pss {
    rh_ws *ws;
    rh_http_pend *pend; /* request being read or answered */
    size_t expect;      /* Content-Length still to read into pend->body */
    int reading;
    int check_echo;  /* the next body chunk is the first: check it for lws' pipelining re-read */
    int completions; /* LWS_CALLBACK_HTTP_BODY_COMPLETION calls for the current request */
} rh_pss;

struct rh_net {
    uv_loop_t *loop;
    const rh_cfg *cfg;
    const rh_log *log;
    rh_srv *srv;
    rh_srv_io io;
    struct lws_context *ctx;
    struct lws_protocols protocols[2];
    uv_timer_t tick;
    uv_timer_t stop_timer;
    uv_signal_t sigint, sigterm;
    int listening;
    int lws_failed; /* lws_create_context failed: the loop must not run again */
    int stopping;
    int destroying; /* lws_context_destroy called */
    uint64_t stop_started_ms;
    rh_ws *ws_head;
    size_t qbytes; /* bytes in every send queue, for GET /metrics */
    rh_http_pend *pend_head;
    rh_http_pend *sync_pend;  /* the request inside rh_srv_http now (http.c dispatch) */
    unsigned long fd_cap;     /* sockets numbered at or over this are refused at accept */
    uint64_t fd_cap_log_ms;   /* last "descriptors exhausted" warning: one per 10 s at most */
    unsigned long fd_refused; /* refused since that warning */
    struct rh_whc *whc_head;  /* webhook POSTs in flight (whclient.c) */
    uv_idle_t busy;           /* the busy-poll window; data NULL when busy_poll_us is 0 */
    uint64_t busy_last_us;    /* last I/O seen, for the window */
};

/* whclient.c: rh_srv_io.http_post and http_cancel; abort_all abandons every POST (their done
 * is never called) so the loop can run out of work at a stop. */
int rh_net_http_post(void *ud, const char *url, const char *headers, const char *body, size_t len,
                     int timeout_ms, void (*done)(void *done_ud, int status), void *done_ud);
void rh_net_http_cancel(void *ud, const void *done_ud);
void rh_net_whc_abort_all(rh_net *net);
/* Unix time in milliseconds (rh_srv_io.wall_ms). */
int64_t rh_net_wall_ms(void *ud);

/* ws.c */
int rh_net_ws_cb(rh_net *net, struct lws *wsi, int reason, rh_pss *pss, void *in, size_t len);
int rh_net_ws_send(void *ud, void *h, rh_buf *frame);
void rh_net_ws_close(void *ud, void *h, int code, const char *reason);
void rh_net_ws_free_all(rh_net *net);

/* http.c */
int rh_net_http_cb(rh_net *net, struct lws *wsi, int reason, rh_pss *pss, void *in, size_t len);
void rh_net_http_free_all(rh_net *net);
/* http_query.c: the request's query string, re-escaped (libwebsockets hands it out decoded
 * and split); "" when there is none; heap (caller frees), NULL when out of memory. */
char *rh_net_query_of(struct lws *wsi);
/* http_answer.c: writes p's answer (status, headers, and the body unless HEAD); -1 when the
 * connection failed. */
int rh_net_http_write_answer(struct lws *wsi, const rh_http_pend *p);
/* Answers 408 and closes every request whose body is still being read past its deadline
 * (http_read_timeout, counted from the end of its headers). */
void rh_net_http_expire(rh_net *net, uint64_t now_ms);

/* busy.c: the busy-poll window. init is a no-op when busy_poll_us is 0; note is called with
 * every lws callback reason and opens the window on those that mean input. */
int rh_net_busy_init(rh_net *net);
void rh_net_busy_note(rh_net *net, int reason);

uint64_t rh_net_now_ms(void *ud);
uint64_t rh_net_now_us(void);

#endif
