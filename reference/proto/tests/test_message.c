#include "th.h"

#include <cjson/cJSON.h>

#include "proto/message.h"

static int decode(const char *s, size_t n, rh_msg *m)
{
    char err[200] = "";
    int rc = rh_msg_decode(s, n, m, err, sizeof(err));
    if (rc != RH_MSG_OK) {
        if (err[0] == '\0')
            fail_msg("no message for code %d", rc);
        assert_null(m->event);
        assert_null(m->channel);
        assert_null(m->data);
    }
    return rc;
}

static void test_decode_ok(void **state)
{
    (void)state;
    rh_msg m;
    assert_int_equal(decode(S("{\"event\":\"pusher:ping\",\"data\":{}}"), &m), RH_MSG_OK);
    assert_string_equal(m.event, "pusher:ping");
    assert_null(m.channel);
    assert_string_equal(m.data, "{}");
    assert_int_equal(m.data_len, 2);
    assert_false(m.data_is_string);
    rh_msg_clear(&m);
    assert_null(m.event);
    rh_msg_clear(&m);

    assert_int_equal(
        decode(S("{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":\"{\\\"k\\\":1}\"}"),
               &m),
        RH_MSG_OK);
    assert_string_equal(m.channel, "private-a");
    assert_string_equal(m.data, "{\"k\":1}");
    assert_true(m.data_is_string);
    rh_msg_clear(&m);

    assert_int_equal(decode(S(" {\"data\" : [1, 2 ,{\"a\":null}], \"event\":\"e\"} "), &m),
                     RH_MSG_OK);
    assert_string_equal(m.data, "[1,2,{\"a\":null}]");
    rh_msg_clear(&m);

    assert_int_equal(decode(S("{\"event\":\"e\"}"), &m), RH_MSG_OK);
    assert_null(m.data);
    assert_int_equal(m.data_len, 0);
    rh_msg_clear(&m);

    assert_int_equal(decode(S("{\"event\":\"e\",\"data\":null}"), &m), RH_MSG_OK);
    assert_string_equal(m.data, "null");
    assert_false(m.data_is_string);
    rh_msg_clear(&m);

    assert_int_equal(decode(S("{\"event\":\"e\",\"data\":\"\"}"), &m), RH_MSG_OK);
    assert_string_equal(m.data, "");
    assert_true(m.data_is_string);
    rh_msg_clear(&m);
}

static void test_decode_errors(void **state)
{
    (void)state;
    rh_msg m;
    assert_int_equal(decode(S(""), &m), RH_MSG_ERR_JSON);
    assert_int_equal(decode(NULL, 0, &m), RH_MSG_ERR_JSON);
    assert_int_equal(decode(S("{\"event\":\"e\""), &m), RH_MSG_ERR_JSON);
    assert_int_equal(decode(S("{\"event\":\"e\"} trailing"), &m), RH_MSG_ERR_JSON);
    assert_int_equal(decode(S("[]"), &m), RH_MSG_ERR_NOT_OBJECT);
    assert_int_equal(decode(S("\"str\""), &m), RH_MSG_ERR_NOT_OBJECT);
    assert_int_equal(decode(S("{}"), &m), RH_MSG_ERR_EVENT);
    assert_int_equal(decode(S("{\"event\":\"\"}"), &m), RH_MSG_ERR_EVENT);
    assert_int_equal(decode(S("{\"event\":1}"), &m), RH_MSG_ERR_EVENT);
    assert_int_equal(decode(S("{\"event\":null}"), &m), RH_MSG_ERR_EVENT);
    assert_int_equal(decode(S("{\"event\":\"e\",\"channel\":5}"), &m), RH_MSG_ERR_CHANNEL);
    assert_int_equal(decode(S("{\"event\":\"e\",\"channel\":null}"), &m), RH_MSG_ERR_CHANNEL);
    assert_int_equal(decode(S("{\"event\":\"e\",\"event\":\"f\"}"), &m), RH_MSG_ERR_DUPLICATE);
    assert_int_equal(decode(S("{\"event\":\"e\",\"data\":{\"a\":1,\"a\":2}}"), &m),
                     RH_MSG_ERR_DUPLICATE);
    assert_int_equal(decode(S("{\"event\":\"e\\u0000x\"}"), &m), RH_MSG_ERR_NUL);
    assert_int_equal(decode(S("{\"event\":\"e\",\"data\":\"a\\u0000\"}"), &m), RH_MSG_ERR_NUL);
    assert_int_equal(decode(S("{\"event\":\"e\xff\"}"), &m), RH_MSG_ERR_UTF8);
    assert_int_equal(decode(S("{\"event\":\"e\",\"data\":\"\\ud800\"}"), &m), RH_MSG_ERR_UTF8);
    char err[200];
    assert_int_equal(rh_msg_decode(S("{\"event\":\"e\",\"event\":\"f\"}"), &m, err, sizeof(err)),
                     RH_MSG_ERR_DUPLICATE);
    assert_non_null(strstr(err, "event"));
    /* A zero-length error buffer is allowed. */
    assert_int_equal(rh_msg_decode(S("{}"), &m, err, 0), RH_MSG_ERR_EVENT);
}

static void test_subscribe(void **state)
{
    (void)state;
    rh_msg m;
    rh_msg_subscribe s;
    char err[200];
    /* data as an object (pusher-js) */
    assert_int_equal(decode(S("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-"
                              "x\",\"auth\":\"k:s\",\"channel_data\":\"{\\\"user_id\\\":1}\"}}"),
                            &m),
                     RH_MSG_OK);
    assert_int_equal(rh_msg_decode_subscribe(&m, &s, err, sizeof(err)), RH_MSG_OK);
    assert_string_equal(s.channel, "presence-x");
    assert_string_equal(s.auth, "k:s");
    assert_string_equal(s.channel_data, "{\"user_id\":1}");
    rh_msg_subscribe_clear(&s);
    rh_msg_subscribe_clear(&s);
    rh_msg_clear(&m);
    /* data as a string holding an object */
    assert_int_equal(
        decode(S("{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"a\\\"}"
                 "\"}"),
               &m),
        RH_MSG_OK);
    assert_int_equal(rh_msg_decode_subscribe(&m, &s, err, sizeof(err)), RH_MSG_OK);
    assert_string_equal(s.channel, "a");
    assert_null(s.auth);
    assert_null(s.channel_data);
    rh_msg_subscribe_clear(&s);
    rh_msg_clear(&m);

    static const struct {
        const char *frame;
        int code;
    } bad[] = {
        {"{\"event\":\"pusher:subscribe\"}", RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":5}", RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":\"nope\"}", RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":\"[1]\"}", RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"a\\\"\"}",
         RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":{}}", RH_MSG_ERR_CHANNEL},
        {"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":7}}", RH_MSG_ERR_CHANNEL},
        {"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"auth\":1}}",
         RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"channel_data\":{}}}",
         RH_MSG_ERR_DATA},
        {"{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"a\\\",\\\"channel\\\":"
         "\\\"b\\\"}\"}",
         RH_MSG_ERR_DUPLICATE},
        {"{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"a\\\\u0000b\\\"}\"}",
         RH_MSG_ERR_NUL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(decode(bad[i].frame, strlen(bad[i].frame), &m), RH_MSG_OK);
        err[0] = '\0';
        int rc = rh_msg_decode_subscribe(&m, &s, err, sizeof(err));
        if (rc != bad[i].code)
            fail_msg("case %zu: got %d want %d (%s)", i, rc, bad[i].code, err);
        assert_true(err[0] != '\0');
        assert_null(s.channel);
        assert_null(s.auth);
        assert_null(s.channel_data);
        rh_msg_clear(&m);
    }
}

static void test_unsubscribe(void **state)
{
    (void)state;
    rh_msg m;
    char *ch = (char *)1;
    char err[200];
    assert_int_equal(
        decode(S("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"c\"}}"), &m),
        RH_MSG_OK);
    assert_int_equal(rh_msg_decode_unsubscribe(&m, &ch, err, sizeof(err)), RH_MSG_OK);
    assert_string_equal(ch, "c");
    free(ch);
    rh_msg_clear(&m);
    assert_int_equal(
        decode(S("{\"event\":\"pusher:unsubscribe\",\"data\":\"{\\\"channel\\\":\\\"d\\\"}"
                 "\"}"),
               &m),
        RH_MSG_OK);
    assert_int_equal(rh_msg_decode_unsubscribe(&m, &ch, err, sizeof(err)), RH_MSG_OK);
    assert_string_equal(ch, "d");
    free(ch);
    rh_msg_clear(&m);
    assert_int_equal(decode(S("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":1}}"), &m),
                     RH_MSG_OK);
    assert_int_equal(rh_msg_decode_unsubscribe(&m, &ch, err, sizeof(err)), RH_MSG_ERR_CHANNEL);
    assert_null(ch);
    rh_msg_clear(&m);
    assert_int_equal(decode(S("{\"event\":\"pusher:unsubscribe\"}"), &m), RH_MSG_OK);
    assert_int_equal(rh_msg_decode_unsubscribe(&m, &ch, err, sizeof(err)), RH_MSG_ERR_DATA);
    assert_null(ch);
    rh_msg_clear(&m);
}

static void test_quote(void **state)
{
    (void)state;
    char *q = rh_json_quote(S("a\"b\\c\n\t\x01/\xc3\xa9"));
    assert_string_equal(q, "\"a\\\"b\\\\c\\n\\t\\u0001/\xc3\xa9\"");
    free(q);
    q = rh_json_quote("", 0);
    assert_string_equal(q, "\"\"");
    free(q);
    q = rh_json_quote("x\0y", 3);
    assert_string_equal(q, "\"x\\u0000y\"");
    free(q);
}

/* Parses a frame with cJSON and checks the envelope; returns the tree. */
static cJSON *frame(rh_buf *b)
{
    assert_non_null(b);
    assert_int_equal(b->refs, 1);
    assert_int_equal(strlen(b->data), b->len);
    cJSON *j = cJSON_ParseWithLength(b->data, b->len);
    assert_non_null(j);
    return j;
}

static void test_encode(void **state)
{
    (void)state;
    rh_buf *b = rh_msg_encode("ev\"1", "private-a", S("{\"k\":\"v\\n\"}"));
    assert_string_equal(b->data,
                        "{\"event\":\"ev\\\"1\",\"channel\":\"private-a\",\"data\":\"{\\\"k\\\":"
                        "\\\"v\\\\n\\\"}\"}");
    cJSON *j = frame(b);
    assert_string_equal(cJSON_GetObjectItem(j, "data")->valuestring, "{\"k\":\"v\\n\"}");
    cJSON_Delete(j);
    rh_buf_unref(b);

    b = rh_msg_encode("pusher:pong", NULL, S("{}"));
    assert_string_equal(b->data, "{\"event\":\"pusher:pong\",\"data\":\"{}\"}");
    rh_buf_unref(b);
    b = rh_msg_encode("e", NULL, NULL, 0);
    assert_string_equal(b->data, "{\"event\":\"e\"}");
    rh_buf_unref(b);
    /* data_len bounds the data. */
    b = rh_msg_encode("e", "c", "abcdef", 3);
    assert_string_equal(b->data, "{\"event\":\"e\",\"channel\":\"c\",\"data\":\"abc\"}");
    rh_buf_unref(b);
}

static void test_encode_raw(void **state)
{
    (void)state;
    rh_buf *b = rh_msg_encode_raw("client-x", "presence-a", "{\"a\":[1,2]}", "u\"1");
    assert_string_equal(
        b->data,
        "{\"event\":\"client-x\",\"channel\":\"presence-a\",\"data\":{\"a\":[1,2]},\"user_id\":"
        "\"u\\\"1\"}");
    cJSON *j = frame(b);
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "data")));
    cJSON_Delete(j);
    rh_buf_unref(b);
    b = rh_msg_encode_raw("client-x", "private-a", "\"str\"", NULL);
    assert_string_equal(b->data,
                        "{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":\"str\"}");
    rh_buf_unref(b);
    b = rh_msg_encode_raw("e", NULL, NULL, NULL);
    assert_string_equal(b->data, "{\"event\":\"e\"}");
    rh_buf_unref(b);
}

static void test_encode_error_established(void **state)
{
    (void)state;
    rh_buf *b = rh_msg_encode_error(4200, "bad \"json\"");
    assert_string_equal(b->data, "{\"event\":\"pusher:error\",\"data\":{\"code\":4200,\"message\":"
                                 "\"bad \\\"json\\\"\"}}");
    cJSON *j = frame(b);
    cJSON *d = cJSON_GetObjectItem(j, "data");
    assert_int_equal(cJSON_GetObjectItem(d, "code")->valueint, 4200);
    assert_string_equal(cJSON_GetObjectItem(d, "message")->valuestring, "bad \"json\"");
    cJSON_Delete(j);
    rh_buf_unref(b);

    b = rh_msg_encode_established("123.456", 120);
    assert_string_equal(b->data,
                        "{\"event\":\"pusher:connection_established\",\"data\":\"{\\\"socket_"
                        "id\\\":\\\"123.456\\\",\\\"activity_timeout\\\":120}\"}");
    j = frame(b);
    cJSON *inner = cJSON_Parse(cJSON_GetObjectItem(j, "data")->valuestring);
    assert_non_null(inner);
    assert_string_equal(cJSON_GetObjectItem(inner, "socket_id")->valuestring, "123.456");
    assert_int_equal(cJSON_GetObjectItem(inner, "activity_timeout")->valueint, 120);
    cJSON_Delete(inner);
    cJSON_Delete(j);
    rh_buf_ref(b);
    assert_int_equal(b->refs, 2);
    rh_buf_unref(b);
    rh_buf_unref(b);
}

static void test_roundtrip(void **state)
{
    (void)state;
    /* Whatever the data bytes, encode then decode gives them back. */
    const char data[] = "line1\nline2\t\"q\" \\ / \x1f \xe2\x82\xac {\"x\":1}";
    rh_buf *b = rh_msg_encode("e", "c", S(data));
    rh_msg m;
    assert_int_equal(decode(b->data, b->len, &m), RH_MSG_OK);
    assert_true(m.data_is_string);
    assert_int_equal(m.data_len, sizeof(data) - 1);
    assert_memory_equal(m.data, data, sizeof(data) - 1);
    rh_msg_clear(&m);
    rh_buf_unref(b);
    assert_string_equal(rh_msg_strerror(RH_MSG_ERR_NUL), "\\u0000 inside a string");
}

/* protocol §18.1: unit test */
static void test_signin(void **state)
{
    (void)state;
    rh_msg m;
    char err[160], *auth, *ud, id[129];
    const char *ok = "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"k:s\",\"user_data\":"
                     "\"{\\\"id\\\":\\\"alice\\\"}\"}}";
    assert_int_equal(rh_msg_decode(ok, strlen(ok), &m, err, sizeof err), RH_MSG_OK);
    assert_int_equal(rh_msg_decode_signin(&m, &auth, &ud, err, sizeof err), RH_MSG_OK);
    assert_string_equal(auth, "k:s");
    assert_string_equal(ud, "{\"id\":\"alice\"}");
    assert_int_equal(rh_msg_user_id(ud, strlen(ud), id, err, sizeof err), 0);
    assert_string_equal(id, "alice");
    free(auth);
    free(ud);
    rh_msg_clear(&m);
    const char *bad = "{\"event\":\"pusher:signin\",\"data\":{\"auth\":1,\"user_data\":\"{}\"}}";
    assert_int_equal(rh_msg_decode(bad, strlen(bad), &m, err, sizeof err), RH_MSG_OK);
    assert_int_equal(rh_msg_decode_signin(&m, &auth, &ud, err, sizeof err), RH_MSG_ERR_DATA);
    assert_null(auth);
    assert_null(ud);
    rh_msg_clear(&m);
    assert_int_equal(rh_msg_user_id("{}", 2, id, err, sizeof err), -1);
    assert_int_equal(rh_msg_user_id("{\"id\":\"\"}", 9, id, err, sizeof err), -1);
    assert_int_equal(rh_msg_user_id("{\"id\":7}", 8, id, err, sizeof err), -1);
    assert_int_equal(rh_msg_user_id("[1]", 3, id, err, sizeof err), -1);
    assert_int_equal(rh_msg_user_id("{\"id\":\"a\\u0001\"}", 16, id, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_ok),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_signin),
        cmocka_unit_test(test_subscribe),
        cmocka_unit_test(test_unsubscribe),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_encode_raw),
        cmocka_unit_test(test_encode_error_established),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
