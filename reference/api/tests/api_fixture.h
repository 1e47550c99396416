/* Test fixture for the api tests: a server with the default config, the memory store and a
 * fake rh_srv_io that records frames per connection handle, with a controllable clock. */
#ifndef API_FIXTURE_H
#define API_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "server/server.h"
#include "store/store.h"

#define FX_MAX_FRAMES  512
#define FX_MAX_ANSWERS 32

typedef struct fx_frame {
    void *h;
    char *text;
} fx_frame;

typedef struct fx {
    rh_cfg cfg;
    rh_store *store;
    rh_srv *srv;
    fx_frame frames[FX_MAX_FRAMES];
    size_t nframes;
    uint64_t now_ms;
    int64_t wall_s;
    uint64_t rnd;
    rh_conn *conns[32]; /* by handle */
    /* last HTTP answer */
    int calls;
    int status;
    char *body;
    cJSON *json;          /* parsed body */
    char ctype[64];       /* Content-Type of the last answer */
    char retry_after[32]; /* its Retry-After, or "" */
    /* every answer in order, with the number of frames sent before it */
    int answers[FX_MAX_ANSWERS];
    size_t answer_frames[FX_MAX_ANSWERS];
    size_t nanswers;
    int async;            /* 1: an answer may come after rh_srv_http returns */
    const char *idem_key; /* sent as Idempotency-Key by every request while set */
} fx;

fx *fx_new(void);
/* Same with a JSON config applied on top of the defaults. */
fx *fx_new_cfg(const char *json);
/* With a given store (NULL: a memory store); the fixture frees it. */
fx *fx_new_with(const char *json, rh_store *store);
void fx_forget_answer(fx *f);
void fx_free(fx *f);
int fx_fault(fx *f, const char *name);

/* Opens a connection with handle h (a small integer) and returns its socket_id. */
const char *fx_connect(fx *f, int h, char *sid, size_t sidlen);
/* Subscribes h to channel (signing private/presence channels). Returns 1 on success. */
int fx_subscribe(fx *f, int h, const char *sid, const char *channel);
void fx_clear_frames(fx *f);

/* A signed request for the default app (path like "/apps/app-id/events"); extra query
 * "k=v&..." or NULL. Returns the status; f->json holds the parsed body. */
int fx_http(fx *f, const char *method, const char *path, const char *extra, const char *body);
int fx_http_app(fx *f, const char *key, const char *secret, const char *method, const char *path,
                const char *extra, const char *body);
/* A signed query string (auth_*, body_md5 when len > 0, extra, auth_signature); heap. */
char *fx_sign_query(const char *key, const char *secret, const char *method, const char *path,
                    long ts, const char *body, size_t len, const char *extra);
/* An unsigned request with a raw query. */
int fx_http_raw(fx *f, const char *method, const char *path, const char *query, const char *body,
                size_t body_len, const char *authorization, const char *content_type);

/* Frames received by h whose event is name (NULL: all), decoded; returns the count and
 * fills out (caller cJSON_Deletes each). */
size_t fx_frames(fx *f, int h, const char *name, cJSON **out, size_t max);
/* How many frames h received whose event is name. */
size_t fx_count(fx *f, int h, const char *name);
/* The data of a frame, parsed from its JSON string (caller deletes); NULL if not a string. */
cJSON *fx_data(const cJSON *frame);
void fx_delete_all(cJSON **v, size_t n);
/* The raw text of the i-th frame of h with event name. */
const char *fx_frame_text(fx *f, int h, const char *name, size_t i);
/* Error message of the last answer, or "". */
const char *fx_error(fx *f);
int64_t fx_num(const cJSON *o, const char *key);

#endif
