#include "th.h"

#include "proto/channel.h"

static int validate(const char *s, size_t n)
{
    char err[160] = "";
    int rc = rh_chan_validate(s, n, err, sizeof(err));
    if (rc != RH_CHAN_OK && err[0] == '\0')
        fail_msg("no message for code %d", rc);
    return rc;
}

/* protocol §3.1: unit test */
static void test_validate(void **state)
{
    (void)state;
    assert_int_equal(validate(S("a")), RH_CHAN_OK);
    assert_int_equal(validate(S("private-workspace.acme.thread.t1")), RH_CHAN_OK);
    assert_int_equal(validate(S("AZaz09_-=@,.;")), RH_CHAN_OK);
    assert_int_equal(validate(S("")), RH_CHAN_ERR_EMPTY);
    assert_int_equal(validate(NULL, 0), RH_CHAN_ERR_EMPTY);
    assert_int_equal(validate(S("a b")), RH_CHAN_ERR_CHARS);
    assert_int_equal(validate(S("#server-to-user-1")), RH_CHAN_ERR_CHARS);
    assert_int_equal(validate(S("caf\xc3\xa9")), RH_CHAN_ERR_CHARS);
    assert_int_equal(validate(S("a/b")), RH_CHAN_ERR_CHARS);
    assert_int_equal(validate(S("a:b")), RH_CHAN_ERR_CHARS);
    assert_int_equal(validate("a\0b", 3), RH_CHAN_ERR_CHARS);
    char err[160];
    assert_int_equal(rh_chan_validate(S("ab*"), err, sizeof(err)), RH_CHAN_ERR_CHARS);
    assert_non_null(strstr(err, "'*' at byte 2"));
    assert_int_equal(rh_chan_validate(S("ab\n"), err, sizeof(err)), RH_CHAN_ERR_CHARS);
    assert_non_null(strstr(err, "0x0a"));
    /* NULL err buffer is fine. */
    assert_int_equal(rh_chan_validate(S("a b"), NULL, 0), RH_CHAN_ERR_CHARS);
}

static void test_length(void **state)
{
    (void)state;
    char name[RH_CHAN_MAX_LEN + 2];
    memset(name, 'x', sizeof(name));
    assert_int_equal(validate(name, RH_CHAN_MAX_LEN), RH_CHAN_OK);
    assert_int_equal(validate(name, RH_CHAN_MAX_LEN + 1), RH_CHAN_ERR_TOO_LONG);
    char err[160];
    rh_chan_validate(name, RH_CHAN_MAX_LEN + 1, err, sizeof(err));
    assert_non_null(strstr(err, "165 bytes"));
}

/* protocol §3.2: unit test */
static void test_type(void **state)
{
    (void)state;
    assert_int_equal(rh_chan_type_of(S("private-encrypted-x")), RH_CHAN_PRIVATE_ENCRYPTED);
    assert_int_equal(rh_chan_type_of(S("private-x")), RH_CHAN_PRIVATE);
    assert_int_equal(rh_chan_type_of(S("private-")), RH_CHAN_PRIVATE);
    assert_int_equal(rh_chan_type_of(S("presence-x")), RH_CHAN_PRESENCE);
    assert_int_equal(rh_chan_type_of(S("private")), RH_CHAN_PUBLIC);
    assert_int_equal(rh_chan_type_of(S("privatex")), RH_CHAN_PUBLIC);
    assert_int_equal(rh_chan_type_of(S("my-private-x")), RH_CHAN_PUBLIC);
    assert_int_equal(rh_chan_type_of(S("x")), RH_CHAN_PUBLIC);
    assert_int_equal(rh_chan_type_of(NULL, 0), RH_CHAN_PUBLIC);
    /* Only len bytes count. */
    assert_int_equal(rh_chan_type_of("private-x", 7), RH_CHAN_PUBLIC);
    assert_true(rh_chan_needs_auth(RH_CHAN_PRIVATE));
    assert_true(rh_chan_needs_auth(RH_CHAN_PRIVATE_ENCRYPTED));
    assert_true(rh_chan_needs_auth(RH_CHAN_PRESENCE));
    assert_false(rh_chan_needs_auth(RH_CHAN_PUBLIC));
}

/* protocol §17: cache channels by anchored prefix, in every channel type */
static void test_cache(void **state)
{
    (void)state;
    assert_true(rh_chan_is_cache(S("cache-x")));
    assert_true(rh_chan_is_cache(S("private-cache-x")));
    assert_true(rh_chan_is_cache(S("presence-cache-x")));
    assert_true(rh_chan_is_cache(S("private-encrypted-cache-x")));
    assert_int_equal(rh_chan_type_of(S("private-encrypted-cache-x")), RH_CHAN_PRIVATE_ENCRYPTED);
    assert_false(rh_chan_is_cache(S("xcache-x")));
    assert_false(rh_chan_is_cache(S("private-x-cache-y")));
    assert_false(rh_chan_is_cache(S("cache")));
    assert_false(rh_chan_is_cache(S("private-encrypted-x")));
    assert_false(rh_chan_is_cache(NULL, 0));
    assert_false(rh_chan_is_cache("cache-x", 5));
}

static void test_valid_id(void **state)
{
    (void)state;
    char id[RH_CHAN_ID_MAX + 1];
    memset(id, 'a', sizeof(id));
    assert_true(rh_chan_valid_id(id, RH_CHAN_ID_MAX));
    assert_false(rh_chan_valid_id(id, RH_CHAN_ID_MAX + 1));
    assert_true(rh_chan_valid_id(S("aZ09_-")));
    assert_false(rh_chan_valid_id(S("")));
    assert_false(rh_chan_valid_id(NULL, 0));
    assert_false(rh_chan_valid_id(S("a.b")));
    assert_false(rh_chan_valid_id(S("a b")));
    assert_false(rh_chan_valid_id(S("a=b")));
    assert_false(rh_chan_valid_id("a\0", 2));
}

/* protocol §7: unit test */
static void test_parse_stream(void **state)
{
    (void)state;
    rh_chan_stream st;
    char err[160];
    assert_int_equal(
        rh_chan_parse_stream(S("private-workspace.acme.thread.t-1_x"), &st, err, sizeof(err)),
        RH_CHAN_OK);
    assert_string_equal(st.workspace, "acme");
    assert_string_equal(st.thread, "t-1_x");
    /* An id named "thread" is fine: the first ".thread." splits. */
    assert_int_equal(
        rh_chan_parse_stream(S("private-workspace.thread.thread.thread"), &st, err, sizeof(err)),
        RH_CHAN_OK);
    assert_string_equal(st.workspace, "thread");
    assert_string_equal(st.thread, "thread");
    assert_int_equal(
        rh_chan_parse_stream(S("presence-workspace.a.thread.b"), &st, err, sizeof(err)),
        RH_CHAN_ERR_NOT_STREAM);
    assert_int_equal(rh_chan_parse_stream(S("private-workspace.a"), &st, err, sizeof(err)),
                     RH_CHAN_ERR_NOT_STREAM);
    assert_int_equal(rh_chan_parse_stream(S("private-workspace.a.thred.b"), &st, err, sizeof(err)),
                     RH_CHAN_ERR_NOT_STREAM);
    assert_int_equal(rh_chan_parse_stream(S("private-x"), &st, err, sizeof(err)),
                     RH_CHAN_ERR_NOT_STREAM);
    assert_int_equal(rh_chan_parse_stream(S(""), &st, err, sizeof(err)), RH_CHAN_ERR_NOT_STREAM);
    assert_int_equal(rh_chan_parse_stream(S("private-workspace..thread.b"), &st, err, sizeof(err)),
                     RH_CHAN_ERR_ID);
    assert_non_null(strstr(err, "workspace"));
    assert_int_equal(rh_chan_parse_stream(S("private-workspace.a.thread."), &st, err, sizeof(err)),
                     RH_CHAN_ERR_ID);
    assert_non_null(strstr(err, "thread"));
    assert_int_equal(
        rh_chan_parse_stream(S("private-workspace.a.b.thread.c"), &st, err, sizeof(err)),
        RH_CHAN_ERR_ID);
    assert_int_equal(
        rh_chan_parse_stream(S("private-workspace.a.thread.b.c"), &st, err, sizeof(err)),
        RH_CHAN_ERR_ID);
    assert_int_equal(
        rh_chan_parse_stream(S("private-workspace.a.thread.b c"), &st, err, sizeof(err)),
        RH_CHAN_ERR_ID);
    char longname[200];
    int n = snprintf(longname, sizeof(longname), "private-workspace.%065d.thread.t", 0);
    assert_int_equal(rh_chan_parse_stream(longname, (size_t)n, &st, err, sizeof(err)),
                     RH_CHAN_ERR_ID);
    /* Length-bounded: the tail past len is ignored. */
    assert_int_equal(rh_chan_parse_stream("private-workspace.a.thread.bc", 28, &st, NULL, 0),
                     RH_CHAN_OK);
    assert_string_equal(st.thread, "b");
}

static void test_format_stream(void **state)
{
    (void)state;
    char out[RH_CHAN_MAX_LEN + 1];
    int n = rh_chan_format_stream(out, sizeof(out), "acme", "t1");
    assert_int_equal(n, (int)strlen("private-workspace.acme.thread.t1"));
    assert_string_equal(out, "private-workspace.acme.thread.t1");
    /* Longest ids still fit in a channel name and round-trip. */
    char id[RH_CHAN_ID_MAX + 1];
    memset(id, 'w', RH_CHAN_ID_MAX);
    id[RH_CHAN_ID_MAX] = '\0';
    n = rh_chan_format_stream(out, sizeof(out), id, id);
    assert_true(n > 0);
    assert_int_equal(rh_chan_validate(out, (size_t)n, NULL, 0), RH_CHAN_OK);
    rh_chan_stream st;
    assert_int_equal(rh_chan_parse_stream(out, (size_t)n, &st, NULL, 0), RH_CHAN_OK);
    assert_string_equal(st.workspace, id);
    assert_int_equal(rh_chan_format_stream(out, sizeof(out), "a.b", "t"), RH_CHAN_ERR_ID);
    assert_int_equal(rh_chan_format_stream(out, sizeof(out), "", "t"), RH_CHAN_ERR_ID);
    assert_int_equal(rh_chan_format_stream(out, sizeof(out), "a", NULL), RH_CHAN_ERR_ID);
    assert_int_equal(rh_chan_format_stream(out, 10, "acme", "t1"), RH_CHAN_ERR_TOO_LONG);
    assert_string_equal(rh_chan_strerror(RH_CHAN_ERR_ID), "invalid workspace or thread id");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate),      cmocka_unit_test(test_length),
        cmocka_unit_test(test_type),          cmocka_unit_test(test_cache),
        cmocka_unit_test(test_valid_id),      cmocka_unit_test(test_parse_stream),
        cmocka_unit_test(test_format_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
