/* rh_net: the reference server's network edge. libwebsockets on a libuv loop owned by the
 * caller (so other clients, e.g. Redis, can share it), one port for HTTP and WebSocket,
 * per-connection send queues, the tick timer and SIGINT/SIGTERM handling. All protocol
 * decisions are made by core/ (rh_srv); this module only moves bytes.
 *
 * Ownership: rh_net_new creates the rh_srv it drives (rh_net_srv gives access, e.g. to set
 * faults) and keeps pointers to cfg, store and log, which must outlive it. rh_net_free frees
 * the server and everything the edge allocated; the caller then closes the loop. */
#ifndef RH_NET_H
#define RH_NET_H

#include <stdarg.h>
#include <stddef.h>

#include <uv.h>

#include "../config/config.h"
#include "../server/server.h"

/* Leveled logging to stderr; the level is the only state. */
typedef struct rh_log {
    int level; /* RH_LOG_ERROR .. RH_LOG_DEBUG */
} rh_log;

/* "error", "warn", "info", "debug" -> RH_LOG_*, or -1. */
int rh_log_level_by_name(const char *name);
void rh_logf(const rh_log *log, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct rh_net rh_net;

rh_net *rh_net_new(uv_loop_t *loop, const rh_cfg *cfg, rh_store *store, const rh_log *log,
                   char *err, size_t errlen);
rh_srv *rh_net_srv(rh_net *net);
/* Starts listening on host:port (port 0: a free port) and installs the tick timer and the
 * signal handlers. Returns the port actually bound, or -1 with a message. */
int rh_net_listen(rh_net *net, const char *host, int port, char *err, size_t errlen);
/* Runs the loop until a signal has stopped the server and every handle is closed. */
void rh_net_run(rh_net *net);
/* Begins the graceful stop a signal would begin (tests, embedding). */
void rh_net_stop(rh_net *net);
void rh_net_free(rh_net *net);

#endif
