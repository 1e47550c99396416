/* rc_sched: see schedule.h. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "schedule.h"

rc_sched_item rc_sched_item_of(const rc_case *c)
{
    rc_sched_item it = {0};
    it.serial = c->serial != NULL;
    /* The limit cases count the limit app's connections, subscriptions, requests and open
     * streams: two of them at once would each see the other's share. */
    it.group = rc_case_has_tag(c, "needs:limits") ? RC_SCHED_LIMITS : RC_SCHED_NONE;
    it.early = rc_case_has_tag(c, "slow");
    return it;
}

/* Lower runs earlier; ties keep registry order (the sort below is stable by index). */
static int rank_of(const rc_sched_item *it, int jobs)
{
    if (it->serial)
        return 3;
    if (jobs == 1)
        return 0;
    return it->early ? 0 : it->group ? 1 : 2;
}

int rc_sched_init(rc_sched *s, const rc_sched_item *items, size_t n, int jobs)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++)
        if (items[i].group < 0 || items[i].group >= RC_SCHED_GROUPS)
            return -1;
    s->n = n;
    s->it = items;
    s->jobs = jobs < 1 ? 1 : jobs;
    s->order = malloc((n ? n : 1) * sizeof *s->order);
    s->busy = calloc(n ? n : 1, 1);
    if (!s->order || !s->busy) {
        rc_sched_free(s);
        return -1;
    }
    size_t k = 0;
    for (int rank = 0; rank <= 3; rank++)
        for (size_t i = 0; i < n; i++)
            if (rank_of(&items[i], s->jobs) == rank)
                s->order[k++] = i;
    return 0;
}

long rc_sched_next(rc_sched *s)
{
    if (s->nstarted == s->n)
        return RC_SCHED_DONE;
    if (s->serial_running || s->running >= (size_t)s->jobs)
        return RC_SCHED_WAIT;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = s->order[k];
        const rc_sched_item *it = &s->it[i];
        if (s->busy[i])
            continue;
        if (it->serial) {
            /* Serial cases come last in the order: every parallel case has started, but
             * this one waits for all of them (and for the serial case before it) to end. */
            if (s->running > 0)
                return RC_SCHED_WAIT;
            s->serial_running = 1;
        } else if (it->group && s->group_busy[it->group]) {
            continue;
        }
        if (it->group)
            s->group_busy[it->group] = 1;
        s->busy[i] = 1;
        s->nstarted++;
        s->running++;
        return (long)i;
    }
    return RC_SCHED_WAIT;
}

void rc_sched_done(rc_sched *s, size_t i)
{
    if (i >= s->n || s->busy[i] != 1)
        return;
    s->busy[i] = 2;
    s->nfinished++;
    s->running--;
    if (s->it[i].serial)
        s->serial_running = 0;
    if (s->it[i].group)
        s->group_busy[s->it[i].group] = 0;
}

void rc_sched_free(rc_sched *s)
{
    free(s->order);
    free(s->busy);
    memset(s, 0, sizeof *s);
}
