#include "th.h"

#include "proto/utf8.h"

static void test_valid(void **state)
{
    (void)state;
    assert_true(rh_utf8_valid(S("")));
    assert_true(rh_utf8_valid(S("plain ascii")));
    assert_true(rh_utf8_valid(S("caf\xc3\xa9")));      /* U+00E9 */
    assert_true(rh_utf8_valid(S("\xe2\x82\xac")));     /* U+20AC */
    assert_true(rh_utf8_valid(S("\xf0\x9f\x98\x80"))); /* U+1F600 */
    assert_true(rh_utf8_valid(S("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
    assert_true(rh_utf8_valid(S("\xed\x9f\xbf")));     /* U+D7FF */
    assert_true(rh_utf8_valid(S("\xee\x80\x80")));     /* U+E000 */
    assert_true(rh_utf8_valid("a\0b", 3));             /* NUL is valid UTF-8 */
}

static void test_invalid(void **state)
{
    (void)state;
    assert_false(rh_utf8_valid(S("\x80")));             /* lone continuation */
    assert_false(rh_utf8_valid(S("\xc3")));             /* truncated 2-byte */
    assert_false(rh_utf8_valid(S("\xe2\x82")));         /* truncated 3-byte */
    assert_false(rh_utf8_valid(S("\xf0\x9f\x98")));     /* truncated 4-byte */
    assert_false(rh_utf8_valid(S("\xc0\xaf")));         /* overlong '/' */
    assert_false(rh_utf8_valid(S("\xc1\xbf")));         /* overlong */
    assert_false(rh_utf8_valid(S("\xe0\x80\xaf")));     /* overlong 3-byte */
    assert_false(rh_utf8_valid(S("\xf0\x80\x80\xaf"))); /* overlong 4-byte */
    assert_false(rh_utf8_valid(S("\xed\xa0\x80")));     /* surrogate U+D800 */
    assert_false(rh_utf8_valid(S("\xed\xbf\xbf")));     /* surrogate U+DFFF */
    assert_false(rh_utf8_valid(S("\xf4\x90\x80\x80"))); /* U+110000 */
    assert_false(rh_utf8_valid(S("\xf5\x80\x80\x80")));
    assert_false(rh_utf8_valid(S("\xff")));
    assert_false(rh_utf8_valid(S("\xc3\x28"))); /* bad continuation */
    assert_false(rh_utf8_valid(S("\xe2\x28\xa1")));
    assert_false(rh_utf8_valid(S("\xf0\x9f\x98\x28")));
    assert_false(rh_utf8_valid(S("ok then \xfe")));
}

static void test_length_bound(void **state)
{
    (void)state;
    /* The length, not a NUL, ends the input: a valid prefix of a cut sequence is refused. */
    const char *s = "\xe2\x82\xac";
    assert_true(rh_utf8_valid(s, 3));
    assert_false(rh_utf8_valid(s, 2));
    assert_true(rh_utf8_valid(s, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_length_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
