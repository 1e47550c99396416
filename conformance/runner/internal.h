/* rc internals shared by the runner and the suite's clients (not for case files).
 *
 * Owned by the runner. The ctx is defined here so that the runner can create one per case
 * and collect its result; the clients only use the rc__ hooks below (wire log, deadline,
 * resource tracking, randomness), all of them thread-safe. */
#ifndef RC_INTERNAL_H
#define RC_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "case.h"

#define RC_DEFAULT_TIMEOUT_MS 5000
#define RC_WIRE_MAX_ENTRIES   4000 /* per case; later entries are counted, not kept */
#define RC_WIRE_MAX_TEXT      2048 /* bytes of one frame kept in the log */

typedef struct rc_wire {
    char dir[8]; /* "out", "in", "log", "note" */
    long t_ms;   /* since the case started */
    char *data;  /* NUL-terminated, valid UTF-8 not guaranteed */
} rc_wire;

typedef struct rc_resource {
    void *obj;
    void (*release)(void *obj); /* closes and frees */
} rc_resource;

/* Random source: one per run, seeded once; each case gets its own fork of it
 * (rc_rng_fork), so that a case's names depend on the seed and its id only, not on which
 * cases ran before it or beside it. */
typedef struct rc_rng {
    pthread_mutex_t mu;
    uint64_t state;
    uint64_t nonce; /* from the clock: ids differ between runs with the same seed */
} rc_rng;

/* What a finished case leaves behind (owned by the runner's result list). */
typedef struct rc_result {
    const rc_case *c;
    rc_verdict verdict;
    long duration_ms;
    char *message; /* first failure/error/skip message, or NULL */
    char *expected;
    char *seen;
    rc_wire *wire;
    size_t nwire;
    size_t wire_dropped;
} rc_result;

struct rc_ctx {
    const rc_case *c;
    const rc_target *t;
    rc_rng *rng;
    pthread_mutex_t mu;
    rc_verdict verdict;
    int stopped;      /* rc_ok() == 0 */
    int deadline_hit; /* the case ended at or after its deadline */
    int64_t start_ns; /* CLOCK_MONOTONIC */
    int64_t deadline_ns;
    int timeout_ms;
    int max_wait_s;
    char *message;
    char *expected;
    char *seen;
    rc_wire *wire;
    size_t nwire, capwire, wire_dropped;
    rc_resource *res;
    size_t nres, capres;
};

int64_t rc__now_ns(void);
void rc_rng_init(rc_rng *rng, uint64_t seed);
uint64_t rc_rng_next(rc_rng *rng);
/* out: a source of its own for case id, from run's seed and nonce (run is not advanced). */
void rc_rng_fork(const rc_rng *run, const char *id, rc_rng *out);
void rc_rng_destroy(rc_rng *rng);

/* Runner side: one ctx per case. */
void rc_ctx_init(rc_ctx *ctx, const rc_case *c, const rc_target *t, rc_rng *rng, int timeout_ms,
                 int max_wait_s);
/* Releases every tracked resource, then moves the outcome into res and frees the ctx's
 * own state. */
void rc_ctx_finish(rc_ctx *ctx, rc_result *res);
void rc_result_free(rc_result *res);

/* Client side hooks. */
/* ms clipped to what is left before the deadline (negative ms: all that is left). */
int rc__timeout(rc_ctx *ctx, int ms);
/* Appends one wire-log entry; binary data is written as hex; long data truncated. */
void rc__wire(rc_ctx *ctx, const char *dir, const char *prefix, const void *data, size_t len,
              int binary);
void rc__track(rc_ctx *ctx, void *obj, void (*release)(void *obj));
uint64_t rc__rand(rc_ctx *ctx);

#endif
