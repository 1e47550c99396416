#include "hist.h"

#include <string.h>

#define SUB_BITS 6 /* 64 sub-buckets per power of two */
#define LINEAR   128

void rb_hist_init(rb_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

int rb_hist_index(uint64_t ns)
{
    if (ns < LINEAR)
        return (int)ns;
    int msb = 63 - __builtin_clzll(ns);
    int shift = msb - SUB_BITS;
    uint64_t top = ns >> shift; /* in [64, 128) */
    return LINEAR + (shift - 1) * 64 + (int)(top - 64);
}

void rb_hist_range(int idx, uint64_t *lo, uint64_t *hi)
{
    if (idx < LINEAR) {
        *lo = *hi = (uint64_t)idx;
        return;
    }
    int shift = (idx - LINEAR) / 64 + 1;
    uint64_t top = (uint64_t)((idx - LINEAR) % 64) + 64;
    *lo = top << shift;
    /* The last bucket's upper bound would overflow: it ends at UINT64_MAX. */
    *hi = (top == 127 && shift == 57) ? UINT64_MAX : ((top + 1) << shift) - 1;
}

void rb_hist_add(rb_hist *h, uint64_t ns)
{
    h->bucket[rb_hist_index(ns)]++;
    h->count++;
    h->sum += (double)ns;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
}

void rb_hist_merge(rb_hist *dst, const rb_hist *src)
{
    if (src->count == 0)
        return;
    for (int i = 0; i < RB_HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t rb_hist_quantile(const rb_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q >= 1.0)
        return h->max;
    if (q <= 0)
        return h->min;
    /* Nearest-rank: the sample of rank ceil(q * n), at least the first. */
    double r = q * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < RB_HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            rb_hist_range(i, &lo, &hi);
            if (hi > h->max)
                hi = h->max;
            if (hi < h->min)
                hi = h->min;
            return hi;
        }
    }
    return h->max;
}

double rb_hist_mean(const rb_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}
