/* pusher_internal:subscription_count: counting, throttling and the cross-node total. */
#include "subcount.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hub.h"

static int counted(const rh_srv *srv, const rh_cfg_app *app, rh_chan_type type)
{
    if (!app || !app->subscription_count)
        return 0;
    /* protocol §21: presence channels report members instead (Pusher sends none there) */
    return type != RH_CHAN_PRESENCE || rh_fault_on(srv, RH_FAULT_SUBCOUNT_PRESENCE);
}

static void send_count(rh_srv *srv, const rh_cfg_app *app, const char *channel, long long n)
{
    char data[48];
    int len = snprintf(data, sizeof data, "{\"subscription_count\":%lld}", n);
    rh_buf *f = rh_msg_encode("pusher_internal:subscription_count", channel, data, (size_t)len);
    if (!f) {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory encoding subscription_count");
        return;
    }
    rh_srv_fanout(srv, app, channel, f, NULL, NULL, NULL);
    rh_buf_unref(f);
    /* protocol 20.2: only the node whose subscriber changed counts, so the webhook goes once */
    rh_srv_webhook_subscription_count(srv, app, channel, n);
}

typedef struct sum_req {
    rh_srv *srv;
    const rh_cfg_app *app;
    char *field; /* "s\n{app}\n{channel}" */
    const char *channel;
    int settle; /* the re-count of the next tick: nothing is sent when it changed nothing */
} sum_req;

static void on_sum(void *ud, int ok, const char *const *fields, const long long *sums, size_t n)
{
    sum_req *r = ud;
    long long total = 0;
    if (!ok) { /* also the store's stop after the server is gone: r->srv is not to be used */
        free(r->field);
        free(r);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i], r->field) == 0)
            total = sums[i];
    /* Nobody anywhere: nobody to tell. A failed sum is corrected by the next change. */
    rh_chan *ch = rh_hub_chan(r->srv, r->app, r->channel);
    if (total > 0 && !(r->settle && ch && ch->count_last == total)) {
        send_count(r->srv, r->app, r->channel, total);
        if (ch)
            ch->count_last = total;
    }
    free(r->field);
    free(r);
}

/* The count of ch over every node (several nodes) or here (one), sent to its subscribers. */
static void count_now(rh_srv *srv, const rh_cfg_app *app, rh_chan *ch, int settle)
{
    if (!rh_srv_has_bus(srv) || !srv->bus.node_sum) {
        if (ch->nsubs > 0)
            send_count(srv, app, ch->name, (long long)ch->nsubs);
        ch->count_last = (long long)ch->nsubs;
        return;
    }
    char *field = rh_srv_bus_field(app->id, ch->name, NULL);
    size_t nlen = strlen(ch->name) + 1;
    sum_req *r = field ? malloc(sizeof *r + nlen) : NULL;
    if (!r) {
        free(field);
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory counting subscriptions");
        return;
    }
    char *name = (char *)(r + 1);
    memcpy(name, ch->name, nlen);
    *r = (sum_req){.srv = srv, .app = app, .field = field, .channel = name, .settle = settle};
    /* The field is also a prefix of longer channel names: on_sum picks the exact one. */
    const char *prefixes[1] = {field};
    srv->bus.node_sum(srv->bus.ud, prefixes, 1, on_sum, r);
}

void rh_subcount_changed(rh_srv *srv, const rh_cfg_app *app, rh_chan *ch, int joined)
{
    if (!ch || !counted(srv, app, ch->type))
        return;
    if (!joined && rh_fault_on(srv, RH_FAULT_SUBCOUNT_NO_LEAVE))
        return;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    if (ch->nsubs > RH_SUBCOUNT_SMALL && ch->count_sent_ms &&
        now - ch->count_sent_ms < RH_SUBCOUNT_PERIOD_MS) {
        ch->count_pending = 1;
        return;
    }
    ch->count_sent_ms = now ? now : 1;
    ch->count_pending = rh_srv_has_bus(srv) ? 2 : 0;
    count_now(srv, app, ch, 0);
}

static void tick_app(rh_srv *srv, const rh_cfg_app *app, uint64_t now)
{
    rh_htab *t = rh_hub_app_chans(srv, app);
    const char *name;
    void *v;
    for (size_t pos = 0; t && rh_htab_next(t, &pos, &name, &v);) {
        rh_chan *ch = v;
        if (ch->count_pending == 2 ||
            (ch->count_pending == 1 && now - ch->count_sent_ms >= RH_SUBCOUNT_PERIOD_MS)) {
            int settle = ch->count_pending == 2;
            ch->count_pending = !settle && rh_srv_has_bus(srv) ? 2 : 0;
            ch->count_sent_ms = now ? now : 1;
            count_now(srv, app, ch, settle);
        }
    }
}

void rh_subcount_tick(rh_srv *srv)
{
    if (!srv->hub)
        return;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    rh_hub_enter(srv);
    for (size_t i = 0; i < srv->cfg->napps; i++)
        if (srv->cfg->apps[i].subscription_count)
            tick_app(srv, &srv->cfg->apps[i], now);
    rh_hub_leave(srv);
}
