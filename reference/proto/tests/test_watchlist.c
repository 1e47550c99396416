#include "th.h"

#include "proto/watchlist.h"

static int parse(const char *s, rh_watch *w)
{
    char err[160] = "";
    int rc = rh_watch_parse(s, strlen(s), w, err, sizeof err);
    if (rc != RH_WATCH_OK) {
        assert_true(err[0] != '\0');
        assert_int_equal(w->n, 0);
        assert_null(w->ids);
    }
    return rc;
}

static void test_ok(void **state)
{
    (void)state;
    rh_watch w;
    assert_int_equal(parse("{\"id\":\"a\"}", &w), RH_WATCH_OK);
    assert_int_equal(w.n, 0);
    assert_int_equal(parse("{\"id\":\"a\",\"watchlist\":null}", &w), RH_WATCH_OK);
    assert_int_equal(w.n, 0);
    assert_int_equal(parse("{\"id\":\"a\",\"watchlist\":[\"b\",\"c\",\"b\"]}", &w), RH_WATCH_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.ids[0], "b");
    assert_string_equal(w.ids[1], "c");
    assert_true(rh_watch_has(&w, "c"));
    assert_false(rh_watch_has(&w, "a"));
    rh_watch_clear(&w);
    rh_watch_clear(&w);
    assert_int_equal(w.n, 0);
}

static void test_errors(void **state)
{
    (void)state;
    rh_watch w;
    assert_int_equal(parse("[1]", &w), RH_WATCH_BAD);
    assert_int_equal(parse("{\"id\":\"a\",\"watchlist\":\"b\"}", &w), RH_WATCH_BAD);
    assert_int_equal(parse("{\"id\":\"a\",\"watchlist\":[\"b\",7]}", &w), RH_WATCH_BAD);
    assert_int_equal(parse("{\"id\":\"a\",\"watchlist\":[\"\"]}", &w), RH_WATCH_BAD);
    assert_int_equal(parse("{\"id\":", &w), RH_WATCH_BAD);
}

/* 100 ids are accepted, 101 refused as too many */
static void test_limit(void **state)
{
    (void)state;
    char body[2000];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"id\":\"a\",\"watchlist\":[");
    for (int i = 0; i < RH_WATCH_MAX; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s\"u%d\"", i ? "," : "", i);
    snprintf(body + n, sizeof body - n, "]}");
    rh_watch w;
    assert_int_equal(parse(body, &w), RH_WATCH_OK);
    assert_int_equal(w.n, RH_WATCH_MAX);
    rh_watch_clear(&w);
    snprintf(body + n, sizeof body - n, ",\"x\"]}");
    assert_int_equal(parse(body, &w), RH_WATCH_TOO_MANY);
}

static void test_event(void **state)
{
    (void)state;
    const char *ids[] = {"b", "c\"d"};
    char *s = rh_watch_event("online", ids, 2);
    assert_string_equal(s, "{\"events\":[{\"name\":\"online\",\"user_ids\":[\"b\",\"c\\\"d\"]}]}");
    free(s);
    s = rh_watch_event("offline", NULL, 0);
    assert_string_equal(s, "{\"events\":[{\"name\":\"offline\",\"user_ids\":[]}]}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
