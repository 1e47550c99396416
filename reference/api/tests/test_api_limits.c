/* CMocka tests for the HTTP side of the app limits and of GET /metrics: the per-app request
 * rate (429 with Retry-After, nothing published), and the metrics answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"

#define EV "{\"name\":\"e\",\"channel\":\"news\",\"data\":\"1\"}"

/* protocol §6.6: unit test */
static void test_rate_limit(void **state)
{
    (void)state;
    fx *f =
        fx_new_cfg("{\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\",\"secret\":\"app-secret\","
                   "\"http_requests_per_sec\":3},"
                   "{\"id\":\"b-id\",\"key\":\"b-key\",\"secret\":\"b-secret\"}]}");
    char sid[64];
    fx_connect(f, 1, sid, sizeof sid);
    assert_true(fx_subscribe(f, 1, sid, "news"));
    fx_clear_frames(f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, EV), 200);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, EV), 429);
    assert_string_equal(f->retry_after, "1");
    assert_int_equal(fx_num(f->json, "code"), 429);
    cJSON *got[8];
    size_t n = fx_frames(f, 1, "e", got, 8);
    fx_delete_all(got, n);
    assert_int_equal(n, 3); /* the refused one published nothing */
    /* Another app has its own budget; unsigned requests do not use this one's. */
    assert_int_equal(fx_http_app(f, "b-key", "b-secret", "POST", "/apps/b-id/events", NULL, EV),
                     200);
    assert_int_equal(fx_http_raw(f, "POST", "/apps/app-id/events", "auth_key=app-key", EV,
                                 strlen(EV), NULL, "application/json"),
                     401);
    /* The next second opens a new window. */
    f->now_ms += 1000;
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, EV), 200);
    assert_string_equal(f->retry_after, "");
    fx_free(f);
}

static void test_metrics_endpoint(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, EV), 200);
    assert_int_equal(fx_http_raw(f, "GET", "/metrics", "", "", 0, NULL, NULL), 200);
    assert_non_null(strstr(f->ctype, "text/plain"));
    assert_non_null(strstr(f->body, "\nrehome_events_in_total 1\n"));
    assert_int_equal(fx_http_raw(f, "POST", "/metrics", "", "", 0, NULL, NULL), 405);
    fx_free(f);
    /* Off in the config: no such path. */
    f = fx_new_cfg("{\"metrics\":false}");
    assert_int_equal(fx_http_raw(f, "GET", "/metrics", "", "", 0, NULL, NULL), 404);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_metrics_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
