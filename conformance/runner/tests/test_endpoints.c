/* Unit tests of the endpoints per role: option resolution (rc_ep_resolve through
 * rc_cli_parse), URL parsing and the routing of each request to its role. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <string.h>

#include <cmocka.h>

#include "runner/cli.h"
#include "runner/endpoints.h"

static int parse(rc_opts *o, int argc, const char **argv)
{
    optind = 1;
    return rc_cli_parse(argc, (char **)argv, o);
}

static void test_defaults_from_positional(void **state)
{
    (void)state;
    rc_opts o;
    const char *a[] = {"rehome-conform", "http://127.0.0.1:8080"};
    assert_int_equal(parse(&o, 2, a), 0);
    for (int r = 0; r < RC_ROLES; r++) {
        assert_string_equal(o.t.ep[r].host, "127.0.0.1");
        assert_int_equal(o.t.ep[r].port, 8080);
        assert_int_equal(o.t.ep[r].tls, 0);
        assert_int_equal(o.t.ep[r].given, 0);
    }
    assert_string_equal(o.t.ep[RC_ROLE_AUTH].path, "/broadcasting/auth");
    assert_string_equal(o.t.ep[RC_ROLE_AUTH].url, "http://127.0.0.1:8080/broadcasting/auth");
    assert_string_equal(o.t.auth_path, "/broadcasting/auth");
    assert_string_equal(o.t.host, "127.0.0.1");
    assert_string_equal(o.t.base_url, "http://127.0.0.1:8080");
    assert_null(o.producer);
    assert_string_equal(o.producer_desc, "control");
    /* --auth-path still moves the default authorizer, trailing slash or not */
    const char *b[] = {"rehome-conform", "--auth-path", "/api/auth", "https://h:1/"};
    assert_int_equal(parse(&o, 4, b), 0);
    assert_string_equal(o.t.ep[RC_ROLE_AUTH].url, "https://h:1/api/auth");
    assert_int_equal(o.t.ep[RC_ROLE_AUTH].tls, 1);
}

static void test_split_roles(void **state)
{
    (void)state;
    rc_opts o;
    const char *a[] = {"rehome-conform",
                       "--ws-url",
                       "http://127.0.0.1:6001",
                       "--api-url",
                       "http://127.0.0.1:6001",
                       "--auth-url",
                       "https://app.example:8443/broadcasting/auth",
                       "--control-url",
                       "https://[::1]:9000",
                       "--producer",
                       "exec:python3 drv.py --x"};
    assert_int_equal(parse(&o, 11, a), 0); /* no positional URL needed */
    assert_string_equal(o.t.host, "127.0.0.1");
    assert_int_equal(o.t.port, 6001);
    assert_int_equal(o.t.ep[RC_ROLE_AUTH].tls, 1);
    assert_int_equal(o.t.ep[RC_ROLE_AUTH].port, 8443);
    assert_string_equal(o.t.auth_path, "/broadcasting/auth");
    assert_string_equal(o.t.ep[RC_ROLE_CONTROL].host, "::1");
    assert_int_equal(o.t.ep[RC_ROLE_CONTROL].port, 9000);
    assert_int_equal(o.t.ep[RC_ROLE_CONTROL].given, 1);
    assert_string_equal(o.producer, "python3 drv.py --x");
    /* one role overridden, the others from the positional URL */
    const char *b[] = {"rehome-conform", "--control-url", "http://c:2", "http://w:1"};
    assert_int_equal(parse(&o, 4, b), 0);
    assert_string_equal(o.t.ep[RC_ROLE_CONTROL].host, "c");
    assert_string_equal(o.t.ep[RC_ROLE_API].host, "w");
    assert_int_equal(o.t.ep[RC_ROLE_API].given, 0);
    assert_string_equal(o.t.ep[RC_ROLE_AUTH].url, "http://w:1/broadcasting/auth");
}

static void test_refused(void **state)
{
    (void)state;
    rc_opts o;
    /* three of four roles without a positional URL */
    const char *a[] = {"rehome-conform", "--ws-url",   "http://a:1",     "--api-url",
                       "http://a:1",     "--auth-url", "http://a:2/auth"};
    assert_int_equal(parse(&o, 7, a), -1);
    /* the authorizer needs its path; the others must not have one */
    const char *b[] = {"rehome-conform", "--auth-url", "http://a:2", "http://a:1"};
    assert_int_equal(parse(&o, 4, b), -1);
    const char *c[] = {"rehome-conform", "--control-url", "http://a:2/x", "http://a:1"};
    assert_int_equal(parse(&o, 4, c), -1);
    const char *d[] = {"rehome-conform", "--auth-path",  "/a",
                       "--auth-url",     "http://a:2/b", "http://a:1"};
    assert_int_equal(parse(&o, 6, d), -1);
    const char *e[] = {"rehome-conform", "--ws-url", "ws://a:1", "http://a:1"};
    assert_int_equal(parse(&o, 4, e), -1);
    const char *f[] = {"rehome-conform", "--producer", "exec:", "http://a:1"};
    assert_int_equal(parse(&o, 4, f), -1);
    const char *g[] = {"rehome-conform", "--producer", "http", "http://a:1"};
    assert_int_equal(parse(&o, 4, g), -1);
    const char *h[] = {"rehome-conform", "--api-url", "http://a:99999", "http://a:1"};
    assert_int_equal(parse(&o, 4, h), -1);
}

static void test_route(void **state)
{
    (void)state;
    const char *ap = "/broadcasting/auth";
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/app-id/streams"), RC_ROLE_CONTROL);
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/app-id/streams?auth_key=k"), RC_ROLE_CONTROL);
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/app-id/streams/s1/tokens?after_seq=1"),
                     RC_ROLE_CONTROL);
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/app-id/streamsX"), RC_ROLE_API);
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/other/streams"), RC_ROLE_API);
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/app-id/events?x=1"), RC_ROLE_API);
    assert_int_equal(rc_ep_route("app-id", ap, "/apps/app-id/channels"), RC_ROLE_API);
    assert_int_equal(rc_ep_route("app-id", ap, "/broadcasting/auth"), RC_ROLE_AUTH);
    assert_int_equal(rc_ep_route("app-id", ap, "/broadcasting/auth?x"), RC_ROLE_AUTH);
    assert_int_equal(rc_ep_route("app-id", ap, "/broadcasting/authz"), RC_ROLE_API);
    assert_int_equal(rc_ep_route("app-id", "/a?k=1", "/a?k=1"), RC_ROLE_AUTH);
    assert_string_equal(rc_role_name(RC_ROLE_CONTROL), "control");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_from_positional),
        cmocka_unit_test(test_split_roles),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
