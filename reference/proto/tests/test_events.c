#include "th.h"

#include <cjson/cJSON.h>

#include "proto/events.h"

static const rh_evt_ids IDS = {"acme", "t1", "run-1", "s_1"};
#define CHAN "private-workspace.acme.thread.t1"

/* Decodes the frame, checks the envelope, and decodes data a second time. */
static cJSON *inner_of(rh_buf *b, const char *event, cJSON **outer)
{
    assert_non_null(b);
    assert_int_equal(strlen(b->data), b->len);
    *outer = cJSON_ParseWithLength(b->data, b->len);
    assert_non_null(*outer);
    assert_string_equal(cJSON_GetObjectItem(*outer, "event")->valuestring, event);
    assert_string_equal(cJSON_GetObjectItem(*outer, "channel")->valuestring, CHAN);
    cJSON *data = cJSON_GetObjectItem(*outer, "data");
    assert_true(cJSON_IsString(data)); /* double-encoded */
    cJSON *inner = cJSON_Parse(data->valuestring);
    assert_non_null(inner);
    assert_string_equal(cJSON_GetObjectItem(inner, "workspace_id")->valuestring, "acme");
    assert_string_equal(cJSON_GetObjectItem(inner, "thread_id")->valuestring, "t1");
    assert_string_equal(cJSON_GetObjectItem(inner, "run_id")->valuestring, "run-1");
    assert_string_equal(cJSON_GetObjectItem(inner, "stream_id")->valuestring, "s_1");
    return inner;
}

/* protocol §9.1: unit test */
static void test_token(void **state)
{
    (void)state;
    const char tok[] = "he said \"hi\"\n\\ \xe2\x82\xac \x01";
    rh_buf *b = rh_evt_encode_token(CHAN, &IDS, 42, S(tok));
    cJSON *outer, *inner = inner_of(b, RH_EVT_TOKEN, &outer);
    assert_int_equal(cJSON_GetObjectItem(inner, "seq")->valuedouble, 42);
    assert_string_equal(cJSON_GetObjectItem(inner, "token")->valuestring, tok);
    assert_int_equal(cJSON_GetArraySize(inner), 6);
    cJSON_Delete(inner);
    cJSON_Delete(outer);
    rh_buf_unref(b);
}

static void test_token_exact_bytes(void **state)
{
    (void)state;
    rh_buf *b = rh_evt_encode_token(CHAN, &IDS, 1, S("a\"b"));
    assert_string_equal(
        b->data,
        "{\"event\":\"thread.token.streamed\",\"channel\":\"" CHAN "\",\"data\":\"{\\\""
        "workspace_id\\\":\\\"acme\\\",\\\"thread_id\\\":\\\"t1\\\",\\\"run_id\\\":\\\"run-"
        "1\\\",\\\"stream_id\\\":\\\"s_1\\\",\\\"seq\\\":1,\\\"token\\\":\\\"a\\\\\\\"b\\\"}"
        "\"}");
    rh_buf_unref(b);
}

static void test_token_edge(void **state)
{
    (void)state;
    /* Empty token, token_len bounds the token, largest seq. */
    rh_buf *b = rh_evt_encode_token(CHAN, &IDS, UINT64_MAX, "abc", 0);
    cJSON *outer, *inner = inner_of(b, RH_EVT_TOKEN, &outer);
    assert_string_equal(cJSON_GetObjectItem(inner, "token")->valuestring, "");
    assert_non_null(strstr(b->data, "18446744073709551615"));
    cJSON_Delete(inner);
    cJSON_Delete(outer);
    rh_buf_unref(b);
    b = rh_evt_encode_token(CHAN, &IDS, 2, "abcdef", 2);
    inner = inner_of(b, RH_EVT_TOKEN, &outer);
    assert_string_equal(cJSON_GetObjectItem(inner, "token")->valuestring, "ab");
    cJSON_Delete(inner);
    cJSON_Delete(outer);
    rh_buf_unref(b);
    /* Bad arguments: NULL, never a crash. */
    rh_evt_ids bad = IDS;
    bad.run_id = NULL;
    assert_null(rh_evt_encode_token(CHAN, &bad, 1, "a", 1));
    assert_null(rh_evt_encode_token(NULL, &IDS, 1, "a", 1));
    assert_null(rh_evt_encode_token(CHAN, NULL, 1, "a", 1));
    assert_null(rh_evt_encode_token(CHAN, &IDS, 1, NULL, 1));
}

/* protocol §9.2: unit test */
static void test_end(void **state)
{
    (void)state;
    rh_buf *b = rh_evt_encode_end(CHAN, &IDS, 7, "cancelled");
    cJSON *outer, *inner = inner_of(b, RH_EVT_END, &outer);
    assert_int_equal(cJSON_GetObjectItem(inner, "last_seq")->valuedouble, 7);
    assert_string_equal(cJSON_GetObjectItem(inner, "reason")->valuestring, "cancelled");
    assert_null(cJSON_GetObjectItem(inner, "seq"));
    assert_null(cJSON_GetObjectItem(inner, "token"));
    cJSON_Delete(inner);
    cJSON_Delete(outer);
    rh_buf_unref(b);
    b = rh_evt_encode_end(CHAN, &IDS, 0, "completed");
    inner = inner_of(b, RH_EVT_END, &outer);
    assert_int_equal(cJSON_GetObjectItem(inner, "last_seq")->valuedouble, 0);
    cJSON_Delete(inner);
    cJSON_Delete(outer);
    rh_buf_unref(b);
    assert_null(rh_evt_encode_end(CHAN, &IDS, 0, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_token_exact_bytes),
        cmocka_unit_test(test_token_edge),
        cmocka_unit_test(test_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
