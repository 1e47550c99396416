/* nf_model: valid Pusher sessions to start mutating from, and the fuzzer's random numbers.
 *
 * A session opens one or two connections and goes through what a correct client does:
 * subscribe to public, private (signed) and presence (signed, with channel_data) channels,
 * send client events where they are allowed, ping, unsubscribe; and what a correct backend
 * does over HTTP: triggers, batches, channel queries, and with the stream profile the
 * control API (start, tokens, end, get, replay), all signed.
 *
 * Ownership: nf_model_session fills the caller's script (nf_script_free). Pure: no I/O; the
 * same rng state gives the same session. */
#ifndef NF_MODEL_H
#define NF_MODEL_H

#include <stdint.h>

#include "script.h"

typedef struct nf_rng {
    uint64_t s;
} nf_rng;

void nf_rng_init(nf_rng *r, uint64_t seed);
uint64_t nf_rng_next(nf_rng *r);
/* 0..n-1 (n 0: 0). */
uint32_t nf_rng_below(nf_rng *r, uint32_t n);

typedef struct nf_model {
    const char *app_id;
    int stream; /* 1: control API steps too */
} nf_model;

/* A fresh valid session of 2..12 steps into out (emptied first): 0, or -1 (out of memory). */
int nf_model_session(nf_rng *r, const nf_model *m, nf_script *out);

/* Step builders, also used by the mutators and the tests. Each returns 0 or -1. */
int nf_step_ws_text(nf_step *st, int conn, const char *text);
int nf_step_http(nf_step *st, const char *method, const char *path, const char *body);

#endif
