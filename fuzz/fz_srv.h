/* A whole rh_srv in-process for the server-level fuzz targets (srv, auth): the default config
 * with small limits, the memory store, and a fake rh_srv_io that checks every frame the
 * server sends (strict JSON object with a string event; stream tokens in seq order per
 * connection and stream, nothing after a stream's end) and every HTTP answer (called once;
 * JSON bodies strict; an error body {"error": S, "code": status}). Test-only.
 *
 * Ownership: fz_srv_new returns an object freed by fz_srv_free, which closes what is open. */
#ifndef RH_FZ_SRV_H
#define RH_FZ_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "server/server.h"
#include "store/store.h"

#define FZ_CONNS   8
#define FZ_STREAMS 4 /* streams tracked per connection for the seq oracle */

typedef struct fz_seen {
    char stream_id[72];
    uint64_t last_seq;
    int ended;
} fz_seen;

typedef struct fz_conn {
    rh_conn *c;    /* NULL: slot free */
    int closing;   /* the server asked to close it */
    int send_fail; /* io->send answers -1 (send queue over its cap) */
    char socket_id[64];
    fz_seen seen[FZ_STREAMS];
} fz_conn;

typedef struct fz_srv {
    rh_cfg cfg;
    rh_store *store;
    rh_srv_io io;
    rh_srv *srv;
    fz_conn conns[FZ_CONNS];
    uint64_t now_ms;
    uint64_t rnd;
    /* The HTTP API may publish any event name, thread.* too: after a successful trigger
     * naming one, the seq oracle has nothing left to judge. */
    int seq_oracle_off;
    int trace; /* FZ_TRACE set: every frame and answer on stderr (reproducing a crash) */
    /* last HTTP answer */
    int answers;
    int status;
    char *body; /* NUL-terminated copy */
} fz_srv;

fz_srv *fz_srv_new(void);
void fz_srv_free(fz_srv *f);

/* Opens a connection in a free slot with app_key; returns the slot or -1 (none free). */
int fz_open(fz_srv *f, const char *app_key);
/* Delivers a message when the slot is open and not closing. */
void fz_msg(fz_srv *f, int slot, const char *data, size_t len, int is_binary);
/* The edge reports the socket gone. */
void fz_closed(fz_srv *f, int slot);
/* Forgets the seq history of a connection (after it changed its subscriptions). */
void fz_forget(fz_srv *f, int slot);
/* Reports closes the server asked for, as the edge would, and checks the count. */
void fz_settle(fz_srv *f);
/* One HTTP request; returns the status (also in f->status, body in f->body). */
int fz_http(fz_srv *f, const rh_http_req *req);

#endif
