/* Unit tests of the suite's transport without the runner: its reader of HTTP responses
 * (rc_http_parse, over conformance/wire's head parser and chunked decoder; the frame codec's
 * tests are in conformance/wire/tests), including the inputs fuzzing made us tighten (chunk
 * sizes that are not hex at the start of their line, chunk data not followed by CRLF, NUL
 * bytes in the head, a negative Content-Length), and findings reported through rc_hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/http_resp.h"
#include "client/io.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static int http(const char *in, size_t n, int eof, const char *method, rc_http_resp *r)
{
    const char *why = NULL;
    memset(r, 0, sizeof *r);
    int rc = rc_http_parse(in, n, eof, method, r, &why);
    if (rc < 0)
        assert_non_null(why);
    return rc;
}

static void test_http_content_length(void **state)
{
    (void)state;
    rc_http_resp r;
    const char *full = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}trailing";
    assert_int_equal(http(full, 30, 0, "GET", &r), 1); /* head only */
    assert_int_equal(http(full, strlen(full), 0, "GET", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 7);
    assert_string_equal(r.body, "{\"a\":1}");
    assert_non_null(r.json);
    rc_http_resp_free(&r);
    /* HEAD and 204 have no body whatever Content-Length says. */
    assert_int_equal(http(S("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), 0, "HEAD", &r), 0);
    assert_int_equal(r.body_len, 0);
    rc_http_resp_free(&r);
    assert_int_equal(http(S("HTTP/1.1 204 No\r\nContent-Length: 9\r\n\r\n"), 0, "GET", &r), 0);
    rc_http_resp_free(&r);
    assert_int_equal(http(S("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx"), 1, "GET", &r), -1);
    assert_int_equal(http(S("HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nxx"), 0, "GET", &r), -1);
}

static void test_http_close_delimited(void **state)
{
    (void)state;
    rc_http_resp r;
    const char *in = "HTTP/1.0 500 Oops\r\nX: y\r\n\r\nbody";
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), 1);
    assert_int_equal(http(in, strlen(in), 1, "GET", &r), 0);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "body");
    assert_null(r.json);
    rc_http_resp_free(&r);
}

static void test_http_chunked(void **state)
{
    (void)state;
    rc_http_resp r;
    const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    char in[256];
    snprintf(in, sizeof in, "%s3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n", h);
    assert_int_equal(http(in, strlen(in) - 2, 0, "GET", &r), 1);
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), 0);
    assert_int_equal(r.body_len, 13);
    assert_string_equal(r.body, "abc0123456789");
    rc_http_resp_free(&r);
    /* Trailer lines after the last chunk. */
    snprintf(in, sizeof in, "%s1\r\nx\r\n0\r\nT: v\r\n\r\n", h);
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), 0);
    assert_string_equal(r.body, "x");
    rc_http_resp_free(&r);
    /* Malformed: no hex size; a size after blanks (strtoull used to skip them, line breaks
     * included); data longer than its size. */
    snprintf(in, sizeof in, "%szz\r\n", h);
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), -1);
    snprintf(in, sizeof in, "%s\r\n3\r\nabc\r\n0\r\n\r\n", h);
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), -1);
    snprintf(in, sizeof in, "%s2\r\nabc\r\n0\r\n\r\n", h);
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), -1);
    snprintf(in, sizeof in, "%sffffffffffffffffffff\r\n", h);
    assert_int_equal(http(in, strlen(in), 0, "GET", &r), -1);
}

static void test_http_head(void **state)
{
    (void)state;
    rc_http_resp r;
    assert_int_equal(http(S("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"), 1, "GET", &r), -1);
    assert_int_equal(http(S("SMTP 220 hi\r\n\r\n"), 1, "GET", &r), -1);
    assert_int_equal(http(S("HTTP/1.1 20 OK\r\n\r\n"), 1, "GET", &r), -1);
    /* Not NUL-terminated: the parser reads only what it is given. */
    char *in = malloc(22);
    memcpy(in, "HTTP/1.1 200 OK\r\n\r\nabc", 22);
    assert_int_equal(http(in, 22, 1, "GET", &r), 0);
    assert_string_equal(r.body, "abc");
    rc_http_resp_free(&r);
    free(in);
}

typedef struct seen {
    int errors, fails, timeouts;
    char last[256];
} seen;

static void on_report(void *ud, rc_hook_kind kind, const char *msg, const char *exp,
                      const char *got)
{
    seen *s = ud;
    (void)exp;
    (void)got;
    if (kind == RC_HOOK_ERROR)
        s->errors++;
    else
        s->fails++;
    snprintf(s->last, sizeof s->last, "%s", msg);
}

static int on_timeout(void *ud, int ms)
{
    ((seen *)ud)->timeouts++;
    return ms < 0 || ms > 500 ? 500 : ms;
}

/* The transport links and reports without the runner: a refused connect is one ERROR finding
 * through the hooks, and the deadline came from them. */
static void test_hooks_without_runner(void **state)
{
    (void)state;
    seen s = {0};
    rc_hooks h = {.ud = &s, .report = on_report, .timeout = on_timeout};
    rc_endpoint ep = {.host = "127.0.0.1", .port = 1};
    rc_http_resp r;
    assert_int_equal(rc_http_request(&h, &ep, "GET", "/", NULL, NULL, 0, &r), -1);
    assert_int_equal(s.errors, 1);
    assert_int_equal(s.fails, 0);
    assert_true(s.timeouts >= 1);
    assert_non_null(strstr(s.last, "127.0.0.1:1"));
    assert_null(rc_ws_connect(&h, &ep, "/app/k", NULL, 0, NULL));
    assert_int_equal(s.errors, 2);
    /* expect_failure: quiet. */
    assert_null(rc_ws_connect(&h, &ep, "/app/k", NULL, 1, NULL));
    assert_int_equal(s.errors, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_content_length),  cmocka_unit_test(test_http_close_delimited),
        cmocka_unit_test(test_http_chunked),         cmocka_unit_test(test_http_head),
        cmocka_unit_test(test_hooks_without_runner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
