/* core/: pusher:subscribe / pusher:unsubscribe on public and private channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"

/* Publishes a marker event on channel; returns the number of recipients. */
static size_t deliver(fk *f, const char *channel)
{
    char s[300];
    snprintf(s, sizeof(s), "{\"event\":\"marker\",\"channel\":\"%s\",\"data\":\"m\"}", channel);
    rh_buf *b = rh_buf_new_str(s);
    size_t n = rh_hub_publish(f->srv, &f->apps[0], channel, b, NULL);
    rh_buf_unref(b);
    return n;
}

static void assert_succeeded(fk *f, int i, int n, const char *channel)
{
    char want[300];
    snprintf(want, sizeof(want),
             "{\"event\":\"pusher_internal:subscription_succeeded\",\"channel\":\"%s\","
             "\"data\":\"{}\"}",
             channel);
    assert_frame(f, i, n, want);
}

/* subscription_error frame n: type and status as given; returns the data object (caller
 * deletes) for further checks. */
static void assert_sub_error(fk *f, int i, int n, const char *channel, const char *type, int status)
{
    cJSON *j = fk_json(f, i, n);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "event")->valuestring,
                        "pusher:subscription_error");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "channel")->valuestring, channel);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    assert_true(cJSON_IsObject(d));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "type")->valuestring, type);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "status")->valueint, status);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(d, "error");
    assert_true(cJSON_IsString(e) && e->valuestring[0]);
    cJSON_Delete(j);
}

/* protocol §4.1: unit test */
static void test_public(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    fk_sub(f, i, "news");
    assert_int_equal(fk_count(f, i), 1);
    assert_succeeded(f, i, 0, "news");
    assert_int_equal(deliver(f, "news"), 1);
    assert_string_equal(fk_event(f, i, 1), "marker");
    /* Subscribe data as a JSON string (double-encoded) works too; an empty auth is fine on a
     * public channel (pusher-js sends it). */
    fk_msg(f, i,
           "{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"sport\\\","
           "\\\"auth\\\":\\\"\\\"}\"}");
    assert_succeeded(f, i, 2, "sport");
    /* Re-subscribing answers again, still one subscription. */
    fk_sub(f, i, "news");
    assert_succeeded(f, i, 3, "news");
    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], "news", &ci);
    assert_int_equal(ci.subscription_count, 1);
    assert_int_equal(deliver(f, "news"), 1);
    /* Another app's channel of the same name is another channel. */
    rh_hub_channel_info(f->srv, &f->apps[1], "news", &ci);
    assert_int_equal(ci.occupied, 0);
    fk_free(f);
}

static void test_invalid_names(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    const char *bad[] = {"", "has space", "slash/x", "uni\xc3\xa9", "#server-to-user-1"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        fk_clear(f, i);
        fk_sub(f, i, bad[k]);
        assert_int_equal(fk_count(f, i), 1);
        assert_sub_error(f, i, 0, bad[k], "InvalidChannel", 400);
        assert_int_equal(deliver(f, bad[k]), 0);
    }
    char longname[200];
    memset(longname, 'a', 165);
    longname[165] = '\0';
    fk_clear(f, i);
    fk_sub(f, i, longname);
    assert_sub_error(f, i, 0, longname, "InvalidChannel", 400);
    longname[164] = '\0';
    fk_sub(f, i, longname);
    assert_succeeded(f, i, 1, longname);
    fk_free(f);
}

/* protocol §4.2: unit test */
static void test_private_good(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    const char *ch = "private-workspace.acme.thread.t1";
    fk_sub_private(f, i, ch);
    assert_int_equal(fk_count(f, i), 1);
    assert_succeeded(f, i, 0, ch);
    assert_int_equal(deliver(f, ch), 1);
    /* private-encrypted- channels authenticate the same way. */
    fk_sub_private(f, i, "private-encrypted-x");
    assert_succeeded(f, i, 2, "private-encrypted-x");
    fk_free(f);
}

static void refused(fk *f, int i, const char *ch, const char *auth, const char *needle)
{
    fk_clear(f, i);
    fk_sub_auth(f, i, ch, auth, NULL);
    assert_int_equal(fk_count(f, i), 1);
    assert_sub_error(f, i, 0, ch, "AuthError", 401);
    if (needle)
        assert_non_null(strstr(fk_frame(f, i, 0), needle));
    assert_int_equal(deliver(f, ch), 0);
    assert_int_equal(fk_count(f, i), 1);
    assert_false(fk_occupied(f, ch));
    assert_int_equal(f->conns[i].close_code, 0);
}

/* protocol §4.5: unit test */
static void test_private_bad(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    int other = fk_connect(f);
    const char *ch = "private-workspace.acme.thread.t1";
    const char *sid = f->conns[i].socket_id;
    char auth[200];
    refused(f, i, ch, NULL, "auth missing");
    refused(f, i, ch, "", "auth missing");
    refused(f, i, ch, "app-key", "malformed");
    refused(f, i, ch, "app-key:zz", "malformed");
    /* Wrong key part, right HMAC. */
    fk_sign("other-key", "app-secret", sid, ch, NULL, auth, sizeof(auth));
    refused(f, i, ch, auth, "key");
    /* Right key, wrong secret. */
    fk_sign("app-key", "other-secret", sid, ch, NULL, auth, sizeof(auth));
    refused(f, i, ch, auth, "signature");
    /* Signed for another (connected) socket. */
    fk_sign("app-key", "app-secret", f->conns[other].socket_id, ch, NULL, auth, sizeof(auth));
    refused(f, i, ch, auth, "signature");
    /* Signed for another channel. */
    fk_sign("app-key", "app-secret", sid, "private-workspace.acme.thread.t2", NULL, auth,
            sizeof(auth));
    refused(f, i, ch, auth, "signature");
    /* Uppercase hex is not the canonical form. */
    fk_sign("app-key", "app-secret", sid, ch, NULL, auth, sizeof(auth));
    for (char *p = auth + 8; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    refused(f, i, ch, auth, NULL);
    /* The connection is still fine and a good auth now succeeds. */
    fk_clear(f, i);
    fk_sub_private(f, i, ch);
    assert_succeeded(f, i, 0, ch);
    fk_free(f);
}

/* protocol §4.4: unit test */
static void test_unsubscribe(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f);
    int b = fk_connect(f);
    fk_sub(f, a, "news");
    fk_sub(f, b, "news");
    assert_int_equal(deliver(f, "news"), 2);
    fk_clear(f, a);
    fk_msg(f, a, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}");
    assert_int_equal(fk_count(f, a), 0); /* no reply */
    assert_int_equal(deliver(f, "news"), 1);
    assert_int_equal(fk_count(f, a), 0);
    /* Unknown channel: ignored, no reply. */
    fk_msg(f, a, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"nope\"}}");
    fk_msg(f, a, "{\"event\":\"pusher:unsubscribe\",\"data\":\"{\\\"channel\\\":\\\"news\\\"}\"}");
    assert_int_equal(fk_count(f, a), 0);
    /* The last subscriber leaving frees the channel. */
    fk_msg(f, b, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}");
    assert_false(fk_occupied(f, "news"));
    assert_int_equal(deliver(f, "news"), 0);
    /* Subscribing again works. */
    fk_sub(f, a, "news");
    assert_int_equal(deliver(f, "news"), 1);
    /* Closing unsubscribes. */
    fk_closed(f, a);
    assert_false(fk_occupied(f, "news"));
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public),       cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_private_good), cmocka_unit_test(test_private_bad),
        cmocka_unit_test(test_unsubscribe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
