/* rc_ws / rc_http / rc_pusher: the suite's own small, blocking clients.
 *
 * Written for the suite rather than borrowed from libwebsockets because a conformance
 * client must be able to send what a well-behaved client never would (bad frames, bad
 * JSON, binary frames) and see exactly what came back, byte for byte, with timeouts under
 * the case's control. Plain TCP or TLS (OpenSSL) for https/wss. Every byte in and out is
 * appended to the case's wire log.
 *
 * Layers: the transport (net.c, ws.c, ws_handshake.c, http.c, http_resp.c; io.h) does the
 * sockets, TLS and deadlines, takes every byte format from conformance/wire, and reports
 * through rc_hooks (hooks.h); ctx.c and pusher.c give cases this API on top of it, turning
 * findings into rc_fail / rc_error and tracking objects in the case's ctx.
 *
 * Ownership: objects opened with an rc_ctx belong to that ctx and are closed by the runner
 * at the end of the case; a case may close them earlier with the *_close functions.
 * Messages returned by rc_ws_recv / rc_pusher_* stay valid until the next receive on the
 * same connection, unless copied. One connection is used by one thread at a time. */
#ifndef RC_CLIENT_H
#define RC_CLIENT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../runner/case.h"

/* --- WebSocket ----------------------------------------------------------------------- */
typedef struct rc_ws rc_ws;

enum { RC_WS_TEXT = 1, RC_WS_BINARY = 2, RC_WS_CLOSE = 8, RC_WS_PING = 9, RC_WS_PONG = 10 };

typedef struct rc_ws_msg {
    int opcode;       /* RC_WS_TEXT, RC_WS_BINARY, RC_WS_PING, RC_WS_PONG */
    const char *data; /* NUL-terminated copy */
    size_t len;
} rc_ws_msg;

/* Connects to the target and upgrades at path (NULL: the target's ws_path). Returns NULL
 * after rc_error(ctx, ...) when the TCP/TLS connect or the upgrade fails, unless
 * expect_failure is set (then it returns NULL quietly and *http_status holds the status of a
 * refused upgrade, when non-NULL). */
rc_ws *rc_ws_open(rc_ctx *ctx, const char *path, int expect_failure, int *http_status);
/* The same with extra upgrade request headers ("Origin: x\r\n..."; NULL: none). */
rc_ws *rc_ws_open_hdr(rc_ctx *ctx, const char *path, const char *headers, int expect_failure,
                      int *http_status);
int rc_ws_send_text(rc_ws *ws, const char *s, size_t len);
/* A raw frame: any opcode, FIN flag, masked or not (servers must refuse unmasked). */
int rc_ws_send_frame(rc_ws *ws, int opcode, const void *data, size_t len, int fin, int masked);
/* Next message within timeout_ms. WS pings are answered with pongs automatically unless
 * rc_ws_set_auto_pong(ws, 0). Returns 1 (message), 0 (timeout), -1 (closed or error; see
 * rc_ws_close_code). */
int rc_ws_recv(rc_ws *ws, int timeout_ms, rc_ws_msg *out);
void rc_ws_set_auto_pong(rc_ws *ws, int on);
/* Close code received from the server (e.g. 4001), 1006 when the TCP connection ended
 * without a close frame, 0 while open. */
int rc_ws_close_code(const rc_ws *ws);
/* 1 while neither side has closed. */
int rc_ws_is_open(const rc_ws *ws);
/* Sends a close frame (code 1000), waits up to 300 ms for the server's close, and closes the
 * socket. The object stays valid (rc_ws_close_code, rc_ws_is_open) until the case ends. */
void rc_ws_close(rc_ws *ws);
/* Ends the TCP connection with a reset, without a close frame (a client that vanished: a
 * killed tab, a lost network). The object stays valid as after rc_ws_close. */
void rc_ws_drop(rc_ws *ws);

/* --- Pusher on top of rc_ws ----------------------------------------------------------- */
typedef struct rc_pmsg {
    cJSON *root;         /* the whole frame, parsed */
    const char *event;   /* NULL when missing or not a string */
    const char *channel; /* NULL when absent */
    const cJSON *data;   /* the data member as sent (string or object), or NULL */
    cJSON *data_parsed;  /* when data is a string holding JSON: that JSON parsed; else NULL */
    const char *raw;     /* the frame's text */
} rc_pmsg;

typedef struct rc_pconn {
    rc_ws *ws;
    char socket_id[64];
    int activity_timeout;
    rc_pmsg last; /* owned; replaced by each receive */
} rc_pconn;

/* Opens a WebSocket and waits for pusher:connection_established, checking nothing beyond
 * "it arrived and parsed" (cases check the details). NULL after rc_error on failure. */
rc_pconn *rc_pusher_connect(rc_ctx *ctx);
/* Upgrades at path (NULL: the target's) with extra headers (NULL: none) and returns the
 * connection without waiting for any message: for cases that expect a refusal. NULL after
 * rc_error when the upgrade itself fails. */
rc_pconn *rc_pusher_open(rc_ctx *ctx, const char *path, const char *headers);
/* Next Pusher message (server pusher:ping answered with pusher:pong automatically unless
 * disabled; an auto-answered ping is not returned, nor are WebSocket ping/pong frames).
 * 1, 0 timeout, -1 closed. *out points into pc->last. */
int rc_pusher_next(rc_pconn *pc, int timeout_ms, const rc_pmsg **out);
void rc_pusher_set_auto_pong(rc_pconn *pc, int on);
/* pusher_internal:subscription_count messages are skipped by rc_pusher_next (so by every
 * helper built on it) unless on is 1: a server may send them at any time (docs/protocol.md
 * 21). */
void rc_pusher_show_counts(rc_pconn *pc, int on);
/* Waits for event (and channel when non-NULL), skipping others; 1, 0 timeout, -1 closed. */
int rc_pusher_wait(rc_pconn *pc, const char *event, const char *channel, int timeout_ms,
                   const rc_pmsg **out);
/* Sends {"event":..,"channel":..?,"data":<data_json>}; data_json is inserted verbatim. */
int rc_pusher_send(rc_pconn *pc, const char *event, const char *channel, const char *data_json);
/* pusher:subscribe with optional auth and channel_data (NULL: omitted). */
int rc_pusher_subscribe(rc_pconn *pc, const char *channel, const char *auth,
                        const char *channel_data);
/* Subscribes, signing with the target's key and secret when the channel needs it, and waits
 * for pusher_internal:subscription_succeeded. 1 on success; on refusal or timeout 0 after
 * rc_error (a helper step failing is harness trouble unless the case checks it itself). */
int rc_pusher_subscribe_ok(rc_ctx *ctx, rc_pconn *pc, const char *channel,
                           const char *channel_data);
void rc_pusher_close(rc_pconn *pc);

/* --- HTTP ------------------------------------------------------------------------------ */
typedef struct rc_http_resp {
    int status;
    char *headers; /* raw header block */
    char *body;    /* NUL-terminated */
    size_t body_len;
    cJSON *json; /* body parsed when it is JSON, else NULL */
} rc_http_resp;

/* One request on a fresh connection. headers: extra raw lines ("K: v\r\n..."), or NULL.
 * 0 on a complete response, -1 after rc_error on network trouble. resp is freed by
 * rc_http_resp_free (the ctx does not track it). Thread-safe. */
int rc_http(rc_ctx *ctx, const char *method, const char *path_and_query, const char *headers,
            const char *body, size_t body_len, rc_http_resp *resp);
/* A signed Pusher HTTP API / control API request: path like "/apps/<id>/events", extra
 * query parameters "k=v&..." or NULL, body or NULL. */
int rc_api(rc_ctx *ctx, const char *method, const char *path, const char *extra_query,
           const char *body, rc_http_resp *resp);
/* rc_api signed with another app's key and secret (the limit cases' app). */
int rc_api_as(rc_ctx *ctx, const char *key, const char *secret, const char *method,
              const char *path, const char *extra_query, const char *body, rc_http_resp *resp);
/* rc_api with extra raw header lines ("K: v\r\n...", NULL: none); they do not reach a
 * producer driver (rc_target.producer), whose protocol has no headers. */
int rc_api_hdr(rc_ctx *ctx, const char *method, const char *path, const char *headers,
               const char *body, rc_http_resp *resp);
/* The general form: another app's key and secret, extra query and headers. */
int rc_api_sign_hdr(rc_ctx *ctx, const char *key, const char *secret, const char *method,
                    const char *path, const char *extra_query, const char *headers,
                    const char *body, rc_http_resp *resp);
/* POST the authorizer (form-encoded socket_id, channel_name) with a bearer token
 * (NULL: no Authorization header). */
int rc_authorize(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                 rc_http_resp *resp);
void rc_http_resp_free(rc_http_resp *resp);
/* Header value (case-insensitive name) into out; 1 found, 0 absent. */
int rc_http_header(const rc_http_resp *resp, const char *name, char *out, size_t outlen);

/* What a raw exchange got back: every byte until the server closed (closed 1) or wait_ms
 * ended (closed 0). data is heap, NUL-terminated (rc_raw_resp_free). */
typedef struct rc_raw_resp {
    char *data;
    size_t len;
    int closed;
} rc_raw_resp;
/* Sends len bytes of req as they are on a fresh connection to the main URL and reads until
 * the server closes or wait_ms pass. 0, or -1 after rc_error (cannot connect or send). */
int rc_http_raw(rc_ctx *ctx, const void *req, size_t len, int wait_ms, rc_raw_resp *out);
void rc_raw_resp_free(rc_raw_resp *r);

/* --- Control API helpers (stream profile) ---------------------------------------------- */
/* POST /apps/{id}/streams; fills resp. */
int rc_stream_start(rc_ctx *ctx, const char *workspace, const char *thread, const char *run,
                    const char *stream, rc_http_resp *resp);
/* POST /apps/{id}/streams/{stream}/tokens with {"token": token} (JSON-escaped here). */
int rc_stream_token(rc_ctx *ctx, const char *stream, const char *token, rc_http_resp *resp);
/* rc_stream_token with the header Idempotency-Key: key (NULL: none; docs/protocol.md 12.7). */
int rc_stream_token_key(rc_ctx *ctx, const char *stream, const char *token, const char *key,
                        rc_http_resp *resp);
/* POST .../end with {"reason": reason} (reason NULL: empty body). */
int rc_stream_end(rc_ctx *ctx, const char *stream, const char *reason, rc_http_resp *resp);
int rc_stream_get(rc_ctx *ctx, const char *stream, rc_http_resp *resp);

/* --- JSON helpers for checks ------------------------------------------------------------ */
/* Member as an integer when it is a JSON number holding an exact integer; 1 ok, 0 not. */
int rc_json_int(const cJSON *obj, const char *key, long long *out);
const char *rc_json_str(const cJSON *obj, const char *key);

#endif
