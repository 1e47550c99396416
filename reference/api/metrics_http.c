/* GET /metrics: collects the gauges the server can count now and answers the Prometheus
 * text of rh_metrics (core/metrics.c). Unsigned, like /up: scrapers carry no app secret;
 * turn it off with the config key metrics, or keep the port off public networks. */
#include <stdlib.h>

#include "api_int.h"

typedef struct tally {
    size_t channels, subscriptions;
} tally;

static void count_channel(void *ud, const char *channel, const rh_hub_chan_info *info)
{
    (void)channel;
    tally *t = ud;
    t->channels++;
    t->subscriptions += info->subscription_count;
}

void rh_api_metrics(const rh_api_call *c)
{
    rh_srv *srv = c->srv;
    tally t = {0};
    for (size_t i = 0; i < srv->cfg->napps; i++)
        rh_hub_foreach_channel(srv, &srv->cfg->apps[i], "", count_channel, &t);
    int bus = rh_srv_has_bus(srv);
    rh_metrics_gauges g = {
        .connections = rh_srv_conn_count(srv),
        .subscriptions = t.subscriptions,
        .channels = t.channels,
        .streams = srv->store ? rh_store_memory_count(srv->api->store_under ? srv->api->store_under
                                                                            : srv->store)
                              : 0,
        .send_queue_bytes = srv->io.queued_bytes ? srv->io.queued_bytes(srv->io.ud) : 0,
        .store = bus ? (srv->bus.store_name ? srv->bus.store_name : "bus") : "memory",
        .store_up = srv->store != NULL && (!bus || !srv->bus.up || srv->bus.up(srv->bus.ud)),
    };
    size_t len = 0;
    char *text = rh_metrics_encode(&srv->metrics, &g, &len);
    if (!text) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    rh_http_resp r = {.status = 200,
                      .content_type = "text/plain; version=0.0.4; charset=utf-8",
                      .body = text,
                      .body_len = len};
    c->done(c->ud, &r);
    free(text);
}
