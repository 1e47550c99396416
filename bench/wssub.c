/* rb_wsq, rb_wss: the bench subscribers' connect queue and Pusher step (wssub.h). */
#include "wssub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sign.h"
#include "wire/pscan.h"
#include "wire/pusher.h"

int rb_wsq_init(rb_wsq *q, int n)
{
    memset(q, 0, sizeof(*q));
    q->next = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    if (!q->next)
        return -1;
    q->n = n;
    q->head = q->tail = -1;
    return 0;
}

void rb_wsq_free(rb_wsq *q)
{
    free(q->next);
    q->next = NULL;
}

void rb_wsq_push(rb_wsq *q, int idx)
{
    q->next[idx] = -1;
    if (q->tail >= 0)
        q->next[q->tail] = idx;
    else
        q->head = idx;
    q->tail = idx;
}

int rb_wsq_pop(rb_wsq *q)
{
    if (q->head < 0 || q->inflight >= RB_WS_CONNECTING)
        return -1;
    int idx = q->head;
    q->head = q->next[idx];
    if (q->head < 0)
        q->tail = -1;
    q->inflight++;
    return idx;
}

void rb_wsq_done(rb_wsq *q)
{
    if (q->inflight > 0)
        q->inflight--;
}

void rb_wsq_clear(rb_wsq *q)
{
    q->head = q->tail = -1;
}

int rb_wss_queue(rb_wss *s, rb_wsq *q, int idx, const char *channel)
{
    if (s->phase != RB_WSP_IDLE || !(s->channel = strdup(channel)))
        return -1;
    s->phase = RB_WSP_QUEUED;
    rb_wsq_push(q, idx);
    return 0;
}

void rb_wss_clear(rb_wss *s)
{
    free(s->channel);
    s->channel = NULL;
}

int rb_wss_fail(rb_wss *s, rb_wsq *q)
{
    rb_wss_phase was = s->phase;
    s->phase = RB_WSP_DEAD;
    if (was == RB_WSP_CONNECTING || was == RB_WSP_SUBSCRIBING)
        rb_wsq_done(q);
    return was != RB_WSP_DEAD;
}

static rb_wss_do fail_act(rb_wss_act *act, const char *why)
{
    snprintf(act->why, sizeof(act->why), "%s", why);
    return act->what = RB_WSS_FAIL;
}

static rb_wss_do on_established(rb_wss *s, const rw_pscan *f, const char *key, const char *secret,
                                rb_wss_act *act)
{
    /* A second connection_established on a live connection changes nothing: the
     * subscription already went out with the first socket_id. */
    if (s->phase != RB_WSP_CONNECTING)
        return act->what = RB_WSS_NOTHING;
    if (!rh_sign_valid_socket_id(f->socket_id))
        return fail_act(act, "connection_established without a valid socket_id");
    memcpy(s->socket_id, f->socket_id, sizeof(s->socket_id));
    act->text = rw_pusher_subscribe_signed(key, secret, s->socket_id, s->channel, NULL);
    if (!act->text)
        return fail_act(act, "out of memory");
    s->phase = RB_WSP_SUBSCRIBING;
    return act->what = RB_WSS_SUBSCRIBE;
}

rb_wss_do rb_wss_step(rb_wss *s, const char *key, const char *secret, const char *m, size_t len,
                      rb_wss_act *act)
{
    act->what = RB_WSS_NOTHING;
    act->seq = 0;
    act->text = NULL;
    act->why[0] = '\0';
    if (s->phase == RB_WSP_DEAD)
        return RB_WSS_NOTHING;
    rw_pscan f;
    if (rw_pscan_frame(m, len, &f) != 0)
        return fail_act(act, "frame without an event name");
    switch (f.kind) {
    case RW_PSCAN_TOKEN:
        act->seq = f.seq;
        return act->what = RB_WSS_TOKEN;
    case RW_PSCAN_ESTABLISHED:
        return on_established(s, &f, key, secret, act);
    case RW_PSCAN_SUBSCRIBED:
        if (s->phase != RB_WSP_SUBSCRIBING)
            return RB_WSS_NOTHING;
        s->phase = RB_WSP_SUBSCRIBED;
        return act->what = RB_WSS_SUBSCRIBED;
    case RW_PSCAN_PING:
        return act->what = RB_WSS_PONG;
    case RW_PSCAN_ERROR:
        snprintf(act->why, sizeof(act->why), "server error: %.*s", (int)(len > 250 ? 250 : len), m);
        return act->what = RB_WSS_FAIL;
    default:
        return RB_WSS_NOTHING;
    }
}
