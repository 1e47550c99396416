/* rb_stats: small pure helpers of rehome-bench: medians of repetitions, the per-subscriber
 * token check (seq order, no loss), and parsers for the /proc texts the tool reads for the
 * server's memory and CPU. No I/O. (The /proc parsers are conformance/wire's rw_proc.) */
#ifndef RB_STATS_H
#define RB_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Median of n values (mean of the two middle ones when n is even); 0 when n is 0. vals is
 * not modified. */
double rb_stats_median(const double *vals, size_t n);

/* Per-subscriber check of one stream's tokens. Tokens must arrive as 1, 2, 3, ... with
 * nothing skipped and nothing twice: the bench subscribes before the first publish. */
typedef struct rb_seqchk {
    uint64_t last;     /* highest seq accepted in order */
    uint64_t received; /* tokens seen, right or wrong */
    uint64_t gaps;     /* arrivals that skipped at least one seq */
    uint64_t repeats;  /* arrivals at or below last (duplicates or reordering) */
} rb_seqchk;

typedef enum { RB_SEQ_OK = 0, RB_SEQ_GAP = 1, RB_SEQ_REPEAT = 2 } rb_seq_status;

void rb_seqchk_init(rb_seqchk *c);
/* Checks one arrival. A gap moves last forward to seq, so one lost token counts once. */
rb_seq_status rb_seqchk_accept(rb_seqchk *c, uint64_t seq);
/* Tokens missing at the end when `published` were sent: published - last, or 0. */
uint64_t rb_seqchk_missing(const rb_seqchk *c, uint64_t published);
/* Errors found so far, missing tokens at the end included. */
uint64_t rb_seqchk_errors(const rb_seqchk *c, uint64_t published);

#endif
