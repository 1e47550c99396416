/* rehome-server's store and bus wiring (wire.c). Ownership: the store returned is the
 * caller's (rh_store_free), and must outlive the server it is wired to. */
#ifndef RH_WIRE_H
#define RH_WIRE_H

#include <uv.h>

#include "config/config.h"
#include "net/net.h"
#include "server/server.h"
#include "store/redis.h"
#include "store/store.h"

/* The memory store without url, else the Redis store of url (NULL, logged, when it cannot be
 * made). no_fence and sweep_silent: the faults redis-no-fence and webhook-sweep-silent. */
rh_store *rh_wire_store(uv_loop_t *loop, const rh_cfg *cfg, const char *url, int no_fence,
                        int sweep_silent, rh_log *log);
/* Installs a Redis store as srv's bus (nothing for another store). */
void rh_wire_bus(rh_store *store, rh_srv *srv);

#endif
