/* Each HTTP-side fault switch of core/faults.h (httpsig-skip .. token-limit) changes exactly
 * the behaviour it names; the correct behaviour is asserted in test_api_http/test_api_stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/faults.h"

#define CH "private-workspace.acme.thread.t1"
#define START                                                                                      \
    "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":\"s1\"}"
#define TOKENS "/apps/app-id/streams/s1/tokens"
#define END    "/apps/app-id/streams/s1/end"

static char g_sid[64];

/* A server with fault name on, connection 1 subscribed to the stream channel and to "pub". */
static fx *with_fault(const char *name)
{
    fx *f = fx_new();
    assert_non_null(f);
    assert_int_equal(fx_fault(f, name), 0);
    assert_non_null(fx_connect(f, 1, g_sid, sizeof g_sid));
    assert_true(fx_subscribe(f, 1, g_sid, CH));
    assert_true(fx_subscribe(f, 1, g_sid, "pub"));
    return f;
}

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    return s ? s : "(none)";
}

/* seqs of the token events received by connection 1, in order. */
static size_t seqs(fx *f, int64_t *out, size_t max)
{
    cJSON *fr[64];
    size_t n = fx_frames(f, 1, "thread.token.streamed", fr, 64);
    for (size_t i = 0; i < n && i < max; i++) {
        cJSON *d = fx_data(fr[i]);
        out[i] = fx_num(d, "seq");
        cJSON_Delete(d);
    }
    fx_delete_all(fr, n);
    return n;
}

static size_t count(fx *f, const char *event)
{
    cJSON *fr[64];
    size_t n = fx_frames(f, 1, event, fr, 64);
    fx_delete_all(fr, n);
    return n;
}

/* Lenient-server faults: an unknown app served as the first one; non-string data re-encoded. */
static void test_lenient_faults(void **state)
{
    (void)state;
    const char *obj = "{\"name\":\"e\",\"channel\":\"pub\",\"data\":{\"a\":1}}";
    const char *ok = "{\"name\":\"e\",\"channel\":\"pub\",\"data\":\"x\"}";
    fx *f = fx_new();
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, obj), 400);
    assert_int_equal(fx_http(f, "POST", "/apps/other-app/events", NULL, ok), 404);
    fx_free(f);

    f = with_fault("data-type-unchecked");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, obj), 200);
    assert_int_equal(count(f, "e"), 1);
    fx_free(f);

    f = with_fault("unknown-app-accepted");
    assert_int_equal(fx_http(f, "POST", "/apps/other-app/events", NULL, ok), 200);
    assert_int_equal(count(f, "e"), 1);
    fx_free(f);
}

static void started(fx *f)
{
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL, START), 201);
}

static void test_fault_names(void **state)
{
    (void)state;
    fx *f = fx_new();
    for (int i = RH_FAULT_HTTPSIG_SKIP; i < RH_FAULT__COUNT; i++)
        assert_int_equal(fx_fault(f, rh_fault_table()[i].name), 0);
    assert_int_equal(fx_fault(f, "no-such-fault"), -1);
    fx_free(f);
}

static void test_httpsig_faults(void **state)
{
    (void)state;
    const char *body = "{\"name\":\"e\",\"channel\":\"pub\",\"data\":\"x\"}";
    fx *f = with_fault("httpsig-skip");
    assert_int_equal(
        fx_http_raw(f, "POST", "/apps/app-id/events", "", body, strlen(body), NULL, NULL), 200);
    assert_int_equal(count(f, "e"), 1);
    fx_free(f);

    f = with_fault("httpsig-no-body-md5");
    char *q = fx_sign_query("app-key", "app-secret", "POST", "/apps/app-id/events", (long)f->wall_s,
                            "{}", 2, NULL);
    assert_int_equal(
        fx_http_raw(f, "POST", "/apps/app-id/events", q, body, strlen(body), NULL, NULL), 200);
    free(q);
    q = fx_sign_query("app-key", "wrong", "POST", "/apps/app-id/events", (long)f->wall_s, "{}", 2,
                      NULL);
    assert_int_equal(
        fx_http_raw(f, "POST", "/apps/app-id/events", q, body, strlen(body), NULL, NULL),
        401); /* the signature itself is still checked */
    free(q);
    fx_free(f);

    f = with_fault("httpsig-no-timestamp");
    q = fx_sign_query("app-key", "app-secret", "POST", "/apps/app-id/events",
                      (long)f->wall_s - 86400, body, strlen(body), NULL);
    assert_int_equal(
        fx_http_raw(f, "POST", "/apps/app-id/events", q, body, strlen(body), NULL, NULL), 200);
    free(q);
    fx_free(f);
}

static void test_socket_exclusion(void **state)
{
    (void)state;
    fx *f = with_fault("socket-exclusion");
    char body[256];
    snprintf(body, sizeof body,
             "{\"name\":\"e\",\"channel\":\"pub\",\"data\":\"x\",\"socket_id\":\"%s\"}", g_sid);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, body), 200);
    assert_int_equal(count(f, "e"), 1);
    fx_free(f);
}

static void test_events_reorder(void **state)
{
    (void)state;
    fx *f = with_fault("events-reorder");
    fx_http(f, "POST", "/apps/app-id/events", NULL,
            "{\"name\":\"e1\",\"channel\":\"pub\",\"data\":\"1\"}");
    assert_int_equal(count(f, "e1"), 0); /* held back */
    fx_http(f, "POST", "/apps/app-id/events", NULL,
            "{\"name\":\"e2\",\"channel\":\"pub\",\"data\":\"2\"}");
    cJSON *fr[8];
    size_t n = fx_frames(f, 1, NULL, fr, 8);
    assert_int_equal(n, 5);
    assert_string_equal(str(fr[3], "event"), "e2");
    assert_string_equal(str(fr[4], "event"), "e1");
    fx_delete_all(fr, n);
    fx_free(f); /* a frame still held is released (valgrind/ASan check) */
}

static void test_event_data_reencoded(void **state)
{
    (void)state;
    fx *f = with_fault("event-data-reencoded");
    fx_http(f, "POST", "/apps/app-id/events", NULL,
            "{\"name\":\"e\",\"channel\":\"pub\",\"data\":\"{\\\"a\\\": 1}\"}");
    cJSON *fr[2];
    assert_int_equal(fx_frames(f, 1, "e", fr, 2), 1);
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(fr[0], "data")));
    cJSON_Delete(fr[0]);
    fx_free(f);
}

static void test_limits_faults(void **state)
{
    (void)state;
    static char body[20000];
    assert_non_null(body);
    fx *f = with_fault("no-payload-limit");
    int k = sprintf(body, "{\"name\":\"e\",\"channel\":\"pub\",\"data\":\"");
    memset(body + k, 'x', 10241);
    strcpy(body + k + 10241, "\"}");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, body), 200);
    assert_int_equal(count(f, "e"), 1);
    fx_free(f);

    f = with_fault("batch-limit");
    k = sprintf(body, "{\"batch\":[");
    for (int i = 0; i < 11; i++)
        k += sprintf(body + k, "%s{\"name\":\"e\",\"channel\":\"pub\",\"data\":\"x\"}",
                     i ? "," : "");
    strcpy(body + k, "]}");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/batch_events", NULL, body), 200);
    assert_int_equal(count(f, "e"), 11);
    k = sprintf(body, "{\"name\":\"e\",\"data\":\"x\",\"channels\":[");
    for (int i = 0; i < 101; i++)
        k += sprintf(body + k, "%s\"c%d\"", i ? "," : "", i);
    strcpy(body + k, "]}");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, body), 200);
    fx_free(f);

    f = with_fault("token-limit");
    started(f);
    k = sprintf(body, "{\"token\":\"");
    memset(body + k, 'x', 10241);
    strcpy(body + k + 10241, "\"}");
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, body), 200);
    fx_free(f);

    f = with_fault("utf8-unchecked");
    started(f);
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"a\xff\"}"), 200);
    assert_int_equal(count(f, "thread.token.streamed"), 1);
    fx_free(f);
}

static void test_channels_info(void **state)
{
    (void)state;
    fx *f = with_fault("channels-info");
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels/empty", NULL, NULL), 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "occupied")));
    fx_http(f, "GET", "/apps/app-id/channels/pub", "info=subscription_count", NULL);
    assert_int_equal(fx_num(f->json, "subscription_count"), 2);
    fx_free(f);
}

static int authz(fx *f, const char *bearer, const char *body)
{
    char h[64];
    snprintf(h, sizeof h, "Bearer %s", bearer ? bearer : "");
    return fx_http_raw(f, "POST", "/broadcasting/auth", "", body, strlen(body), bearer ? h : NULL,
                       "application/x-www-form-urlencoded");
}

static void test_authz_faults(void **state)
{
    (void)state;
    fx *f = with_fault("authz-non-member");
    assert_int_equal(authz(f, "bob-token", "socket_id=1.2&channel_name=" CH), 200);
    fx_free(f);
    f = with_fault("authz-no-token");
    assert_int_equal(authz(f, NULL, "socket_id=1.2&channel_name=" CH), 200);
    fx_free(f);
    f = with_fault("authz-lax-channel");
    assert_int_equal(authz(f, "alice-token", "socket_id=1.2&channel_name=private-x"), 200);
    fx_free(f);
}

static void test_seq_faults(void **state)
{
    (void)state;
    int64_t s[32];
    fx *f = with_fault("seq-gap");
    started(f);
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"1\",\"2\",\"3\"]}"), 200);
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"4\",\"5\",\"6\"]}"), 200);
    assert_int_equal(fx_num(f->json, "last_seq"), 7);
    fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"7\"}");
    assert_int_equal(fx_num(f->json, "first_seq"), 8);
    assert_int_equal(seqs(f, s, 32), 7);
    int64_t gap[] = {1, 2, 3, 4, 6, 7, 8};
    assert_memory_equal(s, gap, sizeof gap);
    fx_free(f);

    f = with_fault("seq-dup");
    started(f);
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"1\",\"2\",\"3\",\"4\"]}");
    assert_int_equal(seqs(f, s, 32), 5);
    int64_t dup[] = {1, 2, 3, 3, 4};
    assert_memory_equal(s, dup, sizeof dup);
    fx_free(f);

    f = with_fault("seq-swap");
    started(f);
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"1\",\"2\",\"3\"]}");
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"4\",\"5\"]}");
    assert_int_equal(seqs(f, s, 32), 5);
    int64_t swap[] = {1, 2, 4, 3, 5};
    assert_memory_equal(s, swap, sizeof swap);
    fx_free(f);

    f = with_fault("seq-per-request");
    started(f);
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"a\",\"b\",\"c\"]}");
    assert_int_equal(fx_num(f->json, "first_seq"), 1);
    assert_int_equal(fx_num(f->json, "last_seq"), 1);
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"d\",\"e\"]}");
    assert_int_equal(seqs(f, s, 32), 5);
    int64_t per[] = {1, 1, 1, 2, 2};
    assert_memory_equal(s, per, sizeof per);
    fx_free(f);
}

static void test_end_faults(void **state)
{
    (void)state;
    fx *f = with_fault("double-end");
    started(f);
    fx_http(f, "POST", END, NULL, NULL);
    fx_http(f, "POST", END, NULL, NULL);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "already_ended")));
    assert_int_equal(count(f, "thread.stream.ended"), 2);
    fx_free(f);

    f = with_fault("end-already-false");
    started(f);
    fx_http(f, "POST", END, NULL, NULL);
    fx_http(f, "POST", END, NULL, NULL);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(f->json, "already_ended")));
    assert_int_equal(count(f, "thread.stream.ended"), 1);
    fx_free(f);

    f = with_fault("end-last-seq");
    started(f);
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"a\",\"b\",\"c\"]}");
    fx_http(f, "POST", END, NULL, NULL);
    assert_int_equal(fx_num(f->json, "last_seq"), 2);
    cJSON *fr[2];
    assert_int_equal(fx_frames(f, 1, "thread.stream.ended", fr, 2), 1);
    cJSON *d = fx_data(fr[0]);
    assert_int_equal(fx_num(d, "last_seq"), 2);
    cJSON_Delete(d);
    cJSON_Delete(fr[0]);
    fx_free(f);

    f = with_fault("end-reason-overwrite");
    started(f);
    fx_http(f, "POST", END, NULL, "{\"reason\":\"cancelled\"}");
    fx_http(f, "POST", END, NULL, "{\"reason\":\"failed\"}");
    assert_string_equal(str(f->json, "reason"), "failed");
    fx_free(f);

    f = with_fault("token-after-end");
    started(f);
    fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"a\"}");
    fx_http(f, "POST", END, NULL, NULL);
    assert_int_equal(fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"late\"}"), 200);
    assert_int_equal(fx_num(f->json, "first_seq"), 2);
    assert_int_equal(count(f, "thread.token.streamed"), 2);
    fx_free(f);
}

static void test_field_faults(void **state)
{
    (void)state;
    const char *names[] = {"missing-field", "wrong-type"};
    for (int i = 0; i < 2; i++) {
        fx *f = with_fault(names[i]);
        started(f);
        fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"a\"}");
        cJSON *fr[2];
        assert_int_equal(fx_frames(f, 1, "thread.token.streamed", fr, 2), 1);
        cJSON *d = fx_data(fr[0]);
        assert_non_null(d);
        if (i == 0) {
            assert_null(cJSON_GetObjectItem(d, "run_id"));
            assert_int_equal(fx_num(d, "seq"), 1);
        } else {
            assert_string_equal(str(d, "run_id"), "r1");
            assert_string_equal(str(d, "seq"), "1");
        }
        assert_string_equal(str(d, "token"), "a");
        cJSON_Delete(d);
        cJSON_Delete(fr[0]);
        fx_free(f);
    }
}

static void test_stream_state_faults(void **state)
{
    (void)state;
    fx *f = with_fault("stream-no-expiry");
    started(f);
    fx_http(f, "POST", END, NULL, NULL);
    f->now_ms += 3600 * 1000;
    rh_srv_tick(f->srv);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 200);
    fx_free(f);

    f = with_fault("stream-early-expiry");
    started(f);
    fx_http(f, "POST", END, NULL, NULL);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL), 404);
    fx_free(f);

    f = with_fault("stream-lax-ids");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL,
                             "{\"workspace_id\":\"ac.me\",\"thread_id\":\"t 1\",\"run_id\":"
                             "\"r1\",\"stream_id\":\"s!\"}"),
                     201);
    assert_string_equal(str(f->json, "channel"), "private-workspace.ac.me.thread.t 1");
    fx_free(f);

    f = with_fault("start-conflict");
    started(f);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/streams", NULL,
                             "{\"workspace_id\":\"acme\",\"thread_id\":\"t9\",\"run_id\":\"r1\","
                             "\"stream_id\":\"s1\"}"),
                     200);
    fx_free(f);
}

/* Reserved event names through the HTTP API: refused (400, nothing delivered) on a correct
 * server; each fault lets exactly its own kind through. */
static void test_reserved_name_faults(void **state)
{
    (void)state;
    const char *px = "{\"name\":\"pusher:fake\",\"channel\":\"pub\",\"data\":\"x\"}";
    const char *tok = "{\"name\":\"thread.token.streamed\",\"channel\":\"" CH "\","
                      "\"data\":\"{\\\"seq\\\":99}\"}";
    const char *bat =
        "{\"batch\":[{\"name\":\"thread.stream.ended\",\"channel\":\"" CH "\",\"data\":\"x\"}]}";
    fx *f = with_fault("socket-id-format"); /* any other fault: the checks stay on */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, px), 400);
    assert_non_null(strstr(str(f->json, "error"), "reserved"));
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, tok), 400);
    assert_non_null(strstr(str(f->json, "error"), "control API"));
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/batch_events", NULL, bat), 400);
    assert_int_equal(count(f, "pusher:fake") + count(f, "thread.token.streamed") +
                         count(f, "thread.stream.ended"),
                     0);
    fx_free(f);

    f = with_fault("reserved-names");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, px), 200);
    assert_int_equal(count(f, "pusher:fake"), 1);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, tok), 400);
    fx_free(f);

    f = with_fault("stream-events-via-api");
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, tok), 200);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/batch_events", NULL, bat), 200);
    assert_int_equal(count(f, "thread.token.streamed"), 1);
    assert_int_equal(count(f, "thread.stream.ended"), 1);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, px), 400);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lenient_faults),      cmocka_unit_test(test_fault_names),
        cmocka_unit_test(test_httpsig_faults),      cmocka_unit_test(test_socket_exclusion),
        cmocka_unit_test(test_events_reorder),      cmocka_unit_test(test_event_data_reencoded),
        cmocka_unit_test(test_limits_faults),       cmocka_unit_test(test_channels_info),
        cmocka_unit_test(test_authz_faults),        cmocka_unit_test(test_seq_faults),
        cmocka_unit_test(test_end_faults),          cmocka_unit_test(test_field_faults),
        cmocka_unit_test(test_stream_state_faults), cmocka_unit_test(test_reserved_name_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
