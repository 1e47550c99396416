/* Cache channels (docs/protocol.md 17; api/ owns it): every HTTP API event on a cache channel
 * is kept in the store as the frame subscribers got, for cache_ttl; a new subscriber gets it
 * right after its subscription_succeeded, or pusher:cache_miss when none is kept. The store
 * may answer later (Redis): a lookup remembers the socket id, not the connection, and the
 * hub sends only if that connection is still open and subscribed. Lookups still owed when the
 * server is freed are cut loose (srv set to NULL) and freed by their late answer. */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/webhook.h"
#include "proto/channel.h"
#include "proto/message.h"

struct rh_api_cache_wait {
    struct rh_api_cache_wait *prev, *next;
    rh_srv *srv; /* NULL once the server is gone */
    const rh_cfg_app *app;
    char *channel;
    char socket_id[64];
};

static uint64_t ttl_ms(rh_srv *srv)
{
    if (rh_fault_on(srv, RH_FAULT_CACHE_NO_EXPIRY))
        return 365ull * 24 * 3600 * 1000;
    return (uint64_t)(srv->cfg->cache_ttl > 0 ? srv->cfg->cache_ttl : 1800) * 1000u;
}

static void log_failure(void *ud, const rh_store_reply *r)
{
    rh_srv *srv = ud;
    if (r->status != RH_STORE_OK)
        rh_srv_log(srv, RH_LOG_WARN, "cache channel event not kept: %s",
                   r->error ? r->error : rh_store_strerror(r->status));
}

typedef struct first_keep {
    rh_srv *srv;
    const rh_cfg_app *app;
    char *channel;
    rh_buf *frame;
} first_keep;

/* cache-first-event: the faulty server keeps an event only when none is kept yet. */
static void keep_if_none(void *ud, const rh_store_reply *r)
{
    first_keep *k = ud;
    if (r->status == RH_STORE_NOT_FOUND)
        rh_store_cache_set(k->srv->store, k->app->id, k->channel, k->frame->data, k->frame->len,
                           rh_api_now_ms(k->srv), ttl_ms(k->srv), NULL, NULL);
    rh_buf_unref(k->frame);
    free(k->channel);
    free(k);
}

void rh_api_cache_keep(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame)
{
    if (!srv->store || !rh_chan_is_cache(channel, strlen(channel)) ||
        rh_fault_on(srv, RH_FAULT_CACHE_NONE))
        return;
    if (rh_fault_on(srv, RH_FAULT_CACHE_FIRST_EVENT)) {
        first_keep *k = calloc(1, sizeof *k);
        char *name = k ? strdup(channel) : NULL;
        if (!name) {
            free(k);
            return;
        }
        *k = (first_keep){srv, app, name, rh_buf_ref(frame)};
        rh_store_cache_get(srv->store, app->id, channel, rh_api_now_ms(srv), keep_if_none, k);
        return;
    }
    rh_store_cache_set(srv->store, app->id, channel, frame->data, frame->len, rh_api_now_ms(srv),
                       ttl_ms(srv), log_failure, srv);
}

static void wait_unlink(rh_api_cache_wait *w)
{
    if (w->srv && w->srv->api && w->srv->api->cache_waits == w)
        w->srv->api->cache_waits = w->next;
    if (w->prev)
        w->prev->next = w->next;
    if (w->next)
        w->next->prev = w->prev;
    free(w->channel);
    free(w);
}

static void on_cached(void *ud, const rh_store_reply *r)
{
    rh_api_cache_wait *w = ud;
    rh_srv *srv = w->srv;
    if (!srv) {
        wait_unlink(w);
        return;
    }
    rh_buf *f = NULL;
    if (r->status == RH_STORE_OK && r->cached) {
        f = rh_buf_new(r->cached, r->cached_len);
    } else {
        if (r->status != RH_STORE_NOT_FOUND)
            rh_srv_log(srv, RH_LOG_WARN, "cache channel lookup failed (%s): answered cache_miss",
                       r->error ? r->error : rh_store_strerror(r->status));
        if (!rh_fault_on(srv, RH_FAULT_CACHE_NO_MISS))
            f = rh_msg_encode("pusher:cache_miss", w->channel, "{}", 2);
        /* protocol 20.2: the app learns of the miss too, to publish the state it lacks */
        rh_srv_webhook(srv, w->app, RH_WH_CACHE_MISS, w->channel, NULL, NULL, NULL, NULL);
    }
    if (f)
        rh_hub_send_to(srv, w->app, w->socket_id, w->channel, f);
    rh_buf_unref(f);
    wait_unlink(w);
}

/* srv->cache_subscribed */
static void cache_subscribed(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                             const char *socket_id)
{
    rh_api_cache_wait *w = calloc(1, sizeof *w);
    if (!w || !(w->channel = strdup(channel)) || strlen(socket_id) >= sizeof w->socket_id) {
        if (w)
            free(w->channel);
        free(w);
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory looking up a cache channel");
        return;
    }
    w->srv = srv;
    w->app = app;
    strcpy(w->socket_id, socket_id);
    w->next = srv->api->cache_waits;
    if (w->next)
        w->next->prev = w;
    srv->api->cache_waits = w;
    if (!srv->store) {
        rh_store_reply miss = {.status = RH_STORE_NOT_FOUND};
        on_cached(w, &miss);
        return;
    }
    rh_store_cache_get(srv->store, app->id, channel, rh_api_now_ms(srv), on_cached, w);
}

void rh_api_cache_init(rh_srv *srv)
{
    srv->cache_subscribed = cache_subscribed;
}

void rh_api_cache_free(rh_srv *srv)
{
    /* the store may still answer: those lookups free themselves then */
    for (rh_api_cache_wait *w = srv->api->cache_waits; w; w = w->next)
        w->srv = NULL;
    srv->api->cache_waits = NULL;
    srv->cache_subscribed = NULL;
}
