/* Unit tests of the runner: case selection, baselines, verdict rules, XML escaping and the
 * JUnit/JSON writers. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "runner/cli.h"
#include "runner/runner.h"

static void test_glob(void **state)
{
    (void)state;
    assert_true(rc_glob_match("pusher/*", "pusher/2.2/socket-id-format"));
    assert_true(rc_glob_match("*/2.2/*", "pusher/2.2/socket-id-format"));
    assert_true(rc_glob_match("pusher/2.?/socket-*", "pusher/2.2/socket-id-unique"));
    assert_false(rc_glob_match("stream/*", "pusher/2.2/socket-id-format"));
    /* plain prefixes stop at a / or . boundary */
    assert_true(rc_glob_match("pusher/2.2", "pusher/2.2/socket-id-format"));
    assert_true(rc_glob_match("pusher/2", "pusher/2.2/socket-id-format"));
    assert_true(rc_glob_match("pusher/", "pusher/2.2/x"));
    assert_false(rc_glob_match("pusher/2", "pusher/20.1/x"));
    assert_false(rc_glob_match("pusher/2.2/socket", "pusher/2.2/socket-id-format"));
    assert_true(rc_glob_match("pusher/2.2/socket-id-format", "pusher/2.2/socket-id-format"));
    assert_false(rc_glob_match(NULL, "x"));
}

static void test_selected(void **state)
{
    (void)state;
    const char *inc[] = {"pusher/2.*", "stream/9.1"};
    const char *exc[] = {"*/heartbeat*"};
    rc_select s = {.profile = "all", .include = inc, .ninclude = 2, .exclude = exc, .nexclude = 1};
    assert_true(rc_selected(&s, "pusher/2.4/ping-pong"));
    assert_false(rc_selected(&s, "pusher/2.4/heartbeat-ping"));
    assert_true(rc_selected(&s, "stream/9.1/token-shape"));
    assert_false(rc_selected(&s, "stream/9.2/ended"));
    s.profile = "stream";
    assert_false(rc_selected(&s, "pusher/2.4/ping-pong"));
    assert_true(rc_selected(&s, "stream/9.1/token-shape"));
    rc_select all = {.profile = "all"};
    assert_true(rc_selected(&all, "anything/1/x"));
    char prof[8];
    rc_profile_of("stream/9.1/x", prof, sizeof prof);
    assert_string_equal(prof, "stream");
}

static void test_verdict_names(void **state)
{
    (void)state;
    for (int v = 0; v < RC__VERDICTS; v++)
        assert_int_equal(rc_verdict_parse(rc_verdict_name((rc_verdict)v)), v);
    assert_int_equal(rc_verdict_parse("non_strict"), RC_NONSTRICT);
    assert_int_equal(rc_verdict_parse("fail"), RC_FAIL);
    assert_int_equal(rc_verdict_parse("bogus"), -1);
}

static void test_baseline(void **state)
{
    (void)state;
    const char *doc = "{\"cases\":{\"pusher/2.5/oversized-message\":{\"verdict\":\"NON-STRICT\","
                      "\"reason\":\"lws drops the TCP connection\"},"
                      "\"stream/9.1/x\":{\"verdict\":\"fail\",\"reason\":\"known bug #12\"}}}";
    rc_baseline b;
    char err[256];
    assert_int_equal(rc_baseline_parse(doc, strlen(doc), &b, err, sizeof err), 0);
    assert_int_equal(b.n, 2);
    const char *why;
    assert_int_equal(rc_baseline_expected(&b, "stream/9.1/x", &why), RC_FAIL);
    assert_string_equal(why, "known bug #12");
    assert_int_equal(rc_baseline_expected(&b, "pusher/2.5/oversized-message", NULL), RC_NONSTRICT);
    /* a missing id is expected to pass */
    assert_int_equal(rc_baseline_expected(&b, "pusher/2.2/first-frame", &why), RC_PASS);
    assert_null(why);
    rc_baseline_free(&b);
}

static void test_baseline_rejects(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"cases\":{\"a\":{\"verdict\":\"FAIL\"}}}",                   /* no reason */
        "{\"cases\":{\"a\":{\"verdict\":\"FAIL\",\"reason\":\"  \"}}}", /* blank reason */
        "{\"cases\":{\"a\":{\"verdict\":\"MAYBE\",\"reason\":\"x\"}}}", /* unknown verdict */
        "{\"cases\":{\"a\":\"FAIL\"}}",                                 /* not an object */
        ("{\"cases\":{\"a\":{\"verdict\":\"FAIL\",\"reason\":\"x\"},"
         "\"a\":{\"verdict\":\"PASS\",\"reason\":\"y\"}}}"), /* twice */
        "{\"cases\":[]}",
        "{}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc_baseline b;
        char err[256] = "";
        assert_int_equal(rc_baseline_parse(bad[i], strlen(bad[i]), &b, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_null(b.e);
    }
    const char *m = "{\"cases\":{\"a\":{\"verdict\":\"FAIL\"}}}";
    rc_baseline b;
    char err[256];
    rc_baseline_parse(m, strlen(m), &b, err, sizeof err);
    assert_non_null(strstr(err, "reason"));
}

static void test_baseline_exclude(void **state)
{
    (void)state;
    const char *doc = "{\"cases\":{\"pusher/2.6/malformed-json\":{\"verdict\":\"NON-STRICT\","
                      "\"reason\":\"ignored\"}},"
                      "\"exclude\":{\"pusher/2.6/wrong-typed-fields\":\"crashes the server\","
                      "\"pusher/4.*/public-*\":\"hangs\",\"stream/9\":\"no streams\"}}";
    rc_baseline b;
    char err[256];
    assert_int_equal(rc_baseline_parse(doc, strlen(doc), &b, err, sizeof err), 0);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.nx, 3);
    assert_string_equal(rc_baseline_excluded(&b, "pusher/2.6/wrong-typed-fields"),
                        "crashes the server");
    /* globs and plain prefixes match as --exclude does */
    assert_string_equal(rc_baseline_excluded(&b, "pusher/4.1/public-subscribe"), "hangs");
    assert_string_equal(rc_baseline_excluded(&b, "stream/9.1/token-shape"), "no streams");
    assert_null(rc_baseline_excluded(&b, "stream/90.1/x"));
    assert_null(rc_baseline_excluded(&b, "pusher/2.6/malformed-json"));
    assert_null(rc_baseline_excluded(&b, "pusher/4.1/resubscribe"));
    assert_null(rc_baseline_excluded(NULL, "pusher/2.6/wrong-typed-fields"));
    /* an exclusion does not change what a listed case is expected to give */
    assert_int_equal(rc_baseline_expected(&b, "pusher/2.6/wrong-typed-fields", NULL), RC_PASS);
    rc_baseline_free(&b);
    assert_null(b.x);
    assert_int_equal(b.nx, 0);

    /* without "exclude" nothing is excluded */
    const char *plain = "{\"cases\":{}}";
    assert_int_equal(rc_baseline_parse(plain, strlen(plain), &b, err, sizeof err), 0);
    assert_int_equal(b.nx, 0);
    assert_null(rc_baseline_excluded(&b, "pusher/2.6/wrong-typed-fields"));
    rc_baseline_free(&b);
}

static void test_baseline_exclude_rejects(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"cases\":{},\"exclude\":{\"a\":\"\"}}",               /* empty reason */
        "{\"cases\":{},\"exclude\":{\"a\":\" \\t \"}}",          /* blank reason */
        "{\"cases\":{},\"exclude\":{\"a\":null}}",               /* no reason */
        "{\"cases\":{},\"exclude\":{\"a\":{\"reason\":\"x\"}}}", /* not a string */
        "{\"cases\":{},\"exclude\":{\"\":\"x\"}}",               /* empty id */
        "{\"cases\":{},\"exclude\":{\"a\":\"x\",\"a\":\"y\"}}",  /* twice */
        "{\"cases\":{},\"exclude\":[\"a\"]}",                    /* not an object */
        "{\"cases\":{},\"exclude\":\"a\"}",
        "{\"exclude\":{\"a\":\"x\"}}", /* "cases" is still required */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc_baseline b;
        char err[256] = "";
        assert_int_equal(rc_baseline_parse(bad[i], strlen(bad[i]), &b, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_null(b.e);
        assert_null(b.x);
        assert_int_equal(b.nx, 0);
    }
    const char *m = "{\"cases\":{},\"exclude\":{\"pusher/2.6/x\":\"\"}}";
    rc_baseline b;
    char err[256];
    rc_baseline_parse(m, strlen(m), &b, err, sizeof err);
    assert_non_null(strstr(err, "pusher/2.6/x"));
    assert_non_null(strstr(err, "reason"));
}

static void test_xml_escape(void **state)
{
    (void)state;
    char *e = rc_xml_escape("a<b>&\"c'd");
    assert_string_equal(e, "a&lt;b&gt;&amp;&quot;c&apos;d");
    free(e);
    /* control characters and invalid UTF-8 become U+FFFD; tab/newline stay */
    e = rc_xml_escape("x\x01y\tz\n\xff\xc3\xa9");
    assert_string_equal(e, "x\xef\xbf\xbdy\tz\n\xef\xbf\xbd\xc3\xa9");
    free(e);
    e = rc_xml_escape("\xef\xbf\xbe");
    assert_string_equal(e, "\xef\xbf\xbd");
    free(e);
    e = rc_xml_escape("\xed\xa0\x80"); /* a UTF-16 surrogate encoded in UTF-8 */
    assert_string_equal(e, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    free(e);
    e = rc_utf8_clean("<ok>\xc0\xaf");
    assert_string_equal(e, "<ok>\xef\xbf\xbd\xef\xbf\xbd");
    free(e);
}

static void run_noop(rc_ctx *ctx)
{
    (void)ctx;
}

static const rc_case must_case = {.id = "pusher/9.9/x",
                                  .section = "9.9",
                                  .level = RC_MUST,
                                  .basis = RC_CONTRACT,
                                  .title = "t",
                                  .requirement = "req",
                                  .tags = "",
                                  .run = run_noop};
static const rc_case should_case = {.id = "pusher/9.9/y",
                                    .section = "9.9",
                                    .level = RC_SHOULD,
                                    .basis = RC_SPEC,
                                    .title = "t",
                                    .requirement = "r",
                                    .tags = "",
                                    .run = run_noop};

static rc_verdict outcome(const rc_case *c, int which, rc_result *res)
{
    static rc_rng rng;
    rc_rng_init(&rng, 1);
    rc_target t = {0};
    rc_ctx ctx;
    rc_ctx_init(&ctx, c, &t, &rng, 1000, 10);
    switch (which) {
    case 0:
        rc_fail(&ctx, "first %d", 1);
        rc_error(&ctx, "second");
        break;
    case 1:
        rc_fail_should(&ctx, "soft");
        assert_true(rc_ok(&ctx));
        rc_fail(&ctx, "hard");
        assert_false(rc_ok(&ctx));
        break;
    case 2:
        rc_fail(&ctx, "in a SHOULD case");
        break;
    case 3:
        rc_skip(&ctx, "no");
        rc_fail(&ctx, "later");
        break;
    case 4:
        rc_fail(&ctx, "x");
        rc_skip(&ctx, "ignored");
        break;
    }
    rc_ctx_finish(&ctx, res);
    return res->verdict;
}

static void test_verdict_rules(void **state)
{
    (void)state;
    rc_result r;
    assert_int_equal(outcome(&must_case, 0, &r), RC_FAIL);
    assert_string_equal(r.message, "first 1");
    assert_true(r.nwire >= 2); /* both messages logged */
    rc_result_free(&r);
    assert_int_equal(outcome(&must_case, 1, &r), RC_FAIL);
    assert_string_equal(r.message, "hard");
    rc_result_free(&r);
    assert_int_equal(outcome(&should_case, 2, &r), RC_NONSTRICT);
    rc_result_free(&r);
    assert_int_equal(outcome(&must_case, 3, &r), RC_FAIL);
    rc_result_free(&r);
    assert_int_equal(outcome(&must_case, 4, &r), RC_FAIL);
    rc_result_free(&r);
}

static void test_random_ids(void **state)
{
    (void)state;
    rc_rng rng;
    rc_rng_init(&rng, 42);
    rc_target t = {0};
    rc_ctx ctx;
    rc_ctx_init(&ctx, &must_case, &t, &rng, 1000, 10);
    char a[13], b[13];
    rc_random_id(&ctx, a);
    rc_random_id(&ctx, b);
    assert_int_equal(strlen(a), 12);
    assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789"), 12);
    assert_string_not_equal(a, b);
    rc_result r;
    rc_ctx_finish(&ctx, &r);
    rc_result_free(&r);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_junit_and_json(void **state)
{
    (void)state;
    static const rc_case c1 = {.id = "pusher/2.6/x<y>",
                               .section = "2.6",
                               .level = RC_MUST,
                               .basis = RC_CONTRACT,
                               .title = "t",
                               .requirement = "a & b",
                               .tags = "",
                               .run = run_noop};
    static const rc_case c2 = {.id = "stream/9.1/ok",
                               .section = "9.1",
                               .level = RC_MUST,
                               .basis = RC_CONTRACT,
                               .title = "t",
                               .requirement = "r",
                               .tags = "",
                               .run = run_noop};
    static const rc_case c3 = {.id = "stream/9.1/soft",
                               .section = "9.1",
                               .level = RC_SHOULD,
                               .basis = RC_SPEC,
                               .title = "t",
                               .requirement = "r",
                               .tags = "",
                               .run = run_noop};
    rc_wire w = {"in", 3, strdup("\"quoted\" <tag> \x02 \xff")};
    rc_result res[3] = {
        {.c = &c1,
         .verdict = RC_FAIL,
         .message = strdup("saw \"]]>\" & more"),
         .wire = &w,
         .nwire = 1},
        {.c = &c2, .verdict = RC_PASS},
        {.c = &c3, .verdict = RC_NONSTRICT, .message = strdup("soft")},
    };
    char xml[] = "/tmp/rc-test-junit-XXXXXX", js[] = "/tmp/rc-test-json-XXXXXX";
    close(mkstemp(xml));
    close(mkstemp(js));
    rc_run_info info = {.target = "http://127.0.0.1:1", .profile = "all", .strict = 0};
    char err[128];
    assert_int_equal(rc_write_junit(xml, &info, res, 3, err, sizeof err), 0);
    const char *x = slurp(xml);
    assert_non_null(strstr(x, "name=\"pusher/2.6/x&lt;y&gt;\" classname=\"pusher\""));
    assert_non_null(strstr(x, "saw &quot;]]&gt;&quot; &amp; more"));
    assert_non_null(strstr(x, "a &amp; b"));
    assert_non_null(strstr(x, "failures=\"1\""));
    assert_null(strstr(x, "\x02"));
    assert_null(strstr(x, "\xff"));
    assert_non_null(strstr(x, "<property name=\"basis\" value=\"contract\"/>"));
    assert_non_null(strstr(x, "<property name=\"basis\" value=\"spec\"/>"));
    /* NON-STRICT is a failure only with --strict */
    info.strict = 1;
    assert_int_equal(rc_write_junit(xml, &info, res, 3, err, sizeof err), 0);
    assert_non_null(strstr(slurp(xml), "failures=\"2\""));
    assert_int_equal(rc_write_json(js, &info, res, 3, err, sizeof err), 0);
    cJSON *root = cJSON_Parse(slurp(js));
    assert_non_null(root);
    cJSON *cases = cJSON_GetObjectItem(root, "cases");
    assert_int_equal(cJSON_GetArraySize(cases), 3);
    cJSON *first = cJSON_GetArrayItem(cases, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "verdict")->valuestring, "FAIL");
    assert_string_equal(cJSON_GetObjectItem(first, "basis")->valuestring, "contract");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cases, 2), "basis")->valuestring,
                        "spec");
    cJSON *wire = cJSON_GetArrayItem(cJSON_GetObjectItem(first, "wire"), 0);
    assert_string_equal(cJSON_GetObjectItem(wire, "dir")->valuestring, "in");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "summary"), "FAIL")->valueint,
                     1);
    cJSON_Delete(root);
    unlink(xml);
    unlink(js);
    free(w.data);
    free(res[0].message);
    free(res[2].message);
}

static int parse(rc_opts *o, int argc, const char **argv)
{
    optind = 1;
    return rc_cli_parse(argc, (char **)argv, o);
}

static void test_cli_http_nodes(void **state)
{
    (void)state;
    rc_opts o;
    const char *one[] = {"rehome-conform", "http://127.0.0.1:8080"};
    assert_int_equal(parse(&o, 2, one), 0);
    assert_int_equal(o.t.nhttp_nodes, 0);
    assert_string_equal(o.t.host, "127.0.0.1");
    assert_int_equal(o.t.port, 8080);
    const char *two[] = {"rehome-conform", "--http-node",        "http://localhost:9000",
                         "--http-node",    "http://[::1]:9001/", "http://127.0.0.1:8080"};
    assert_int_equal(parse(&o, 6, two), 0);
    assert_int_equal(o.t.nhttp_nodes, 3);
    assert_string_equal(o.t.http_nodes[0].host, "127.0.0.1");
    assert_int_equal(o.t.http_nodes[0].port, 8080);
    assert_string_equal(o.t.http_nodes[1].host, "localhost");
    assert_int_equal(o.t.http_nodes[1].port, 9000);
    assert_string_equal(o.t.http_nodes[2].host, "::1");
    assert_int_equal(o.t.http_nodes[2].port, 9001);
    assert_non_null(o.t.http_rr);
    /* another scheme than the main URL's, or a path, is refused */
    const char *mixed[] = {"rehome-conform", "--http-node", "https://h:1", "http://h:2"};
    assert_int_equal(parse(&o, 4, mixed), -1);
    const char *path[] = {"rehome-conform", "--http-node", "http://h:1/x", "http://h:2"};
    assert_int_equal(parse(&o, 4, path), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_selected),
        cmocka_unit_test(test_verdict_names),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_baseline_rejects),
        cmocka_unit_test(test_baseline_exclude),
        cmocka_unit_test(test_baseline_exclude_rejects),
        cmocka_unit_test(test_xml_escape),
        cmocka_unit_test(test_verdict_rules),
        cmocka_unit_test(test_random_ids),
        cmocka_unit_test(test_junit_and_json),
        cmocka_unit_test(test_cli_http_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
