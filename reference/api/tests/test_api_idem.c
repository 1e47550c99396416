/* Unit tests of idempotent appends through the control API (api/control.c, protocol §12.7):
 * the Idempotency-Key header on the memory store, with a subscribed fake connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"

#define CH "private-workspace.acme.thread.t1"
#define START                                                                                      \
    "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":\"s1\"}"
#define TOKENS "/apps/app-id/streams/s1/tokens"
#define AB     "{\"tokens\":[\"a\",\"b\"]}"

static int setup_cfg(void **state, const char *cfg)
{
    fx *f = cfg ? fx_new_cfg(cfg) : fx_new();
    char sid[64];
    if (!f || !fx_connect(f, 1, sid, sizeof sid) || !fx_subscribe(f, 1, sid, CH))
        return -1;
    if (fx_http(f, "POST", "/apps/app-id/streams", NULL, START) != 201)
        return -1;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_cfg(state, NULL);
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static size_t tokens_seen(fx *f)
{
    cJSON *fr[32];
    size_t n = fx_frames(f, 1, "thread.token.streamed", fr, 32);
    fx_delete_all(fr, n);
    return n;
}

/* The same key and body: the first answer, nothing broadcast again; another body: 422. */
static void test_retry_and_other_body(void **state)
{
    fx *f = *state;
    f->idem_key = "k-1";
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 1);
    assert_int_equal(fx_num(f->json, "last_seq"), 2);
    f->wall_s += 3; /* a newer signature: the body, not the query, is compared */
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 1);
    assert_int_equal(fx_num(f->json, "last_seq"), 2);
    assert_int_equal(tokens_seen(f), 2);
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"c\"}"), 422);
    f->idem_key = "k-2";
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 3);
    f->idem_key = NULL;
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 5);
    assert_int_equal(tokens_seen(f), 6);
}

/* Keys outside 1-128 printable ASCII: 400 on every control request; refused requests record
 * nothing, so their retry is judged anew. */
static void test_bad_keys_and_refusals(void **state)
{
    fx *f = *state;
    char long_key[130];
    memset(long_key, 'k', 129);
    long_key[129] = '\0';
    const char *bad[] = {"", long_key, "tab\there", "\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        f->idem_key = bad[i];
        assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 400);
        assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, "{}"), 400);
    }
    long_key[128] = '\0';
    f->idem_key = long_key;
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    f->idem_key = "k";
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[]}"), 400);
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200); /* not recorded by the 400 */
    assert_int_equal(fx_num(f->json, "first_seq"), 3);
    /* start and end with a key: accepted, idempotent as always */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 200);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, "{}"), 200);
    /* after the end: the recorded answer, not 409 */
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "last_seq"), 4);
    f->idem_key = "new";
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 409);
}

/* idempotency_window (seconds) and idempotency_keys (per stream) from the config. */
static void test_window_and_count(void **state)
{
    (void)state;
    fx *f = NULL;
    void *st = NULL;
    assert_int_equal(setup_cfg(&st, "{\"idempotency_window\":5,\"idempotency_keys\":2}"), 0);
    f = st;
    f->idem_key = "w";
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    f->now_ms += 4000;
    f->wall_s += 4;
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 1); /* inside the window */
    f->now_ms += 1500;
    f->wall_s += 2;
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 3); /* forgotten: a new append */
    const char *keys[] = {"x", "y", "z"};
    for (size_t i = 0; i < 3; i++) {
        f->idem_key = keys[i];
        assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    }
    f->idem_key = "x"; /* the oldest of three with room for two: forgotten */
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 11);
    f->idem_key = "z";
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, AB), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 9);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_retry_and_other_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_keys_and_refusals, setup, teardown),
        cmocka_unit_test(test_window_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
