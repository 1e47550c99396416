/* A fake rh_srv_io for core/ unit tests: records every frame sent to each handle (holding a
 * reference, like a real send queue), every close, and gives a controllable clock and a
 * deterministic "random" source. Test-only. */
#ifndef RH_FAKE_IO_H
#define RH_FAKE_IO_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/hub.h"
#include "server/server.h"
#include "core/srv.h"

#define FK_MAX_CONNS  64
#define FK_MAX_FRAMES 256

typedef struct fk_conn {
    rh_conn *c;
    rh_buf *frames[FK_MAX_FRAMES];
    size_t nframes;
    int close_code; /* 0: not closed */
    char close_reason[128];
    int closes;
    int send_fail;      /* io->send answers -1 (queue over capacity) */
    int send_fail_once; /* the next io->send answers -1, later ones succeed (an edge that
                           emptied the queue on overflow) */
    char socket_id[64];
} fk_conn;

typedef struct fk {
    rh_cfg cfg;
    rh_cfg_app apps[2]; /* app-id/app-key/app-secret, other-id/other-key/other-secret */
    rh_srv_io io;
    rh_srv *srv;
    fk_conn conns[FK_MAX_CONNS];
    size_t nconns;
    uint64_t now_ms;
    uint64_t rnd;   /* xorshift state */
    int rnd_fail;   /* io->random fails */
    int rnd_repeat; /* the next n random draws repeat the previous bytes */
    uint8_t rnd_last[64];
    size_t rnd_last_len;
    int close_reenters; /* io->close calls rh_srv_conn_closed at once */
    int logs;
} fk;

/* Builds the config and the server (faults from the NULL-terminated list). */
fk *fk_new(const char *const *faults);
/* fk_new without creating the server (to change cfg first); then fk_start. */
fk *fk_new_cfg(void);
void fk_start(fk *f, const char *const *faults);
void fk_free(fk *f);

/* Opens a connection with key; returns its index. */
int fk_open(fk *f, const char *key);
/* Opens with app-key and returns the index; the socket id is in conns[i].socket_id. */
int fk_connect(fk *f);
void fk_msg(fk *f, int i, const char *json);
void fk_closed(fk *f, int i);
void fk_clear(fk *f, int i);
size_t fk_count(fk *f, int i);
/* Frame n of connection i (negative: from the end), or NULL. */
const char *fk_frame(fk *f, int i, int n);
/* Parsed frame (caller deletes). */
cJSON *fk_json(fk *f, int i, int n);
/* The data member of frame n parsed from its string (double-encoded), caller deletes. */
cJSON *fk_data(fk *f, int i, int n);
/* Event name of frame n (static buffer). */
const char *fk_event(fk *f, int i, int n);
/* code of a pusher:error frame n (data object), or -1. */
int fk_error_code(fk *f, int i, int n);
/* Number of frames of connection i whose event equals ev. */
size_t fk_count_event(fk *f, int i, const char *ev);

/* Subscribe helpers: fk_sub sends no auth, fk_sub_private/fk_sub_presence sign correctly for
 * the connection's socket, fk_sub_auth sends auth and channel_data as given (NULL: absent). */
void fk_sub(fk *f, int i, const char *channel);
void fk_sub_private(fk *f, int i, const char *channel);
void fk_sub_presence(fk *f, int i, const char *channel, const char *user_id, const char *name);
void fk_sub_auth(fk *f, int i, const char *channel, const char *auth, const char *channel_data);
/* key:signature for socket_id and channel under secret. */
void fk_sign(const char *key, const char *secret, const char *socket_id, const char *channel,
             const char *channel_data, char *out, size_t outlen);

#endif
