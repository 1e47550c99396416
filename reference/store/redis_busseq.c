/* The bus sequence (store/ owns it): every message on {prefix}bus is published as
 * "<seq>|<message>", seq from INCR {prefix}busseq in the same script as the PUBLISH, so the
 * deployment's bus messages carry one gapless numbering. A node that sees a seq other than the
 * last one plus 1, or that finds the counter past the last seq it received once its bus
 * subscription is back (and no message fills the difference within RR_GAP_SETTLE_MS), missed
 * messages: it calls on_gap (docs/protocol.md 15.11). A node that has received nothing yet
 * takes the counter as its starting point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/busmsg.h"
#include "redis_int.h"

#define RR_GAP_SETTLE_MS 250 /* messages published before the GET may still be in flight */

static void gap(rr_store *rs, const char *why)
{
    rr_log(rs, 1, "bus gap (%s): events published meanwhile were missed by this node", why);
    if (rs->on_gap)
        rs->on_gap(rs->on_gap_ud);
}

size_t rr_bus_received(rr_store *rs, const char *msg, size_t len)
{
    unsigned long long seq = 0;
    size_t head = rh_busmsg_seq_head(msg, len, &seq);
    if (!head)
        return 0; /* not numbered (a node of an older version): nothing to check */
    /* a seq at or below the last one is a message the counter read (on the other connection)
     * had already counted: not a gap */
    uint64_t last = rs->bus_last;
    int jump = rs->bus_known && seq > last + 1;
    if (!rs->bus_known || seq > rs->bus_last)
        rs->bus_last = seq;
    rs->bus_known = 1;
    if (jump) {
        char why[96];
        snprintf(why, sizeof why, "bus message %llu after %llu", seq, (unsigned long long)last);
        gap(rs, why);
    }
    return head;
}

static void on_counter(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_store *rs = priv;
    const redisReply *r = reply;
    if (!r || rs->destroying)
        return;
    uint64_t v = r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
    if (rs->bus_data_lost) { /* Redis lost its data (epoch check): the counter restarted */
        rs->bus_data_lost = 0;
        rs->bus_last = v;
        if (rs->bus_known)
            gap(rs, "Redis lost its data");
        rs->bus_known = 1;
        return;
    }
    /* below what this node had received before it asked: the counter went back (a failover
     * to a replica that lacked the last INCRs, an old snapshot) although the epoch marker
     * survived; messages published since may reuse numbers this node takes for seen */
    if (rs->bus_known && v < rs->bus_at_get) {
        rs->bus_last = v;
        gap(rs, "the bus counter went back");
        return;
    }
    /* below the last seq received: a stale read (the reply raced messages on the bus
     * connection), nothing missed */
    if (!rs->bus_known) {
        rs->bus_last = v;
        rs->bus_known = 1;
    } else if (v > rs->bus_last) {
        rs->gap_check_seq = v;
        rs->gap_check_at = uv_now(rs->loop) + RR_GAP_SETTLE_MS; /* not the caller's clock */
    }
}

void rr_bus_resubscribed(rr_store *rs)
{
    if (!rs->cmd.ac || !rs->cmd.up)
        return;
    rs->bus_at_get = rs->bus_last;
    if (redisAsyncCommand(rs->cmd.ac, on_counter, rs, "GET %s", rs->busseq_key) != REDIS_OK)
        rr_log(rs, 1, "cannot read the bus counter; a gap would go unnoticed");
}

void rr_bus_tick(rr_store *rs, uint64_t now)
{
    if (!rs->gap_check_at || now < rs->gap_check_at)
        return;
    rs->gap_check_at = 0;
    if (rs->bus_last < rs->gap_check_seq)
        gap(rs, "the bus counter is past the last message received");
}
