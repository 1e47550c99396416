/* nf_ddmin: ddmin over step indices (min.h). */
#include "min.h"

#include <string.h>

#include "script.h"

int nf_ddmin(size_t *idx, size_t *n, nf_min_test test, void *ud, int max_tests)
{
    size_t gran = 2, cand[NF_MAX_STEPS];
    int tests = 0;
    if (*n > NF_MAX_STEPS)
        return -1;
    while (*n >= 2 && tests < max_tests) {
        size_t chunk = (*n + gran - 1) / gran;
        int reduced = 0;
        /* first each chunk alone, then each complement */
        for (int pass = 0; pass < 2 && !reduced; pass++)
            for (size_t c = 0; c < gran && !reduced && tests < max_tests; c++) {
                size_t lo = c * chunk, hi = lo + chunk < *n ? lo + chunk : *n, m = 0;
                if (lo >= *n)
                    break;
                for (size_t i = 0; i < *n; i++)
                    if ((i >= lo && i < hi) == (pass == 0))
                        cand[m++] = idx[i];
                if (m == 0 || m == *n)
                    continue;
                int r = test(ud, cand, m);
                tests++;
                if (r < 0)
                    return -1;
                if (r == 1) {
                    memcpy(idx, cand, m * sizeof *idx);
                    *n = m;
                    gran = pass == 0 ? 2 : (gran > 2 ? gran - 1 : 2);
                    reduced = 1;
                }
            }
        if (!reduced) {
            if (gran >= *n)
                break;
            gran = gran * 2 < *n ? gran * 2 : *n;
        }
    }
    /* a single step left: it may still fail without any (nothing to try) */
    return tests;
}
