/* Unit tests of the browsers' replay proxy GET /broadcasting/replay (browser_replay.c) and of
 * the /demo route, through rh_srv_http with the fake edge (api_fixture.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"

#define CH    "private-workspace.acme.thread.t1"
#define ALICE "Bearer alice-token"
#define START_S1                                                                                   \
    "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":\"s1\"}"

static int replay(fx *f, const char *auth, const char *query)
{
    return fx_http_raw(f, "GET", "/broadcasting/replay", query, NULL, 0, auth, NULL);
}

/* Starts s1 on acme/t1 and appends tokens "a1".."aN" one call each. */
static void stream_n(fx *f, int n)
{
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START_S1), 201);
    for (int i = 1; i <= n; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"token\":\"a%d\"}", i);
        assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, body), 200);
    }
}

/* The seqs and texts of the answer's tokens, e.g. "3:a3 4:a4". */
static void tokens_of(const cJSON *o, char *out, size_t outlen)
{
    out[0] = '\0';
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(o, "tokens"))
    {
        size_t n = strlen(out);
        snprintf(out + n, outlen - n, "%s%lld:%s", n ? " " : "", (long long)fx_num(t, "seq"),
                 cJSON_GetStringValue(cJSON_GetObjectItem(t, "token")));
    }
}

/* protocol §12.6: unit test */
static void test_answers_tokens_after_seq(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_non_null(f);
    stream_n(f, 5);
    char buf[256];
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=2"), 200);
    assert_string_equal(f->ctype, "application/json");
    tokens_of(f->json, buf, sizeof buf);
    assert_string_equal(buf, "3:a3 4:a4 5:a5");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "stream_id")), "s1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "state")), "open");
    assert_int_equal(fx_num(f->json, "last_seq"), 5);
    assert_int_equal(fx_num(f->json, "after_seq"), 2);
    assert_int_equal(fx_num(f->json, "oldest_seq"), 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(f->json, "more")));

    /* limit pages; more says whether tokens follow */
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=0&limit=2"), 200);
    tokens_of(f->json, buf, sizeof buf);
    assert_string_equal(buf, "1:a1 2:a2");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "more")));

    /* caught up: no tokens, not more */
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=5"), 200);
    tokens_of(f->json, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(f->json, "more")));

    /* after the end the state says so and the tokens are still there */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL), 200);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=4"), 200);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "state")), "ended");
    tokens_of(f->json, buf, sizeof buf);
    assert_string_equal(buf, "5:a5");
    fx_free(f);
}

static void test_refusals(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_non_null(f);
    stream_n(f, 3);
    const char *q = "channel=" CH "&stream_id=s1&after_seq=0";
    assert_int_equal(replay(f, NULL, q), 401);
    assert_int_equal(replay(f, "Bearer nobody", q), 401);
    assert_int_equal(replay(f, "Bearer bob-token", q), 403); /* not a member of acme */
    assert_int_equal(replay(f, ALICE, "channel=public-x&stream_id=s1&after_seq=0"), 403);
    assert_int_equal(replay(f, ALICE, "stream_id=s1&after_seq=0"), 403);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&after_seq=0"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=-1"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=1x"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=99999999999999999999"),
                     400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=0&limit=0"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=0&limit=1001"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=4"), 400);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=nope&after_seq=0"), 404);
    /* the stream exists, but on another thread of the same workspace: not readable here */
    assert_int_equal(
        replay(f, ALICE, "channel=private-workspace.acme.thread.t2&stream_id=s1&after_seq=0"), 404);
    assert_int_equal(fx_http_raw(f, "POST", "/broadcasting/replay", q, NULL, 0, ALICE, NULL), 405);
    fx_free(f);
}

static void test_gone_when_no_longer_kept(void **state)
{
    (void)state;
    rh_store_limits lim = {.replay_tokens = 3, .replay_bytes = 1 << 20};
    fx *f = fx_new_with(NULL, rh_store_memory_new(&lim));
    assert_non_null(f);
    stream_n(f, 6); /* keeps 4..6 */
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=2"), 410);
    assert_int_equal(fx_num(f->json, "code"), 410);
    assert_int_equal(fx_num(f->json, "oldest_seq"), 4);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=s1&after_seq=3"), 200);
    char buf[128];
    tokens_of(f->json, buf, sizeof buf);
    assert_string_equal(buf, "4:a4 5:a5 6:a6");
    fx_free(f);
}

/* A store that lost every stream's state, as the Redis store after a restart without
 * persistence: replay answers LOST for the ids it had seen (here "seen-*"), NOT_FOUND
 * for the others. */
static void lost_replay(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                        size_t limit, rh_store_cb cb, void *ud)
{
    (void)st, (void)app_id, (void)after_seq, (void)limit;
    rh_store_reply r = {.status = strncmp(stream_id, "seen-", 5) == 0 ? RH_STORE_LOST
                                                                      : RH_STORE_NOT_FOUND,
                        .error = "state lost"};
    cb(ud, &r);
}

static void lost_destroy(rh_store *st)
{
    free(st);
}

static const rh_store_ops lost_ops = {.replay = lost_replay, .destroy = lost_destroy};

static rh_store *lost_store(void)
{
    rh_store *st = calloc(1, sizeof *st);
    if (st)
        st->ops = &lost_ops;
    return st;
}

/* After the store lost its state a member must not learn which ids exist: a lost stream
 * (which may be another workspace's) and an id never used get the same answer. */
static void test_lost_state_reveals_nothing(void **state)
{
    (void)state;
    fx *f = fx_new_with(NULL, lost_store());
    assert_non_null(f);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=seen-globex&after_seq=0"), 404);
    char *lost = strdup(f->body);
    assert_int_equal(replay(f, ALICE, "channel=" CH "&stream_id=never-used&after_seq=0"), 404);
    assert_string_equal(lost, f->body);
    free(lost);
    fx_free(f);
}

static void test_demo_route(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_non_null(f);
    assert_int_equal(fx_http_raw(f, "GET", "/demo", "", NULL, 0, NULL, NULL), 200);
    assert_string_equal(f->ctype, "text/html; charset=utf-8");
    assert_non_null(strstr(f->body, "/demo/client.js"));
    assert_int_equal(fx_http_raw(f, "GET", "/demo/", "", NULL, 0, NULL, NULL), 200);
    assert_string_equal(f->ctype, "text/html; charset=utf-8");
    assert_int_equal(fx_http_raw(f, "GET", "/demo/client.js", "", NULL, 0, NULL, NULL), 200);
    assert_string_equal(f->ctype, "text/javascript; charset=utf-8");
    assert_non_null(strstr(f->body, "PusherLite"));
    assert_int_equal(fx_http_raw(f, "GET", "/demo/style.css", "", NULL, 0, NULL, NULL), 200);
    assert_string_equal(f->ctype, "text/css; charset=utf-8");
    const char *bad[] = {
        "/demo/nope.js",          "/demo/..",         "/demo/%2e%2e",  "/demo/a/client.js",
        "/demo/..%2fmeson.build", "/demo//client.js", "/demo/embed.py"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(fx_http_raw(f, "GET", bad[i], "", NULL, 0, NULL, NULL), 404);
    assert_int_equal(fx_http_raw(f, "POST", "/demo", "", NULL, 0, NULL, NULL), 405);
    fx_free(f);

    f = fx_new_cfg("{\"demo\":false}");
    assert_non_null(f);
    assert_int_equal(fx_http_raw(f, "GET", "/demo", "", NULL, 0, NULL, NULL), 404);
    assert_int_equal(fx_http_raw(f, "GET", "/demo/client.js", "", NULL, 0, NULL, NULL), 404);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_tokens_after_seq),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_gone_when_no_longer_kept),
        cmocka_unit_test(test_lost_state_reveals_nothing),
        cmocka_unit_test(test_demo_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
