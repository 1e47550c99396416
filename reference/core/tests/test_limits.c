/* CMocka tests for the per-app limits on the WebSocket side: connection quota (4004), origin
 * allowlist (4009), subscriptions per connection (LimitReached). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_io.h"

static int open_origin(fk *f, const char *key, const char *origin)
{
    int i = (int)f->nconns++;
    f->conns[i].c = rh_srv_conn_open_origin(f->srv, key, NULL, origin, (void *)(uintptr_t)i);
    return i;
}

static void test_connection_quota(void **state)
{
    (void)state;
    fk *f = fk_new_cfg();
    f->apps[0].max_connections = 2;
    fk_start(f, NULL);
    int a = fk_open(f, "app-key"), b = fk_open(f, "app-key");
    assert_string_equal(fk_event(f, a, 0), "pusher:connection_established");
    assert_string_equal(fk_event(f, b, 0), "pusher:connection_established");
    int c = fk_open(f, "app-key");
    assert_int_equal(fk_error_code(f, c, 0), 4004);
    assert_int_equal(fk_count_event(f, c, "pusher:connection_established"), 0);
    assert_int_equal(f->conns[c].close_code, 4004);
    /* Another app has its own count; a refused connection does not count. */
    int o = fk_open(f, "other-key");
    assert_string_equal(fk_event(f, o, 0), "pusher:connection_established");
    fk_closed(f, c);
    int d = fk_open(f, "app-key");
    assert_int_equal(f->conns[d].close_code, 4004);
    /* A closed connection frees its place at once. */
    fk_closed(f, a);
    int e = fk_open(f, "app-key");
    assert_string_equal(fk_event(f, e, 0), "pusher:connection_established");
    assert_int_equal(f->srv->metrics.conns_refused, 2);
    fk_free(f);
}

static void test_origin_allowlist(void **state)
{
    (void)state;
    static char *origins[] = {(char *)"https://good.example"};
    fk *f = fk_new_cfg();
    f->apps[0].allowed_origins = origins;
    f->apps[0].nallowed_origins = 1;
    fk_start(f, NULL);
    int good = open_origin(f, "app-key", "https://good.example");
    assert_string_equal(fk_event(f, good, 0), "pusher:connection_established");
    int none = open_origin(f, "app-key", NULL);
    assert_string_equal(fk_event(f, none, 0), "pusher:connection_established");
    int bad = open_origin(f, "app-key", "https://evil.example");
    assert_int_equal(fk_error_code(f, bad, 0), 4009);
    assert_int_equal(fk_count_event(f, bad, "pusher:connection_established"), 0);
    assert_int_equal(f->conns[bad].close_code, 4009);
    /* The other app lists no origins: every origin is fine there. */
    int other = open_origin(f, "other-key", "https://evil.example");
    assert_string_equal(fk_event(f, other, 0), "pusher:connection_established");
    fk_free(f);
}

/* protocol §4.6: unit test */
static void test_subscription_limit(void **state)
{
    (void)state;
    fk *f = fk_new_cfg();
    f->apps[0].max_subscriptions = 2;
    fk_start(f, NULL);
    int a = fk_connect(f);
    fk_sub(f, a, "one");
    fk_sub(f, a, "two");
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 2);
    fk_clear(f, a);
    fk_sub(f, a, "three");
    assert_string_equal(fk_event(f, a, 0), "pusher:subscription_error");
    cJSON *j = fk_json(f, a, 0);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    assert_true(cJSON_IsObject(d));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "type")->valuestring, "LimitReached");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "status")->valueint, 4100);
    cJSON_Delete(j);
    assert_int_equal(f->conns[a].close_code, 0); /* stays open */
    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], "three", &ci);
    assert_int_equal(ci.subscription_count, 0);
    /* Re-subscribing to a channel it holds is no new subscription. */
    fk_clear(f, a);
    fk_sub(f, a, "two");
    assert_string_equal(fk_event(f, a, 0), "pusher_internal:subscription_succeeded");
    /* An unsubscribe frees a place. */
    fk_msg(f, a, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"one\"}}");
    fk_clear(f, a);
    fk_sub(f, a, "three");
    assert_string_equal(fk_event(f, a, 0), "pusher_internal:subscription_succeeded");
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_quota),
        cmocka_unit_test(test_origin_allowlist),
        cmocka_unit_test(test_subscription_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
