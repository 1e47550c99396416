#include "th.h"

#include "proto/buf.h"

static void test_new(void **state)
{
    (void)state;
    rh_buf *b = rh_buf_new("abc", 3);
    assert_non_null(b);
    assert_int_equal(b->refs, 1);
    assert_int_equal(b->len, 3);
    assert_string_equal(b->data, "abc");
    assert_ptr_equal(b->data, b->storage + RH_BUF_PRE);
    assert_ptr_equal(rh_buf_ref(b), b);
    assert_int_equal(b->refs, 2);
    rh_buf_unref(b);
    assert_int_equal(b->refs, 1);
    rh_buf_unref(b);
    rh_buf_unref(NULL);
    assert_null(rh_buf_ref(NULL));
}

static void test_empty_and_binary(void **state)
{
    (void)state;
    rh_buf *b = rh_buf_new(NULL, 0);
    assert_non_null(b);
    assert_int_equal(b->len, 0);
    assert_string_equal(b->data, "");
    rh_buf_unref(b);
    b = rh_buf_new("a\0b", 3);
    assert_memory_equal(b->data, "a\0b", 4);
    rh_buf_unref(b);
    b = rh_buf_new_str("hello");
    assert_int_equal(b->len, 5);
    rh_buf_unref(b);
}

static void test_alloc(void **state)
{
    (void)state;
    rh_buf *b = rh_buf_alloc(4);
    assert_non_null(b);
    assert_int_equal(b->len, 4);
    assert_int_equal(b->data[4], '\0');
    memcpy(b->data, "wxyz", 4);
    /* The pre-padding is writable for in-place framing. */
    memset(b->data - RH_BUF_PRE, 0, RH_BUF_PRE);
    assert_string_equal(b->data, "wxyz");
    rh_buf_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new),
        cmocka_unit_test(test_empty_and_binary),
        cmocka_unit_test(test_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
