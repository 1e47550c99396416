/* CMocka tests for the workspace membership endpoint and revocation (docs/protocol.md 19):
 * a revocation ends the subscriptions the authorizer signed for the user, with a 403
 * subscription_error, leaves others alone, refuses the user's older signatures and new
 * authorizations, and a grant gives access back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"

#define CH      "private-workspace.acme.thread.t1"
#define MEMBERS "/apps/app-id/workspaces/acme/members"
#define EV      "{\"name\":\"e\",\"channel\":\"" CH "\",\"data\":\"1\"}"

static int authorize(fx *f, const char *bearer, const char *sid)
{
    char h[64], body[160];
    snprintf(h, sizeof h, "Bearer %s", bearer);
    int n = snprintf(body, sizeof body, "socket_id=%s&channel_name=" CH, sid);
    return fx_http_raw(f, "POST", "/broadcasting/auth", "", body, (size_t)n, h,
                       "application/x-www-form-urlencoded");
}

/* protocol §19.3: unit test */
static void test_revoke_ends_bound_subscriptions(void **state)
{
    (void)state;
    fx *f = fx_new();
    char s1[48], s2[48];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    assert_int_equal(authorize(f, "alice-token", s1), 200);
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 1);
    assert_int_equal(fx_subscribe(f, 2, s2, CH), 1); /* signed elsewhere: no binding */
    fx_clear_frames(f);
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\",\"member\":false}"),
                     200);
    assert_int_equal(f->json && cJSON_IsFalse(cJSON_GetObjectItem(f->json, "member")), 1);
    const char *err = fx_frame_text(f, 1, "pusher:subscription_error", 0);
    assert_non_null(err);
    assert_non_null(strstr(err, "403"));
    assert_non_null(strstr(err, CH));
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, EV), 200);
    assert_int_equal(fx_count(f, 1, "e"), 0);
    assert_int_equal(fx_count(f, 2, "e"), 1);
    /* the older signature no longer subscribes; the authorizer refuses */
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 0);
    assert_int_equal(authorize(f, "alice-token", s1), 403);
    assert_int_equal(authorize(f, "bob-token", s2), 403); /* bob never was in acme */
    /* granted again: signed and subscribed as before */
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\",\"member\":true}"),
                     200);
    assert_int_equal(authorize(f, "alice-token", s1), 200);
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 1);
    fx_free(f);
}

/* protocol §19.1: unit test */
static void test_members_bad_requests(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\"}"), 400);
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "[1]"), 400);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/workspaces/a.b/members", NULL,
                             "{\"user_id\":\"alice\",\"member\":false}"),
                     400);
    assert_int_equal(fx_http(f, "GET", MEMBERS, NULL, NULL), 405);
    assert_int_equal(fx_http_raw(f, "POST", MEMBERS, "", "{}", 2, NULL, "application/json"), 401);
    /* nothing changed: alice is still a member */
    assert_int_equal(authorize(f, "alice-token", "1.2"), 200);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revoke_ends_bound_subscriptions),
        cmocka_unit_test(test_members_bad_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
