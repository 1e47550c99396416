#include "th.h"

#include "proto/webhook.h"

static void test_type_names(void **state)
{
    (void)state;
    for (int t = 0; t < RH_WH__COUNT; t++) {
        const char *n = rh_wh_type_name((rh_wh_type)t);
        assert_non_null(n);
        assert_int_equal(rh_wh_type_by_name(n, strlen(n)), t);
    }
    assert_int_equal(rh_wh_type_by_name(S("channel_occupie")), -1);
    assert_int_equal(rh_wh_type_by_name(S("channel_occupiedx")), -1);
    assert_int_equal(rh_wh_type_by_name(NULL, 0), -1);
    assert_null(rh_wh_type_name(RH_WH__COUNT));
}

static void check_body(rh_wh_event **evs, size_t n, const char *want)
{
    rh_buf *b = rh_wh_body(1327078148132ull, evs, n);
    assert_non_null(b);
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
    rh_buf_unref(b);
}

static void test_body_fields(void **state)
{
    (void)state;
    rh_wh_event *e[5];
    e[0] = rh_wh_event_new(RH_WH_CHANNEL_OCCUPIED, "c1", NULL, NULL, NULL, NULL);
    e[1] = rh_wh_event_new(RH_WH_MEMBER_ADDED, "presence-x", "10", NULL, NULL, NULL);
    e[2] = rh_wh_event_new(RH_WH_CLIENT_EVENT, "private-a", NULL, "client-t", "{\"a\":\"\\\"\"}",
                           "1.2");
    e[3] = rh_wh_event_new(RH_WH_CLIENT_EVENT, "presence-x", "u", "client-t", "s", "1.2");
    e[4] = rh_wh_event_new(RH_WH_SUBSCRIPTION_COUNT, "c1", NULL, NULL, NULL, NULL);
    for (int i = 0; i < 5; i++)
        assert_non_null(e[i]);
    e[4]->subscription_count = 3;
    check_body(e, 0, "{\"time_ms\":1327078148132,\"events\":[]}");
    check_body(e, 1,
               "{\"time_ms\":1327078148132,\"events\":[{\"name\":\"channel_occupied\","
               "\"channel\":\"c1\"}]}");
    check_body(e + 1, 4,
               "{\"time_ms\":1327078148132,\"events\":["
               "{\"name\":\"member_added\",\"channel\":\"presence-x\",\"user_id\":\"10\"},"
               "{\"name\":\"client_event\",\"channel\":\"private-a\",\"event\":\"client-t\","
               "\"data\":\"{\\\"a\\\":\\\"\\\\\\\"\\\"}\",\"socket_id\":\"1.2\"},"
               "{\"name\":\"client_event\",\"channel\":\"presence-x\",\"event\":\"client-t\","
               "\"data\":\"s\",\"socket_id\":\"1.2\",\"user_id\":\"u\"},"
               "{\"name\":\"subscription_count\",\"channel\":\"c1\",\"subscription_count\":3}]}");
    rh_wh_event *d = rh_wh_event_dup(e[4]);
    assert_non_null(d);
    assert_int_equal(d->subscription_count, 3);
    rh_wh_event_free(d);
    for (int i = 0; i < 5; i++)
        rh_wh_event_free(e[i]);
    assert_null(rh_wh_event_new(RH_WH_CHANNEL_OCCUPIED, NULL, NULL, NULL, NULL, NULL));
    assert_null(rh_wh_event_new(RH_WH__COUNT, "c", NULL, NULL, NULL, NULL));
    rh_wh_event_free(NULL);
}

static void test_signature(void **state)
{
    (void)state;
    char hex[RH_SIGN_HEX];
    /* RFC 4231 test case 2: the signature is plain HMAC-SHA256 of the body, hex. */
    rh_wh_signature("Jefe", S("what do ya want for nothing?"), hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_batch(void **state)
{
    (void)state;
    assert_int_equal(rh_wh_batch_take(0, 0, 5000, 100, 50), 0);
    assert_int_equal(rh_wh_batch_take(3, 1000, 1050, 100, 50), 0);
    assert_int_equal(rh_wh_batch_take(3, 1000, 1100, 100, 50), 3);
    assert_int_equal(rh_wh_batch_take(80, 1000, 1001, 100, 50), 50);
    assert_int_equal(rh_wh_batch_take(3, 1000, 1000, 0, 50), 3);
    assert_int_equal(rh_wh_batch_take(3, 1000, 9000, 0, 0), 0);
}

static void test_retry(void **state)
{
    (void)state;
    assert_int_equal(rh_wh_retry_delay_ms(1), 0);
    assert_int_equal(rh_wh_retry_delay_ms(2), 1000);
    assert_int_equal(rh_wh_retry_delay_ms(3), 2000);
    assert_int_equal(rh_wh_retry_delay_ms(7), 32000);
    assert_int_equal(rh_wh_retry_delay_ms(8), 60000);
    assert_int_equal(rh_wh_retry_delay_ms(1000), 60000);
    assert_true(rh_wh_retry_allowed(0, 0, 2, RH_WH_RETRY_LIMIT_MS));
    assert_true(rh_wh_retry_allowed(0, 240000, 8, RH_WH_RETRY_LIMIT_MS));
    assert_false(rh_wh_retry_allowed(0, 240001, 8, RH_WH_RETRY_LIMIT_MS));
    assert_false(rh_wh_retry_allowed(5000, 3000, 2, 10)); /* a clock before the first try */
    assert_true(rh_wh_acked(200));
    assert_true(rh_wh_acked(204));
    assert_false(rh_wh_acked(199));
    assert_false(rh_wh_acked(300));
    assert_false(rh_wh_acked(500));
    assert_false(rh_wh_acked(-1));
}

static void test_delayed_rule(void **state)
{
    (void)state;
    assert_true(rh_wh_is_delayed(RH_WH_CHANNEL_VACATED));
    assert_true(rh_wh_is_delayed(RH_WH_MEMBER_REMOVED));
    assert_false(rh_wh_is_delayed(RH_WH_CHANNEL_OCCUPIED));
    assert_false(rh_wh_is_delayed(RH_WH_CLIENT_EVENT));
    rh_wh_event *v = rh_wh_event_new(RH_WH_CHANNEL_VACATED, "c", NULL, NULL, NULL, NULL);
    rh_wh_event *r = rh_wh_event_new(RH_WH_MEMBER_REMOVED, "presence-p", "u1", NULL, NULL, NULL);
    assert_true(rh_wh_cancels(v, RH_WH_CHANNEL_OCCUPIED, "c", NULL));
    assert_false(rh_wh_cancels(v, RH_WH_CHANNEL_OCCUPIED, "d", NULL));
    assert_false(rh_wh_cancels(v, RH_WH_MEMBER_ADDED, "c", "u1"));
    assert_true(rh_wh_cancels(r, RH_WH_MEMBER_ADDED, "presence-p", "u1"));
    assert_false(rh_wh_cancels(r, RH_WH_MEMBER_ADDED, "presence-p", "u2"));
    assert_false(rh_wh_cancels(r, RH_WH_MEMBER_ADDED, "presence-p", NULL));
    assert_false(rh_wh_cancels(r, RH_WH_CHANNEL_OCCUPIED, "presence-p", NULL));
    assert_false(rh_wh_cancels(NULL, RH_WH_CHANNEL_OCCUPIED, "c", NULL));
    rh_wh_event_free(v);
    rh_wh_event_free(r);
}

static void test_url(void **state)
{
    (void)state;
    char host[16];
    int port = 0;
    const char *path = NULL, *why = NULL;
    assert_int_equal(
        rh_wh_url_parse("http://127.0.0.1:9000/hooks?a=1", host, sizeof host, &port, &path, &why),
        0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9000);
    assert_string_equal(path, "/hooks?a=1");
    assert_int_equal(rh_wh_url_parse("http://example.com", host, sizeof host, &port, &path, &why),
                     0);
    assert_int_equal(port, 80);
    assert_string_equal(path, "/");
    const char *bad[] = {"https://x/",
                         "ftp://x",
                         "http://",
                         "http://x:0/",
                         "http://x:65536/",
                         "http://x:/",
                         "http://x y",
                         "http://x/a b",
                         "http://averyveryverylonghost/",
                         "http://x:99999999999999999999/",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        why = NULL;
        assert_int_equal(rh_wh_url_parse(bad[i], host, sizeof host, &port, &path, &why), -1);
        assert_non_null(why);
    }
    assert_int_equal(rh_wh_url_parse(NULL, host, sizeof host, &port, &path, &why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names), cmocka_unit_test(test_body_fields),
        cmocka_unit_test(test_signature),  cmocka_unit_test(test_batch),
        cmocka_unit_test(test_retry),      cmocka_unit_test(test_delayed_rule),
        cmocka_unit_test(test_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
