/* rc_pool: see pool.h. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "progress.h"
#include "runner.h"
#include "schedule.h"

#define WATCHDOG_GRACE_MS 15000
#define JOBS_PER_CPU      8
#define JOBS_DEFAULT_MAX  16

typedef struct pool {
    const rc_pool_cfg *cfg;
    const rc_case *const *cases;
    rc_result *res;
    size_t n;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* a case finished: one may start, a line may be printed */
    pthread_cond_t wd_cv;
    rc_sched sched;
    rc_sched_item *items;
    size_t *map;             /* scheduler index -> case index */
    unsigned char *finished; /* per case index */
    rc_ctx **slot;           /* per worker: the case it runs, for the watchdog */
    int stop;
} pool;

typedef struct worker_arg {
    pool *p;
    int w;
} worker_arg;

int rc_pool_default_jobs(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long j = (cpus > 0 ? cpus : 1) * JOBS_PER_CPU;
    return (int)(j > JOBS_DEFAULT_MAX ? JOBS_DEFAULT_MAX : j);
}

/* A case stuck outside the clients' bounded waits must not hang CI. It reads each running
 * case's deadline, which rc_allow_wait may move. */
static void *watchdog(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&p->wd_cv, &p->mu, &ts);
        for (int w = 0; w < p->cfg->jobs; w++) {
            rc_ctx *ctx = p->slot[w];
            if (!ctx)
                continue;
            pthread_mutex_lock(&ctx->mu);
            int64_t d = ctx->deadline_ns;
            pthread_mutex_unlock(&ctx->mu);
            if (rc__now_ns() > d + (int64_t)WATCHDOG_GRACE_MS * 1000000LL) {
                fprintf(stderr, "\nrehome-conform: case %s hung past its deadline; giving up\n",
                        ctx->c->id);
                _exit(2);
            }
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void run_one(pool *p, int w, size_t i)
{
    const rc_case *c = p->cases[i];
    rc_rng rng;
    rc_rng_fork(p->cfg->rng, c->id, &rng);
    rc_ctx ctx;
    int to = p->cfg->timeout_ms ? p->cfg->timeout_ms : c->timeout_ms;
    rc_ctx_init(&ctx, c, p->cfg->t, &rng, to, p->cfg->max_wait_s);
    pthread_mutex_lock(&p->mu);
    p->slot[w] = &ctx;
    pthread_mutex_unlock(&p->mu);
    c->run(&ctx);
    pthread_mutex_lock(&p->mu);
    p->slot[w] = NULL;
    pthread_mutex_unlock(&p->mu);
    rc_ctx_finish(&ctx, &p->res[i]);
    rc_rng_destroy(&rng);
}

static void *worker(void *arg)
{
    worker_arg *a = arg;
    pool *p = a->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        long k = rc_sched_next(&p->sched);
        if (k == RC_SCHED_DONE)
            break;
        if (k == RC_SCHED_WAIT) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        size_t i = p->map[k];
        pthread_mutex_unlock(&p->mu);
        run_one(p, a->w, i);
        pthread_mutex_lock(&p->mu);
        rc_sched_done(&p->sched, (size_t)k);
        p->finished[i] = 1;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Prints each line in registry order once it and all before it are done. */
static void print_in_order(pool *p)
{
    rc_progress prog;
    rc_progress_init(&prog, p->cfg->progress, p->n);
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n;) {
        if (!p->finished[i]) {
            /* The line names the case the output is waiting for. */
            if (!prog.shown)
                rc_progress_show(&prog, i, p->cases[i]->id);
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        rc_progress_clear(&prog);
        if (!p->cfg->quiet || p->res[i].verdict != RC_PASS)
            rc_print_case_line(p->cfg->out, &p->res[i]);
        pthread_mutex_lock(&p->mu);
        i++;
    }
    pthread_mutex_unlock(&p->mu);
}

static int pool_setup(pool *p, const unsigned char *torun)
{
    size_t m = 0;
    p->items = calloc(p->n ? p->n : 1, sizeof *p->items);
    p->map = calloc(p->n ? p->n : 1, sizeof *p->map);
    p->finished = calloc(p->n ? p->n : 1, 1);
    p->slot = calloc((size_t)p->cfg->jobs, sizeof *p->slot);
    if (!p->items || !p->map || !p->finished || !p->slot)
        return -1;
    for (size_t i = 0; i < p->n; i++) {
        if (!torun[i]) {
            p->finished[i] = 1;
            continue;
        }
        p->items[m] = rc_sched_item_of(p->cases[i]);
        p->map[m++] = i;
    }
    return rc_sched_init(&p->sched, p->items, m, p->cfg->jobs);
}

static void pool_free(pool *p)
{
    rc_sched_free(&p->sched);
    free(p->items);
    free(p->map);
    free(p->finished);
    free(p->slot);
}

int rc_pool_run(const rc_pool_cfg *cfg, const rc_case *const *cases, const unsigned char *torun,
                size_t n, rc_result *res)
{
    pool p = {.cfg = cfg, .cases = cases, .res = res, .n = n};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_cond_init(&p.wd_cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pool_setup(&p, torun);
    pthread_t *th = rc == 0 ? calloc((size_t)cfg->jobs, sizeof *th) : NULL;
    worker_arg *args = th ? calloc((size_t)cfg->jobs, sizeof *args) : NULL;
    pthread_t wd;
    int nth = 0, have_wd = 0;
    if (args) {
        have_wd = pthread_create(&wd, NULL, watchdog, &p) == 0;
        for (; nth < cfg->jobs; nth++) {
            args[nth] = (worker_arg){&p, nth};
            if (pthread_create(&th[nth], NULL, worker, &args[nth]) != 0)
                break;
        }
    }
    if (nth > 0) {
        print_in_order(&p);
    } else {
        rc = -1;
    }
    for (int k = 0; k < nth; k++)
        pthread_join(th[k], NULL);
    if (have_wd) {
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        pthread_cond_signal(&p.wd_cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(wd, NULL);
    }
    free(th);
    free(args);
    pool_free(&p);
    pthread_cond_destroy(&p.cv);
    pthread_cond_destroy(&p.wd_cv);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
