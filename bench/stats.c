#include "stats.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rb_stats_median(const double *vals, size_t n)
{
    if (n == 0)
        return 0.0;
    double *tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return 0.0;
    memcpy(tmp, vals, n * sizeof(*tmp));
    qsort(tmp, n, sizeof(*tmp), cmp_double);
    double m = (n % 2) ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
    free(tmp);
    return m;
}

void rb_seqchk_init(rb_seqchk *c)
{
    memset(c, 0, sizeof(*c));
}

rb_seq_status rb_seqchk_accept(rb_seqchk *c, uint64_t seq)
{
    c->received++;
    if (seq <= c->last) {
        c->repeats++;
        return RB_SEQ_REPEAT;
    }
    rb_seq_status st = (seq == c->last + 1) ? RB_SEQ_OK : RB_SEQ_GAP;
    if (st == RB_SEQ_GAP)
        c->gaps++;
    c->last = seq;
    return st;
}

uint64_t rb_seqchk_missing(const rb_seqchk *c, uint64_t published)
{
    return published > c->last ? published - c->last : 0;
}

uint64_t rb_seqchk_errors(const rb_seqchk *c, uint64_t published)
{
    return c->gaps + c->repeats + rb_seqchk_missing(c, published);
}
