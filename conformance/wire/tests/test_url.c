/* Unit tests of rw_url. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/url.h"

static void test_good(void **state)
{
    (void)state;
    rw_url u;
    char err[128];
    assert_int_equal(rw_url_parse("ws://127.0.0.1:6001/app/k?protocol=7", &u, err, sizeof err), 0);
    assert_string_equal(u.scheme, "ws");
    assert_int_equal(u.tls, 0);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6001);
    assert_string_equal(u.path, "/app/k");
    assert_string_equal(u.query, "protocol=7");
    assert_int_equal(rw_url_parse("HTTPS://example.org", &u, err, sizeof err), 0);
    assert_string_equal(u.scheme, "https");
    assert_int_equal(u.tls, 1);
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/");
    assert_string_equal(u.query, "");
    assert_int_equal(rw_url_parse("wss://[::1]:8443?x=1", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 8443);
    assert_string_equal(u.path, "/");
    assert_string_equal(u.query, "x=1");
    assert_int_equal(rw_url_parse("http://h", &u, err, sizeof err), 0);
    assert_int_equal(u.port, 80);
}

static void test_bad(void **state)
{
    (void)state;
    rw_url u;
    char err[128];
    const char *bad[] = {"ftp://h/",       "http:/h",     "http://",
                         "http://:80/",    "http://h:",   "http://h:0",
                         "http://h:65536", "http://h:8x", "http://u@h",
                         "http://h/a b",   "http://h/#f", "http://[::1/",
                         "ws://[::1]x",    NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = 0;
        assert_int_equal(rw_url_parse(bad[i], &u, err, sizeof err), -1);
        assert_true(err[0] != 0);
    }
    assert_int_equal(rw_url_parse(NULL, &u, err, sizeof err), -1);
    char longhost[400] = "http://";
    memset(longhost + 7, 'a', 300);
    assert_int_equal(rw_url_parse(longhost, &u, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
