/* CMocka tests for jw, the two-pass JSON writer: its escaping at every level against an
 * escaper written straight from RFC 8259 section 7 (one byte at a time, one level per pass),
 * on every prefix of inputs that mix plain runs with every byte that needs escaping, and on
 * pseudo-random inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/jw.h"

/* One level of RFC 8259 string escaping of in[0..n) into a new heap string (*outn bytes). */
static char *rfc_escape(const char *in, size_t n, size_t *outn)
{
    char *out = malloc(n * 6 + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        const char *two = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (two) {
            memcpy(out + o, two, 2);
            o += 2;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    *outn = o;
    return out;
}

/* in escaped `levels` times (heap). */
static char *rfc_escape_n(const char *in, size_t n, int levels, size_t *outn)
{
    char *cur = malloc(n + 1);
    assert_non_null(cur);
    if (n)
        memcpy(cur, in, n);
    size_t len = n;
    for (int l = 0; l < levels; l++) {
        size_t nl;
        char *next = rfc_escape(cur, len, &nl);
        free(cur);
        cur = next;
        len = nl;
    }
    *outn = len;
    return cur;
}

typedef struct job {
    const char *s;
    size_t n;
    int esc;
    int as_str; /* jw_str rather than jw_raw */
} job;

static void write_job(jw *w, const void *ctx)
{
    const job *j = ctx;
    w->esc = j->esc;
    if (j->as_str)
        jw_str(w, j->s, j->n);
    else
        jw_raw(w, j->s, j->n);
}

/* jw's output for the job equals the oracle's, and the measuring pass agrees with it. */
static void check_job(const char *s, size_t n, int esc, int as_str)
{
    job j = {s, n, esc, as_str};
    rh_buf *b = jw_build(write_job, &j);
    assert_non_null(b);
    size_t wn;
    char *want;
    if (!as_str) {
        want = rfc_escape_n(s, n, esc, &wn);
    } else {
        /* the quotes at level esc, the content one level deeper */
        size_t qn, cn;
        char *q = rfc_escape_n("\"", 1, esc, &qn);
        char *c = rfc_escape_n(s, n, esc + 1, &cn);
        wn = 2 * qn + cn;
        want = malloc(wn + 1);
        assert_non_null(want);
        memcpy(want, q, qn);
        memcpy(want + qn, c, cn);
        memcpy(want + qn + cn, q, qn);
        free(q);
        free(c);
    }
    if (b->len != wn || memcmp(b->data, want, wn) != 0)
        print_error("esc %d str %d input of %zu bytes: got %zu bytes \"%.*s\", want %zu \"%.*s\"\n",
                    esc, as_str, n, b->len, (int)b->len, b->data, wn, (int)wn, want);
    assert_int_equal(b->len, wn);
    assert_memory_equal(b->data, want, wn);
    free(want);
    rh_buf_unref(b);
}

static void check_every_prefix(const char *s, size_t n)
{
    for (size_t k = 0; k <= n; k++)
        for (int esc = 0; esc <= 3; esc++) {
            check_job(s, k, esc, 0);
            check_job(s, k, esc, 1);
        }
}

static void test_plain_and_specials(void **state)
{
    (void)state;
    static const char mixed[] = "tok \"quoted\" back\\slash\n\t\r\b\f\x01\x1f end{\"seq\":1}"
                                "\xc3\xa9\xe2\x82\xac\x7f";
    check_every_prefix(mixed, sizeof mixed - 1);
    /* plain runs of different lengths between escapes, and escapes back to back */
    check_every_prefix("\"\"\\\\\n\n", 6);
    check_every_prefix("abcdefghijklmnopqrstuvwxyz0123456789\"abcdefghijklmnop", 53);
    check_every_prefix("", 0);
}

static void test_every_byte(void **state)
{
    (void)state;
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    check_every_prefix(all, sizeof all);
    /* each byte alone, between plain bytes */
    for (int i = 0; i < 256; i++) {
        char s[3] = {'a', (char)i, 'b'};
        for (int esc = 0; esc <= 3; esc++)
            check_job(s, 3, esc, 1);
    }
}

static void test_random(void **state)
{
    (void)state;
    uint32_t x = 12345;
    char s[64];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        x = x * 1103515245u + 12345u;
        size_t want = (x >> 16) % sizeof s;
        while (n < want) {
            x = x * 1103515245u + 12345u;
            unsigned r = x >> 16;
            /* mostly plain, sometimes a byte that needs escaping */
            s[n++] = (r & 7) ? (char)(' ' + (r >> 3) % 95) : (char)((r >> 3) % 0x24);
        }
        check_job(s, n, round % 4, round & 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_specials),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
