/* nf_shape and nf_ddmin: shapes ignore values but not kinds; ddmin finds the culprits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz/min.h"
#include "fuzz/shape.h"

static void shapes(void **state)
{
    (void)state;
    char a[NF_SHAPE_MAX], b[NF_SHAPE_MAX];
    const char *e1 = "{\"event\":\"pusher:error\",\"data\":{\"code\":4200,\"message\":\"x\"}}";
    const char *e2 = "{\"event\":\"pusher:error\",\"data\":{\"code\":4200,\"message\":\"y\"}}";
    const char *e3 = "{\"event\":\"pusher:error\",\"data\":{\"code\":4009,\"message\":\"y\"}}";
    nf_shape_ws(e1, strlen(e1), a);
    nf_shape_ws(e2, strlen(e2), b);
    assert_string_equal(a, b);
    nf_shape_ws(e3, strlen(e3), b);
    assert_string_not_equal(a, b);
    nf_shape_ws("nope", 4, a);
    assert_string_equal(a, "ws:!json");
    nf_shape_http(400, "{\"error\":\"x\"}", 13, a);
    assert_string_equal(a, "http:400{error}");
    nf_shape_close(1006, a);
    assert_string_equal(a, "close:1006");
    assert_null(nf_shape_malformed("{\"event\":\"pusher:error\",\"data\":{}}", 34));
    const char *bad = "{\"event\":\"pusher:connection_established\",\"data\":{}}";
    assert_non_null(nf_shape_malformed(bad, strlen(bad)));
    nf_seen s = {0};
    assert_int_equal(nf_seen_add(&s, "x"), 1);
    assert_int_equal(nf_seen_add(&s, "x"), 0);
    for (int i = 0; i < 1000; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(nf_seen_add(&s, k), 1);
    }
    assert_int_equal(s.n, 1001);
    nf_seen_free(&s);
}

/* Fails when both 3 and 7 are in. */
static int needs_3_and_7(void *ud, const size_t *idx, size_t n)
{
    int *count = ud, a = 0, b = 0;
    (*count)++;
    for (size_t i = 0; i < n; i++) {
        a |= idx[i] == 3;
        b |= idx[i] == 7;
    }
    return a && b;
}

static void ddmin(void **state)
{
    (void)state;
    size_t idx[12], n = 12;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    int count = 0;
    int tests = nf_ddmin(idx, &n, needs_3_and_7, &count, 100);
    assert_int_equal(tests, count);
    assert_int_equal(n, 2);
    assert_int_equal(idx[0], 3);
    assert_int_equal(idx[1], 7);
}

static int broken(void *ud, const size_t *idx, size_t n)
{
    (void)ud;
    (void)idx;
    (void)n;
    return -1;
}

static void ddmin_broken_test(void **state)
{
    (void)state;
    size_t idx[4] = {0, 1, 2, 3}, n = 4;
    assert_int_equal(nf_ddmin(idx, &n, broken, NULL, 10), -1);
    assert_int_equal(n, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(shapes), cmocka_unit_test(ddmin),
                                       cmocka_unit_test(ddmin_broken_test)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
