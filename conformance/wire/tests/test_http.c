/* Unit tests of rw_http: the response-head parser (every prefix of every input is PARTIAL or,
 * for a bad input, ERROR; never a wrong success), header lookup, framing, the formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/http.h"

static const char *good[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 2\r\n\r\n",
    ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
    "HTTP/1.0 204\r\n\r\n",
    "HTTP/1.1 401 Unauthorized\r\nConnection: keep-alive, close\r\nX-Empty:\r\n\r\n",
};

/* Sizes from sizeof, so an input may hold a NUL. */
#define B(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof lit - 1                                                                        \
    }
static const struct {
    const char *s;
    size_t n;
} bad[] = {
    B("SSH-2.0-x\r\n\r\n"),
    B("HTTP/2 200 OK\r\n\r\n"),
    B("HTTP/1.1 20 OK\r\n\r\n"),
    B("HTTP/1.1 200OK\r\n\r\n"),
    B("HTTP/1.1 099 x\r\n\r\n"),
    B("HTTP/1.1 200 OK\nX: y\r\n\r\n"),
    B("HTTP/1.1 200 OK\r\nX y\r\n\r\n"),
    B("HTTP/1.1 200 OK\r\n: y\r\n\r\n"),
    B("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"),
    B("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"),
};

static void test_every_prefix(void **state)
{
    (void)state;
    rw_header h[16];
    rw_http_head hd;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t n = strlen(good[i]);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(rw_http_parse_head(good[i], k, &hd, h, 16), RW_HTTP_PARTIAL);
        assert_int_equal(rw_http_parse_head(good[i], n, &hd, h, 16), (int)n);
        assert_int_equal(hd.head_len, n);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(rw_http_parse_head(bad[i].s, bad[i].n, &hd, h, 16), RW_HTTP_ERROR);
        for (size_t k = 0; k < bad[i].n; k++) {
            int r = rw_http_parse_head(bad[i].s, k, &hd, h, 16);
            assert_true(r == RW_HTTP_PARTIAL || r == RW_HTTP_ERROR);
        }
    }
}

static void test_fields(void **state)
{
    (void)state;
    rw_header h[16];
    rw_http_head hd;
    assert_true(rw_http_parse_head(good[0], strlen(good[0]), &hd, h, 16) > 0);
    assert_int_equal(hd.status, 200);
    assert_int_equal(hd.minor_version, 1);
    assert_int_equal(hd.reason.n, 2);
    assert_memory_equal(hd.reason.p, "OK", 2);
    assert_int_equal(hd.nheaders, 2);
    char v[8];
    assert_int_equal(rw_http_header_copy(&hd, "CONTENT-LENGTH", v, sizeof v), 1);
    assert_string_equal(v, "2");
    assert_int_equal(rw_http_header_copy(&hd, "Content-Type", v, sizeof v), 1);
    assert_string_equal(v, "applica"); /* cut to fit */
    assert_int_equal(rw_http_header_copy(&hd, "X-None", v, sizeof v), 0);
    rw_body_kind k;
    uint64_t len;
    assert_int_equal(rw_http_framing(&hd, "GET", &k, &len), 0);
    assert_int_equal(k, RW_BODY_LENGTH);
    assert_int_equal(len, 2);
    assert_int_equal(rw_http_framing(&hd, "HEAD", &k, &len), 0);
    assert_int_equal(k, RW_BODY_NONE);
    assert_true(rw_http_parse_head(good[3], strlen(good[3]), &hd, h, 16) > 0);
    assert_int_equal(rw_http_has_token(&hd, "connection", "close"), 1);
    assert_int_equal(rw_http_has_token(&hd, "connection", "clos"), 0);
    assert_int_equal(rw_http_header_copy(&hd, "X-Empty", v, sizeof v), 1);
    assert_string_equal(v, "");
    assert_int_equal(rw_http_framing(&hd, "GET", &k, &len), 0);
    assert_int_equal(k, RW_BODY_EOF);
    const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    assert_true(rw_http_parse_head(ch, strlen(ch), &hd, h, 16) > 0);
    assert_int_equal(rw_http_framing(&hd, "GET", &k, &len), 0);
    assert_int_equal(k, RW_BODY_CHUNKED);
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n";
    assert_true(rw_http_parse_head(cl, strlen(cl), &hd, h, 16) > 0);
    assert_int_equal(rw_http_framing(&hd, "GET", &k, &len), -1);
    /* More headers than room is an error, not a silent cut. */
    assert_int_equal(rw_http_parse_head(good[1], strlen(good[1]), &hd, h, 2), RW_HTTP_ERROR);
}

static void test_format(void **state)
{
    (void)state;
    rw_http_req r = {.method = "POST",
                     .target = "/apps/1/events?x=1",
                     .host = "h",
                     .port = 80,
                     .user_agent = "ua",
                     .body = "{}",
                     .body_len = 2};
    const char *want = "POST /apps/1/events?x=1 HTTP/1.1\r\nHost: h:80\r\nConnection: close\r\n"
                       "User-Agent: ua\r\nContent-Length: 2\r\nContent-Type: application/json\r\n"
                       "\r\n{}";
    char out[512];
    assert_int_equal(rw_http_format(NULL, 0, &r), strlen(want));
    assert_int_equal(rw_http_format(out, sizeof out, &r), strlen(want));
    assert_string_equal(out, want);
    rw_http_req g = {.method = "GET",
                     .target = "/",
                     .host = "h",
                     .keep_alive = 1,
                     .headers = "Content-Type: text/plain\r\n",
                     .body = "x",
                     .body_len = 1};
    assert_int_equal(rw_http_format(out, sizeof out, &g),
                     strlen("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
                            "Content-Type: text/plain\r\n\r\nx"));
    assert_string_equal(out, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
                             "Content-Type: text/plain\r\n\r\nx");
    size_t glen = strlen(out), n = 0;
    char *a = rw_http_format_alloc(&g, &n);
    assert_int_equal(n, glen);
    assert_string_equal(a, out);
    free(a);
    /* Too small: nothing is promised but the length. */
    assert_int_equal(rw_http_format(out, 10, &g), glen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
