/* nf_monitor: the oracles that watch the server rather than one answer: a canary client
 * (connect, subscribe, publish over the HTTP API, receive) every 500 ms that must finish
 * within a second; with a server pid, that the process lives and that its RSS does not grow
 * past a limit over its first reading.
 *
 * Ownership: nf_monitor is the caller's value; nf_monitor_start runs one thread that
 * nf_monitor_stop joins. The target must outlive it. */
#ifndef NF_MONITOR_H
#define NF_MONITOR_H

#include <pthread.h>

#include "exec.h"

#define NF_CANARY_MS 1000

typedef struct nf_monitor {
    const nf_target *t;
    pthread_mutex_t mu;
    pthread_t th;
    int running, paused;
    int pid;           /* 0: none */
    long rss_limit_kb; /* growth over the baseline that counts as a leak */
    long rss_base_kb;  /* -1 until read */
    long rss_kb;
    int canary_ms;   /* the last canary's time */
    char oracle[32]; /* "" until one fires */
    char detail[512];
} nf_monitor;

/* One canary round: 0 within NF_CANARY_MS (time in *ms), else -1 with the reason in why
 * ("slow" in *kind when it finished late, "hang" when it did not finish). */
int nf_canary_once(const nf_target *t, int *ms, const char **kind, char *why, size_t whylen);
/* 1 when pid is alive (0: no pid given, also 1). */
int nf_pid_alive(int pid);

void nf_monitor_init(nf_monitor *m, const nf_target *t, int pid, long rss_limit_kb);
int nf_monitor_start(nf_monitor *m);
void nf_monitor_stop(nf_monitor *m);
/* Pauses or resumes the checks (while the target restarts); resuming forgets what fired and
 * the RSS baseline. */
void nf_monitor_pause(nf_monitor *m, int paused);
/* Copies what fired (oracle "" when nothing) under the lock. */
void nf_monitor_fired(nf_monitor *m, char *oracle, size_t olen, char *detail, size_t dlen);

#endif
