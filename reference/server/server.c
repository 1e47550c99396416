/* The server context: rh_srv's lifetime and the once-a-second tick, over the WebSocket side
 * (core/) and the HTTP side (api/). */
#include <stdio.h>
#include <stdlib.h>

#include "../api/api.h"
#include "../core/hub.h"
#include "../core/subcount.h"
#include "server.h"

rh_srv *rh_srv_new(const rh_cfg *cfg, const rh_srv_io *io, rh_store *store, char *err,
                   size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!cfg || !io || !io->send || !io->close || !io->now_ms || !io->random) {
        snprintf(err, errlen, "rh_srv_new: cfg and io (send, close, now_ms, random) are required");
        return NULL;
    }
    rh_srv *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->cfg = cfg;
    srv->io = *io;
    srv->store = store;
    srv->apps = calloc(cfg->napps ? cfg->napps : 1, sizeof *srv->apps);
    if (!srv->apps) {
        snprintf(err, errlen, "out of memory");
        free(srv);
        return NULL;
    }
    if (rh_hub_init(srv) != 0) {
        snprintf(err, errlen, "cannot initialise the hub (out of memory or no random bytes)");
        free(srv->apps);
        free(srv);
        return NULL;
    }
    if (rh_api_init(srv) != 0) {
        snprintf(err, errlen, "cannot initialise the HTTP API");
        rh_hub_free(srv);
        free(srv->apps);
        free(srv);
        return NULL;
    }
    /* one node takes the path of several: every event through a bus message */
    rh_srv_set_loopback(srv, rh_api_bus_deliver);
    return srv;
}

void rh_srv_free(rh_srv *srv)
{
    if (!srv)
        return;
    rh_api_free(srv);
    rh_hub_free(srv);
    free(srv->apps);
    free(srv);
}

void rh_srv_tick(rh_srv *srv)
{
    if (!srv)
        return;
    rh_srv_heartbeat(srv);
    rh_subcount_tick(srv);
    rh_presence_list_tick(srv);
    rh_api_tick(srv);
}

int rh_srv_set_fault(rh_srv *srv, const char *name)
{
#ifdef RH_WITH_FAULTS
    int f = name ? rh_fault_by_name(name) : -1;
    if (f < 0)
        return -1;
    if (rh_api_faults_install(srv, (rh_fault)f) != 0)
        return -1;
    srv->faults[f] = 1;
    return 0;
#else
    (void)srv;
    (void)name;
    return -1;
#endif
}
