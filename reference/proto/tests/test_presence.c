#include "th.h"

#include "proto/presence.h"

static int parse(const char *s, rh_pres_member *m)
{
    char err[160] = "";
    int rc = rh_pres_parse(s, s ? strlen(s) : 0, m, err, sizeof(err));
    if (rc != 0) {
        if (err[0] == '\0')
            fail_msg("no message");
        assert_null(m->user_id);
        assert_null(m->user_info);
    }
    return rc;
}

static void test_ok(void **state)
{
    (void)state;
    rh_pres_member m;
    assert_int_equal(parse("{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}", &m), 0);
    assert_string_equal(m.user_id, "10");
    assert_string_equal(m.user_info, "{\"name\":\"Mr. Channels\"}");
    rh_pres_clear(&m);
    rh_pres_clear(&m);
    assert_int_equal(parse("{\"user_id\":\"alice\"}", &m), 0);
    assert_string_equal(m.user_id, "alice");
    assert_null(m.user_info);
    rh_pres_clear(&m);
    assert_int_equal(parse(" { \"user_info\" : [ 1 , \"x\" ] , \"user_id\" : -7 } ", &m), 0);
    assert_string_equal(m.user_id, "-7");
    assert_string_equal(m.user_info, "[1,\"x\"]");
    rh_pres_clear(&m);
    assert_int_equal(parse("{\"user_id\":\"a\",\"user_info\":null}", &m), 0);
    assert_null(m.user_info);
    rh_pres_clear(&m);
    assert_int_equal(parse("{\"user_id\":9007199254740992}", &m), 0);
    assert_string_equal(m.user_id, "9007199254740992");
    rh_pres_clear(&m);
    assert_int_equal(parse("{\"user_id\":1e3}", &m), 0);
    assert_string_equal(m.user_id, "1000");
    rh_pres_clear(&m);
}

static void test_errors(void **state)
{
    (void)state;
    rh_pres_member m;
    assert_int_equal(parse(NULL, &m), -1);
    assert_int_equal(parse("", &m), -1);
    assert_int_equal(parse("{", &m), -1);
    assert_int_equal(parse("[]", &m), -1);
    assert_int_equal(parse("\"x\"", &m), -1);
    assert_int_equal(parse("{}", &m), -1);
    assert_int_equal(parse("{\"user_id\":\"\"}", &m), -1);
    assert_int_equal(parse("{\"user_id\":null}", &m), -1);
    assert_int_equal(parse("{\"user_id\":true}", &m), -1);
    assert_int_equal(parse("{\"user_id\":{}}", &m), -1);
    assert_int_equal(parse("{\"user_id\":1.5}", &m), -1);
    assert_int_equal(parse("{\"user_id\":1e300}", &m), -1);
    assert_int_equal(parse("{\"user_id\":\"a\",\"user_id\":\"b\"}", &m), -1);
    assert_int_equal(parse("{\"user_id\":\"a\\u0000b\"}", &m), -1);
    assert_int_equal(parse("{\"user_id\":\"\xc3\"}", &m), -1);
    assert_int_equal(parse("{\"user_id\":\"a\"} x", &m), -1);
    char err[160];
    assert_int_equal(rh_pres_parse(S("{\"user_id\":{}}"), &m, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "user_id"));
}

static void test_limits(void **state)
{
    (void)state;
    char body[2000], id[RH_PRES_USER_ID_MAX + 2];
    rh_pres_member m;
    memset(id, 'u', sizeof(id));
    id[RH_PRES_USER_ID_MAX] = '\0';
    snprintf(body, sizeof(body), "{\"user_id\":\"%s\"}", id);
    assert_int_equal(parse(body, &m), 0);
    rh_pres_clear(&m);
    id[RH_PRES_USER_ID_MAX] = 'u';
    id[RH_PRES_USER_ID_MAX + 1] = '\0';
    snprintf(body, sizeof(body), "{\"user_id\":\"%s\"}", id);
    assert_int_equal(parse(body, &m), -1);
    /* user_info measured as compact JSON: "\"" + n + "\"" */
    char info[RH_PRES_USER_INFO_MAX + 1];
    memset(info, 'i', sizeof(info));
    info[RH_PRES_USER_INFO_MAX - 2] = '\0';
    snprintf(body, sizeof(body), "{\"user_id\":\"a\",\"user_info\":\"%s\"}", info);
    assert_int_equal(parse(body, &m), 0);
    assert_int_equal(strlen(m.user_info), RH_PRES_USER_INFO_MAX);
    rh_pres_clear(&m);
    info[RH_PRES_USER_INFO_MAX - 2] = 'i';
    info[RH_PRES_USER_INFO_MAX - 1] = '\0';
    snprintf(body, sizeof(body), "{\"user_id\":\"a\",\"user_info\":\"%s\"}", info);
    assert_int_equal(parse(body, &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
