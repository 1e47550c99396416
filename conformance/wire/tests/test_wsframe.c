/* Unit tests of rw_wsframe: encode and decode round trips for every length form, crafted bad
 * frames (RSV, unmasked, 2^63 lengths, long control frames), the receiver's checks, and every
 * prefix of a header being PARTIAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "wire/wsframe.h"

static int fixed_mask(void *ud, uint8_t m[4])
{
    (void)ud;
    m[0] = 1, m[1] = 2, m[2] = 3, m[3] = 4;
    return 0;
}

static int no_mask(void *ud, uint8_t m[4])
{
    (void)ud;
    (void)m;
    return -1;
}

static void roundtrip(rw_wsframe f, size_t len, size_t want_hdr)
{
    unsigned char *buf = malloc(len + RW_WSFRAME_MAX_HEADER), *pl = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        pl[i] = (unsigned char)(i * 7);
    size_t n = rw_wsframe_encode(buf, len + RW_WSFRAME_MAX_HEADER, &f, pl, len,
                                 f.masked ? fixed_mask : NULL, NULL);
    assert_int_equal(n, want_hdr + len);
    for (size_t k = 0; k < want_hdr; k++) {
        rw_wsframe d;
        size_t hl;
        assert_int_equal(rw_wsframe_decode(buf, k, &d, &hl), RW_WSFRAME_PARTIAL);
    }
    rw_wsframe d;
    size_t hl = 0;
    assert_int_equal(rw_wsframe_decode(buf, n, &d, &hl), RW_WSFRAME_HEADER);
    assert_int_equal(hl, want_hdr);
    assert_int_equal(d.fin, f.fin);
    assert_int_equal(d.rsv, f.rsv);
    assert_int_equal(d.opcode, f.opcode);
    assert_int_equal(d.masked, f.masked);
    assert_int_equal(d.len, len);
    if (d.masked)
        rw_wsframe_mask(buf + hl, len, d.mask, 0);
    assert_memory_equal(buf + hl, pl, len);
    free(buf);
    free(pl);
}

static void test_roundtrip(void **state)
{
    (void)state;
    roundtrip((rw_wsframe){.fin = 1, .opcode = RW_WS_TEXT, .masked = 1}, 5, 6);
    roundtrip((rw_wsframe){.fin = 1, .opcode = RW_WS_BINARY}, 125, 2);
    roundtrip((rw_wsframe){.fin = 0, .opcode = RW_WS_TEXT, .masked = 1}, 126, 8);
    roundtrip((rw_wsframe){.fin = 1, .opcode = RW_WS_CONT}, 65535, 4);
    roundtrip((rw_wsframe){.fin = 1, .opcode = RW_WS_TEXT, .masked = 1}, 65536, 14);
    roundtrip((rw_wsframe){.fin = 1, .rsv = 5, .opcode = 3}, 0, 2);
    /* A longer length form than needed is the caller's to ask for. */
    roundtrip((rw_wsframe){.fin = 1, .opcode = RW_WS_TEXT, .len_form = 64}, 3, 10);
    roundtrip((rw_wsframe){.fin = 1, .opcode = RW_WS_PING, .len_form = 16}, 200, 4);
}

static void test_crafted(void **state)
{
    (void)state;
    unsigned char h[RW_WSFRAME_MAX_HEADER];
    rw_wsframe f = {.fin = 1, .opcode = RW_WS_BINARY, .len = (uint64_t)1 << 63};
    size_t n = rw_wsframe_header(h, &f);
    assert_int_equal(n, 10);
    assert_int_equal(h[1], 127);
    assert_int_equal(h[2], 0x80);
    rw_wsframe d;
    size_t hl;
    assert_int_equal(rw_wsframe_decode(h, n, &d, &hl), RW_WSFRAME_HEADER);
    assert_true(d.len == (uint64_t)1 << 63);
    assert_int_equal(rw_wsframe_check(&d, 1 << 20, 0), RW_WSFRAME_E_TOO_LARGE);
    f.len = UINT64_MAX;
    rw_wsframe_header(h, &f);
    rw_wsframe_decode(h, 10, &d, &hl);
    assert_true(d.len == UINT64_MAX);
    /* RSV first, then size, then masking, as a client reports them. */
    d = (rw_wsframe){.rsv = 4, .masked = 1, .len = 10};
    assert_int_equal(rw_wsframe_check(&d, 5, 0), RW_WSFRAME_E_RSV);
    d.rsv = 0;
    assert_int_equal(rw_wsframe_check(&d, 5, 0), RW_WSFRAME_E_TOO_LARGE);
    assert_int_equal(rw_wsframe_check(&d, 50, 0), RW_WSFRAME_E_MASKED);
    assert_int_equal(rw_wsframe_check(&d, 50, 1), RW_WSFRAME_OK);
    d.masked = 0;
    assert_int_equal(rw_wsframe_check(&d, 50, 1), RW_WSFRAME_E_UNMASKED);
    assert_int_equal(rw_wsframe_check(&d, 50, 0), RW_WSFRAME_OK);
    /* A ping of 200 bytes in the 7-bit form is cut to its low 7 bits: the codec obeys. */
    f = (rw_wsframe){.fin = 1, .opcode = RW_WS_PING, .len = 200, .len_form = 7};
    rw_wsframe_header(h, &f);
    assert_int_equal(h[1], 200 & 127);
    /* A failing mask callback fails the encoding. */
    f = (rw_wsframe){.fin = 1, .opcode = RW_WS_TEXT, .masked = 1};
    assert_int_equal(rw_wsframe_encode(h, sizeof h, &f, "x", 1, no_mask, NULL), 0);
    /* Too small a buffer: the length, nothing written. */
    memset(h, 0xee, sizeof h);
    f.masked = 0;
    assert_int_equal(rw_wsframe_encode(h, 2, &f, "xyz", 3, NULL, NULL), 5);
    assert_int_equal(h[0], 0xee);
}

static void test_mask_in_pieces(void **state)
{
    (void)state;
    const uint8_t m[4] = {9, 8, 7, 6};
    unsigned char a[10] = "abcdefghi", b[10] = "abcdefghi";
    rw_wsframe_mask(a, 9, m, 0);
    rw_wsframe_mask(b, 3, m, 0);
    rw_wsframe_mask(b + 3, 6, m, 3);
    assert_memory_equal(a, b, 9);
    rw_wsframe_mask(a, 9, m, 0);
    assert_memory_equal(a, "abcdefghi", 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_mask_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
