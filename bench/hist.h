/* rb_hist: a latency histogram for rehome-bench, in nanoseconds.
 *
 * Log-linear buckets: exact below 128 ns, then 64 sub-buckets per power of two, so a
 * percentile is off by less than 1.6 % of its value whatever the range (1 ns to hours), in a
 * fixed 30 KB table. A tool that records millions of deliveries cannot keep every sample.
 * min, max, count and sum are exact. Pure; the caller owns the struct (plain value, no heap). */
#ifndef RB_HIST_H
#define RB_HIST_H

#include <stdint.h>

#define RB_HIST_BUCKETS 3776

typedef struct rb_hist {
    uint64_t count;
    uint64_t min; /* UINT64_MAX while empty */
    uint64_t max;
    double sum;
    uint64_t bucket[RB_HIST_BUCKETS];
} rb_hist;

void rb_hist_init(rb_hist *h);
void rb_hist_add(rb_hist *h, uint64_t ns);
/* Adds every sample of src into dst. */
void rb_hist_merge(rb_hist *dst, const rb_hist *src);
/* The value at quantile q in [0,1]: the smallest recorded bucket's upper bound that covers
 * ceil(q * count) samples, clamped to [min, max]; q <= 0 gives min and q >= 1 max exactly. 0 when
 * empty. */
uint64_t rb_hist_quantile(const rb_hist *h, double q);
double rb_hist_mean(const rb_hist *h);

/* Bucket mapping, exposed for tests: index of a value and the inclusive range of an index. */
int rb_hist_index(uint64_t ns);
void rb_hist_range(int idx, uint64_t *lo, uint64_t *hi);

#endif
