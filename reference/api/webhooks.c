/* The webhook queues (protocol section 20): per target of each app, events wait for their
 * batch (webhook_batch_ms), go out as one signed POST through io->http_post, and a POST not
 * answered 2xx is retried with backoff for webhook_retry_s. One POST per target is in flight
 * at a time, so a target sees its events in order. channel_vacated and member_removed wait
 * webhook_delay_ms first and are dropped, with the occupied/added that cancels them, when the
 * channel (or the member) is back in time. Nothing here blocks: a slow or dead receiver
 * costs a queue entry, never the loop. The rules are proto/webhook.c's pure functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/busmsg.h"
#include "proto/webhook.h"

typedef struct wh_target {
    struct rh_wh *wh;
    const rh_cfg_app *app;
    const rh_cfg_webhook *cfg;
    rh_wh_event **q; /* waiting for a batch, oldest first; due_ms = when it became ready */
    size_t n, cap;
    rh_buf *body; /* the batch being delivered (kept across retries), or NULL */
    size_t nbody; /* events in it */
    unsigned attempt;
    uint64_t first_ms, next_ms;
    int inflight;
} wh_target;

typedef struct wh_delayed {
    const rh_cfg_app *app;
    rh_wh_event *ev;
} wh_delayed;

struct rh_wh {
    rh_srv *srv;
    wh_target *t;
    size_t nt;
    wh_delayed *d; /* delayed events, in emit order */
    size_t nd, dcap;
};

static uint64_t wall_ms(rh_srv *srv)
{
    if (srv->io.wall_ms)
        return (uint64_t)srv->io.wall_ms(srv->io.ud);
    return srv->io.wall_s ? (uint64_t)srv->io.wall_s(srv->io.ud) * 1000u : 0;
}

static void send_attempt(wh_target *t, uint64_t now);

static void finish(wh_target *t)
{
    rh_buf_unref(t->body);
    t->body = NULL;
    t->nbody = 0;
}

/* After a failed attempt: another one later, or the batch is dropped. */
static void failed(wh_target *t, uint64_t now)
{
    rh_srv *srv = t->wh->srv;
    srv->metrics.webhooks_failed++;
    uint64_t limit = (uint64_t)t->app->webhook_retry_s * 1000u;
    if (rh_fault_on(srv, RH_FAULT_WEBHOOK_NO_RETRY))
        limit = 0;
    if (rh_wh_retry_allowed(t->first_ms, now, t->attempt + 1, limit)) {
        t->attempt++;
        t->next_ms = now + rh_wh_retry_delay_ms(t->attempt);
        return;
    }
    rh_srv_log(srv, RH_LOG_WARN, "webhook %s: %zu events dropped after %u attempts", t->cfg->url,
               t->nbody, t->attempt);
    srv->metrics.webhooks_dropped += t->nbody;
    finish(t);
}

static void flush(wh_target *t, uint64_t now);

static void post_done(void *ud, int status)
{
    wh_target *t = ud;
    rh_srv *srv = t->wh->srv;
    t->inflight = 0;
    uint64_t now = rh_api_now_ms(srv);
    if (rh_wh_acked(status)) {
        srv->metrics.webhooks_sent++;
        finish(t);
        flush(t, now);
    } else {
        rh_srv_log(srv, RH_LOG_INFO, "webhook %s: attempt %u answered %d", t->cfg->url, t->attempt,
                   status);
        failed(t, now);
    }
}

static void send_attempt(wh_target *t, uint64_t now)
{
    rh_srv *srv = t->wh->srv;
    char sig[RH_SIGN_HEX], headers[256];
    const char *secret = rh_fault_on(srv, RH_FAULT_WEBHOOK_BAD_SIGNATURE) ? "" : t->app->secret;
    rh_wh_signature(secret, t->body->data, t->body->len, sig);
    snprintf(headers, sizeof headers,
             "Content-Type: application/json\r\nX-Pusher-Key: %.64s\r\nX-Pusher-Signature: %s\r\n",
             t->app->key, sig);
    if (t->attempt > 1)
        srv->metrics.webhooks_retried++;
    t->inflight = 1;
    if (srv->io.http_post(srv->io.ud, t->cfg->url, headers, t->body->data, t->body->len,
                          t->app->webhook_timeout_ms, post_done, t) != 0) {
        t->inflight = 0;
        failed(t, now);
    }
}

/* Starts the next batch when its window is over, or the retry when it is due. */
static void flush(wh_target *t, uint64_t now)
{
    if (t->inflight || !t->wh->srv->io.http_post)
        return;
    if (t->body) {
        if (now >= t->next_ms)
            send_attempt(t, now);
        return;
    }
    size_t max = rh_fault_on(t->wh->srv, RH_FAULT_WEBHOOK_NO_BATCH) ? 1 : t->app->webhook_batch_max;
    size_t k =
        t->n ? rh_wh_batch_take(t->n, t->q[0]->due_ms, now, (uint64_t)t->app->webhook_batch_ms, max)
             : 0;
    if (!k)
        return;
    t->body = rh_wh_body(wall_ms(t->wh->srv), t->q, k);
    if (!t->body)
        return; /* out of memory: the events wait for the next tick */
    for (size_t i = 0; i < k; i++)
        rh_wh_event_free(t->q[i]);
    memmove(t->q, t->q + k, (t->n - k) * sizeof *t->q);
    t->n -= k;
    t->nbody = k;
    t->attempt = 1;
    t->first_ms = now;
    send_attempt(t, now);
}

static void enqueue(wh_target *t, const rh_wh_event *ev, uint64_t now)
{
    rh_srv *srv = t->wh->srv;
    if (t->n >= t->app->webhook_queue_max) {
        srv->metrics.webhooks_dropped++;
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        rh_wh_event **q = realloc(t->q, cap * sizeof *q);
        if (!q) {
            srv->metrics.webhooks_dropped++;
            return;
        }
        t->q = q;
        t->cap = cap;
    }
    rh_wh_event *e = rh_wh_event_dup(ev);
    if (!e) {
        srv->metrics.webhooks_dropped++;
        return;
    }
    e->due_ms = now;
    t->q[t->n++] = e;
    flush(t, now);
}

/* Takes ev: a copy to each target of app that asked for its type. */
static void dispatch(struct rh_wh *wh, const rh_cfg_app *app, rh_wh_event *ev, uint64_t now)
{
    for (size_t i = 0; i < wh->nt; i++)
        if (wh->t[i].app == app && (wh->t[i].cfg->types & (1u << ev->type)))
            enqueue(&wh->t[i], ev, now);
    rh_wh_event_free(ev);
}

static void delay(struct rh_wh *wh, const rh_cfg_app *app, rh_wh_event *ev, uint64_t now)
{
    if (wh->nd == wh->dcap) {
        size_t cap = wh->dcap ? wh->dcap * 2 : 16;
        wh_delayed *d = realloc(wh->d, cap * sizeof *d);
        if (!d) {
            wh->srv->metrics.webhooks_dropped++;
            rh_wh_event_free(ev);
            return;
        }
        wh->d = d;
        wh->dcap = cap;
    }
    ev->due_ms = now + (uint64_t)app->webhook_delay_ms;
    wh->d[wh->nd++] = (wh_delayed){app, ev};
}

/* protocol §20.4: a channel occupied again (a member back) within the delay sends neither */
static int cancelled(struct rh_wh *wh, const rh_cfg_app *app, const rh_wh_event *ev)
{
    if (rh_fault_on(wh->srv, RH_FAULT_WEBHOOK_NO_DELAY))
        return 0;
    for (size_t i = 0; i < wh->nd; i++) {
        if (wh->d[i].app != app || !rh_wh_cancels(wh->d[i].ev, ev->type, ev->channel, ev->user_id))
            continue;
        rh_wh_event_free(wh->d[i].ev);
        memmove(wh->d + i, wh->d + i + 1, (wh->nd - i - 1) * sizeof *wh->d);
        wh->nd--;
        return 1;
    }
    return 0;
}

static void emit(rh_srv *srv, const rh_cfg_app *app, rh_wh_event *ev)
{
    struct rh_wh *wh = srv->api->wh;
    uint64_t now = rh_api_now_ms(srv);
    if (rh_wh_is_delayed(ev->type) && app->webhook_delay_ms > 0 &&
        !rh_fault_on(srv, RH_FAULT_WEBHOOK_NO_DELAY)) {
        delay(wh, app, ev, now);
        return;
    }
    if (cancelled(wh, app, ev)) {
        rh_wh_event_free(ev);
        return;
    }
    dispatch(wh, app, ev, now);
}

void rh_api_wh_tick(rh_srv *srv)
{
    struct rh_wh *wh = srv->api ? srv->api->wh : NULL;
    if (!wh)
        return;
    uint64_t now = rh_api_now_ms(srv);
    size_t keep = 0;
    for (size_t i = 0; i < wh->nd; i++) {
        if (wh->d[i].ev->due_ms <= now)
            dispatch(wh, wh->d[i].app, wh->d[i].ev, now);
        else
            wh->d[keep++] = wh->d[i];
    }
    wh->nd = keep;
    for (size_t i = 0; i < wh->nt; i++)
        flush(&wh->t[i], now);
}

int rh_api_wh_init(rh_srv *srv)
{
    size_t nt = 0;
    for (size_t i = 0; i < srv->cfg->napps; i++)
        nt += srv->cfg->apps[i].nwebhooks;
    if (!nt)
        return 0;
    struct rh_wh *wh = calloc(1, sizeof *wh);
    wh_target *t = calloc(nt, sizeof *t);
    if (!wh || !t) {
        free(wh);
        free(t);
        return -1;
    }
    wh->srv = srv;
    wh->t = t;
    for (size_t i = 0; i < srv->cfg->napps; i++)
        for (size_t j = 0; j < srv->cfg->apps[i].nwebhooks; j++)
            t[wh->nt++] = (wh_target){
                .wh = wh, .app = &srv->cfg->apps[i], .cfg = &srv->cfg->apps[i].webhooks[j]};
    srv->api->wh = wh;
    srv->wh_emit = emit;
    return 0;
}

void rh_api_wh_free(rh_srv *srv)
{
    struct rh_wh *wh = srv->api ? srv->api->wh : NULL;
    srv->wh_emit = NULL;
    if (!wh)
        return;
    for (size_t i = 0; i < wh->nt; i++) {
        wh_target *t = &wh->t[i];
        if (t->inflight && srv->io.http_cancel)
            srv->io.http_cancel(srv->io.ud, t);
        for (size_t j = 0; j < t->n; j++)
            rh_wh_event_free(t->q[j]);
        free(t->q);
        finish(t);
    }
    for (size_t i = 0; i < wh->nd; i++)
        rh_wh_event_free(wh->d[i].ev);
    free(wh->d);
    free(wh->t);
    free(wh);
    srv->api->wh = NULL;
}

/* whk app node type channel user: the store decided a transition (core/webhooks.c) */
int rh_api_wh_deliver(rh_srv *srv, const rh_busfield *f, long n)
{
    unsigned long long type = 0;
    if (n != 6 || rh_busfield_u64(&f[3], &type) != 0 || type >= RH_WH__COUNT)
        return -1;
    if (!rh_busfield_is(&f[2], srv->node_id))
        return 0; /* another node made it and sends it */
    if (f[1].len > RH_STORE_ID_MAX)
        return -1;
    const rh_cfg_app *app = rh_api_bus_app(srv, &f[1]);
    char *channel = rh_api_bus_dup(&f[4]);
    char *user = f[5].len ? rh_api_bus_dup(&f[5]) : NULL;
    int rc = -1;
    if (app && channel && (user || !f[5].len)) {
        rh_srv_webhook(srv, app, (int)type, channel, user, NULL, NULL, NULL);
        rc = 0;
    }
    free(channel);
    free(user);
    return rc;
}
