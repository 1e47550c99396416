/* Unit tests of rw_pusher: message shapes and signed subscriptions and API targets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "proto/sign.h"
#include "wire/pusher.h"

static void test_shapes(void **state)
{
    (void)state;
    assert_string_equal(rw_pusher_pong(), "{\"event\":\"pusher:pong\",\"data\":{}}");
    assert_string_equal(rw_pusher_ping(), "{\"event\":\"pusher:ping\",\"data\":{}}");
    char *s = rw_pusher_event("client-x", "private-\"c", "{\"a\":1}");
    assert_string_equal(
        s, "{\"event\":\"client-x\",\"channel\":\"private-\\\"c\",\"data\":{\"a\":1}}");
    free(s);
    s = rw_pusher_event("e", NULL, NULL);
    assert_string_equal(s, "{\"event\":\"e\"}");
    free(s);
    s = rw_pusher_subscribe("c", NULL, NULL);
    assert_string_equal(s, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c\"}}");
    free(s);
    s = rw_pusher_subscribe("presence-c", "k:sig", "{\"user_id\":\"1\"}");
    assert_string_equal(s, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-c\","
                           "\"auth\":\"k:sig\",\"channel_data\":\"{\\\"user_id\\\":\\\"1\\\"}\"}}");
    free(s);
    s = rw_pusher_ws_path("k", "c", "1.0");
    assert_string_equal(s, "/app/k?protocol=7&client=c&version=1.0&flash=false");
    free(s);
    s = rw_pusher_trigger_body("n", "ch", "say \"hi\"");
    assert_string_equal(s, "{\"name\":\"n\",\"channel\":\"ch\",\"data\":\"say \\\"hi\\\"\"}");
    free(s);
}

static void test_signed(void **state)
{
    (void)state;
    char *s = rw_pusher_subscribe_signed("k", "secret", "1.2", "public", NULL);
    assert_string_equal(s, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"public\"}}");
    free(s);
    char want[256];
    assert_int_equal(rh_sign_channel("k", "secret", "1.2", "private-a", NULL, want, sizeof want),
                     0);
    s = rw_pusher_subscribe_signed("k", "secret", "1.2", "private-a", NULL);
    cJSON *j = cJSON_Parse(s);
    const cJSON *d = cJSON_GetObjectItem(j, "data");
    assert_string_equal(cJSON_GetObjectItem(d, "auth")->valuestring, want);
    assert_null(cJSON_GetObjectItem(d, "channel_data"));
    cJSON_Delete(j);
    free(s);
    s = rw_pusher_subscribe_signed("k", "secret", "1.2", "presence-a", NULL);
    j = cJSON_Parse(s);
    d = cJSON_GetObjectItem(j, "data");
    assert_string_equal(cJSON_GetObjectItem(d, "channel_data")->valuestring,
                        "{\"user_id\":\"u1.2\"}");
    assert_int_equal(rh_sign_channel("k", "secret", "1.2", "presence-a", "{\"user_id\":\"u1.2\"}",
                                     want, sizeof want),
                     0);
    assert_string_equal(cJSON_GetObjectItem(d, "auth")->valuestring, want);
    cJSON_Delete(j);
    free(s);
    s = rw_pusher_api_target("k", "secret", "POST", "/apps/1/events", "info=x", "{}", 2,
                             1700000000);
    assert_non_null(s);
    assert_true(strncmp(s, "/apps/1/events?", 15) == 0);
    assert_non_null(strstr(s, "auth_key=k"));
    assert_non_null(strstr(s, "auth_timestamp=1700000000"));
    assert_non_null(strstr(s, "body_md5="));
    assert_non_null(strstr(s, "info=x"));
    assert_non_null(strstr(s, "auth_signature="));
    free(s);
    /* A query that does not parse cannot be signed. */
    assert_null(rw_pusher_api_target("k", "s", "GET", "/p", "a=1&a=2", NULL, 0, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_signed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
