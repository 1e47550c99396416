/* Target chunked: conformance/wire's incremental chunked-body decoder. Input: one byte
 * choosing the piece size, then the body. Oracles: the result (status, bytes used, data) is
 * the same whether the body comes whole or in pieces; the data is never longer than the bytes
 * used; once DONE or ERROR, nothing more is used. */
#include <string.h>

#include "conformance/wire/chunked.h"
#include "fuzz.h"

static int run(const char *in, size_t n, size_t step, char *out, size_t *outlen, size_t *used)
{
    rw_chunked d;
    rw_chunked_init(&d, 1 << 20);
    int st = RW_CHUNKED_PARTIAL;
    size_t off = 0;
    *outlen = 0;
    while (off < n && st == RW_CHUNKED_PARTIAL) {
        size_t k = n - off < step ? n - off : step, u = 0, o = 0;
        st = rw_chunked_feed(&d, in + off, k, &u, out + *outlen, &o);
        FZ_CHECK(u <= k && o <= u);
        FZ_CHECK(st != RW_CHUNKED_PARTIAL || u == k);
        off += u;
        *outlen += o;
    }
    *used = off;
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] % 17 + 1, n = size - 1;
    char *in = malloc(n ? n : 1), *a = malloc(n + 1), *b = malloc(n + 1);
    FZ_CHECK(in && a && b);
    memcpy(in, data + 1, n);
    size_t al, bl, au, bu;
    int sa = run(in, n, n ? n : 1, a, &al, &au);
    int sb = run(in, n, step, b, &bl, &bu);
    FZ_CHECK(sa == sb && al <= au);
    if (sa != RW_CHUNKED_ERROR)
        FZ_CHECK(au == bu && al == bl && memcmp(a, b, al) == 0);
    if (sa == RW_CHUNKED_PARTIAL)
        FZ_CHECK(au == n);
    free(in);
    free(a);
    free(b);
    return 0;
}
