/* Unit tests of the cache channels' last events (store.h cache_set, cache_get), run against
 * the memory store (test "store_cache") and the Redis store (test "store_cache_redis",
 * argument "redis"; skipped with 77 when RH_TEST_REDIS_URL is unset). Expiry: the memory
 * store goes by the caller's now_ms, Redis by its own clock (the key's PX), so the Redis
 * variant waits the short ttl out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "store_fx.h"

typedef struct cgot {
    int calls;
    int status;
    char text[256];
    size_t len;
} cgot;

static void record(void *ud, const rh_store_reply *r)
{
    cgot *g = ud;
    g->calls++;
    g->status = r->status;
    g->len = r->cached ? r->cached_len : 0;
    if (r->cached && r->cached_len < sizeof g->text)
        memcpy(g->text, r->cached, r->cached_len);
}

static cgot set(rh_store *st, const char *app, const char *ch, const char *text, uint64_t now,
                uint64_t ttl)
{
    cgot g = {0};
    rh_store_cache_set(st, app, ch, text, strlen(text), now, ttl, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

static cgot get(rh_store *st, const char *app, const char *ch, uint64_t now)
{
    cgot g = {0};
    rh_store_cache_get(st, app, ch, now, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

static const rh_store_limits LIM = {1000, 256u * 1024u};

static int setup(void **state)
{
    rh_fx *f = NULL;
    int rc = rh_fx_new(&f, 0, &LIM, 0, NULL);
    *state = f;
    return rc;
}

static int setup_redis(void **state)
{
    rh_fx *f = NULL;
    int rc = rh_fx_new(&f, 1, &LIM, 60000, NULL);
    *state = f;
    return rc;
}

static int teardown(void **state)
{
    rh_fx_free(*state);
    return 0;
}

/* protocol §17: the last event per channel, byte for byte; a miss before any */
static void test_last_event_kept(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    assert_int_equal(get(st, "app", "cache-a", 1000).status, RH_STORE_NOT_FOUND);
    assert_int_equal(set(st, "app", "cache-a", "{\"event\":\"e1\"}", 1000, 60000).status,
                     RH_STORE_OK);
    assert_int_equal(
        set(st, "app", "cache-a", "{\"event\":\"e2\",\"x\":\"\\u00e9\"}", 1001, 60000).status,
        RH_STORE_OK);
    cgot g = get(st, "app", "cache-a", 1002);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.len, strlen("{\"event\":\"e2\",\"x\":\"\\u00e9\"}"));
    assert_memory_equal(g.text, "{\"event\":\"e2\",\"x\":\"\\u00e9\"}", g.len);
    /* per app and per channel */
    assert_int_equal(get(st, "other", "cache-a", 1002).status, RH_STORE_NOT_FOUND);
    assert_int_equal(get(st, "app", "cache-b", 1002).status, RH_STORE_NOT_FOUND);
    /* bytes kept as given, NUL included */
    cgot n = {0};
    rh_store_cache_set(st, "app", "cache-n", "a\0b", 3, 1000, 60000, record, &n);
    rh_fx_wait(&n.calls);
    g = get(st, "app", "cache-n", 1001);
    assert_int_equal(g.len, 3);
    assert_memory_equal(g.text, "a\0b", 3);
}

/* protocol §17: an event is kept for its ttl, then a miss */
static void test_expiry(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    assert_int_equal(set(st, "app", "cache-t", "old", 1000, 200).status, RH_STORE_OK);
    assert_int_equal(get(st, "app", "cache-t", 1100).status, RH_STORE_OK);
    if (f->redis)
        usleep(350 * 1000);
    assert_int_equal(get(st, "app", "cache-t", 1200).status, RH_STORE_NOT_FOUND);
    /* a new event after the expiry is kept again; the sweep keeps live ones */
    assert_int_equal(set(st, "app", "cache-t", "new", 1300, 60000).status, RH_STORE_OK);
    rh_store_expire(st, 2000, 60000, NULL, NULL);
    cgot g = get(st, "app", "cache-t", 2000);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_memory_equal(g.text, "new", 3);
}

/* Bad arguments get a clear status, never a crash. */
static void test_invalid(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    assert_int_equal(set(st, "app", "cache-z", "x", 1000, 0).status, RH_STORE_INVALID);
    cgot g = {0};
    rh_store_cache_set(st, NULL, "cache-z", "x", 1, 1000, 1000, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_INVALID);
    g = (cgot){0};
    rh_store_cache_get(st, "app", NULL, 1000, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_INVALID);
    /* fire and forget (no callback) is allowed */
    rh_store_cache_set(st, "app", "cache-z", "y", 1, 1000, 60000, NULL, NULL);
    assert_int_equal(get(st, "app", "cache-z", 1001).status, RH_STORE_OK);
}

#define BOTH(t)                                                                                    \
    {                                                                                              \
        cmocka_unit_test_setup_teardown(t, setup, teardown),                                       \
            cmocka_unit_test_setup_teardown(t, setup_redis, teardown)                              \
    }

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[][2] = {
        BOTH(test_last_event_kept),
        BOTH(test_expiry),
        BOTH(test_invalid),
    };
    enum { N = sizeof tests / sizeof tests[0] };
    int redis = argc > 1 && strcmp(argv[1], "redis") == 0;
    if (redis && !getenv("RH_TEST_REDIS_URL")) {
        fprintf(stderr, "RH_TEST_REDIS_URL unset: skipping the Redis cache tests\n");
        return 77;
    }
    struct CMUnitTest run[N];
    for (int i = 0; i < N; i++)
        run[i] = tests[i][redis];
    return _cmocka_run_group_tests(redis ? "store_cache_redis" : "store_cache", run, N, NULL, NULL);
}
