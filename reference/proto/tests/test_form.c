#include "th.h"

#include "proto/form.h"

static void test_basic(void **state)
{
    (void)state;
    rh_form f;
    assert_int_equal(rh_form_parse(S("socket_id=1234.1234&channel_name=private-foo"), &f),
                     RH_FORM_OK);
    assert_int_equal(f.n, 2);
    assert_string_equal(rh_form_get(&f, "socket_id"), "1234.1234");
    assert_string_equal(rh_form_get(&f, "channel_name"), "private-foo");
    assert_null(rh_form_get(&f, "auth"));
    assert_null(rh_form_get(&f, "Socket_id")); /* keys are case-sensitive here */
    rh_form_free(&f);
    assert_int_equal(f.n, 0);
    assert_null(f.params);
    rh_form_free(&f); /* twice is harmless */
}

static void test_decoding(void **state)
{
    (void)state;
    rh_form f;
    assert_int_equal(rh_form_parse(S("a=x%20y+z&b%5Fc=%7B%22k%22%3A1%7D&c=%c3%a9&flag&e="), &f),
                     RH_FORM_OK);
    assert_int_equal(f.n, 5);
    assert_string_equal(rh_form_get(&f, "a"), "x y z");
    assert_string_equal(rh_form_get(&f, "b_c"), "{\"k\":1}");
    assert_string_equal(rh_form_get(&f, "c"), "\xc3\xa9");
    assert_string_equal(rh_form_get(&f, "flag"), "");
    assert_string_equal(rh_form_get(&f, "e"), "");
    rh_form_free(&f);
    /* '=' inside a value stays. */
    assert_int_equal(rh_form_parse(S("a=b=c"), &f), RH_FORM_OK);
    assert_string_equal(rh_form_get(&f, "a"), "b=c");
    rh_form_free(&f);
}

static void test_empty(void **state)
{
    (void)state;
    rh_form f;
    assert_int_equal(rh_form_parse("", 0, &f), RH_FORM_OK);
    assert_int_equal(f.n, 0);
    assert_null(rh_form_get(&f, "a"));
    rh_form_free(&f);
    assert_int_equal(rh_form_parse(NULL, 0, &f), RH_FORM_OK);
    assert_int_equal(f.n, 0);
    rh_form_free(&f);
    assert_int_equal(rh_form_parse(S("&&a=1&&"), &f), RH_FORM_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(rh_form_get(&f, "a"), "1");
    rh_form_free(&f);
}

static void test_length_bound(void **state)
{
    (void)state;
    rh_form f;
    assert_int_equal(rh_form_parse("a=12&b=3", 4, &f), RH_FORM_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(rh_form_get(&f, "a"), "12");
    rh_form_free(&f);
    /* A cut escape is malformed. */
    assert_int_equal(rh_form_parse("a=%41", 4, &f), RH_FORM_ERR_ESCAPE);
}

static void test_errors(void **state)
{
    (void)state;
    rh_form f;
    assert_int_equal(rh_form_parse(S("a=%"), &f), RH_FORM_ERR_ESCAPE);
    assert_null(f.params);
    assert_int_equal(rh_form_parse(S("a=%4"), &f), RH_FORM_ERR_ESCAPE);
    assert_int_equal(rh_form_parse(S("a=%zz"), &f), RH_FORM_ERR_ESCAPE);
    assert_int_equal(rh_form_parse(S("b=1&a=%g0"), &f), RH_FORM_ERR_ESCAPE);
    assert_int_equal(f.n, 0);
    assert_int_equal(rh_form_parse(S("a=x%00y"), &f), RH_FORM_ERR_NUL);
    assert_int_equal(rh_form_parse(S("%00=1"), &f), RH_FORM_ERR_NUL);
    assert_int_equal(rh_form_parse("a=x\0y", 5, &f), RH_FORM_ERR_NUL);
    assert_int_equal(rh_form_parse(S("a=1&b=2&a=3"), &f), RH_FORM_ERR_DUPLICATE);
    assert_int_equal(rh_form_parse(S("a=1&%61=2"), &f), RH_FORM_ERR_DUPLICATE);
    assert_null(f.params);
}

static void test_too_many(void **state)
{
    (void)state;
    char buf[1024];
    size_t o = 0;
    for (int i = 0; i < RH_FORM_MAX_PARAMS; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sk%d=v", i ? "&" : "", i);
    rh_form f;
    assert_int_equal(rh_form_parse(buf, o, &f), RH_FORM_OK);
    assert_int_equal(f.n, RH_FORM_MAX_PARAMS);
    assert_string_equal(rh_form_get(&f, "k63"), "v");
    rh_form_free(&f);
    /* Extra empty segments do not count. */
    char buf2[1200];
    memcpy(buf2, buf, o);
    memset(buf2 + o, '&', 100);
    assert_int_equal(rh_form_parse(buf2, o + 100, &f), RH_FORM_OK);
    rh_form_free(&f);
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, "&one=more");
    assert_int_equal(rh_form_parse(buf, o, &f), RH_FORM_ERR_TOO_MANY);
    assert_null(f.params);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(rh_form_strerror(RH_FORM_ERR_NUL), "%00 (NUL) in a parameter");
    assert_string_equal(rh_form_strerror(42), "unknown form error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),    cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_empty),    cmocka_unit_test(test_length_bound),
        cmocka_unit_test(test_errors),   cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
