/* The store test fixture (see store_fx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "store_fx.h"

rh_fx *rh_fx_cur;

static uint64_t fx_now(void *ud)
{
    return ((rh_fx *)ud)->now;
}

static void noop(uv_timer_t *t)
{
    (void)t;
}

static int is_up(void *ud)
{
    return rh_store_redis_up(ud);
}

int rh_fx_new(rh_fx **out, int redis, const rh_store_limits *lim, uint64_t ttl_ms, const char *url)
{
    static unsigned serial;
    rh_fx *f = calloc(1, sizeof *f);
    if (!f || uv_loop_init(&f->loop) != 0) {
        free(f);
        return -1;
    }
    uv_timer_init(&f->loop, &f->keep);
    uv_timer_start(&f->keep, noop, 10, 10);
    f->redis = redis;
    f->now = 1;
    rh_fx_cur = f;
    *out = f;
    if (!redis) {
        f->st = rh_store_memory_new(lim);
        return f->st ? 0 : -1;
    }
    int explicit_url = url != NULL; /* a URL given by the test: no waiting for it */
    if (!url)
        url = getenv("RH_TEST_REDIS_URL");
    if (!url)
        return -1;
    snprintf(f->prefix, sizeof f->prefix, "t%ld.%u:", (long)getpid(), serial++);
    rh_store_redis_opts o = {.url = url,
                             .prefix = f->prefix,
                             .limits = *lim,
                             .ended_ttl_ms = ttl_ms,
                             .now_ms = fx_now,
                             .now_ud = f};
    char err[256];
    f->st = rh_store_redis_new(&f->loop, &o, err, sizeof err);
    if (!f->st)
        return -1;
    return explicit_url || rh_fx_until(is_up, f->st) ? 0 : -1;
}

void rh_fx_free(rh_fx *f)
{
    if (!f)
        return;
    rh_store_free(f->st);
    uv_close((uv_handle_t *)&f->keep, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_loop_close(&f->loop);
    if (rh_fx_cur == f)
        rh_fx_cur = NULL;
    free(f);
}

static int flag_set(void *ud)
{
    return *(const int *)ud != 0;
}

int rh_fx_until(int (*pred)(void *), void *ud)
{
    rh_fx *f = rh_fx_cur;
    if (!f || !f->redis)
        return pred(ud);
    uint64_t t0 = uv_hrtime();
    while (!pred(ud) && uv_hrtime() - t0 < 5000000000ull)
        uv_run(&f->loop, UV_RUN_ONCE);
    return pred(ud);
}

void rh_fx_wait(const int *flag)
{
    if (!rh_fx_until(flag_set, (void *)flag))
        fail_msg("the store did not answer within 5 s");
}

typedef struct cmd_wait {
    int done, ok;
} cmd_wait;

static void on_cmd(void *ud, void *reply)
{
    cmd_wait *w = ud;
    const redisReply *r = reply;
    w->done = 1;
    w->ok = r && r->type != REDIS_REPLY_ERROR;
}

int rh_fx_cmd(rh_fx *f, int argc, const char **argv)
{
    cmd_wait w = {0};
    if (rh_store_redis_command(f->st, argc, argv, NULL, on_cmd, &w) != 0)
        return -1;
    rh_fx_wait(&w.done);
    return w.ok ? 0 : -1;
}

/* --- one operation, waited for ------------------------------------------------------- */

void rh_fx_record(void *ud, const rh_store_reply *r)
{
    rh_fx_got *g = ud;
    g->calls++;
    g->status = r->status;
    g->has_stream = r->stream != NULL;
    if (r->stream)
        g->s = *r->stream;
    g->first = r->first_seq;
    g->last = r->last_seq;
    g->published = r->published;
    g->expired = r->expired;
}

rh_fx_got rh_fx_start(rh_store *st, const char *app, const rh_store_ids *ids)
{
    rh_fx_got g = {0};
    rh_store_start(st, app, ids, rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

rh_fx_got rh_fx_end(rh_store *st, const char *app, const char *sid, int reason, uint64_t now)
{
    rh_fx_got g = {0};
    if (rh_fx_cur)
        rh_fx_cur->now = now;
    rh_store_end(st, app, sid, reason, now, rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

rh_fx_got rh_fx_get(rh_store *st, const char *app, const char *sid)
{
    rh_fx_got g = {0};
    rh_store_get(st, app, sid, rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

int rh_fx_run_both(const char *name, const struct CMUnitTest (*tests)[2], size_t n, int argc,
                   char **argv)
{
    int redis = argc > 1 && strcmp(argv[1], "redis") == 0;
    if (redis && !getenv("RH_TEST_REDIS_URL")) {
        fprintf(stderr, "RH_TEST_REDIS_URL unset: skipping the Redis store tests\n");
        return 77;
    }
    struct CMUnitTest *run = calloc(n ? n : 1, sizeof *run);
    if (!run)
        return 1;
    for (size_t i = 0; i < n; i++)
        run[i] = tests[i][redis];
    char full[96];
    snprintf(full, sizeof full, "%s%s", name, redis ? "_redis" : "");
    int rc = _cmocka_run_group_tests(full, run, n, NULL, NULL);
    free(run);
    return rc;
}
