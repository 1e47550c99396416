/* Unit tests of the bus message format (proto/busmsg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/busmsg.h"

static void test_roundtrip_any_bytes(void **state)
{
    (void)state;
    rh_busmsg m = {0};
    rh_busmsg_add_str(&m, "tok");
    rh_busmsg_add(&m, "a\n:b\0c", 6);
    rh_busmsg_add_str(&m, "");
    rh_busmsg_add_str(&m, NULL);
    assert_false(m.failed);
    assert_int_equal(m.len, 5 + 8 + 2 + 2); /* "3:tok" "6:a\n:b\0c" "0:" "0:" */
    rh_busfield f[8];
    assert_int_equal(rh_busmsg_split(m.p, m.len, f, 8), 4);
    assert_int_equal(rh_busmsg_count(m.p, m.len), 4);
    assert_true(rh_busfield_is(&f[0], "tok"));
    assert_int_equal(f[1].len, 6);
    assert_memory_equal(f[1].s, "a\n:b\0c", 6);
    assert_int_equal(f[2].len, 0);
    assert_int_equal(f[3].len, 0);
    /* split stops at max */
    assert_int_equal(rh_busmsg_split(m.p, m.len, f, 2), 2);
    rh_busmsg_free(&m);
}

static void test_malformed(void **state)
{
    (void)state;
    rh_busfield f[4];
    assert_int_equal(rh_busmsg_split("3:ab", 4, f, 4), -1);          /* length beyond the end */
    assert_int_equal(rh_busmsg_split("x:ab", 4, f, 4), -1);          /* no digits */
    assert_int_equal(rh_busmsg_split("3ab", 3, f, 4), -1);           /* no colon */
    assert_int_equal(rh_busmsg_split("99999999999:", 12, f, 4), -1); /* absurd length */
    assert_int_equal(rh_busmsg_count("1:a1:", 5), -1);
    assert_int_equal(rh_busmsg_split("", 0, f, 4), 0);
}

static void test_u64(void **state)
{
    (void)state;
    unsigned long long v = 0;
    rh_busfield f = {"18446744073709551615", 20};
    assert_int_equal(rh_busfield_u64(&f, &v), 0);
    assert_true(v == 18446744073709551615ull);
    f = (rh_busfield){"18446744073709551616", 20};
    assert_int_equal(rh_busfield_u64(&f, &v), -1);
    f = (rh_busfield){"12a", 3};
    assert_int_equal(rh_busfield_u64(&f, &v), -1);
    f = (rh_busfield){"", 0};
    assert_int_equal(rh_busfield_u64(&f, &v), -1);
    f = (rh_busfield){"42", 2};
    assert_int_equal(rh_busfield_u64(&f, &v), 0);
    assert_int_equal(v, 42);
}

/* protocol §15.11: unit test */
static void test_seq_head(void **state)
{
    (void)state;
    unsigned long long v = 7;
    const char *m = "42|3:evt";
    assert_int_equal(rh_busmsg_seq_head(m, strlen(m), &v), 3);
    assert_true(v == 42);
    v = 7;
    assert_int_equal(rh_busmsg_seq_head("3:evt", 5, &v), 0); /* no head: a field's length */
    assert_int_equal(rh_busmsg_seq_head("|x", 2, &v), 0);
    assert_int_equal(rh_busmsg_seq_head("12", 2, &v), 0);
    assert_int_equal(rh_busmsg_seq_head("18446744073709551616|x", 22, &v), 0);
    assert_int_equal(rh_busmsg_seq_head("123456789012345678901|x", 23, &v), 0);
    assert_true(v == 7); /* untouched when there is no head */
    assert_int_equal(rh_busmsg_seq_head("18446744073709551615|", 21, &v), 21);
    assert_true(v == 18446744073709551615ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_any_bytes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_seq_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
