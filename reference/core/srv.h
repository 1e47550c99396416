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
#include "server.h"

struct rh_hub; /* core/hub.c: connections, channels, subscribers */
struct rh_api; /* api/: streaming service state, fault hold-backs */

struct rh_srv {
    const rh_cfg *cfg;
    rh_srv_io io;
    rh_store *store;
    struct rh_hub *hub;
    struct rh_api *api;
    unsigned char faults[RH_FAULT__COUNT]; /* 1: fault i active (only with RH_WITH_FAULTS) */
    int shutting_down;
};

/* Logs through io->log when set; printf-style. */
void rh_srv_log(rh_srv *srv, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
