/* Unit tests of api/: routing, signatures, the Pusher HTTP API and the authorizer, through
 * rh_srv_http with a fake edge (api_fixture.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "proto/httpsig.h"
#include "proto/sign.h"

static int setup(void **state)
{
    *state = fx_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static void assert_error_body(fx *f, int status, const char *needle)
{
    assert_int_equal(f->status, status);
    assert_non_null(f->json);
    assert_int_equal(fx_num(f->json, "code"), status);
    if (needle && !strstr(fx_error(f), needle)) {
        fprintf(stderr, "error \"%s\" lacks \"%s\"\n", fx_error(f), needle);
        fail();
    }
}

static void test_up_and_routing(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_http_raw(f, "GET", "/up", "", NULL, 0, NULL, NULL), 200);
    assert_string_equal(f->body, "{\"health\":\"OK\"}");
    assert_string_equal(f->ctype, "application/json");
    fx_http_raw(f, "POST", "/up", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 405, NULL);
    fx_http_raw(f, "GET", "/nope", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/apps/app-id/nope", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/apps/app-id//events", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/apps/app-id/streams/s1/nope", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/apps/app-id/events", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 405, NULL);
    fx_http_raw(f, "POST", "/apps/app-id/channels", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 405, NULL);
    fx_http_raw(f, "DELETE", "/apps/app-id/streams", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 405, NULL);
    fx_http_raw(f, "GET", "/broadcasting/auth", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 405, NULL);
    /* The edge hands the path over decoded once ("/%256Detrics" arrives as "/%6Detrics"):
     * routing must not decode it again into another resource. */
    fx_http_raw(f, "GET", "/%6Detrics", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/%75p", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    fx_http_raw(f, "GET", "/%61pps/app-id/channels", "", NULL, 0, NULL, NULL);
    assert_error_body(f, 404, NULL);
    /* unknown app: 404 even when signed */
    fx_http(f, "GET", "/apps/other-app/channels", NULL, NULL);
    assert_error_body(f, 404, "app");
    assert_string_equal(f->ctype, "application/json");
}

#ifdef RH_WITH_FAULTS
/* Teeth of the check above: the fault decodes the path a second time. */
static void test_double_decode_fault(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_fault(f, "path-double-decode"), 0);
    assert_int_equal(fx_http_raw(f, "GET", "/%75p", "", NULL, 0, NULL, NULL), 200);
}
#endif

/* protocol §6.1: unit test */
static void test_signature_failures(void **state)
{
    fx *f = *state;
    const char *path = "/apps/app-id/events";
    const char *body = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\"}";
    size_t blen = strlen(body);
    char q[1024];
    fx_http_raw(f, "POST", path, "", body, blen, NULL, NULL);
    assert_error_body(f, 401, "missing");

    char *good =
        fx_sign_query("app-key", "app-secret", "POST", path, (long)f->wall_s, body, blen, NULL);
    assert_int_equal(fx_http_raw(f, "POST", path, good, body, blen, NULL, NULL), 200);

    char *wrongkey =
        fx_sign_query("other-key", "app-secret", "POST", path, (long)f->wall_s, body, blen, NULL);
    fx_http_raw(f, "POST", path, wrongkey, body, blen, NULL, NULL);
    assert_error_body(f, 401, "auth_key");

    char *wrongsecret =
        fx_sign_query("app-key", "nope", "POST", path, (long)f->wall_s, body, blen, NULL);
    fx_http_raw(f, "POST", path, wrongsecret, body, blen, NULL, NULL);
    assert_error_body(f, 401, "auth_signature");

    char *stale = fx_sign_query("app-key", "app-secret", "POST", path, (long)f->wall_s - 601, body,
                                blen, NULL);
    fx_http_raw(f, "POST", path, stale, body, blen, NULL, NULL);
    assert_error_body(f, 401, "auth_timestamp");
    char *future = fx_sign_query("app-key", "app-secret", "POST", path, (long)f->wall_s + 601, body,
                                 blen, NULL);
    fx_http_raw(f, "POST", path, future, body, blen, NULL, NULL);
    assert_error_body(f, 401, "auth_timestamp");
    char *edge = fx_sign_query("app-key", "app-secret", "POST", path, (long)f->wall_s - 600, body,
                               blen, NULL);
    assert_int_equal(fx_http_raw(f, "POST", path, edge, body, blen, NULL, NULL), 200);

    /* body changed after signing: body_md5 mismatch */
    const char *body2 = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"y\"}";
    fx_http_raw(f, "POST", path, good, body2, strlen(body2), NULL, NULL);
    assert_error_body(f, 401, "body_md5");
    /* body_md5 absent with a body */
    char sig[RH_SIGN_HEX];
    snprintf(q, sizeof q, "auth_key=app-key&auth_timestamp=%ld&auth_version=1.0", (long)f->wall_s);
    rh_httpsig_sign("app-secret", "POST", path, q, sig);
    strcat(q, "&auth_signature=");
    strcat(q, sig);
    fx_http_raw(f, "POST", path, q, body, blen, NULL, NULL);
    assert_error_body(f, 401, "body_md5");

    /* bad version, correctly signed */
    snprintf(q, sizeof q, "auth_key=app-key&auth_timestamp=%ld&auth_version=2.0", (long)f->wall_s);
    rh_httpsig_sign("app-secret", "GET", "/apps/app-id/channels", q, sig);
    strcat(q, "&auth_signature=");
    strcat(q, sig);
    fx_http_raw(f, "GET", "/apps/app-id/channels", q, NULL, 0, NULL, NULL);
    assert_error_body(f, 401, "auth_version");

    /* signature made for another path */
    char *other = fx_sign_query("app-key", "app-secret", "GET", "/apps/app-id/x", (long)f->wall_s,
                                NULL, 0, NULL);
    fx_http_raw(f, "GET", "/apps/app-id/channels", other, NULL, 0, NULL, NULL);
    assert_error_body(f, 401, "auth_signature");
    /* tampered extra parameter after signing */
    char *withinfo = fx_sign_query("app-key", "app-secret", "GET", "/apps/app-id/channels",
                                   (long)f->wall_s, NULL, 0, "filter_by_prefix=a");
    char *tampered = strdup(withinfo);
    char *p = strstr(tampered, "filter_by_prefix=a");
    p[17] = 'b';
    fx_http_raw(f, "GET", "/apps/app-id/channels", tampered, NULL, 0, NULL, NULL);
    assert_error_body(f, 401, "auth_signature");
    /* a malformed query */
    fx_http_raw(f, "GET", "/apps/app-id/channels", "a=%zz", NULL, 0, NULL, NULL);
    assert_error_body(f, 400, "malformed");
    /* the control API is signed too, and a 401 changes nothing */
    fx_http_raw(f, "POST", "/apps/app-id/streams", "", "{}", 2, NULL, NULL);
    assert_error_body(f, 401, NULL);
    free(good);
    free(wrongkey);
    free(wrongsecret);
    free(stale);
    free(future);
    free(edge);
    free(other);
    free(withinfo);
    free(tampered);
}

/* protocol §6.2: unit test */
static void test_events_publish_and_exclusion(void **state)
{
    fx *f = *state;
    char s1[64], s2[64], s3[64], body[512];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    fx_connect(f, 3, s3, sizeof s3);
    assert_true(fx_subscribe(f, 1, s1, "my-channel"));
    assert_true(fx_subscribe(f, 2, s2, "my-channel"));
    assert_true(fx_subscribe(f, 3, s3, "other"));
    snprintf(body, sizeof body,
             "{\"name\":\"my-event\",\"channels\":[\"my-channel\",\"other\"],"
             "\"data\":\"{\\\"a\\\": 1,  \\\"b\\\":[true]}\",\"socket_id\":\"%s\"}",
             s2);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, body), 200);
    assert_string_equal(f->body, "{}");
    cJSON *fr[8];
    assert_int_equal(fx_frames(f, 1, "my-event", fr, 8), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fr[0], "channel")), "my-channel");
    /* data kept byte-exact as a string */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fr[0], "data")),
                        "{\"a\": 1,  \"b\":[true]}");
    fx_delete_all(fr, 1);
    assert_int_equal(fx_frames(f, 2, "my-event", fr, 8), 0); /* excluded by socket_id */
    assert_int_equal(fx_frames(f, 3, "my-event", fr, 8), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fr[0], "channel")), "other");
    fx_delete_all(fr, 1);

    /* info attributes */
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL,
                             "{\"name\":\"e\",\"channel\":\"my-channel\",\"data\":\"x\","
                             "\"info\":\"subscription_count\"}"),
                     200);
    cJSON *ch = cJSON_GetObjectItem(cJSON_GetObjectItem(f->json, "channels"), "my-channel");
    assert_int_equal(fx_num(ch, "subscription_count"), 2);
    fx_http(f, "POST", "/apps/app-id/events", NULL,
            "{\"name\":\"e\",\"channel\":\"my-channel\",\"data\":\"x\",\"info\":\"bogus\"}");
    assert_error_body(f, 400, NULL);
}

/* protocol §6.6: unit test */
static void test_events_limits(void **state)
{
    fx *f = *state;
    static char body[20000];
    fx_http(f, "POST", "/apps/app-id/events", NULL,
            "{\"name\":\"e\",\"channel\":\"c\",\"data\":{\"a\":1}}");
    assert_error_body(f, 400, NULL);
    fx_http(f, "POST", "/apps/app-id/events", NULL, "not json");
    assert_error_body(f, 400, NULL);
    fx_http(f, "POST", "/apps/app-id/events", NULL,
            "{\"name\":\"e\",\"channel\":\"bad name!\",\"data\":\"x\"}");
    assert_error_body(f, 400, NULL);
    /* data at and over the limit */
    for (int over = 0; over < 2; over++) {
        size_t n = 10240 + (size_t)over;
        int k = sprintf(body, "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"");
        memset(body + k, 'x', n);
        strcpy(body + k + n, "\"}");
        fx_http(f, "POST", "/apps/app-id/events", NULL, body);
        if (over)
            assert_error_body(f, 413, NULL);
        else
            assert_int_equal(f->status, 200);
    }
    /* 100 channels fine, 101 refused */
    for (int extra = 0; extra < 2; extra++) {
        int k = sprintf(body, "{\"name\":\"e\",\"data\":\"x\",\"channels\":[");
        for (int i = 0; i < 100 + extra; i++)
            k += sprintf(body + k, "%s\"c%d\"", i ? "," : "", i);
        strcpy(body + k, "]}");
        fx_http(f, "POST", "/apps/app-id/events", NULL, body);
        if (extra)
            assert_error_body(f, 400, NULL);
        else
            assert_int_equal(f->status, 200);
    }
    /* name over 200 bytes */
    int k = sprintf(body, "{\"channel\":\"c\",\"data\":\"x\",\"name\":\"");
    memset(body + k, 'n', 201);
    strcpy(body + k + 201, "\"}");
    fx_http(f, "POST", "/apps/app-id/events", NULL, body);
    assert_error_body(f, 400, NULL);
}

/* protocol §6.3: unit test */
static void test_batch_events(void **state)
{
    fx *f = *state;
    char s1[64], body[4096];
    fx_connect(f, 1, s1, sizeof s1);
    assert_true(fx_subscribe(f, 1, s1, "a"));
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/batch_events", NULL,
                             "{\"batch\":[{\"name\":\"e1\",\"channel\":\"a\",\"data\":\"1\"},"
                             "{\"name\":\"e2\",\"channel\":\"b\",\"data\":\"2\"},"
                             "{\"name\":\"e3\",\"channel\":\"a\",\"data\":\"3\"}]}"),
                     200);
    assert_string_equal(f->body, "{}");
    cJSON *fr[8];
    assert_int_equal(fx_frames(f, 1, NULL, fr, 8), 4); /* established, succeeded, e1, e3 */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fr[2], "event")), "e1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fr[3], "event")), "e3");
    fx_delete_all(fr, 4);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/batch_events", NULL,
                             "{\"batch\":[{\"name\":\"e1\",\"channel\":\"a\",\"data\":\"1\","
                             "\"info\":\"subscription_count\"},"
                             "{\"name\":\"e2\",\"channel\":\"b\",\"data\":\"2\"}]}"),
                     200);
    cJSON *arr = cJSON_GetObjectItem(f->json, "batch");
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    assert_int_equal(fx_num(cJSON_GetArrayItem(arr, 0), "subscription_count"), 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(arr, 1)), 0);
    for (int n = 10; n <= 11; n++) {
        int k = sprintf(body, "{\"batch\":[");
        for (int i = 0; i < n; i++)
            k += sprintf(body + k, "%s{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\"}",
                         i ? "," : "");
        strcpy(body + k, "]}");
        fx_http(f, "POST", "/apps/app-id/batch_events", NULL, body);
        if (n == 11)
            assert_error_body(f, 400, NULL);
        else
            assert_int_equal(f->status, 200);
    }
    fx_http(f, "POST", "/apps/app-id/batch_events", NULL, "{\"batch\":[]}");
    assert_error_body(f, 400, NULL);
}

/* protocol §6.4: unit test */
static void test_channel_queries(void **state)
{
    fx *f = *state;
    char s1[64], s2[64];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    assert_true(fx_subscribe(f, 1, s1, "presence-room"));
    assert_true(fx_subscribe(f, 2, s2, "presence-room"));
    assert_true(fx_subscribe(f, 1, s1, "news"));
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels", NULL, NULL), 200);
    cJSON *chs = cJSON_GetObjectItem(f->json, "channels");
    assert_int_equal(cJSON_GetArraySize(chs), 2);
    assert_non_null(cJSON_GetObjectItem(chs, "news"));
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels", "filter_by_prefix=presence-", NULL),
                     200);
    chs = cJSON_GetObjectItem(f->json, "channels");
    assert_int_equal(cJSON_GetArraySize(chs), 1);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels",
                             "filter_by_prefix=presence-&info=user_count", NULL),
                     200);
    chs = cJSON_GetObjectItem(f->json, "channels");
    assert_int_equal(fx_num(cJSON_GetObjectItem(chs, "presence-room"), "user_count"), 2);
    fx_http(f, "GET", "/apps/app-id/channels", "info=user_count", NULL);
    assert_error_body(f, 400, "presence-");

    assert_int_equal(
        fx_http(f, "GET", "/apps/app-id/channels/news", "info=subscription_count", NULL), 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "occupied")));
    assert_int_equal(fx_num(f->json, "subscription_count"), 1);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels/empty", NULL, NULL), 200);
    assert_string_equal(f->body, "{\"occupied\":false}");
    fx_http(f, "GET", "/apps/app-id/channels/news", "info=user_count", NULL);
    assert_error_body(f, 400, NULL);
    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels/presence-room",
                             "info=user_count,subscription_count", NULL),
                     200);
    assert_int_equal(fx_num(f->json, "user_count"), 2);
    assert_int_equal(fx_num(f->json, "subscription_count"), 2);
    fx_http(f, "GET", "/apps/app-id/channels/bad!name", NULL, NULL);
    assert_error_body(f, 400, NULL);

    assert_int_equal(fx_http(f, "GET", "/apps/app-id/channels/presence-room/users", NULL, NULL),
                     200);
    cJSON *users = cJSON_GetObjectItem(f->json, "users");
    assert_int_equal(cJSON_GetArraySize(users), 2);
    const char *id0 = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(users, 0), "id"));
    assert_true(strcmp(id0, "u1") == 0 || strcmp(id0, "u2") == 0);
    fx_http(f, "GET", "/apps/app-id/channels/news/users", NULL, NULL);
    assert_error_body(f, 400, "presence");
}

/* --- authorizer --------------------------------------------------------------------------- */

static int auth(fx *f, const char *bearer, const char *body, const char *ctype)
{
    char h[128];
    if (bearer)
        snprintf(h, sizeof h, "Bearer %s", bearer);
    return fx_http_raw(f, "POST", "/broadcasting/auth", "", body, strlen(body), bearer ? h : NULL,
                       ctype);
}

static const char *FORM_CT = "application/x-www-form-urlencoded";

/* protocol §8.1: unit test */
static void test_authorizer(void **state)
{
    fx *f = *state;
    const char *ch = "private-workspace.acme.thread.t1";
    const char *form = "socket_id=123.456&channel_name=private-workspace.acme.thread.t1";
    auth(f, NULL, form, FORM_CT);
    assert_error_body(f, 401, "bearer");
    auth(f, "nobody-token", form, FORM_CT);
    assert_error_body(f, 401, NULL);
    fx_http_raw(f, "POST", "/broadcasting/auth", "", form, strlen(form), "Basic abc", FORM_CT);
    assert_error_body(f, 401, NULL);

    /* form body, member */
    assert_int_equal(auth(f, "alice-token", form, FORM_CT), 200);
    char want[200];
    rh_sign_channel("app-key", "app-secret", "123.456", ch, NULL, want, sizeof want);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "auth")), want);
    assert_null(cJSON_GetObjectItem(f->json, "channel_data"));
    /* JSON body, same signature */
    assert_int_equal(auth(f, "alice-token",
                          "{\"socket_id\":\"123.456\",\"channel_name\":"
                          "\"private-workspace.acme.thread.t1\"}",
                          "application/json"),
                     200);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "auth")), want);
    /* JSON detected without a content type */
    assert_int_equal(auth(f, "alice-token",
                          " {\"socket_id\":\"123.456\",\"channel_name\":"
                          "\"private-workspace.acme.thread.t1\"}",
                          NULL),
                     200);

    /* non-member */
    auth(f, "bob-token", form, FORM_CT);
    assert_error_body(f, 403, "member");
    auth(f, "bob-token",
         "{\"socket_id\":\"123.456\",\"channel_name\":\"private-workspace.acme.thread.t1\"}",
         "application/json");
    assert_error_body(f, 403, "member");
    assert_int_equal(auth(f, "bob-token",
                          "socket_id=1.2&channel_name=private-workspace.globex.thread.x", FORM_CT),
                     200);

    /* bad socket_id (checked before the channel) */
    auth(f, "alice-token", "socket_id=abc&channel_name=nope", FORM_CT);
    assert_error_body(f, 400, "socket_id");
    auth(f, "alice-token", "channel_name=private-workspace.acme.thread.t1", FORM_CT);
    assert_error_body(f, 400, "socket_id");
    auth(f, "alice-token", "{\"socket_id\":1.5,\"channel_name\":\"x\"}", "application/json");
    assert_error_body(f, 400, "socket_id");
    /* malformed bodies */
    auth(f, "alice-token", "{\"socket_id\":", "application/json");
    assert_error_body(f, 400, NULL);
    auth(f, "alice-token", "socket_id=%zz", FORM_CT);
    assert_error_body(f, 400, NULL);
    auth(f, "alice-token", "socket_id=1.2", FORM_CT);
    assert_error_body(f, 400, "channel_name");
    /* channels that are not stream channels */
    const char *bad[] = {"private-other",
                         "public-workspace.acme.thread.t1",
                         "private-workspace.acme.thread.",
                         "private-workspace.ac!me.thread.t",
                         "private-encrypted-other",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char b[256];
        snprintf(b, sizeof b, "socket_id=1.2&channel_name=%s", bad[i]);
        auth(f, "alice-token", b, FORM_CT);
        assert_error_body(f, 403, NULL);
    }
    /* presence: channel_data of the user, signed with it */
    assert_int_equal(auth(f, "alice-token",
                          "socket_id=1.2&channel_name=presence-workspace.acme.thread.t1", FORM_CT),
                     200);
    const char *cd = cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "channel_data"));
    assert_string_equal(cd, "{\"user_id\":\"alice\",\"user_info\":{\"name\":\"alice\"}}");
    rh_sign_channel("app-key", "app-secret", "1.2", "presence-workspace.acme.thread.t1", cd, want,
                    sizeof want);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "auth")), want);
    auth(f, "bob-token", "socket_id=1.2&channel_name=presence-workspace.acme.thread.t1", FORM_CT);
    assert_error_body(f, 403, NULL);
}

/* A signature from the authorizer lets a real connection subscribe. */
/* protocol §8.2: unit test */
static void test_authorizer_signature_subscribes(void **state)
{
    fx *f = *state;
    char s1[64], body[256], msg[512];
    fx_connect(f, 1, s1, sizeof s1);
    snprintf(body, sizeof body, "socket_id=%s&channel_name=private-workspace.acme.thread.t1", s1);
    assert_int_equal(auth(f, "alice-token", body, FORM_CT), 200);
    snprintf(msg, sizeof msg,
             "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":"
             "\"private-workspace.acme.thread.t1\",\"auth\":\"%s\"}}",
             cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "auth")));
    rh_srv_conn_message(f->srv, f->conns[1], msg, strlen(msg), 0);
    cJSON *fr[4];
    assert_int_equal(fx_frames(f, 1, "pusher_internal:subscription_succeeded", fr, 4), 1);
    fx_delete_all(fr, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_up_and_routing),
#ifdef RH_WITH_FAULTS
        T(test_double_decode_fault),
#endif
        T(test_signature_failures),
        T(test_events_publish_and_exclusion),
        T(test_events_limits),
        T(test_batch_events),
        T(test_channel_queries),
        T(test_authorizer),
        T(test_authorizer_signature_subscribes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
