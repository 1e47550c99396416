/* rb_ws: the bench's Pusher subscribers, client connections on the bench's libuv loop (one
 * loop, many connections), by one of two clients: libwebsockets' (RB_WS_LWS, ws.c) or plain
 * sockets watched by uv_poll_t (RB_WS_RAW, ws_raw.c), cheaper per delivery so that a fan-out
 * run measures the server rather than the client.
 *
 * Each subscriber opens ws://HOST:PORT/app/KEY, waits for pusher:connection_established,
 * subscribes to one channel (private channels signed locally with the app secret, as a
 * server-side authorizer would) and then reports every thread.token.streamed frame with its
 * arrival time. Server pings are answered. At most RB_WS_CONNECTING handshakes are in flight
 * at once; the rest wait their turn, so thousands of subscribers connect without a storm.
 * Ownership: rb_ws owns its connections and copies the channel names; frames passed to
 * callbacks are valid only during the call. */
#ifndef RB_WS_H
#define RB_WS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define RB_WS_CONNECTING 64

typedef enum { RB_WS_LWS = 0, RB_WS_RAW = 1 } rb_ws_client;

typedef struct rb_ws_cbs {
    void (*on_subscribed)(void *ud, int sub);
    void (*on_token)(void *ud, int sub, uint64_t seq, uint64_t now_ns, const char *frame,
                     size_t len);
    /* A connection failed, closed, or the server refused the subscription. */
    void (*on_error)(void *ud, int sub, const char *msg);
} rb_ws_cbs;

typedef struct rb_ws rb_ws;

rb_ws *rb_ws_new(uv_loop_t *loop, rb_ws_client client, const char *host, int port, const char *key,
                 const char *secret, int nsubs, const rb_ws_cbs *cbs, void *ud, char *err,
                 size_t errlen);
/* Queues subscriber `sub` (0 <= sub < nsubs) to connect and subscribe to channel. 0 or -1. */
int rb_ws_open(rb_ws *w, int sub, const char *channel);
/* Closes every connection (and the lws context); runs the loop until they are gone. */
void rb_ws_free(rb_ws *w);

#endif
