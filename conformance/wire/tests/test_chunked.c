/* Unit tests of rw_chunked: each input decoded whole, split at every point, and byte by byte
 * gives the same result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/chunked.h"

static const struct {
    const char *in, *out;
    int status;
} cases[] = {
    {"5\r\nhello\r\n0\r\n\r\n", "hello", RW_CHUNKED_DONE},
    {"2;ext=1\r\nab\r\n1 \r\nc\r\n0\r\nTrailer: x\r\n\r\n", "abc", RW_CHUNKED_DONE},
    {"A\r\n0123456789\r\n0\r\n\r\n", "0123456789", RW_CHUNKED_DONE},
    {"5\r\nhel", "hel", RW_CHUNKED_PARTIAL},
    {"\r\n", "", RW_CHUNKED_ERROR},
    {"g\r\n", "", RW_CHUNKED_ERROR},
    {"\x10\r\n", "", RW_CHUNKED_ERROR}, /* a control byte is no digit, whatever its bits */
    {"Ff\r\n", "", RW_CHUNKED_PARTIAL},
    {"2\r\nabX\r\n", "ab", RW_CHUNKED_ERROR},
    {"2\nab\r\n", "", RW_CHUNKED_ERROR},
    {"11111111111111111\r\n", "", RW_CHUNKED_ERROR},
    {"0\r\nX: y\n\r\n", "", RW_CHUNKED_ERROR},
};

/* Feeds in in pieces of step bytes (0: all at once). */
static int run(const char *in, size_t step, char *out, size_t *outlen)
{
    rw_chunked d;
    rw_chunked_init(&d, 1024);
    size_t len = strlen(in), off = 0;
    *outlen = 0;
    int st = RW_CHUNKED_PARTIAL;
    while (off < len && st == RW_CHUNKED_PARTIAL) {
        size_t n = step && len - off > step ? step : len - off, used = 0, o = 0;
        st = rw_chunked_feed(&d, in + off, n, &used, out + *outlen, &o);
        assert_true(used <= n);
        if (st == RW_CHUNKED_PARTIAL)
            assert_int_equal(used, n);
        off += used;
        *outlen += o;
    }
    out[*outlen] = 0;
    return st;
}

static void test_splits(void **state)
{
    (void)state;
    char out[256];
    size_t n;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].in);
        for (size_t step = 0; step <= len; step++) {
            assert_int_equal(run(cases[i].in, step, out, &n), cases[i].status);
            if (cases[i].status != RW_CHUNKED_ERROR)
                assert_string_equal(out, cases[i].out);
        }
    }
}

static void test_done_stops(void **state)
{
    (void)state;
    rw_chunked d;
    rw_chunked_init(&d, 0);
    const char *in = "1\r\nx\r\n0\r\n\r\nNEXT";
    char out[32];
    size_t used, o;
    assert_int_equal(rw_chunked_feed(&d, in, strlen(in), &used, out, &o), RW_CHUNKED_DONE);
    assert_int_equal(used, strlen(in) - 4); /* the bytes after the body are left alone */
    assert_int_equal(o, 1);
    rw_chunked_init(&d, 4);
    assert_int_equal(rw_chunked_feed(&d, "5\r\n", 3, &used, out, &o), RW_CHUNKED_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splits),
        cmocka_unit_test(test_done_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
