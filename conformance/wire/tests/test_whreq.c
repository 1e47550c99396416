/* Unit tests of rw_whreq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/whreq.h"

#define REQ                                                                                        \
    "POST /hooks?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"                    \
    "X-Pusher-Key: app-key\r\nx-pusher-signature:  abc \r\nContent-Length: 5\r\n\r\nhello"

static void test_request(void **state)
{
    (void)state;
    rw_whreq r;
    size_t n = strlen(REQ);
    assert_int_equal(rw_whreq_parse(REQ, n, &r), (int)n);
    assert_int_equal(r.total, n);
    assert_memory_equal(r.method.p, "POST", 4);
    assert_int_equal(r.target.n, 10);
    assert_memory_equal(r.target.p, "/hooks?x=1", 10);
    assert_int_equal(r.key.n, 7);
    assert_memory_equal(r.signature.p, "abc", 3);
    assert_int_equal(r.signature.n, 3);
    assert_int_equal(r.body.n, 5);
    assert_memory_equal(r.body.p, "hello", 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rw_whreq_parse(REQ, i, &r), RW_HTTP_PARTIAL);
    /* pipelined: the first request's length only */
    char two[512];
    snprintf(two, sizeof two, "%s%s", REQ, REQ);
    assert_int_equal(rw_whreq_parse(two, strlen(two), &r), (int)n);
}

static void test_bad_requests(void **state)
{
    (void)state;
    const char *bad[] = {
        "POST /h HTTP/2.0\r\nContent-Length: 0\r\n\r\n",
        "POST /h\r\nContent-Length: 0\r\n\r\n",
        "POST /h HTTP/1.1\r\n\r\n",
        "POST /h HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST /h HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
        "POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /h HTTP/1.1\r\nno colon\r\n\r\n",
        "POST /h HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        " /h HTTP/1.1\r\n\r\n",
        NULL,
    };
    rw_whreq r;
    for (int i = 0; bad[i]; i++)
        assert_int_equal(rw_whreq_parse(bad[i], strlen(bad[i]), &r), RW_HTTP_ERROR);
}

static void test_body(void **state)
{
    (void)state;
    char why[96];
    const char *ok = "{\"time_ms\":1327078148132,\"events\":[{\"name\":\"channel_occupied\","
                     "\"channel\":\"c\"}]}";
    cJSON *root = rw_whbody_parse(ok, strlen(ok), why, sizeof why);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "events")), 1);
    cJSON_Delete(root);
    const char *bad[] = {"",
                         "[]",
                         "{\"events\":[]}",
                         "{\"time_ms\":1.5,\"events\":[]}",
                         "{\"time_ms\":\"1\",\"events\":[]}",
                         "{\"time_ms\":1}",
                         "{\"time_ms\":1,\"events\":[1]}",
                         "{\"time_ms\":1,\"events\":[{\"name\":2}]}",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        why[0] = '\0';
        assert_null(rw_whbody_parse(bad[i], strlen(bad[i]), why, sizeof why));
        assert_true(why[0] != '\0');
    }
    assert_null(rw_whbody_parse(NULL, 0, why, sizeof why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
