/* core/subcount: pusher_internal:subscription_count on one node: opt-in, order after
 * subscription_succeeded, leaves and closes, none on presence, throttling past 100. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conn.h"
#include "../subcount.h"
#include "th.h"

#define COUNT "pusher_internal:subscription_count"

static fk *start(int enabled)
{
    fk *f = fk_new_cfg();
    f->apps[0].subscription_count = enabled;
    fk_start(f, NULL);
    return f;
}

/* The count carried by the last frame of connection i, or -1 when it is no count. */
static long long last_count(fk *f, int i)
{
    size_t n = fk_count(f, i);
    if (!n || strcmp(fk_event(f, i, (int)n - 1), COUNT) != 0)
        return -1;
    cJSON *d = fk_data(f, i, (int)n - 1);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "subscription_count");
    long long v = cJSON_IsNumber(c) ? (long long)c->valuedouble : -1;
    cJSON_Delete(d);
    return v;
}

static void test_off_by_default(void **state)
{
    (void)state;
    fk *f = start(0);
    int a = fk_connect(f);
    fk_sub(f, a, "news");
    assert_int_equal(fk_count_event(f, a, COUNT), 0);
    fk_free(f);
}

static void test_join_leave_close(void **state)
{
    (void)state;
    fk *f = start(1);
    int a = fk_connect(f), b = fk_connect(f), c = fk_connect(f);
    fk_sub(f, a, "news");
    /* After the joiner's own subscription_succeeded, exactly the frame Pusher sends. */
    assert_int_equal(fk_count(f, a), 2);
    assert_string_equal(fk_event(f, a, 0), "pusher_internal:subscription_succeeded");
    assert_frame(f, a, 1,
                 "{\"event\":\"pusher_internal:subscription_count\",\"channel\":\"news\","
                 "\"data\":\"{\\\"subscription_count\\\":1}\"}");
    fk_sub(f, b, "news");
    assert_int_equal(last_count(f, a), 2);
    assert_int_equal(last_count(f, b), 2);
    fk_sub(f, c, "news");
    fk_msg(f, c, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}");
    assert_int_equal(last_count(f, a), 2);
    fk_closed(f, b);
    assert_int_equal(last_count(f, a), 1);
    /* Re-subscribing changes nothing: no count. */
    fk_clear(f, a);
    fk_sub(f, a, "news");
    assert_int_equal(fk_count_event(f, a, COUNT), 0);
    fk_free(f);
}

static void test_not_presence(void **state)
{
    (void)state;
    fk *f = start(1);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_presence(f, a, "presence-room", "u1", "one");
    fk_sub_presence(f, b, "presence-room", "u2", "two");
    assert_int_equal(fk_count_event(f, a, COUNT), 0);
    assert_int_equal(fk_count_event(f, b, COUNT), 0);
    fk_free(f);
}

static void test_throttled_past_100(void **state)
{
    (void)state;
    fk *f = start(1);
    int w = fk_connect(f);
    fk_sub(f, w, "big");
    /* The fake edge holds few connections: the channel is made to look 100 subscribers
     * bigger than it is, which is all the throttle looks at. */
    rh_chan *ch = rh_hub_chan(f->srv, &f->apps[0], "big");
    assert_non_null(ch);
    ch->nsubs += RH_SUBCOUNT_SMALL;
    int x = fk_connect(f), y = fk_connect(f);
    fk_clear(f, w);
    fk_sub(f, x, "big"); /* within 5 s of the last count: held back */
    fk_sub(f, y, "big");
    assert_int_equal(fk_count_event(f, w, COUNT), 0);
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count_event(f, w, COUNT), 0);
    f->now_ms += RH_SUBCOUNT_PERIOD_MS;
    rh_srv_tick(f->srv); /* one count, the latest */
    assert_int_equal(fk_count_event(f, w, COUNT), 1);
    assert_int_equal(last_count(f, w), RH_SUBCOUNT_SMALL + 3);
    fk_clear(f, w);
    f->now_ms += RH_SUBCOUNT_PERIOD_MS;
    rh_srv_tick(f->srv); /* nothing changed since: nothing sent */
    assert_int_equal(fk_count_event(f, w, COUNT), 0);
    fk_closed(f, y); /* 5 s after the last count: at once */
    assert_int_equal(last_count(f, w), RH_SUBCOUNT_SMALL + 2);
    ch->nsubs -= RH_SUBCOUNT_SMALL;
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_join_leave_close),
        cmocka_unit_test(test_not_presence),
        cmocka_unit_test(test_throttled_past_100),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
