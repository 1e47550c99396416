/* rc_sched: which case a free worker of `rehome-conform --jobs N` starts next. Pure: no
 * threads, no clock; the pool (pool.c) calls it under its own lock, and the unit tests drive
 * it by hand.
 *
 * The rules (docs/conformance.md 2 and 11):
 *   - at most `jobs` cases run at once;
 *   - a serial case (rc_case.serial set) runs alone, after every other case has finished,
 *     serial cases in registry order;
 *   - cases of the same exclusive group (today: the cases tagged needs:limits, which share
 *     the limit app's quotas) never run at the same time, but run beside the other cases;
 *   - with jobs 1 the other cases start in registry order; with more, cases tagged slow start
 *     first, then the members of a group (their chain is long), then the rest in registry
 *     order, so that the long waits overlap the short cases instead of trailing them.
 *
 * Ownership: rc_sched_init copies nothing from items but allocates its own arrays;
 * rc_sched_free releases them. The items must outlive the scheduler. */
#ifndef RC_SCHEDULE_H
#define RC_SCHEDULE_H

#include <stddef.h>

#include "case.h"

#define RC_SCHED_GROUPS 4 /* exclusive groups, numbered 1..RC_SCHED_GROUPS-1 (0: none) */

enum { RC_SCHED_NONE = 0, RC_SCHED_LIMITS = 1 };

typedef struct rc_sched_item {
    int serial; /* runs alone, after the others */
    int group;  /* 0, or an exclusive group 1..RC_SCHED_GROUPS-1 */
    int early;  /* tagged slow: started before the others when jobs > 1 */
} rc_sched_item;

typedef struct rc_sched {
    size_t n;
    const rc_sched_item *it;
    size_t *order;       /* dispatch order: the parallel cases, then the serial ones */
    unsigned char *busy; /* per item: 0 waiting, 1 running, 2 finished */
    size_t nstarted, nfinished, running;
    int serial_running;
    int group_busy[RC_SCHED_GROUPS];
    int jobs;
} rc_sched;

#define RC_SCHED_WAIT (-1L) /* nothing may start until a running case finishes */
#define RC_SCHED_DONE (-2L) /* every case has started (and none is left to start) */

/* What the scheduler needs to know of a case: serial from c->serial, the group from its
 * tags (needs:limits), early from the tag slow. */
rc_sched_item rc_sched_item_of(const rc_case *c);
/* 0, or -1 when out of memory or an item's group is out of range. jobs < 1 counts as 1. */
int rc_sched_init(rc_sched *s, const rc_sched_item *items, size_t n, int jobs);
/* The index of the next case to start (it is then running), RC_SCHED_WAIT or RC_SCHED_DONE. */
long rc_sched_next(rc_sched *s);
/* Case i (returned by rc_sched_next) has finished. */
void rc_sched_done(rc_sched *s, size_t i);
void rc_sched_free(rc_sched *s);

#endif
