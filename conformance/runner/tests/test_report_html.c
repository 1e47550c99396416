/* Unit tests of the HTML report (hostile server output must stay text), the case-set hash,
 * the badge and the certification bundle check. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/bundle.h"
#include "runner/report_html.h"

static void run_noop(rc_ctx *ctx)
{
    (void)ctx;
}

static char *render(const rc_html_info *hi, const rc_result *res, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(rc_html_write(f, hi, res, n), 0);
    fclose(f);
    return buf;
}

static const char hostile[] = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";

static void test_html_escapes_hostile_output(void **state)
{
    (void)state;
    static const rc_case c1 = {"pusher/2.10/x<b>", "2.10",      RC_MUST, "<i>title</i>",
                               "a & \"b\"",        "needs:<x>", 0,       run_noop};
    static const rc_case c2 = {"pusher/2.9/ok", "2.9", RC_SHOULD, "t", "r", "", 0, run_noop};
    char data[256];
    snprintf(data, sizeof data, "{\"event\":\"pusher:error\",\"data\":{\"message\":\"%s\"}} \xff",
             hostile);
    rc_wire w = {"in", 7, data};
    rc_result res[2] = {{.c = &c1,
                         .verdict = RC_FAIL,
                         .message = (char *)hostile,
                         .expected = "<4001>",
                         .seen = (char *)hostile,
                         .wire = &w,
                         .nwire = 1},
                        {.c = &c2, .verdict = RC_NONSTRICT, .message = "soft 'quote'"}};
    const char *argv[] = {"rehome-conform", "--html", "\"><script>x</script>"};
    rc_run_info ri = {.target = "http://h/<script>",
                      .profile = "all",
                      .argv = argv,
                      .argc = 3,
                      .endpoints = {"ws://w:1", "http://a:2", "http://u:3/auth?<q>", "http://c:4"},
                      .producer = "exec:drv <x>"};
    rc_target t = {.base_url = "http://h",
                   .host = "h",
                   .port = 1,
                   .ws_path = "/app/<k>",
                   .app_id = "<id>",
                   .auth_path = "/auth\"x"};
    rc_baseline b = {0};
    const char *err_text = "{\"cases\":{\"pusher/2.9/ok\":{\"verdict\":\"NON-STRICT\","
                           "\"reason\":\"<script>r</script>\"}}}";
    char err[128];
    assert_int_equal(rc_baseline_parse(err_text, strlen(err_text), &b, err, sizeof err), 0);
    rc_html_info hi = {.run = &ri, .t = &t, .base = &b, .expect_path = "base<.json"};
    char *html = render(&hi, res, 2);
    /* the page's own markup has no script at all; every '<' from outside is escaped */
    assert_null(strcasestr(html, "<script"));
    assert_null(strcasestr(html, "<img"));
    assert_null(strstr(html, "<i>"));
    assert_null(strstr(html, "x<b>"));
    assert_null(strstr(html, "<x>"));
    assert_null(strstr(html, "\xff"));
    assert_non_null(strstr(html, "&lt;/script&gt;&lt;script&gt;alert(1)"));
    assert_non_null(strstr(html, "<th>authorizer</th><td><code>http://u:3/auth?&lt;q&gt;</code>"));
    assert_non_null(strstr(html, "<th>control API</th><td><code>http://c:4</code>"));
    assert_non_null(strstr(html, "<th>producer</th><td><code>exec:drv &lt;x&gt;</code>"));
    assert_non_null(strstr(html, "id=\"case-pusher/2.10/x&lt;b&gt;\""));
    assert_non_null(strstr(html, "&quot;&gt;&lt;script&gt;"));
    assert_non_null(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
    /* the wire log is collapsible, the FAIL case's problem and expected vs seen shown */
    assert_non_null(strstr(html, "<details class=\"wire\"><summary>wire log (1 entry)"));
    assert_non_null(strstr(html, "<dt>expected</dt><dd>&lt;4001&gt;</dd>"));
    assert_non_null(strstr(html, "<dt>non-strict</dt><dd>soft &apos;quote&apos;</dd>"));
    /* sections in spec order: 2.9 before 2.10 */
    assert_true(strstr(html, "section 2.9") < strstr(html, "section 2.10"));
    /* the baseline view: the FAIL changed (expected PASS), the NON-STRICT as the baseline says */
    assert_non_null(strstr(html, "<b>1 case changed</b>"));
    assert_non_null(strstr(html, "&lt;script&gt;r&lt;/script&gt;"));
    free(html);
    rc_baseline_free(&b);
}

static void test_html_without_baseline_or_target(void **state)
{
    (void)state;
    static const rc_case c = {"stream/9.1/a", "9.1", RC_MUST, "t", "r", NULL, 0, run_noop};
    rc_result r = {.c = &c, .verdict = RC_PASS};
    rc_run_info ri = {.target = "http://h", .profile = "stream"};
    rc_html_info hi = {.run = &ri};
    char *html = render(&hi, &r, 1);
    assert_null(strstr(html, "Baseline comparison"));
    assert_non_null(strstr(html, "<tr><th>stream</th><td class=\"num\">1</td>"));
    free(html);
}

static void test_caseset_hash(void **state)
{
    (void)state;
    const rc_case a = {"pusher/2.1/a", "2.1", RC_MUST, "t", "r1", "", 0, run_noop};
    const rc_case b = {"stream/9.1/b", "9.1", RC_SHOULD, "t", "r2", "", 0, run_noop};
    const rc_case *ab[] = {&a, &b}, *ba[] = {&b, &a};
    char h1[65], h2[65];
    assert_int_equal(rc_caseset_hash_of(ab, 2, h1), 0);
    /* the documented format: sorted by id, id NUL level NUL requirement NUL */
    assert_string_equal(h1, "eff89f4d158a86bfb433303ae863c89ad43d4fbca6879b5bcbd543e320c56f85");
    assert_int_equal(rc_caseset_hash_of(ba, 2, h2), 0);
    assert_string_equal(h1, h2);
    /* a title is not a requirement; a requirement or a level is */
    rc_case t = a, r = a, l = a;
    t.title = "another title";
    r.requirement = "r1 changed";
    l.level = RC_SHOULD;
    const rc_case *with_t[] = {&t, &b}, *with_r[] = {&r, &b}, *with_l[] = {&l, &b};
    assert_int_equal(rc_caseset_hash_of(with_t, 2, h2), 0);
    assert_string_equal(h1, h2);
    assert_int_equal(rc_caseset_hash_of(with_r, 2, h2), 0);
    assert_string_not_equal(h1, h2);
    assert_int_equal(rc_caseset_hash_of(with_l, 2, h2), 0);
    assert_string_not_equal(h1, h2);
}

static void test_badge(void **state)
{
    (void)state;
    size_t c[RC__VERDICTS] = {0};
    c[RC_PASS] = 135;
    c[RC_UNSUPPORTED] = 2;
    char *svg = rc_badge_svg("all", c, "0.1.0");
    assert_non_null(strstr(svg, "rehome-conform 0.1.0 all"));
    assert_non_null(strstr(svg, "135 pass, 2 UNSUPPORTED"));
    assert_non_null(strstr(svg, "#3a9a3e"));
    free(svg);
    c[RC_FAIL] = 1;
    svg = rc_badge_svg("<p>", c, "0.1.0");
    assert_non_null(strstr(svg, "1 fail"));
    assert_non_null(strstr(svg, "#d73a2a"));
    assert_null(strstr(svg, "<p>"));
    free(svg);
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A bundle of this test binary's suite (no case tables linked: the empty case set). */
static void make_bundle(const char *dir, const char *version)
{
    put(dir, "report.json", "{\"version\":\"" RH_VERSION "\",\"summary\":{\"total\":0}}");
    put(dir, "junit.xml", "<testsuite/>");
    put(dir, "report.html", "<!DOCTYPE html>");
    put(dir, "badge.svg", "<svg/>");
    put(dir, "command.txt", "rehome-conform certify --out x http://h\n");
    char m[4096], set[65], p[512], sum[65];
    assert_int_equal(rc_caseset_hash("all", set, NULL), 0);
    int o = snprintf(m, sizeof m,
                     "{\"suite_version\":\"%s\",\"profile\":\"all\",\"case_set\":{\"sha256\":"
                     "\"%s\"},\"files\":{",
                     version, set);
    for (const char *const *f = rc_bundle_files; *f; f++) {
        if (strcmp(*f, "manifest.json") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, *f);
        assert_int_equal(rc_file_sha256(p, sum), 0);
        o += snprintf(m + o, sizeof m - (size_t)o, "%s\"%s\":\"%s\"",
                      f == rc_bundle_files ? "" : ",", *f, sum);
    }
    snprintf(m + o, sizeof m - (size_t)o, "}}");
    put(dir, "manifest.json", m);
}

static void test_bundle_verify(void **state)
{
    (void)state;
    char dir[] = "/tmp/rc-bundle-XXXXXX", err[1024], p[512];
    assert_non_null(mkdtemp(dir));
    make_bundle(dir, RH_VERSION);
    assert_int_equal(rc_bundle_verify(dir, err, sizeof err), 0);
    put(dir, "junit.xml", "<testsuite tampered=\"1\"/>");
    assert_int_equal(rc_bundle_verify(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "junit.xml does not match the manifest"));
    make_bundle(dir, RH_VERSION);
    snprintf(p, sizeof p, "%s/badge.svg", dir);
    unlink(p);
    assert_int_equal(rc_bundle_verify(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "incomplete bundle"));
    make_bundle(dir, "0.0.9");
    assert_int_equal(rc_bundle_verify(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "bundle made by suite 0.0.9"));
    make_bundle(dir, RH_VERSION);
    put(dir, "manifest.json",
        "{\"suite_version\":\"" RH_VERSION "\",\"profile\":\"all\","
        "\"case_set\":{\"sha256\":\"00\"},\"files\":{}}");
    assert_int_equal(rc_bundle_verify(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "case set differs"));
    /* the badge's counts come from the report's summary */
    put(dir, "report.json", "{\"summary\":{\"total\":4,\"PASS\":3,\"FAIL\":1}}");
    size_t c[RC__VERDICTS];
    snprintf(p, sizeof p, "%s/report.json", dir);
    assert_int_equal(rc_report_summary(p, c), 0);
    assert_int_equal(c[RC_PASS], 3);
    assert_int_equal(c[RC_FAIL], 1);
    assert_int_equal(c[RC_NONSTRICT], 0);
    put(dir, "report.json", "{}");
    assert_int_equal(rc_report_summary(p, c), -1);
    for (const char *const *f = rc_bundle_files; *f; f++) {
        snprintf(p, sizeof p, "%s/%s", dir, *f);
        unlink(p);
    }
    assert_int_equal(rc_bundle_verify(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "manifest.json is missing"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escapes_hostile_output),
        cmocka_unit_test(test_html_without_baseline_or_target),
        cmocka_unit_test(test_caseset_hash),
        cmocka_unit_test(test_badge),
        cmocka_unit_test(test_bundle_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
