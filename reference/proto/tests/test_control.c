#include "th.h"

#include "proto/control.h"

static int start(const char *body, rh_ctl_start *st)
{
    char err[160] = "";
    int rc = rh_ctl_parse_start(body, body ? strlen(body) : 0, st, err, sizeof(err));
    if (rc != RH_CTL_OK && err[0] == '\0')
        fail_msg("no message for %d", rc);
    return rc;
}

static void test_start(void **state)
{
    (void)state;
    rh_ctl_start st;
    assert_int_equal(start("{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r-1\","
                           "\"stream_id\":\"s_1\",\"extra\":true}",
                           &st),
                     RH_CTL_OK);
    assert_string_equal(st.workspace_id, "acme");
    assert_string_equal(st.thread_id, "t1");
    assert_string_equal(st.run_id, "r-1");
    assert_string_equal(st.stream_id, "s_1");
    assert_int_equal(start("", &st), RH_CTL_ERR_JSON);
    assert_int_equal(start(NULL, &st), RH_CTL_ERR_JSON);
    assert_int_equal(start("[]", &st), RH_CTL_ERR_JSON);
    assert_int_equal(start("{\"workspace_id\":\"acme\"", &st), RH_CTL_ERR_JSON);
    assert_int_equal(start("{\"workspace_id\":\"a\",\"thread_id\":\"t\",\"run_id\":\"r\"}", &st),
                     RH_CTL_ERR_FIELD);
    assert_int_equal(
        start("{\"workspace_id\":\"a\",\"thread_id\":\"t\",\"run_id\":1,\"stream_id\":\"s\"}", &st),
        RH_CTL_ERR_FIELD);
    assert_int_equal(
        start("{\"workspace_id\":\"a.b\",\"thread_id\":\"t\",\"run_id\":\"r\",\"stream_id\":\"s\"}",
              &st),
        RH_CTL_ERR_ID);
    assert_int_equal(
        start("{\"workspace_id\":\"a\",\"thread_id\":\"\",\"run_id\":\"r\",\"stream_id\":\"s\"}",
              &st),
        RH_CTL_ERR_ID);
    assert_int_equal(
        start("{\"workspace_id\":\"a\",\"thread_id\":\"t\",\"run_id\":\"r\",\"stream_id\":\"s\","
              "\"stream_id\":\"s2\"}",
              &st),
        RH_CTL_ERR_JSON); /* duplicate key */
    assert_int_equal(
        start("{\"workspace_id\":\"a\\u0000\",\"thread_id\":\"t\",\"run_id\":\"r\",\"stream_id\":"
              "\"s\"}",
              &st),
        RH_CTL_ERR_JSON);
    assert_int_equal(
        start(
            "{\"workspace_id\":\"\xff\",\"thread_id\":\"t\",\"run_id\":\"r\",\"stream_id\":\"s\"}",
            &st),
        RH_CTL_ERR_UTF8);
    /* 64 is fine, 65 is not. */
    char body[400], id65[66];
    memset(id65, 'x', 65);
    id65[65] = '\0';
    snprintf(
        body, sizeof(body),
        "{\"workspace_id\":\"a\",\"thread_id\":\"t\",\"run_id\":\"%.64s\",\"stream_id\":\"s\"}",
        id65);
    assert_int_equal(start(body, &st), RH_CTL_OK);
    assert_int_equal(strlen(st.run_id), 64);
    snprintf(body, sizeof(body),
             "{\"workspace_id\":\"a\",\"thread_id\":\"t\",\"run_id\":\"%s\",\"stream_id\":\"s\"}",
             id65);
    assert_int_equal(start(body, &st), RH_CTL_ERR_ID);
    assert_string_equal(st.workspace_id, ""); /* cleared on error */
}

static int tokens(const char *body, size_t max, rh_ctl_tokens *t)
{
    char err[160] = "";
    int rc = rh_ctl_parse_tokens(body, strlen(body), max, t, err, sizeof(err));
    if (rc != RH_CTL_OK) {
        if (err[0] == '\0')
            fail_msg("no message for %d", rc);
        assert_null(t->tokens);
        assert_int_equal(t->n, 0);
    }
    return rc;
}

/* protocol §12.3: unit test */
static void test_tokens(void **state)
{
    (void)state;
    rh_ctl_tokens t;
    assert_int_equal(tokens("{\"token\":\"hello \\u00e9\"}", 100, &t), RH_CTL_OK);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.tokens[0], "hello \xc3\xa9");
    assert_int_equal(t.lens[0], 8);
    assert_int_equal(t.total, 8);
    rh_ctl_tokens_clear(&t);
    rh_ctl_tokens_clear(&t);
    assert_int_equal(tokens("{\"tokens\":[\"a\",\"\",\"ccc\"]}", 4, &t), RH_CTL_OK);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.tokens[2], "ccc");
    assert_int_equal(t.lens[1], 0);
    assert_int_equal(t.total, 4);
    rh_ctl_tokens_clear(&t);
}

static void test_tokens_errors(void **state)
{
    (void)state;
    rh_ctl_tokens t;
    assert_int_equal(tokens("", 100, &t), RH_CTL_ERR_JSON);
    assert_int_equal(tokens("\"x\"", 100, &t), RH_CTL_ERR_JSON);
    assert_int_equal(tokens("{}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"token\":\"a\",\"tokens\":[\"b\"]}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"token\":1}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"token\":null}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"tokens\":\"a\"}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"tokens\":[]}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"tokens\":[\"a\",2]}", 100, &t), RH_CTL_ERR_FIELD);
    assert_int_equal(tokens("{\"token\":\"a\\u0000\"}", 100, &t), RH_CTL_ERR_JSON);
    assert_int_equal(tokens("{\"token\":\"\xc3\"}", 100, &t), RH_CTL_ERR_UTF8);
    assert_int_equal(tokens("{\"token\":\"\\ud83d\"}", 100, &t), RH_CTL_ERR_UTF8);
    assert_int_equal(tokens("{\"tokens\":[\"ok\",\"\\udc00\"]}", 100, &t), RH_CTL_ERR_UTF8);
    assert_int_equal(tokens("{\"token\":\"a\",\"token\":\"b\"}", 100, &t), RH_CTL_ERR_JSON);
    /* Byte limit on the sum, counted in UTF-8 bytes. */
    assert_int_equal(tokens("{\"token\":\"abcd\"}", 4, &t), RH_CTL_OK);
    rh_ctl_tokens_clear(&t);
    assert_int_equal(tokens("{\"token\":\"abcde\"}", 4, &t), RH_CTL_ERR_TOO_LARGE);
    assert_int_equal(tokens("{\"tokens\":[\"ab\",\"cd\",\"e\"]}", 4, &t), RH_CTL_ERR_TOO_LARGE);
    assert_int_equal(tokens("{\"token\":\"\\u00e9\\u00e9\\u00e9\"}", 5, &t), RH_CTL_ERR_TOO_LARGE);
}

static void test_tokens_count_limit(void **state)
{
    (void)state;
    size_t cap = 16 + 4 * (RH_CTL_MAX_TOKENS + 1);
    char *body = malloc(cap);
    assert_non_null(body);
    for (int extra = 0; extra <= 1; extra++) {
        size_t o = (size_t)snprintf(body, cap, "{\"tokens\":[");
        for (int i = 0; i < RH_CTL_MAX_TOKENS + extra; i++)
            o += (size_t)snprintf(body + o, cap - o, "%s\"a\"", i ? "," : "");
        snprintf(body + o, cap - o, "]}");
        rh_ctl_tokens t;
        int rc = tokens(body, 1 << 20, &t);
        assert_int_equal(rc, extra ? RH_CTL_ERR_TOO_LARGE : RH_CTL_OK);
        if (!extra)
            assert_int_equal(t.n, RH_CTL_MAX_TOKENS);
        rh_ctl_tokens_clear(&t);
    }
    free(body);
}

/* protocol §12.4: unit test */
static void test_end(void **state)
{
    (void)state;
    rh_end_reason r = RH_END_FAILED;
    char err[160];
    assert_int_equal(rh_ctl_parse_end("", 0, &r, err, sizeof(err)), RH_CTL_OK);
    assert_int_equal(r, RH_END_COMPLETED);
    r = RH_END_FAILED;
    assert_int_equal(rh_ctl_parse_end(NULL, 0, &r, err, sizeof(err)), RH_CTL_OK);
    assert_int_equal(r, RH_END_COMPLETED);
    assert_int_equal(rh_ctl_parse_end(S(" \n"), &r, err, sizeof(err)), RH_CTL_OK);
    assert_int_equal(rh_ctl_parse_end(S("{}"), &r, err, sizeof(err)), RH_CTL_OK);
    assert_int_equal(r, RH_END_COMPLETED);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":\"cancelled\"}"), &r, err, sizeof(err)),
                     RH_CTL_OK);
    assert_int_equal(r, RH_END_CANCELLED);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":\"failed\"}"), &r, err, sizeof(err)),
                     RH_CTL_OK);
    assert_int_equal(r, RH_END_FAILED);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":\"done\"}"), &r, err, sizeof(err)),
                     RH_CTL_ERR_REASON);
    assert_non_null(strstr(err, "done"));
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":\"Completed\"}"), &r, err, sizeof(err)),
                     RH_CTL_ERR_REASON);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":1}"), &r, err, sizeof(err)), RH_CTL_ERR_FIELD);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":null}"), &r, err, sizeof(err)),
                     RH_CTL_ERR_FIELD);
    assert_int_equal(rh_ctl_parse_end(S("[\"failed\"]"), &r, err, sizeof(err)), RH_CTL_ERR_JSON);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":\"failed\""), &r, err, sizeof(err)),
                     RH_CTL_ERR_JSON);
    assert_int_equal(rh_ctl_parse_end(S("{\"reason\":\"failed\",\"reason\":\"completed\"}"), &r,
                                      err, sizeof(err)),
                     RH_CTL_ERR_JSON);
}

/* protocol §19.1: unit test */
static void test_member(void **state)
{
    (void)state;
    char u[RH_CTL_USER_MAX + 1], err[160], big[300];
    int m = -1;
    assert_int_equal(
        rh_ctl_parse_member(S("{\"user_id\":\"alice\",\"member\":false}"), u, &m, err, sizeof err),
        RH_CTL_OK);
    assert_string_equal(u, "alice");
    assert_int_equal(m, 0);
    assert_int_equal(
        rh_ctl_parse_member(S("{\"member\":true,\"user_id\":\"42\"}"), u, &m, err, sizeof err),
        RH_CTL_OK);
    assert_string_equal(u, "42");
    assert_int_equal(m, 1);
    assert_int_equal(rh_ctl_parse_member(S("{\"user_id\":\"alice\"}"), u, &m, err, sizeof err),
                     RH_CTL_ERR_FIELD);
    assert_int_equal(
        rh_ctl_parse_member(S("{\"user_id\":\"a\",\"member\":1}"), u, &m, err, sizeof err),
        RH_CTL_ERR_FIELD);
    assert_int_equal(
        rh_ctl_parse_member(S("{\"user_id\":7,\"member\":true}"), u, &m, err, sizeof err),
        RH_CTL_ERR_ID);
    assert_int_equal(
        rh_ctl_parse_member(S("{\"user_id\":\"\",\"member\":true}"), u, &m, err, sizeof err),
        RH_CTL_ERR_ID);
    assert_int_equal(
        rh_ctl_parse_member(S("{\"user_id\":\"a b\",\"member\":true}"), u, &m, err, sizeof err),
        RH_CTL_ERR_ID);
    assert_int_equal(
        rh_ctl_parse_member(S("{\"user_id\":\"a\\n\",\"member\":true}"), u, &m, err, sizeof err),
        RH_CTL_ERR_ID);
    int n = snprintf(big, sizeof big, "{\"user_id\":\"%0129d\",\"member\":true}", 0);
    assert_int_equal(rh_ctl_parse_member(big, (size_t)n, u, &m, err, sizeof err), RH_CTL_ERR_ID);
    n = snprintf(big, sizeof big, "{\"user_id\":\"%0128d\",\"member\":true}", 0);
    assert_int_equal(rh_ctl_parse_member(big, (size_t)n, u, &m, err, sizeof err), RH_CTL_OK);
    assert_int_equal(strlen(u), 128);
    assert_int_equal(rh_ctl_parse_member("", 0, u, &m, err, sizeof err), RH_CTL_ERR_JSON);
    assert_int_equal(rh_ctl_parse_member(NULL, 0, u, &m, err, sizeof err), RH_CTL_ERR_JSON);
}

static void test_reason_names(void **state)
{
    (void)state;
    rh_end_reason r;
    for (int i = RH_END_COMPLETED; i <= RH_END_FAILED; i++) {
        assert_int_equal(rh_ctl_reason_parse(rh_ctl_reason_name((rh_end_reason)i), &r), 0);
        assert_int_equal(r, i);
    }
    assert_string_equal(rh_ctl_reason_name(RH_END_CANCELLED), "cancelled");
    assert_int_equal(rh_ctl_reason_parse("", &r), -1);
    assert_int_equal(rh_ctl_reason_parse(NULL, &r), -1);
    assert_int_equal(rh_ctl_reason_parse("unknown", &r), -1);
    assert_string_equal(rh_ctl_strerror(RH_CTL_ERR_TOO_LARGE), "over the size limit");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),         cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_tokens_errors), cmocka_unit_test(test_tokens_count_limit),
        cmocka_unit_test(test_end),           cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
