#include "th.h"

#include "proto/httpedge.h"

static void test_framing(void **state)
{
    (void)state;
    assert_int_equal(rh_httpedge_framing_of(0, 0), RH_HTTPEDGE_NO_BODY);
    assert_int_equal(rh_httpedge_framing_of(1, 0), RH_HTTPEDGE_LENGTH);
    assert_int_equal(rh_httpedge_framing_of(0, 1), RH_HTTPEDGE_CHUNKED);
    assert_int_equal(rh_httpedge_framing_of(1, 1), RH_HTTPEDGE_AMBIGUOUS);
}

static void test_request_line_echo(void **state)
{
    (void)state;
    /* the pipelined re-read: the body chunk is the request's own first bytes */
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("POST /up HTTP/1.1\r\n")), 1);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("P")), 1);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("POST")), 1);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("POST ")), 1);
    assert_int_equal(rh_httpedge_body_is_request_line("PUT", S("PUT /x")), 1);
    /* lws reads a method in any case, so a pipelined "get" is a request line too */
    assert_int_equal(rh_httpedge_body_is_request_line("GET", S("get /apps HTTP/1.1\r\n")), 1);
    /* ordinary bodies */
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("{\"name\":\"e\"}")), 0);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("POSTAL")), 0);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("OST /up")), 0);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", S("a")), 0);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", NULL, 0), 0);
    assert_int_equal(rh_httpedge_body_is_request_line("POST", "", 0), 0);
    assert_int_equal(rh_httpedge_body_is_request_line(NULL, S("POST ")), 0);
    assert_int_equal(rh_httpedge_body_is_request_line("", S("POST ")), 0);
}

static void test_fd_cap(void **state)
{
    (void)state;
    assert_int_equal(rh_httpedge_fd_cap(20000), 20000 - 64);
    assert_int_equal(rh_httpedge_fd_cap(1024), 1024 - 64);
    assert_int_equal(rh_httpedge_fd_cap(64), 48);
    assert_int_equal(rh_httpedge_fd_cap(3), 3);
    assert_int_equal(rh_httpedge_fd_cap(0), 0);
    assert_int_equal(rh_httpedge_fd_cap(~0ull), 1048576 - 64); /* RLIM_INFINITY */
}

static void test_close_utf8(void **state)
{
    (void)state;
    unsigned char bad[] = {0x03, 0xe8, 'o', 0xff, 'k'};
    assert_int_equal(rh_httpedge_close_fix_utf8(bad, sizeof bad), 1);
    unsigned char want[] = {0x03, 0xef, '?', '?', '?'};
    assert_memory_equal(bad, want, sizeof want);
    unsigned char good[] = {0x03, 0xe8, 'b', 0xc3, 0xa9};
    assert_int_equal(rh_httpedge_close_fix_utf8(good, sizeof good), 0);
    assert_int_equal(good[1], 0xe8);
    unsigned char code_only[] = {0x03, 0xe8};
    assert_int_equal(rh_httpedge_close_fix_utf8(code_only, 2), 0);
    assert_int_equal(rh_httpedge_close_fix_utf8(NULL, 0), 0);
}

static void test_redact(void **state)
{
    (void)state;
    char out[128];
    assert_string_equal(rh_httpedge_redact_query("token=alice-token", out, sizeof out),
                        "token=REDACTED");
    assert_string_equal(rh_httpedge_redact_query(
                            "auth_key=k&auth_timestamp=1&AUTH_SIGNATURE=ab12&x=1", out, sizeof out),
                        "auth_key=k&auth_timestamp=1&AUTH_SIGNATURE=REDACTED&x=1");
    assert_string_equal(rh_httpedge_redact_query("a=1&secret=s&b", out, sizeof out),
                        "a=1&secret=REDACTED&b");
    assert_string_equal(rh_httpedge_redact_query("tokens=1&token", out, sizeof out),
                        "tokens=1&token");
    assert_string_equal(rh_httpedge_redact_query("", out, sizeof out), "");
    assert_string_equal(rh_httpedge_redact_query(NULL, out, sizeof out), "");
    char small[8];
    assert_string_equal(rh_httpedge_redact_query("token=abcdef&x=1", small, sizeof small),
                        "token=R");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing), cmocka_unit_test(test_request_line_echo),
        cmocka_unit_test(test_fd_cap),  cmocka_unit_test(test_close_utf8),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
