/* The transport-free half of the bench's subscribers, shared by both clients (ws.c on
 * libwebsockets, ws_raw.c on plain sockets), so that the two differ only in how bytes move.
 *
 * rb_wsq is the connect queue: subscribers wait in the order they were opened, and at most
 * RB_WS_CONNECTING of them are "in flight" (connect started, not yet subscribed or failed) at
 * once, so thousands connect without a handshake storm.
 *
 * rb_wss is one subscriber's Pusher state; rb_wss_step is what one whole message does to it:
 * what to report (a token, the subscription, a failure) and what to send back (the signed
 * subscribe, a pong). rb_wss_fail is the one way a subscriber dies.
 *
 * Pure: no I/O. Ownership: rb_wsq owns its links (rb_wsq_free); rb_wss owns its channel
 * (copied by rb_wss_queue, freed by rb_wss_clear); rb_wss_step's act.text is malloc'd for
 * RB_WSS_SUBSCRIBE and freed by the caller, NULL otherwise; act.why lives in the act. */
#ifndef RB_WSSUB_H
#define RB_WSSUB_H

#include <stddef.h>
#include <stdint.h>

#include "ws.h"

typedef struct rb_wsq {
    int *next; /* next[i]: the subscriber queued after i, -1 for the last */
    int n;
    int head, tail; /* -1 when empty */
    int inflight;
} rb_wsq;

/* 0, or -1 when out of memory. */
int rb_wsq_init(rb_wsq *q, int n);
void rb_wsq_free(rb_wsq *q);
/* Queues subscriber idx (0 <= idx < n, not queued already). */
void rb_wsq_push(rb_wsq *q, int idx);
/* The next subscriber to connect, now counted in flight; -1 when none waits or
 * RB_WS_CONNECTING are in flight. */
int rb_wsq_pop(rb_wsq *q);
/* One subscriber in flight is subscribed or failed. */
void rb_wsq_done(rb_wsq *q);
/* Nothing waiting opens any more (closing). */
void rb_wsq_clear(rb_wsq *q);

typedef enum {
    RB_WSP_IDLE = 0,
    RB_WSP_QUEUED,
    RB_WSP_CONNECTING,  /* in flight: TCP, upgrade, waiting for connection_established */
    RB_WSP_SUBSCRIBING, /* in flight: subscribe sent */
    RB_WSP_SUBSCRIBED,
    RB_WSP_DEAD,
} rb_wss_phase;

typedef struct rb_wss {
    rb_wss_phase phase;
    char *channel; /* the one channel it subscribes to */
    char socket_id[48];
} rb_wss;

/* Queues idle subscriber s, number idx in q, to subscribe to channel (copied). 0, or -1: not
 * idle, or out of memory. */
int rb_wss_queue(rb_wss *s, rb_wsq *q, int idx, const char *channel);
/* Frees what s owns. */
void rb_wss_clear(rb_wss *s);

typedef enum {
    RB_WSS_NOTHING = 0,
    RB_WSS_TOKEN,      /* report act.seq */
    RB_WSS_SUBSCRIBE,  /* send act.text, the signed pusher:subscribe */
    RB_WSS_SUBSCRIBED, /* report the subscription; call rb_wsq_done */
    RB_WSS_PONG,       /* send rw_pusher_pong() */
    RB_WSS_FAIL,       /* call rb_wss_fail and report act.why */
} rb_wss_do;

typedef struct rb_wss_act {
    rb_wss_do what;
    uint64_t seq;
    char *text;
    char why[300];
} rb_wss_act;

/* One whole text message m[0..len) on subscriber s, which subscribes to s->channel with the
 * app's key and secret (signed locally, as a server-side authorizer would). Returns act->what. */
rb_wss_do rb_wss_step(rb_wss *s, const char *key, const char *secret, const char *m, size_t len,
                      rb_wss_act *act);

/* Marks s dead, taking it out of q's in-flight count if it was in flight. 1 when it was alive
 * (report the failure), 0 when it was dead already. */
int rb_wss_fail(rb_wss *s, rb_wsq *q);

#endif
