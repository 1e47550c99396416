/* core/: client events: relay rules, data kept as sent, presence user_id, rate limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"

#define PRIV "private-chat"

/* protocol §5: unit test */
static void test_relay(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f), c = fk_connect(f);
    fk_sub_private(f, a, PRIV);
    fk_sub_private(f, b, PRIV);
    fk_sub(f, c, "news"); /* c is not on the channel */
    fk_clear(f, a);
    fk_clear(f, b);
    fk_clear(f, c);
    fk_msg(f, a, "{\"event\":\"client-typing\",\"channel\":\"private-chat\",\"data\":{\"x\":1}}");
    assert_int_equal(fk_count(f, a), 0); /* never echoed */
    assert_int_equal(fk_count(f, c), 0);
    assert_int_equal(fk_count(f, b), 1);
    assert_frame(f, b, 0,
                 "{\"event\":\"client-typing\",\"channel\":\"private-chat\",\"data\":{\"x\":1}}");
    /* A string stays a string, byte for byte in value. */
    fk_msg(f, a,
           "{\"event\":\"client-typing\",\"channel\":\"private-chat\",\"data\":\"{\\\"x\\\""
           ":1}\"}");
    assert_frame(f, b, 1,
                 "{\"event\":\"client-typing\",\"channel\":\"private-chat\",\"data\":\"{\\\"x\\\""
                 ":1}\"}");
    fk_free(f);
}

static void assert_ce_error(fk *f, int i, int n, int code, const char *channel)
{
    cJSON *j = fk_json(f, i, n);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "event")->valuestring, "pusher:error");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "channel")->valuestring, channel);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "code")->valueint, code);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "message")));
    cJSON_Delete(j);
}

static void test_refused(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub(f, a, "news");
    fk_sub(f, b, "news");
    fk_sub_private(f, b, PRIV);
    fk_sub_private(f, b, "private-encrypted-x");
    fk_sub_private(f, a, "private-encrypted-x");
    fk_clear(f, a);
    fk_clear(f, b);
    /* Public channel. */
    fk_msg(f, a, "{\"event\":\"client-x\",\"channel\":\"news\",\"data\":{}}");
    assert_int_equal(fk_count(f, a), 1);
    assert_ce_error(f, a, 0, 4009, "news");
    assert_int_equal(fk_count(f, b), 0);
    /* Encrypted channel: not relayed either. */
    fk_msg(f, a, "{\"event\":\"client-x\",\"channel\":\"private-encrypted-x\",\"data\":{}}");
    assert_ce_error(f, a, 1, 4009, "private-encrypted-x");
    assert_int_equal(fk_count(f, b), 0);
    /* Not subscribed. */
    fk_msg(f, a, "{\"event\":\"client-x\",\"channel\":\"private-chat\",\"data\":{}}");
    assert_ce_error(f, a, 2, 4009, "private-chat");
    assert_int_equal(fk_count(f, b), 0);
    /* A refused subscription does not make one. */
    fk_sub_auth(f, a, PRIV,
                "app-key:0000000000000000000000000000000000000000000000000000000000000000", NULL);
    fk_msg(f, a, "{\"event\":\"client-x\",\"channel\":\"private-chat\",\"data\":{}}");
    assert_ce_error(f, a, 4, 4009, "private-chat");
    assert_int_equal(fk_count(f, b), 0);
    /* After unsubscribing, b can no longer send. */
    fk_msg(f, b, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"private-chat\"}}");
    fk_msg(f, b, "{\"event\":\"client-x\",\"channel\":\"private-chat\",\"data\":{}}");
    assert_ce_error(f, b, 0, 4009, "private-chat");
    assert_int_equal(f->conns[a].close_code, 0);
    fk_free(f);
}

static void test_disabled(void **state)
{
    (void)state;
    fk *f = fk_new_cfg();
    f->apps[0].client_events = 0;
    fk_start(f, NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_private(f, a, PRIV);
    fk_sub_private(f, b, PRIV);
    fk_clear(f, a);
    fk_clear(f, b);
    fk_msg(f, a, "{\"event\":\"client-x\",\"channel\":\"private-chat\",\"data\":{}}");
    assert_ce_error(f, a, 0, 4301, PRIV);
    assert_int_equal(fk_count(f, b), 0);
    fk_free(f);
}

static void test_presence_user_id(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_presence(f, a, "presence-room", "alice", "alice");
    fk_sub_presence(f, b, "presence-room", "bob", "bob");
    fk_clear(f, b);
    fk_msg(f, a, "{\"event\":\"client-hi\",\"channel\":\"presence-room\",\"data\":\"yo\"}");
    assert_frame(f, b, 0,
                 "{\"event\":\"client-hi\",\"channel\":\"presence-room\",\"data\":\"yo\","
                 "\"user_id\":\"alice\"}");
    fk_free(f);
}

static void test_rate_limit(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_private(f, a, PRIV);
    fk_sub_private(f, b, PRIV);
    fk_clear(f, a);
    fk_clear(f, b);
    const char *ev = "{\"event\":\"client-x\",\"channel\":\"private-chat\",\"data\":{}}";
    for (int k = 0; k < 10; k++) {
        fk_msg(f, a, ev);
        f->now_ms += 50; /* ten within half a second */
    }
    assert_int_equal(fk_count(f, b), 10);
    assert_int_equal(fk_count(f, a), 0);
    fk_msg(f, a, ev);
    assert_int_equal(fk_count(f, b), 10);
    assert_ce_error(f, a, 0, 4301, PRIV);
    /* Still limited until a second has passed since the first accepted event. */
    f->now_ms += 499; /* 999 ms after the first */
    fk_msg(f, a, ev);
    assert_int_equal(fk_count(f, b), 10);
    assert_int_equal(fk_count(f, a), 2);
    f->now_ms += 1;
    fk_msg(f, a, ev);
    assert_int_equal(fk_count(f, b), 11);
    /* b's budget is its own. */
    fk_msg(f, b, ev);
    assert_int_equal(fk_count(f, a), 3);
    assert_string_equal(fk_event(f, a, 2), "client-x");
    assert_int_equal(f->conns[a].close_code, 0);
    /* Never more than 10 relayed in any second of a steady flood. */
    f->now_ms += 5000;
    fk_clear(f, b);
    for (int k = 0; k < 100; k++) {
        fk_msg(f, a, ev);
        f->now_ms += 20; /* 50 per second offered */
    }
    assert_int_equal(fk_count(f, b), 20); /* 2 seconds -> 20 */
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay),      cmocka_unit_test(test_refused),
        cmocka_unit_test(test_disabled),   cmocka_unit_test(test_presence_user_id),
        cmocka_unit_test(test_rate_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
