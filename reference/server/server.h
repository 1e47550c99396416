/* rh_srv: the server context. It owns struct rh_srv and puts the layers together: the
 * WebSocket side (core/, core/server.h) and the HTTP side (api/, api/service.h) on one store
 * (store/store.h). The network edge includes this header only.
 *
 * Ownership: rh_srv_new keeps pointers to cfg and store (both outlive the server; the
 * caller frees them after rh_srv_free). */
#ifndef RH_SERVER_H
#define RH_SERVER_H

#include "../api/service.h"
#include "../core/server.h"

rh_srv *rh_srv_new(const rh_cfg *cfg, const rh_srv_io *io, rh_store *store, char *err,
                   size_t errlen);
void rh_srv_free(rh_srv *srv);
/* Called about once a second: heartbeat (server ping after silence, 4201 after no pong),
 * expiry of ended streams. */
void rh_srv_tick(rh_srv *srv);
/* Test-only fault switches (built with -Dfaults=true): sets the switch and installs its
 * decorators where it sits at a seam. 0, or -1 for an unknown name. */
int rh_srv_set_fault(rh_srv *srv, const char *name);

#endif
