/* Unit tests of rw_clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <time.h>

#include "wire/clock.h"

static void test_clock(void **state)
{
    (void)state;
    int64_t a = rw_now_ns();
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    int64_t b = rw_now_ns();
    assert_true(b - a >= 2000000);
    assert_true(rw_now_us() >= (uint64_t)b / 1000u);
    int64_t d = rw_deadline_ns(1000);
    int left = rw_left_ms(d);
    assert_true(left > 900 && left <= 1000);
    assert_int_equal(rw_left_ms(rw_now_ns() - 1), 0);
    assert_true(rw_deadline_ns(-5) <= rw_now_ns());
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_clock)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
