/* core/: presence channels: subscription data, member_added / member_removed dedupe,
 * limits, bad channel_data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"

#define CH "presence-room"

/* The presence object of the subscription_succeeded frame n of connection i. */
static cJSON *presence_of(fk *f, int i, int n)
{
    assert_string_equal(fk_event(f, i, n), "pusher_internal:subscription_succeeded");
    cJSON *d = fk_data(f, i, n);
    assert_non_null(d);
    assert_int_equal(cJSON_GetArraySize(d), 1);
    cJSON *p = cJSON_DetachItemFromObjectCaseSensitive(d, "presence");
    cJSON_Delete(d);
    assert_non_null(p);
    return p;
}

static void assert_ids(const cJSON *p, const char *const *ids, int n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, "ids");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(p, "hash");
    assert_int_equal(cJSON_GetArraySize(a), n);
    assert_int_equal(cJSON_GetArraySize(h), n);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(p, "count")->valueint, n);
    for (int k = 0; k < n; k++) {
        assert_string_equal(cJSON_GetArrayItem(a, k)->valuestring, ids[k]);
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(h, ids[k]);
        assert_true(cJSON_IsObject(info));
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(info, "name")->valuestring, ids[k]);
    }
}

/* protocol §4.3: unit test */
static void test_members(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a1 = fk_connect(f), a2 = fk_connect(f), b = fk_connect(f);

    fk_sub_presence(f, a1, CH, "alice", "alice");
    assert_int_equal(fk_count(f, a1), 1);
    cJSON *p = presence_of(f, a1, 0);
    const char *one[] = {"alice"};
    assert_ids(p, one, 1);
    cJSON_Delete(p);

    /* bob joins: alice's connection hears member_added once. */
    fk_sub_presence(f, b, CH, "bob", "bob");
    p = presence_of(f, b, 0);
    const char *two[] = {"alice", "bob"};
    assert_ids(p, two, 2);
    cJSON_Delete(p);
    assert_int_equal(fk_count(f, b), 1); /* no member_added for oneself */
    assert_int_equal(fk_count(f, a1), 2);
    assert_frame(f, a1, 1,
                 "{\"event\":\"pusher_internal:member_added\",\"channel\":\"presence-room\","
                 "\"data\":\"{\\\"user_id\\\":\\\"bob\\\",\\\"user_info\\\":{\\\"name\\\":"
                 "\\\"bob\\\"}}\"}");

    /* alice's second connection: no member_added (alice is present), one id for alice. */
    fk_sub_presence(f, a2, CH, "alice", "alice");
    p = presence_of(f, a2, 0);
    assert_ids(p, two, 2);
    cJSON_Delete(p);
    assert_int_equal(fk_count_event(f, b, "pusher_internal:member_added"), 0);
    assert_int_equal(fk_count_event(f, a1, "pusher_internal:member_added"), 1);

    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], CH, &ci);
    assert_int_equal(ci.subscription_count, 3);
    assert_int_equal(ci.user_count, 2);

    /* a1 leaves: alice still present through a2, nobody hears member_removed. */
    fk_msg(f, a1, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"presence-room\"}}");
    assert_int_equal(fk_count_event(f, b, "pusher_internal:member_removed"), 0);
    assert_int_equal(fk_count_event(f, a2, "pusher_internal:member_removed"), 0);
    /* a2's connection closes: now alice is gone, bob hears it once. */
    fk_closed(f, a2);
    assert_int_equal(fk_count_event(f, b, "pusher_internal:member_removed"), 1);
    assert_frame(f, b, -1,
                 "{\"event\":\"pusher_internal:member_removed\",\"channel\":\"presence-room\","
                 "\"data\":\"{\\\"user_id\\\":\\\"alice\\\"}\"}");
    assert_int_equal(fk_count_event(f, a1, "pusher_internal:member_removed"), 0);
    rh_hub_channel_info(f->srv, &f->apps[0], CH, &ci);
    assert_int_equal(ci.user_count, 1);
    fk_free(f);
}

static void add_user(void *ud, const char *user_id)
{
    char *buf = ud;
    strcat(buf, user_id);
    strcat(buf, ",");
}

static void test_foreach_user_and_numeric_id(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_presence(f, a, CH, "u1", "u1");
    /* A numeric user_id is kept as its decimal text; user_info is optional (null). */
    char auth[200];
    const char *cd = "{\"user_id\":42}";
    fk_sign("app-key", "app-secret", f->conns[b].socket_id, CH, cd, auth, sizeof(auth));
    fk_sub_auth(f, b, CH, auth, cd);
    cJSON *p = presence_of(f, b, 0);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(p, "hash");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(h, "42")));
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "ids"), 1)->valuestring, "42");
    cJSON_Delete(p);
    char users[64] = "";
    rh_hub_foreach_user(f->srv, &f->apps[0], CH, add_user, users);
    assert_string_equal(users, "u1,42,");
    fk_free(f);
}

static void test_bad_channel_data(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    const char *sid = f->conns[i].socket_id;
    char auth[200];
    const char *bad[] = {"not json", "{\"user_info\":{}}", "{\"user_id\":\"\"}", "[1]",
                         "{\"user_id\":true}"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        fk_clear(f, i);
        /* Correctly signed, so only the content is wrong. */
        fk_sign("app-key", "app-secret", sid, CH, bad[k], auth, sizeof(auth));
        fk_sub_auth(f, i, CH, auth, bad[k]);
        assert_int_equal(fk_count(f, i), 1);
        assert_string_equal(fk_event(f, i, 0), "pusher:subscription_error");
        assert_non_null(strstr(fk_frame(f, i, 0), "AuthError"));
        assert_false(fk_occupied(f, CH));
    }
    /* channel_data missing. */
    fk_clear(f, i);
    fk_sign("app-key", "app-secret", sid, CH, NULL, auth, sizeof(auth));
    fk_sub_auth(f, i, CH, auth, NULL);
    assert_non_null(strstr(fk_frame(f, i, 0), "channel_data"));
    /* Signature over other channel_data than sent. */
    fk_clear(f, i);
    fk_sign("app-key", "app-secret", sid, CH, "{\"user_id\":\"root\"}", auth, sizeof(auth));
    fk_sub_auth(f, i, CH, auth, "{\"user_id\":\"alice\"}");
    assert_string_equal(fk_event(f, i, 0), "pusher:subscription_error");
    assert_false(fk_occupied(f, CH));
    fk_free(f);
}

static void test_limit(void **state)
{
    (void)state;
    fk *f = fk_new_cfg();
    f->apps[0].max_presence_members = 2;
    fk_start(f, NULL);
    int a = fk_connect(f), b = fk_connect(f), c = fk_connect(f), a2 = fk_connect(f);
    fk_sub_presence(f, a, CH, "alice", "alice");
    fk_sub_presence(f, b, CH, "bob", "bob");
    fk_sub_presence(f, c, CH, "carol", "carol");
    assert_int_equal(fk_count(f, c), 1);
    cJSON *j = fk_json(f, c, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "event")->valuestring,
                        "pusher:subscription_error");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "type")->valuestring, "LimitReached");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "status")->valueint, 4100);
    cJSON_Delete(j);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:member_added"), 1); /* bob only */
    /* A user already present may add connections. */
    fk_sub_presence(f, a2, CH, "alice", "alice");
    assert_string_equal(fk_event(f, a2, 0), "pusher_internal:subscription_succeeded");
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_foreach_user_and_numeric_id),
        cmocka_unit_test(test_bad_channel_data),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
