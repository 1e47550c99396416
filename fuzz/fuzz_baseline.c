/* Target baseline: the suite's --expect reader (conformance/runner/baseline.c). Input: the
 * bytes of a baseline document. Oracles: the answer is 0 or -1, -1 with a message; after 0
 * every entry has an id, a known verdict and a non-empty reason, rc_baseline_expected gives
 * each entry's verdict back (the first entry of an id wins) and every exclusion has a pattern
 * and a reason that rc_baseline_excluded finds for the pattern itself when it has no glob. */
#include <string.h>

#include "conformance/runner/runner.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    FZ_CHECK(in);
    memcpy(in, data, size);
    rc_baseline b = {0};
    char err[256] = "";
    int rc = rc_baseline_parse(in, size, &b, err, sizeof err);
    FZ_CHECK(rc == 0 || rc == -1);
    if (rc == -1) {
        FZ_CHECK(err[0] != '\0');
    } else {
        for (size_t i = 0; i < b.n; i++) {
            const char *why = NULL;
            FZ_CHECK(b.e[i].id && b.e[i].reason && b.e[i].reason[0]);
            FZ_CHECK(b.e[i].verdict >= 0 && b.e[i].verdict < RC__VERDICTS);
            rc_verdict v = rc_baseline_expected(&b, b.e[i].id, &why);
            size_t first = 0;
            while (strcmp(b.e[first].id, b.e[i].id) != 0)
                first++;
            FZ_CHECK(v == b.e[first].verdict && why == b.e[first].reason);
        }
        for (size_t i = 0; i < b.nx; i++) {
            FZ_CHECK(b.x[i].pattern && b.x[i].reason && b.x[i].reason[0]);
            if (!strpbrk(b.x[i].pattern, "*?[") && b.x[i].pattern[0])
                FZ_CHECK(rc_baseline_excluded(&b, b.x[i].pattern) != NULL);
        }
    }
    rc_baseline_free(&b);
    free(in);
    return 0;
}
