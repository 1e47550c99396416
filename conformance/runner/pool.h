/* rc_pool: runs the selected cases on `jobs` worker threads (rehome-conform --jobs N) in the
 * order rc_sched gives, and prints each case's line in registry order as soon as it and
 * every case before it have finished.
 *
 * Threads, not processes: every case keeps all of its state in its own rc_ctx (verdict,
 * wire log, tracked connections), the clients hold theirs in the connection objects, and the
 * run-wide parts a case reads (the target, the producer driver, the HTTP round-robin
 * counter) are read-only or thread-safe. Each case gets its own random source (rc_rng_fork).
 *
 * A watchdog thread ends the process (exit status 2) when a running case is stuck more than
 * a grace period past its deadline, as the sequential runner did.
 *
 * Ownership: res[] is the caller's (n entries). An entry with torun[i] == 0 already holds
 * its outcome (excluded, skipped, unsupported) and is only printed; the others are filled
 * (rc_ctx_finish) and then belong to the caller like the rest (rc_result_free). */
#ifndef RC_POOL_H
#define RC_POOL_H

#include <stdio.h>

#include "internal.h"

typedef struct rc_pool_cfg {
    const rc_target *t;
    const rc_rng *rng; /* the run's source; each case runs on a fork of it */
    int timeout_ms;    /* --timeout, 0: each case's own */
    int max_wait_s;
    int jobs;
    int quiet;      /* print only non-passing lines */
    FILE *out;      /* the case lines */
    FILE *progress; /* the progress line (shown on a terminal only) */
} rc_pool_cfg;

/* The default of --jobs: cases mostly wait for the network and for the server's timers, not
 * for a CPU, so several run per CPU. */
int rc_pool_default_jobs(void);
/* 0, or -1 when the threads or the scheduler could not be set up (nothing ran). */
int rc_pool_run(const rc_pool_cfg *cfg, const rc_case *const *cases, const unsigned char *torun,
                size_t n, rc_result *res);

#endif
