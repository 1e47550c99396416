/* Unit tests of idempotent appends in the stores (protocol §12.7), every body against the
 * memory store (test "store_idem") and the Redis store (test "store_idem_redis", argument
 * "redis"; 77 without RH_TEST_REDIS_URL). The window runs on the store's clock: the caller's
 * now_ms for the memory store (given through expire), Redis's TIME for the Redis store, so
 * the window test waits in real time there. */
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

typedef rh_fx_got got;

static const rh_store_ids IDS = {"acme", "t1", "r1", "s1", 0};

static int setup_with(void **state, int redis)
{
    rh_store_limits lim = {100, 4096};
    rh_fx *f = NULL;
    int rc = rh_fx_new(&f, redis, &lim, 60000, NULL);
    *state = f;
    if (rc == 0)
        assert_int_equal(rh_fx_start(f->st, "app", &IDS).status, RH_STORE_OK);
    return rc;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int setup_redis(void **state)
{
    return setup_with(state, 1);
}

static int teardown(void **state)
{
    rh_fx_free(*state);
    return 0;
}

/* One append of text with key (NULL: none) and digest, window_ms and max_keys. */
static got put(rh_fx *f, const char *text, const char *key, const char *digest, uint64_t window,
               size_t max)
{
    got g = {0};
    rh_store_tok t[2] = {{text, strlen(text)}, {"!", 1}};
    rh_store_idem idem = {key, digest, window, max};
    rh_store_append_idem(f->st, "app", "s1", t, 2, key ? &idem : NULL, rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

static uint64_t last_seq(rh_fx *f)
{
    rh_fx_got g = rh_fx_get(f->st, "app", "s1");
    assert_int_equal(g.status, RH_STORE_OK);
    return g.s.last_seq;
}

/* The same key and digest answer the first answer and append nothing; another digest is
 * KEY_REUSED; another key appends. */
static void test_retry_answers_first(void **state)
{
    rh_fx *f = *state;
    got a = put(f, "a", "k1", "d1", 600000, 10);
    assert_int_equal(a.status, RH_STORE_OK);
    assert_int_equal(a.first, 1);
    assert_int_equal(a.last, 2);
    got b = put(f, "a", "k1", "d1", 600000, 10);
    assert_int_equal(b.status, RH_STORE_REPLAYED);
    assert_int_equal(b.first, 1);
    assert_int_equal(b.last, 2);
    assert_int_equal(b.published, 0);
    assert_int_equal(last_seq(f), 2);
    assert_int_equal(put(f, "b", "k1", "d2", 600000, 10).status, RH_STORE_KEY_REUSED);
    assert_int_equal(last_seq(f), 2);
    got c = put(f, "a", "k2", "d1", 600000, 10);
    assert_int_equal(c.status, RH_STORE_OK);
    assert_int_equal(c.first, 3);
    assert_int_equal(c.last, 4);
    /* without a key: an append as before */
    assert_int_equal(put(f, "a", NULL, NULL, 0, 0).first, 5);
    assert_int_equal(put(f, "a", "k1", "d1", 600000, 10).first, 1); /* still recorded */
}

/* A retry after the end still answers the first answer; a new key answers ENDED. */
static void test_retry_after_end(void **state)
{
    rh_fx *f = *state;
    assert_int_equal(put(f, "a", "k1", "d", 600000, 10).status, RH_STORE_OK);
    assert_int_equal(rh_fx_end(f->st, "app", "s1", 0, 1).status, RH_STORE_OK);
    got b = put(f, "a", "k1", "d", 600000, 10);
    assert_int_equal(b.status, RH_STORE_REPLAYED);
    assert_int_equal(b.last, 2);
    assert_int_equal(put(f, "a", "k2", "d", 600000, 10).status, RH_STORE_ENDED);
}

/* At most max_keys keys per stream: the oldest is forgotten first. */
static void test_bounded_count(void **state)
{
    rh_fx *f = *state;
    assert_int_equal(put(f, "a", "k1", "d", 600000, 2).first, 1);
    assert_int_equal(put(f, "a", "k2", "d", 600000, 2).first, 3);
    assert_int_equal(put(f, "a", "k3", "d", 600000, 2).first, 5);
    assert_int_equal(put(f, "a", "k3", "d", 600000, 2).status, RH_STORE_REPLAYED);
    assert_int_equal(put(f, "a", "k2", "d", 600000, 2).status, RH_STORE_REPLAYED);
    got again = put(f, "a", "k1", "d", 600000, 2); /* forgotten: appended again */
    assert_int_equal(again.status, RH_STORE_OK);
    assert_int_equal(again.first, 7);
}

/* A key older than the window is forgotten. */
static void test_window(void **state)
{
    rh_fx *f = *state;
    assert_int_equal(put(f, "a", "k1", "d", 300, 10).first, 1);
    assert_int_equal(put(f, "a", "k1", "d", 300, 10).status, RH_STORE_REPLAYED);
    if (f->redis)
        usleep(400 * 1000);
    else
        rh_store_expire(f->st, 400, 60000, NULL, NULL); /* the memory store's clock */
    got g = put(f, "a", "k1", "d", 300, 10);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.first, 3);
}

/* Bad keys and digests are refused before the store is asked; a restart of the stream id
 * forgets its keys. */
static void test_invalid_and_restart(void **state)
{
    rh_fx *f = *state;
    assert_int_equal(put(f, "a", "", "d", 600000, 10).status, RH_STORE_INVALID);
    assert_int_equal(put(f, "a", "k\x01", "d", 600000, 10).status, RH_STORE_INVALID);
    assert_int_equal(put(f, "a", "k", "d d", 600000, 10).status, RH_STORE_INVALID);
    assert_int_equal(put(f, "a", "k", "d", 0, 10).status, RH_STORE_INVALID);
    char long_key[RH_STORE_IDEM_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(put(f, "a", long_key, "d", 600000, 10).status, RH_STORE_INVALID);
    long_key[RH_STORE_IDEM_KEY_MAX] = '\0';
    assert_int_equal(put(f, "a", long_key, "d", 600000, 10).status, RH_STORE_OK);
    assert_int_equal(last_seq(f), 2);
    got g = {0};
    rh_store_append_idem(f->st, "app", "nope", &(rh_store_tok){"x", 1}, 1,
                         &(rh_store_idem){"k", "d", 1000, 1}, rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_NOT_FOUND);
}

#define BOTH(t)                                                                                    \
    {                                                                                              \
        cmocka_unit_test_setup_teardown(t, setup, teardown),                                       \
            cmocka_unit_test_setup_teardown(t, setup_redis, teardown)                              \
    }

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[][2] = {
        BOTH(test_retry_answers_first), BOTH(test_retry_after_end),
        BOTH(test_bounded_count),       BOTH(test_window),
        BOTH(test_invalid_and_restart),
    };
    return rh_fx_run_both("store_idem", tests, sizeof tests / sizeof tests[0], argc, argv);
}
