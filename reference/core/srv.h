/* The server context shared by core/ (WebSocket side) and api/ (HTTP side). Internal to
 * reference/: the network edge uses server.h only.
 *
 * rh_srv is the only mutable state of a running server: no globals anywhere. core/srv.c owns
 * its lifetime; each part keeps its private state behind an opaque pointer here. */
#ifndef RH_SRV_H
#define RH_SRV_H

#include <stdarg.h>
#include <stdint.h>

#include "faults.h"
#include "metrics.h"
#include "server.h"

struct rh_hub; /* core/hub.c: connections, channels, subscribers */
struct rh_api; /* api/: streaming service state, fault hold-backs */

/* Per-app counters for the app limits, indexed like cfg->apps. */
typedef struct rh_app_state {
    size_t conns;            /* open connections counted against max_connections */
    uint64_t http_window_ms; /* start of the current one-second window */
    int http_count;          /* signed requests in that window */
} rh_app_state;

struct rh_srv {
    const rh_cfg *cfg;
    rh_app_state *apps; /* cfg->napps entries */
    rh_srv_io io;
    rh_store *store;
    struct rh_hub *hub;
    struct rh_api *api;
    unsigned char faults[RH_FAULT__COUNT]; /* 1: fault i active (only with RH_WITH_FAULTS) */
    rh_metrics metrics;
    int shutting_down;
};

/* Logs through io->log when set; printf-style. */
void rh_srv_log(rh_srv *srv, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The limit counters of app (one of srv->cfg->apps). */
rh_app_state *rh_srv_app_state(rh_srv *srv, const rh_cfg_app *app);

#endif
