/* rc_ctx: verdict bookkeeping, deadline, wire log and resource tracking of one case.
 * Owned by the runner. Every entry point takes the ctx mutex because cases may report from
 * their own threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int64_t rc__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rc_rng_init(rc_rng *rng, uint64_t seed)
{
    struct timespec ts;
    pthread_mutex_init(&rng->mu, NULL);
    rng->state = seed;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t n = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    rng->nonce = splitmix(&n);
}

void rc_rng_fork(const rc_rng *run, const char *id, rc_rng *out)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the id */
    for (const unsigned char *p = (const unsigned char *)id; p && *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    pthread_mutex_init(&out->mu, NULL);
    uint64_t x = run->state ^ h;
    out->state = splitmix(&x);
    out->nonce = run->nonce;
}

void rc_rng_destroy(rc_rng *rng)
{
    pthread_mutex_destroy(&rng->mu);
}

uint64_t rc_rng_next(rc_rng *rng)
{
    pthread_mutex_lock(&rng->mu);
    uint64_t v = splitmix(&rng->state);
    pthread_mutex_unlock(&rng->mu);
    /* Mixing in the run nonce keeps names unique across runs against one long-lived
     * server, while the seed still fixes the sequence within the run's own logic. */
    uint64_t m = v ^ rng->nonce;
    return splitmix(&m);
}

uint64_t rc__rand(rc_ctx *ctx)
{
    return rc_rng_next(ctx->rng);
}

void rc_random_id(rc_ctx *ctx, char out[13])
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t a = rc__rand(ctx), b = rc__rand(ctx);
    for (int i = 0; i < 12; i++) {
        uint64_t *src = i < 6 ? &a : &b;
        out[i] = al[*src % 36];
        *src /= 36;
    }
    out[12] = '\0';
}

void rc_ctx_init(rc_ctx *ctx, const rc_case *c, const rc_target *t, rc_rng *rng, int timeout_ms,
                 int max_wait_s)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->c = c;
    ctx->t = t;
    ctx->rng = rng;
    pthread_mutex_init(&ctx->mu, NULL);
    ctx->verdict = RC_PASS;
    ctx->timeout_ms = timeout_ms > 0 ? timeout_ms : RC_DEFAULT_TIMEOUT_MS;
    ctx->max_wait_s = max_wait_s;
    ctx->start_ns = rc__now_ns();
    ctx->deadline_ns = ctx->start_ns + (int64_t)ctx->timeout_ms * 1000000LL;
}

const rc_target *rc_target_of(const rc_ctx *ctx)
{
    return ctx->t;
}

static long elapsed_ms(const rc_ctx *ctx)
{
    return (long)((rc__now_ns() - ctx->start_ns) / 1000000LL);
}

/* Appends under the lock held by the caller. */
static void wire_add_locked(rc_ctx *ctx, const char *dir, char *data)
{
    if (ctx->nwire >= RC_WIRE_MAX_ENTRIES) {
        ctx->wire_dropped++;
        free(data);
        return;
    }
    if (ctx->nwire == ctx->capwire) {
        size_t cap = ctx->capwire ? ctx->capwire * 2 : 32;
        rc_wire *w = realloc(ctx->wire, cap * sizeof *w);
        if (!w) {
            ctx->wire_dropped++;
            free(data);
            return;
        }
        ctx->wire = w;
        ctx->capwire = cap;
    }
    rc_wire *e = &ctx->wire[ctx->nwire++];
    snprintf(e->dir, sizeof e->dir, "%s", dir);
    e->t_ms = elapsed_ms(ctx);
    e->data = data;
}

void rc__wire(rc_ctx *ctx, const char *dir, const char *prefix, const void *data, size_t len,
              int binary)
{
    if (!data)
        data = "", len = 0;
    const unsigned char *p = data;
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t keep = binary ? len * 2 : len;
    int cut = keep > RC_WIRE_MAX_TEXT;
    if (cut)
        keep = RC_WIRE_MAX_TEXT;
    char *s = malloc(plen + keep + 64);
    if (!s)
        return;
    memcpy(s, prefix ? prefix : "", plen);
    size_t o = plen;
    if (binary) {
        static const char hx[] = "0123456789abcdef";
        for (size_t i = 0; i < len && o + 2 <= plen + keep; i++) {
            s[o++] = hx[p[i] >> 4];
            s[o++] = hx[p[i] & 15];
        }
    } else {
        memcpy(s + o, p, keep);
        o += keep;
    }
    if (cut)
        o += (size_t)sprintf(s + o, "... (%zu bytes in all)", len);
    s[o] = '\0';
    pthread_mutex_lock(&ctx->mu);
    wire_add_locked(ctx, dir, s);
    pthread_mutex_unlock(&ctx->mu);
}

void rc__track(rc_ctx *ctx, void *obj, void (*release)(void *obj))
{
    pthread_mutex_lock(&ctx->mu);
    if (ctx->nres == ctx->capres) {
        size_t cap = ctx->capres ? ctx->capres * 2 : 8;
        rc_resource *r = realloc(ctx->res, cap * sizeof *r);
        if (!r) {
            /* Cannot track: release at once would break the caller; leak instead. */
            pthread_mutex_unlock(&ctx->mu);
            return;
        }
        ctx->res = r;
        ctx->capres = cap;
    }
    ctx->res[ctx->nres].obj = obj;
    ctx->res[ctx->nres].release = release;
    ctx->nres++;
    pthread_mutex_unlock(&ctx->mu);
}

int rc_remaining_ms(const rc_ctx *ctx)
{
    int64_t left = ctx->deadline_ns - rc__now_ns();
    if (left <= 0)
        return 0;
    return (int)(left / 1000000LL);
}

int rc__timeout(rc_ctx *ctx, int ms)
{
    int left = rc_remaining_ms(ctx);
    return ms < 0 || ms > left ? left : ms;
}

int rc_allow_wait(rc_ctx *ctx, long wait_ms, const char *what)
{
    if (wait_ms > (long)ctx->max_wait_s * 1000L) {
        rc_skip(ctx, "%s needs %.1f s, over --max-wait %d s", what, (double)wait_ms / 1000.0,
                ctx->max_wait_s);
        return 0;
    }
    int64_t want = rc__now_ns() + ((int64_t)wait_ms + ctx->timeout_ms) * 1000000LL;
    pthread_mutex_lock(&ctx->mu);
    if (want > ctx->deadline_ns)
        ctx->deadline_ns = want;
    pthread_mutex_unlock(&ctx->mu);
    return 1;
}

static char *vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

/* Applies a verdict under the rules of case.h and keeps the first message. */
static void report(rc_ctx *ctx, rc_verdict v, int stop, const char *dir, const char *fmt,
                   va_list ap)
{
    char *msg = vfmt(fmt, ap);
    pthread_mutex_lock(&ctx->mu);
    rc_verdict cur = ctx->verdict;
    int take;
    /* A failure seen after a skip is still a finding, so only FAIL/ERROR are final. */
    if (v == RC_FAIL || v == RC_ERROR)
        take = cur != RC_FAIL && cur != RC_ERROR;
    else
        take = cur == RC_PASS;
    if (take) {
        ctx->verdict = v;
        free(ctx->message);
        ctx->message = msg ? strdup(msg) : NULL;
    }
    if (stop)
        ctx->stopped = 1;
    if (msg)
        wire_add_locked(ctx, dir, msg);
    pthread_mutex_unlock(&ctx->mu);
}

void rc_fail(rc_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, ctx->c && ctx->c->level != RC_MUST ? RC_NONSTRICT : RC_FAIL, 1, "fail", fmt, ap);
    va_end(ap);
}

void rc_fail_should(rc_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, RC_NONSTRICT, 0, "fail", fmt, ap);
    va_end(ap);
}

void rc_error(rc_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, RC_ERROR, 1, "error", fmt, ap);
    va_end(ap);
}

void rc_unsupported(rc_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, RC_UNSUPPORTED, 1, "note", fmt, ap);
    va_end(ap);
}

void rc_skip(rc_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, RC_SKIP, 1, "note", fmt, ap);
    va_end(ap);
}

void rc_log(rc_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vfmt(fmt, ap);
    va_end(ap);
    if (!msg)
        return;
    pthread_mutex_lock(&ctx->mu);
    wire_add_locked(ctx, "log", msg);
    pthread_mutex_unlock(&ctx->mu);
}

void rc_expect_seen(rc_ctx *ctx, const char *expected, const char *seen)
{
    pthread_mutex_lock(&ctx->mu);
    /* Keep the pair of the check that decided the verdict: the first one given. */
    if (!ctx->expected && !ctx->seen) {
        ctx->expected = expected ? strdup(expected) : NULL;
        ctx->seen = seen ? strdup(seen) : NULL;
    }
    pthread_mutex_unlock(&ctx->mu);
}

int rc_ok(const rc_ctx *ctx)
{
    rc_ctx *m = (rc_ctx *)ctx;
    pthread_mutex_lock(&m->mu);
    int ok = !m->stopped;
    pthread_mutex_unlock(&m->mu);
    return ok;
}

void rc_ctx_finish(rc_ctx *ctx, rc_result *res)
{
    /* Release in reverse order: pusher connections before the sockets they sit on. */
    for (;;) {
        pthread_mutex_lock(&ctx->mu);
        if (ctx->nres == 0) {
            pthread_mutex_unlock(&ctx->mu);
            break;
        }
        rc_resource r = ctx->res[--ctx->nres];
        pthread_mutex_unlock(&ctx->mu);
        r.release(r.obj);
    }
    free(ctx->res);
    /* A case that used up its whole time most likely failed on a cut-short wait. */
    ctx->deadline_hit = rc_remaining_ms(ctx) == 0;
    memset(res, 0, sizeof *res);
    res->c = ctx->c;
    res->verdict = ctx->verdict;
    res->duration_ms = elapsed_ms(ctx);
    if (ctx->deadline_hit &&
        (ctx->verdict == RC_FAIL || ctx->verdict == RC_NONSTRICT || ctx->verdict == RC_ERROR)) {
        char *m = NULL;
        if (asprintf(&m, "%s (the case deadline was reached)", ctx->message ? ctx->message : "") >=
            0) {
            free(ctx->message);
            ctx->message = m;
        }
    }
    res->message = ctx->message;
    res->expected = ctx->expected;
    res->seen = ctx->seen;
    res->wire = ctx->wire;
    res->nwire = ctx->nwire;
    res->wire_dropped = ctx->wire_dropped;
    pthread_mutex_destroy(&ctx->mu);
    memset(ctx, 0, sizeof *ctx);
}

void rc_result_free(rc_result *res)
{
    free(res->message);
    free(res->expected);
    free(res->seen);
    for (size_t i = 0; i < res->nwire; i++)
        free(res->wire[i].data);
    free(res->wire);
    memset(res, 0, sizeof *res);
}
