/* Restarting the target and the reproduction test (fuzz.h), shared by the minimiser and
 * `rehome-conform replay`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/net.h"
#include "fuzz.h"
#include "wire/clock.h"
#include "wire/proc.h"

int nf_port_open(const nf_target *t, int ms)
{
    int64_t dl = rw_deadline_ns(ms);
    do {
        rc_net n;
        char err[128];
        if (rc_net_connect(&n, t->ep.host, t->ep.port, t->ep.tls, t->ep.ca_file,
                           rw_deadline_ns(500), err, sizeof err) == 0) {
            rc_net_close(&n);
            return 1;
        }
        usleep(50000);
    } while (rw_left_ms(dl) > 0);
    return 0;
}

int nf_restart(nf_opts *o, nf_monitor *mon)
{
    if (!o->restart_cmd)
        return -1;
    if (mon)
        nf_monitor_pause(mon, 1);
    FILE *p = popen(o->restart_cmd, "r");
    if (!p)
        return -1;
    char line[128];
    int pid = 0;
    while (fgets(line, sizeof line, p))
        if (atoi(line) > 0)
            pid = atoi(line);
    int st = pclose(p);
    if (st != 0 || !nf_port_open(&o->t, 15000)) {
        fprintf(stderr, "rehome-conform: --restart-cmd failed (status %d)\n", st);
        return -1;
    }
    if (pid > 0) {
        o->pid = pid;
        if (mon) {
            pthread_mutex_lock(&mon->mu);
            mon->pid = pid;
            pthread_mutex_unlock(&mon->mu);
        }
    }
    return 0;
}

/* After the steps: does the oracle fire? */
static int judge(nf_repro *r, long rss0)
{
    const char *k = r->oracle;
    if (strcmp(k, "malformed") == 0)
        return r->last.malformed[0] != '\0';
    if (strcmp(k, "crash") == 0) {
        for (int i = 0; i < 6; i++) {
            if (!nf_pid_alive(r->o->pid) || !nf_port_open(&r->o->t, 0))
                return 1;
            usleep(50000);
        }
        return 0;
    }
    if (strcmp(k, "leak") == 0) {
        long rss = rw_proc_rss_kb(r->o->pid);
        return rss0 > 0 && rss - rss0 > r->o->rss_limit_mb * 1024;
    }
    /* hang or slow: a canary right after the steps (a stall is still going on) */
    int ms;
    const char *kind;
    char why[256];
    if (!nf_pid_alive(r->o->pid))
        return 1;
    return nf_canary_once(&r->o->t, &ms, &kind, why, sizeof why) < 0;
}

int nf_repro_test(void *ud, const size_t *idx, size_t n)
{
    nf_repro *r = ud;
    if (r->deadline_ns && rw_now_ns() > r->deadline_ns)
        return -1;
    if (r->o->restart_cmd) {
        if (nf_restart(r->o, r->mon) < 0)
            return -1;
    } else if (!nf_port_open(&r->o->t, 2000) || !nf_pid_alive(r->o->pid)) {
        return -1; /* the live target no longer answers: nothing more can be tested */
    } else {
        int ms;
        const char *kind;
        char why[256];
        if (strcmp(r->oracle, "hang") == 0 &&
            nf_canary_once(&r->o->t, &ms, &kind, why, sizeof why) < 0)
            return -1;
    }
    if (r->mon) /* the canary watches the replay itself: a stall may end before it does */
        nf_monitor_pause(r->mon, 0);
    nf_script sub = {0};
    if (nf_script_subset(r->sc, idx, n, &sub) < 0)
        return -1;
    long rss0 = r->o->pid > 0 ? rw_proc_rss_kb(r->o->pid) : -1;
    int reps = strcmp(r->oracle, "leak") == 0 ? (r->repeat > 0 ? r->repeat : NF_LEAK_REPEAT) : 1;
    int hit = 0;
    for (int i = 0; i < reps && !hit; i++) {
        nf_answers_free(&r->last);
        if (nf_exec(&r->o->t, &sub, &r->last) < 0) {
            nf_script_free(&sub);
            return -1;
        }
        if (strcmp(r->oracle, "leak") == 0)
            hit = judge(r, rss0);
    }
    nf_script_free(&sub);
    if (!hit && r->mon && (strcmp(r->oracle, "slow") == 0 || strcmp(r->oracle, "hang") == 0)) {
        char o[32], d[512];
        nf_monitor_fired(r->mon, o, sizeof o, d, sizeof d);
        hit = strcmp(o, "slow") == 0 || strcmp(o, "hang") == 0;
    }
    return hit || judge(r, rss0);
}
