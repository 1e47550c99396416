/* core/htab: SipHash-2-4 reference vector and the table against a brute-force model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/htab.h"

static void test_siphash_vector(void **state)
{
    (void)state;
    /* The SipHash paper's vector: key 00..0f, message 00..0e. */
    uint8_t msg[15];
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
    assert_true(rh_siphash(k0, k1, msg, 15) == 0xa129ca6149be45e5ULL);
    /* Empty message, first vector of the reference set. */
    assert_true(rh_siphash(k0, k1, msg, 0) == 0x726fdb47dd0e0e31ULL);
}

#define N 3000

static void test_model(void **state)
{
    (void)state;
    rh_htab h;
    rh_htab_init(&h, 1, 2);
    static char keys[N][16];
    static int present[N];
    for (int i = 0; i < N; i++)
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
    assert_null(rh_htab_get(&h, "k1"));
    assert_null(rh_htab_del(&h, "k1"));
    unsigned seed = 12345;
    size_t n = 0;
    for (int step = 0; step < 60000; step++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % N);
        int op = (int)((seed >> 4) % 3);
        if (op < 2) {
            assert_int_equal(rh_htab_put(&h, keys[k], &present[k]), 0);
            if (!present[k])
                n++;
            present[k] = 1;
        } else {
            void *v = rh_htab_del(&h, keys[k]);
            assert_ptr_equal(v, present[k] ? &present[k] : NULL);
            if (present[k])
                n--;
            present[k] = 0;
        }
        assert_int_equal(h.n, n);
        if (step % 5000 == 0) {
            for (int i = 0; i < N; i++)
                assert_ptr_equal(rh_htab_get(&h, keys[i]), present[i] ? &present[i] : NULL);
            size_t seen = 0;
            const char *key;
            void *val;
            for (size_t pos = 0; rh_htab_next(&h, &pos, &key, &val);) {
                assert_ptr_equal(rh_htab_get(&h, key), val);
                seen++;
            }
            assert_int_equal(seen, n);
        }
    }
    rh_htab_free(&h);
}

static void test_replace(void **state)
{
    (void)state;
    rh_htab h;
    rh_htab_init(&h, 7, 9);
    int a, b;
    assert_int_equal(rh_htab_put(&h, "x", &a), 0);
    assert_int_equal(rh_htab_put(&h, "x", &b), 0);
    assert_int_equal(h.n, 1);
    assert_ptr_equal(rh_htab_get(&h, "x"), &b);
    assert_ptr_equal(rh_htab_del(&h, "x"), &b);
    assert_int_equal(h.n, 0);
    rh_htab_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vector),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
