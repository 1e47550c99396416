/* CMocka tests for user authentication (docs/protocol.md 18): pusher:signin with the
 * bundled user-authentication endpoint's answer, #server-to-user-{id} events reaching every
 * connection of that user and no other, terminate_connections, refused signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "proto/message.h"
#include "proto/sign.h"
#include "proto/watchlist.h"

#define TO_ALICE "{\"name\":\"hi\",\"channel\":\"#server-to-user-alice\",\"data\":\"1\"}"

/* Signs h in as the bearer's user through /broadcasting/user-auth. 1 on signin_success. */
static int signin(fx *f, int h, const char *sid, const char *bearer)
{
    char hdr[64], body[96], msg[1024];
    snprintf(hdr, sizeof hdr, "Bearer %s", bearer);
    int n = snprintf(body, sizeof body, "socket_id=%s", sid);
    if (fx_http_raw(f, "POST", "/broadcasting/user-auth", "", body, (size_t)n, hdr,
                    "application/x-www-form-urlencoded") != 200)
        return 0;
    const char *auth = cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "auth"));
    const char *ud = cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "user_data"));
    char *q = ud ? rh_json_quote(ud, strlen(ud)) : NULL;
    if (!auth || !q) {
        free(q);
        return 0;
    }
    snprintf(msg, sizeof msg,
             "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"%s\",\"user_data\":%s}}", auth, q);
    free(q);
    rh_srv_conn_message(f->srv, f->conns[h], msg, strlen(msg), 0);
    return fx_frame_text(f, h, "pusher:signin_success", 0) != NULL;
}

/* protocol §18.2: unit test */
static void test_user_events_and_terminate(void **state)
{
    (void)state;
    fx *f = fx_new();
    char s1[48], s2[48], s3[48], s4[48];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    fx_connect(f, 3, s3, sizeof s3);
    fx_connect(f, 4, s4, sizeof s4); /* never signs in */
    assert_int_equal(signin(f, 1, s1, "alice-token"), 1);
    assert_int_equal(signin(f, 2, s2, "alice-token"), 1);
    assert_int_equal(signin(f, 3, s3, "bob-token"), 1);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, TO_ALICE), 200);
    assert_int_equal(fx_count(f, 1, "hi"), 1);
    assert_int_equal(fx_count(f, 2, "hi"), 1);
    assert_int_equal(fx_count(f, 3, "hi"), 0);
    assert_int_equal(fx_count(f, 4, "hi"), 0);
    /* terminate closes alice's two connections, not bob's */
    assert_int_equal(
        fx_http(f, "POST", "/apps/app-id/users/alice/terminate_connections", NULL, "{}"), 200);
    assert_non_null(fx_frame_text(f, 1, "pusher:error", 0));
    assert_non_null(strstr(fx_frame_text(f, 1, "pusher:error", 0), "4009"));
    assert_non_null(fx_frame_text(f, 2, "pusher:error", 0));
    assert_null(fx_frame_text(f, 3, "pusher:error", 0));
    fx_clear_frames(f);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, TO_ALICE), 200);
    assert_int_equal(fx_count(f, 1, "hi"), 0); /* closing: nothing more */
    fx_free(f);
}

/* protocol §18.1: unit test */
static void test_signin_refused(void **state)
{
    (void)state;
    fx *f = fx_new();
    char s1[48], msg[512];
    fx_connect(f, 1, s1, sizeof s1);
    snprintf(msg, sizeof msg,
             "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"app-key:%064d\",\"user_data\":"
             "\"{\\\"id\\\":\\\"alice\\\"}\"}}",
             0);
    rh_srv_conn_message(f->srv, f->conns[1], msg, strlen(msg), 0);
    assert_null(fx_frame_text(f, 1, "pusher:signin_success", 0));
    assert_non_null(strstr(fx_frame_text(f, 1, "pusher:error", 0), "4009"));
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, TO_ALICE), 200);
    assert_int_equal(fx_count(f, 1, "hi"), 0);
    /* the endpoint wants a bearer and a socket id */
    assert_int_equal(fx_http_raw(f, "POST", "/broadcasting/user-auth", "", "socket_id=1.2", 13,
                                 NULL, "application/x-www-form-urlencoded"),
                     401);
    assert_int_equal(fx_http_raw(f, "POST", "/broadcasting/user-auth", "", "socket_id=x", 11,
                                 "Bearer alice-token", "application/x-www-form-urlencoded"),
                     400);
    fx_free(f);
}

/* protocol §18.1: unit test (the sign-in timeout) */
static void test_signin_timeout(void **state)
{
    (void)state;
    fx *f = fx_new_cfg("{\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\","
                       "\"secret\":\"app-secret\",\"signin_timeout\":5}]}");
    char s1[48], s2[48], s3[48];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    fx_connect(f, 3, s3, sizeof s3);
    assert_int_equal(signin(f, 2, s2, "alice-token"), 1);
    assert_int_equal(fx_subscribe(f, 3, s3, "private-x"), 1);
    f->now_ms += 4999;
    rh_srv_tick(f->srv);
    assert_null(fx_frame_text(f, 1, "pusher:error", 0));
    f->now_ms += 1;
    rh_srv_tick(f->srv);
    assert_non_null(strstr(fx_frame_text(f, 1, "pusher:error", 0), "4009"));
    assert_null(fx_frame_text(f, 2, "pusher:error", 0));
    assert_null(fx_frame_text(f, 3, "pusher:error", 0));
    fx_free(f);
}

/* Signs h in with user_data ud, signed with the fixture app's secret as an app would. */
static void signin_ud(fx *f, int h, const char *sid, const char *ud)
{
    char auth[160], msg[4096];
    assert_int_equal(rh_sign_user("app-key", "app-secret", sid, ud, auth, sizeof auth), 0);
    char *q = rh_json_quote(ud, strlen(ud));
    snprintf(msg, sizeof msg,
             "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"%s\",\"user_data\":%s}}", auth, q);
    free(q);
    rh_srv_conn_message(f->srv, f->conns[h], msg, strlen(msg), 0);
}

#define WL        "pusher_internal:watchlist_events"
#define WATCH_BOB "{\"id\":\"alice\",\"watchlist\":[\"bob\",\"carol\"]}"

/* protocol §18.5: unit test */
static void test_watchlist(void **state)
{
    (void)state;
    fx *f = fx_new();
    char s1[48], s2[48], s3[48], s4[48], s5[48];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    fx_connect(f, 3, s3, sizeof s3);
    fx_connect(f, 4, s4, sizeof s4);
    fx_connect(f, 5, s5, sizeof s5);
    signin_ud(f, 1, s1, WATCH_BOB);
    assert_non_null(fx_frame_text(f, 1, "pusher:signin_success", 0));
    assert_int_equal(fx_count(f, 1, WL), 0); /* nobody watched is online */
    signin_ud(f, 2, s2, "{\"id\":\"bob\"}");
    assert_non_null(strstr(fx_frame_text(f, 1, WL, 0),
                           "{\"events\":[{\"name\":\"online\",\"user_ids\":[\"bob\"]}]}"));
    signin_ud(f, 3, s3, "{\"id\":\"bob\"}"); /* bob's second connection: no news */
    assert_int_equal(fx_count(f, 1, WL), 1);
    signin_ud(f, 4, s4, WATCH_BOB); /* bob is online now: told at once */
    assert_non_null(strstr(fx_frame_text(f, 4, WL, 0), "\"user_ids\":[\"bob\"]"));
    assert_int_equal(fx_count(f, 1, WL), 1); /* alice's second connection: no news */
    rh_srv_conn_closed(f->srv, f->conns[2]);
    assert_int_equal(fx_count(f, 1, WL), 1); /* bob still has a connection */
    rh_srv_conn_closed(f->srv, f->conns[3]);
    assert_int_equal(fx_count(f, 1, WL), 2);
    assert_non_null(strstr(fx_frame_text(f, 1, WL, 1), "\"name\":\"offline\""));
    assert_int_equal(fx_count(f, 4, WL), 2);
    /* 101 ids: 4302, not signed in */
    char ud[2048];
    size_t n = (size_t)snprintf(ud, sizeof ud, "{\"id\":\"dave\",\"watchlist\":[");
    for (int i = 0; i <= RH_WATCH_MAX; i++)
        n += (size_t)snprintf(ud + n, sizeof ud - n, "%s\"u%d\"", i ? "," : "", i);
    snprintf(ud + n, sizeof ud - n, "]}");
    signin_ud(f, 5, s5, ud);
    assert_null(fx_frame_text(f, 5, "pusher:signin_success", 0));
    assert_non_null(strstr(fx_frame_text(f, 5, "pusher:error", 0), "4302"));
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_events_and_terminate),
        cmocka_unit_test(test_signin_refused),
        cmocka_unit_test(test_signin_timeout),
        cmocka_unit_test(test_watchlist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
