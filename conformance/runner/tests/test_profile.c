/* Unit tests of --server-profile (profile.c), capability gating (select.c) and the case
 * registry's invariants: every case states its basis, a spec-based MUST case is gated by a
 * capability, ids are unique and carry their section, a serial case says why. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cli.h"
#include "runner/runner.h"

static const char *const full =
    "{\"capabilities\":{\"replay\":false,\"presence-twin\":true,\"limits\":true,"
    "\"client-events\":false,\"presence\":true,\"channel-queries\":true},"
    "\"limits\":{\"max_token_bytes\":4000,\"max_event_bytes\":20000,\"ended_ttl\":30},"
    "\"limit_app\":{\"id\":\"lim\",\"key\":\"k\",\"secret\":\"s\",\"max_connections\":3,"
    "\"max_subscriptions\":5,\"http_requests_per_sec\":10,\"allowed_origin\":\"http://a\"},"
    "\"users\":{\"member\":{\"token\":\"t1\",\"workspace\":\"w1\"},"
    "\"other\":{\"token\":\"t2\",\"workspace\":\"w2\"}}}";

static void test_profile_full(void **state)
{
    (void)state;
    rc_profile p;
    char err[256] = "";
    assert_int_equal(rc_profile_parse(full, strlen(full), &p, err, sizeof err), 0);
    assert_int_equal(p.server.caps[RC_CAP_REPLAY], RC_CAP_NO);
    assert_int_equal(p.server.caps[RC_CAP_PRESENCE_TWIN], RC_CAP_YES);
    assert_int_equal(p.server.caps[RC_CAP_CLIENT_EVENTS], RC_CAP_NO);
    assert_int_equal(p.server.max_token_bytes, 4000);
    assert_int_equal(p.server.max_event_bytes, 20000);
    assert_int_equal(p.server.ended_ttl_s, 30);
    assert_true(p.limits.known);
    assert_string_equal(p.limits.app_id, "lim");
    assert_int_equal(p.limits.max_subscriptions, 5);
    assert_string_equal(p.limits.allowed_origin, "http://a");
    assert_true(p.have_member && p.have_other);
    assert_string_equal(p.member_token, "t1");
    assert_string_equal(p.other_ws, "w2");
}

static void test_profile_empty_and_partial(void **state)
{
    (void)state;
    rc_profile p;
    char err[256] = "";
    assert_int_equal(rc_profile_parse("{}", 2, &p, err, sizeof err), 0);
    for (int c = 0; c < RC__CAPS; c++)
        assert_int_equal(p.server.caps[c], RC_CAP_UNKNOWN);
    assert_false(p.limits.known);
    assert_false(p.have_member);
    const char *d = "{\"capabilities\":{\"replay\":true}}";
    assert_int_equal(rc_profile_parse(d, strlen(d), &p, err, sizeof err), 0);
    assert_int_equal(p.server.caps[RC_CAP_REPLAY], RC_CAP_YES);
    assert_int_equal(p.server.caps[RC_CAP_PRESENCE], RC_CAP_UNKNOWN);
}

static void expect_error(const char *doc, const char *needle)
{
    rc_profile p;
    char err[256] = "";
    assert_int_equal(rc_profile_parse(doc, strlen(doc), &p, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error for %s was \"%s\", expected to mention \"%s\"", doc, err, needle);
    assert_false(p.limits.known); /* nothing half-filled is left behind */
}

static void test_profile_errors(void **state)
{
    (void)state;
    expect_error("", "not valid JSON");
    expect_error("[1]", "must be a JSON object");
    expect_error("{\"capability\":{}}", "unknown member \"capability\"");
    expect_error("{\"capabilities\":{\"replays\":true}}", "unknown capability \"replays\"");
    expect_error("{\"capabilities\":{\"replay\":1}}", "capabilities.replay: must be true or false");
    expect_error("{\"limits\":{\"max_token_bytes\":0}}", "limits.max_token_bytes");
    expect_error("{\"limits\":{\"max_token_bytes\":1.5}}", "whole number");
    expect_error("{\"limits\":{\"max_token_bytes\":\"10\"}}", "whole number");
    expect_error("{\"limits\":{\"size\":1}}", "unknown member \"size\"");
    expect_error("{\"limit_app\":{\"id\":\"a\",\"key\":\"k\"}}", "limit_app.secret: is required");
    expect_error("{\"limit_app\":{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                 "\"max_connections\":-1}}",
                 "limit_app.max_connections");
    expect_error("{\"users\":{\"member\":{\"token\":\"t\"}}}", "users.member.workspace");
    expect_error("{\"users\":{\"member\":{\"token\":\"\",\"workspace\":\"w\"}}}",
                 "users.member.token: must be a non-empty string");
    expect_error("{\"users\":{\"admin\":{}}}", "unknown member \"admin\"");
}

static void test_profile_load(void **state)
{
    (void)state;
    rc_profile p;
    char err[512] = "";
    assert_int_equal(rc_profile_load("/nonexistent/profile.json", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read /nonexistent/profile.json"));
}

static void test_limits_sizes(void **state)
{
    (void)state;
    char path[] = "/tmp/rc-test-cfg-XXXXXX";
    int fd = mkstemp(path);
    const char *cfg = "{\"ended_ttl\":7,\"apps\":[{\"id\":\"a\",\"max_token_bytes\":4000}]}";
    assert_true(fd >= 0);
    assert_int_equal(write(fd, cfg, strlen(cfg)), (ssize_t)strlen(cfg));
    close(fd);
    rc_server_info s = {.max_event_bytes = 9}; /* declared by a profile: kept */
    assert_int_equal(rc_limits_load_sizes(path, "a", &s), 0);
    assert_int_equal(s.max_token_bytes, 4000);
    assert_int_equal(s.max_event_bytes, 9);
    assert_int_equal(s.ended_ttl_s, 7);
    rc_server_info u = {0};
    assert_int_equal(rc_limits_load_sizes(path, "other", &u), -1);
    assert_int_equal(u.max_token_bytes, 0);
    unlink(path);
}

static void test_caps_and_gating(void **state)
{
    (void)state;
    const char *tags = "needs:control-api needs:replay";
    assert_int_equal(rc_cap_of_tag("needs:replay", 12), RC_CAP_REPLAY);
    assert_int_equal(rc_cap_of_tag("needs:presence-twin", 19), RC_CAP_PRESENCE_TWIN);
    assert_int_equal(rc_cap_of_tag("needs:presence", 14), RC_CAP_PRESENCE);
    assert_int_equal(rc_cap_of_tag("needs:control-api", 17), -1);
    assert_int_equal(rc_cap_of_tag("slow", 4), -1);
    rc_case c = {.id = "stream/12.6/x", .tags = tags};
    rc_server_info s = {0};
    assert_int_equal(rc_case_lacks(&c, &s), -1); /* unknown: the case runs and detects */
    s.caps[RC_CAP_REPLAY] = RC_CAP_YES;
    assert_int_equal(rc_case_lacks(&c, &s), -1);
    s.caps[RC_CAP_REPLAY] = RC_CAP_NO;
    assert_int_equal(rc_case_lacks(&c, &s), RC_CAP_REPLAY);
    assert_string_equal(rc_cap_name(RC_CAP_CHANNEL_QUERIES), "channel-queries");
    assert_null(rc_cap_name(RC__CAPS));
}

static int has_cap_tag(const rc_case *c)
{
    for (const char *p = c->tags; p && *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (rc_cap_of_tag(p, n) >= 0)
            return 1;
        p += n;
    }
    return 0;
}

static void test_registry_invariants(void **state)
{
    (void)state;
    size_t nt, n = 0;
    const rc_case *const *t = rc_registry_tables(&nt);
    const char *ids[512];
    for (size_t i = 0; i < nt; i++) {
        assert_non_null(t[i]);
        for (const rc_case *c = t[i]; c->id; c++) {
            char want[32];
            char prof[16];
            rc_profile_of(c->id, prof, sizeof prof);
            snprintf(want, sizeof want, "%s/%s/", prof, c->section ? c->section : "?");
            if (c->basis != RC_CONTRACT && c->basis != RC_SPEC)
                fail_msg("%s: no basis (RC_CONTRACT or RC_SPEC)", c->id);
            /* A choice of docs/protocol.md never FAILs unless the server has the feature. */
            if (c->basis == RC_SPEC && c->level == RC_MUST && !has_cap_tag(c))
                fail_msg("%s: a spec-based MUST case needs a capability tag", c->id);
            if (strncmp(c->id, want, strlen(want)) != 0)
                fail_msg("%s: id does not carry its section %s", c->id, c->section);
            assert_true(c->run && c->title && *c->title && c->requirement && *c->requirement);
            /* Serial costs the whole run its parallelism: say why (docs/conformance.md 11). */
            if (c->serial && strlen(c->serial) < 20)
                fail_msg("%s: .serial needs a reason (a sentence), not \"%s\"", c->id, c->serial);
            for (size_t k = 0; k < n; k++)
                if (strcmp(ids[k], c->id) == 0)
                    fail_msg("%s: id used twice", c->id);
            assert_true(n < sizeof ids / sizeof ids[0]);
            ids[n++] = c->id;
        }
    }
    assert_true(n >= 137);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_full),
        cmocka_unit_test(test_profile_empty_and_partial),
        cmocka_unit_test(test_profile_errors),
        cmocka_unit_test(test_profile_load),
        cmocka_unit_test(test_caps_and_gating),
        cmocka_unit_test(test_limits_sizes),
        cmocka_unit_test(test_registry_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
