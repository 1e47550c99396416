/* rh_api: the HTTP side of the server without sockets: routing, the Pusher HTTP API,
 * the control API and the streaming service on top of the store, the authorizer
 * (/broadcasting/auth) and /up. Entry points: rh_srv_http and rh_srv_bus_deliver
 * (api/service.h). server/server.c calls init/free/tick. */
#ifndef RH_API_H
#define RH_API_H

#include "../core/srv.h"
#include "service.h"

int rh_api_init(rh_srv *srv);
void rh_api_free(rh_srv *srv);
/* Installs the decorators of fault f where it sits at a seam (api/faults.c); a no-op for
 * faults checked inline and in a build without faults. 0, or -1 out of memory. */
int rh_api_faults_install(rh_srv *srv, rh_fault f);
/* rh_srv_bus_deliver with a result: 0 delivered, -1 malformed or out of memory (logged). The
 * loopback bus of one node delivers through it. */
int rh_api_bus_deliver(rh_srv *srv, const char *msg, size_t len);
/* About once a second: expiry of ended streams (ttl from cfg->ended_ttl). */
void rh_api_tick(rh_srv *srv);

#endif
