/* nf_min: delta debugging (Zeller's ddmin) of a list of step indices: the smallest subset
 * the test still fails on, within a budget of tests. The test does the I/O (a replay against
 * the target); the search is pure.
 *
 * Ownership: the caller's arrays; nothing is allocated that outlives the call. */
#ifndef NF_MIN_H
#define NF_MIN_H

#include <stddef.h>

/* 1 when the steps idx[0..n) (ascending) still show the failure, 0 when not, -1 when the
 * test itself broke (the search stops and keeps what it has). */
typedef int (*nf_min_test)(void *ud, const size_t *idx, size_t n);

/* idx[0..*n) holds the failing list on entry and the reduced one on return. At most
 * max_tests tests are run. Returns the number of tests run, or -1 when a test broke. */
int nf_ddmin(size_t *idx, size_t *n, nf_min_test test, void *ud, int max_tests);

#endif
