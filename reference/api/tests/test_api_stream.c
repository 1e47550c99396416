/* Unit tests of the control API and the streaming service (api/control.c, api/stream.c)
 * through rh_srv_http, with a subscribed fake connection and a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/srv.h"

#define CH "private-workspace.acme.thread.t1"
#define START                                                                                      \
    "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":\"s1\"}"

static int setup(void **state)
{
    fx *f = fx_new();
    char sid[64];
    if (!f || !fx_connect(f, 1, sid, sizeof sid) || !fx_subscribe(f, 1, sid, CH))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    return s ? s : "(none)";
}

/* protocol §12.2: unit test */
static void test_start(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    assert_string_equal(str(f->json, "stream_id"), "s1");
    assert_string_equal(str(f->json, "channel"), CH);
    assert_string_equal(str(f->json, "state"), "open");
    assert_int_equal(fx_num(f->json, "last_seq"), 0);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 200);
    assert_string_equal(str(f->json, "state"), "open");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL,
                             "{\"workspace_id\":\"acme\",\"thread_id\":\"t2\",\"run_id\":\"r1\","
                             "\"stream_id\":\"s1\"}"),
                     409);
    assert_int_equal(fx_num(f->json, "code"), 409);
    const char *bad[] = {
        "{\"workspace_id\":\"ac.me\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":\"s2\"}",
        "{\"workspace_id\":\"acme\",\"thread_id\":\"\",\"run_id\":\"r1\",\"stream_id\":\"s2\"}",
        "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"stream_id\":\"s2\"}",
        "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":7,\"stream_id\":\"s2\"}",
        ("{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":"
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"),
        "not json",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, bad[i]), 400);
        assert_int_equal(fx_num(f->json, "code"), 400);
    }
    /* nothing was broadcast by starting */
    cJSON *fr[4];
    assert_int_equal(fx_frames(f, 1, "thread.token.streamed", fr, 4), 0);
}

static void check_token(const cJSON *frame, int64_t seq, const char *token)
{
    assert_string_equal(str(frame, "channel"), CH);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(frame, "data"))); /* double-encoded */
    cJSON *d = fx_data(frame);
    assert_non_null(d);
    assert_string_equal(str(d, "workspace_id"), "acme");
    assert_string_equal(str(d, "thread_id"), "t1");
    assert_string_equal(str(d, "run_id"), "r1");
    assert_string_equal(str(d, "stream_id"), "s1");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "seq")));
    assert_int_equal(fx_num(d, "seq"), seq);
    assert_string_equal(str(d, "token"), token);
    cJSON_Delete(d);
}

/* protocol §10: unit test */
static void test_tokens_in_order(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"token\":\"Hel\"}"), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 1);
    assert_int_equal(fx_num(f->json, "last_seq"), 1);
    assert_string_equal(str(f->json, "stream_id"), "s1");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL,
                             "{\"tokens\":[\"lo\",\" w\\u00f6rld\",\"\\\"!\\\"\"]}"),
                     200);
    assert_int_equal(fx_num(f->json, "first_seq"), 2);
    assert_int_equal(fx_num(f->json, "last_seq"), 4);
    cJSON *fr[16];
    size_t n = fx_frames(f, 1, "thread.token.streamed", fr, 16);
    assert_int_equal(n, 4);
    check_token(fr[0], 1, "Hel");
    check_token(fr[1], 2, "lo");
    check_token(fr[2], 3, " w\xc3\xb6rld");
    check_token(fr[3], 4, "\"!\"");
    fx_delete_all(fr, n);
    /* past the 5th token: still no gap, no repeat */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL,
                             "{\"tokens\":[\"5\",\"6\",\"7\"]}"),
                     200);
    assert_int_equal(fx_num(f->json, "first_seq"), 5);
    assert_int_equal(fx_num(f->json, "last_seq"), 7);
    n = fx_frames(f, 1, "thread.token.streamed", fr, 16);
    assert_int_equal(n, 7);
    for (size_t i = 4; i < n; i++) {
        char tok[24];
        snprintf(tok, sizeof tok, "%zu", i + 1);
        check_token(fr[i], (int64_t)i + 1, tok);
    }
    fx_delete_all(fr, n);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    assert_int_equal(fx_num(f->json, "last_seq"), 7);
    assert_string_equal(str(f->json, "state"), "open");
    assert_null(cJSON_GetObjectItem(f->json, "reason"));
}

/* protocol §12.3: unit test */
static void test_tokens_errors(void **state)
{
    fx *f = *state;
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/nope/tokens", NULL, "{\"token\":\"x\"}"), 404);
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/bad.id/tokens", NULL, "{\"token\":\"x\"}"), 400);
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    const char *bad[] = {"{\"tokens\":[]}",
                         "{\"token\":5}",
                         "{}",
                         "nope",
                         "{\"tokens\":[\"a\",1]}",
                         "{\"token\":\"a\",\"tokens\":[\"b\"]}",
                         "{\"token\":\"\\ud800\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, bad[i]), 400);
    /* raw invalid UTF-8 */
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"token\":\"a\xff\"}"), 400);
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"token\":\"\xc0\xaf\"}"),
        400);
    /* size limit: 10240 bytes in total fine, one more refused */
    static char body[20000];
    assert_non_null(body);
    for (int over = 0; over < 2; over++) {
        int k = sprintf(body, "{\"tokens\":[\"");
        memset(body + k, 'a', 5000);
        k += 5000;
        k += sprintf(body + k, "\",\"");
        memset(body + k, 'b', 5240 + (size_t)over);
        k += 5240 + over;
        strcpy(body + k, "\"]}");
        int st = fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, body);
        assert_int_equal(st, over ? 413 : 200);
    }
    /* only the accepted request consumed seqs */
    fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL);
    assert_int_equal(fx_num(f->json, "last_seq"), 2);
    cJSON *fr[8];
    size_t n = fx_frames(f, 1, "thread.token.streamed", fr, 8);
    assert_int_equal(n, 2);
    fx_delete_all(fr, n);
}

/* protocol §11: unit test */
static void test_end_idempotent(void **state)
{
    fx *f = *state;
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"tokens\":[\"a\",\"b\"]}");
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, "{\"reason\":\"cancelled\"}"), 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "ended")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(f->json, "already_ended")));
    assert_int_equal(fx_num(f->json, "last_seq"), 2);
    assert_string_equal(str(f->json, "reason"), "cancelled");
    assert_int_equal(fx_num(f->json, "expires_in"), 300);
    const char *again[] = {"", "{\"reason\":\"failed\"}", "{}", "{\"reason\":\"completed\"}"};
    for (size_t i = 0; i < 4; i++) {
        f->now_ms += 1000;
        assert_int_equal(
            fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, *again[i] ? again[i] : NULL),
            200);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "already_ended")));
        assert_int_equal(fx_num(f->json, "last_seq"), 2);
        assert_string_equal(str(f->json, "reason"), "cancelled");
        assert_int_equal(fx_num(f->json, "expires_in"), 300 - (int64_t)i - 1);
    }
    cJSON *fr[8];
    size_t n = fx_frames(f, 1, NULL, fr, 8);
    /* established, subscribed, 2 tokens, 1 end: the end after the last token, once */
    assert_int_equal(n, 5);
    assert_string_equal(str(fr[4], "event"), "thread.stream.ended");
    assert_string_equal(str(fr[4], "channel"), CH);
    cJSON *d = fx_data(fr[4]);
    assert_int_equal(fx_num(d, "last_seq"), 2);
    assert_string_equal(str(d, "reason"), "cancelled");
    assert_string_equal(str(d, "run_id"), "r1");
    assert_string_equal(str(d, "stream_id"), "s1");
    cJSON_Delete(d);
    fx_delete_all(fr, n);
    /* tokens after the end: 409, nothing broadcast */
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"token\":\"late\"}"), 409);
    assert_int_equal(fx_frames(f, 1, "thread.token.streamed", fr, 8), 2);
    fx_delete_all(fr, 2);
    /* start again: 200 with the ended state */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 200);
    assert_string_equal(str(f->json, "state"), "ended");
    /* bad reason, unknown stream */
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, "{\"reason\":\"bored\"}"), 400);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/zz/end", NULL, NULL), 404);
}

static void test_end_empty_stream_default_reason(void **state)
{
    fx *f = *state;
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL), 200);
    assert_string_equal(str(f->json, "reason"), "completed");
    assert_int_equal(fx_num(f->json, "last_seq"), 0);
    cJSON *fr[2];
    assert_int_equal(fx_frames(f, 1, "thread.stream.ended", fr, 2), 1);
    cJSON *d = fx_data(fr[0]);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "last_seq")));
    assert_int_equal(fx_num(d, "last_seq"), 0);
    cJSON_Delete(d);
    cJSON_Delete(fr[0]);
}

/* protocol §12.5: unit test */
static void test_get_and_expiry(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 404);
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    assert_string_equal(str(f->json, "workspace_id"), "acme");
    assert_string_equal(str(f->json, "thread_id"), "t1");
    assert_string_equal(str(f->json, "run_id"), "r1");
    assert_string_equal(str(f->json, "channel"), CH);
    assert_string_equal(str(f->json, "state"), "open");
    assert_null(cJSON_GetObjectItem(f->json, "expires_in"));
    /* an open stream is kept up to its idle timeout (3600 s); ended state expires */
    f->now_ms += 3599 * 1000;
    rh_srv_tick(f->srv);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"token\":\"x\"}");
    fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, "{\"reason\":\"failed\"}");
    f->now_ms += 299 * 1000 + 500;
    rh_srv_tick(f->srv);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    assert_string_equal(str(f->json, "state"), "ended");
    assert_string_equal(str(f->json, "reason"), "failed");
    assert_int_equal(fx_num(f->json, "last_seq"), 1);
    assert_int_equal(fx_num(f->json, "expires_in"), 1);
    f->now_ms += 500;
    rh_srv_tick(f->srv);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 404);
    assert_int_equal(rh_store_memory_count(f->store), 0);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL), 404);
    /* the id can be used again */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    assert_int_equal(fx_num(f->json, "last_seq"), 0);
}

/* Expiry is also applied at request time, between ticks. */
static void test_expiry_without_tick(void **state)
{
    fx *f = *state;
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL);
    f->now_ms += 300 * 1000;
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 404);
}

/* Ids in the path are checked too; a server without a store answers 503. */
static void test_path_ids_and_no_store(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/bad.id", NULL, NULL), 400);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/bad.id/end", NULL, NULL), 400);
    /* the edge decoded the path already: a '%' left in it is part of the id, not an escape */
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/%41", NULL, NULL), 400);
    assert_int_equal(fx_http(f, "GET", "/apps/nope/streams/s1", NULL, NULL), 404);
    assert_int_equal(fx_http(f, "PUT", "/apps/app-id/streams/s1", NULL, NULL), 405);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1/end", NULL, NULL), 405);
    rh_store *st = f->srv->store;
    f->srv->store = NULL;
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 503);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 503);
    rh_srv_tick(f->srv);
    f->srv->store = st;
}

/* Streams are keyed by (app, stream id): one id in two apps is two streams. */
static void test_streams_per_app(void **state)
{
    (void)state;
    fx *f = fx_new_cfg("{\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\",\"secret\":"
                       "\"app-secret\"},{\"id\":\"app2\",\"key\":\"key2\",\"secret\":"
                       "\"secret2\"}]}");
    assert_non_null(f);
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    fx_http(f, "POST", "/apps/app-id/streams/s1/tokens", NULL, "{\"tokens\":[\"x\",\"y\"]}");
    assert_int_equal(fx_http_app(f, "key2", "secret2", "GET", "/apps/app2/streams/s1", NULL, NULL),
                     404);
    assert_int_equal(fx_http_app(f, "key2", "secret2", "POST", "/apps/app2/streams", NULL, START),
                     201);
    assert_int_equal(fx_http_app(f, "key2", "secret2", "POST", "/apps/app2/streams/s1/tokens", NULL,
                                 "{\"token\":\"z\"}"),
                     200);
    assert_int_equal(fx_num(f->json, "first_seq"), 1);
    /* app2's secret does not open app-id */
    assert_int_equal(
        fx_http_app(f, "key2", "secret2", "GET", "/apps/app-id/streams/s1", NULL, NULL), 401);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    assert_int_equal(fx_num(f->json, "last_seq"), 2);
    assert_int_equal(rh_store_memory_count(f->store), 2);
    fx_free(f);
}

/* 12.1.5: signing has no nonce, so one signed request sent twice within the window is
 * accepted twice, as two legitimate identical appends must be (" the" twice in one second);
 * a copy older than the window is refused. */
static void test_identical_requests_in_window(void **state)
{
    fx *f = *state;
    const char *path = "/apps/app-id/streams/s1/tokens", *body = "{\"token\":\" the\"}";
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    char *q = fx_sign_query("app-key", "app-secret", "POST", path, (long)f->wall_s, body,
                            strlen(body), NULL);
    assert_int_equal(fx_http_raw(f, "POST", path, q, body, strlen(body), NULL, NULL), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 1);
    assert_int_equal(fx_http_raw(f, "POST", path, q, body, strlen(body), NULL, NULL), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 2);
    free(q);
    q = fx_sign_query("app-key", "app-secret", "POST", path, (long)f->wall_s - 601, body,
                      strlen(body), NULL);
    assert_int_equal(fx_http_raw(f, "POST", path, q, body, strlen(body), NULL, NULL), 401);
    free(q);
    cJSON *fr[4];
    size_t n = fx_frames(f, 1, "thread.token.streamed", fr, 4);
    fx_delete_all(fr, n);
    assert_int_equal(n, 2);
}

static size_t frames_of(fx *f, const char *event, cJSON **out, size_t max)
{
    return fx_frames(f, 1, event, out, max);
}

/* An open stream idle for stream_idle_timeout is ended as failed with exactly one
 * thread.stream.ended; activity keeps a stream open. */
static void test_idle_expiry(void **state)
{
    fx *f = *state;
    const char *s2 = "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\","
                     "\"stream_id\":\"s2\"}";
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, s2), 201);
    f->now_ms += 3000 * 1000;
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/streams/s2/tokens", NULL, "{\"token\":\"a\"}"), 200);
    f->now_ms += 600 * 1000; /* s1 idle 3600 s, s2 600 s */
    rh_srv_tick(f->srv);
    rh_srv_tick(f->srv);
    cJSON *fr[4];
    size_t n = frames_of(f, "thread.stream.ended", fr, 4);
    assert_int_equal(n, 1);
    cJSON *d = fx_data(fr[0]);
    assert_string_equal(str(d, "stream_id"), "s1");
    assert_string_equal(str(d, "reason"), "failed");
    assert_int_equal(fx_num(d, "last_seq"), 0);
    cJSON_Delete(d);
    fx_delete_all(fr, n);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    assert_string_equal(str(f->json, "state"), "ended");
    assert_string_equal(str(f->json, "reason"), "failed");
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s2", NULL, NULL), 200);
    assert_string_equal(str(f->json, "state"), "open");
    /* a late end call sees the idle end, and publishes nothing more */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL), 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "already_ended")));
    n = frames_of(f, "thread.stream.ended", fr, 4);
    fx_delete_all(fr, n);
    assert_int_equal(n, 1);
}

/* stream_idle_timeout 0: open streams are never ended by the server. */
static void test_idle_expiry_off(void **state)
{
    (void)state;
    fx *f = fx_new_cfg("{\"stream_idle_timeout\":0}");
    assert_non_null(f);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    f->now_ms += 30 * 86400 * 1000ull;
    rh_srv_tick(f->srv);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    assert_string_equal(str(f->json, "state"), "open");
    fx_free(f);
}

/* max_open_streams: a start over the cap is 429 and creates nothing; 0 is no cap. */
static void test_open_stream_cap(void **state)
{
    (void)state;
    fx *f = fx_new_cfg("{\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\",\"secret\":"
                       "\"app-secret\",\"max_open_streams\":1}]}");
    assert_non_null(f);
    const char *s2 = "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\","
                     "\"stream_id\":\"s2\"}";
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, s2), 429);
    assert_string_equal(f->ctype, "application/json");
    assert_int_equal(fx_num(f->json, "code"), 429);
    assert_non_null(strstr(str(f->json, "error"), "over 1 open streams"));
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s2", NULL, NULL), 404);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL), 200);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, s2), 201);
    fx_free(f);
    f = fx_new_cfg("{\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\",\"secret\":"
                   "\"app-secret\",\"max_open_streams\":0}]}");
    assert_non_null(f);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, s2), 201);
    fx_free(f);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_start),
        T(test_tokens_in_order),
        T(test_tokens_errors),
        T(test_end_idempotent),
        T(test_end_empty_stream_default_reason),
        T(test_get_and_expiry),
        T(test_expiry_without_tick),
        T(test_streams_per_app),
        T(test_path_ids_and_no_store),
        T(test_identical_requests_in_window),
        T(test_idle_expiry),
        T(test_idle_expiry_off),
        T(test_open_stream_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
