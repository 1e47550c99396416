/* Lost-state detection of the Redis store (store/ owns it). Two signs that Redis came back
 * without state it had acknowledged: the epoch marker {prefix}epoch changed or vanished (a
 * restart without persistence), or the watermark {prefix}wm -- INCRed by every start, append
 * and end, its value answered with them -- is below the highest one this node was answered
 * (a stale replica promoted, an old snapshot or AOF loaded: the marker survived, the last
 * writes did not). Either way the streams seen before answer RH_STORE_LOST (410) rather than
 * number their tokens again. A node that finds a low watermark rewrites the epoch marker, and
 * every node reads the marker again each second, so the other nodes learn it too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redis_int.h"

static void lost(rr_store *rs, const char *why)
{
    rs->losses++; /* every stream seen before now is marked lost */
    rs->hs_lost = 1;
    rs->bus_data_lost = 1; /* the bus counter went back too (redis_busseq.c) */
    rr_log(rs, 0,
           "Redis lost acknowledged data (%s): streams started before answer 410 "
           "instead of numbering their seqs again",
           why);
}

void rr_epoch_seen(rr_store *rs, const char *s, size_t len)
{
    if (rs->epoch[0] && (strlen(rs->epoch) != len || memcmp(rs->epoch, s, len) != 0))
        lost(rs, "epoch marker changed");
    memcpy(rs->epoch, s, len);
    rs->epoch[len] = '\0';
}

void rr_wm_acked(rr_store *rs, uint64_t wm)
{
    if (wm > rs->wm_acked)
        rs->wm_acked = wm;
}

void rr_wm_seen(rr_store *rs, const redisReply *r)
{
    uint64_t now = r && r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
    if (now >= rs->wm_acked || rs->hs_lost) {
        rs->wm_acked = now > rs->wm_acked ? now : rs->wm_acked;
        if (rs->hs_lost)
            rs->wm_acked = now;
        return;
    }
    char why[96];
    snprintf(why, sizeof why, "watermark %llu below %llu", (unsigned long long)now,
             (unsigned long long)rs->wm_acked);
    lost(rs, why);
    rs->wm_acked = now;
    /* tell the other nodes: a new marker is a loss for each of them at its next read */
    snprintf(rs->epoch, sizeof rs->epoch, "%llx%llx", (unsigned long long)time(NULL),
             (unsigned long long)(uintptr_t)rs ^ (unsigned long long)clock());
    if (rs->cmd.ac) { /* in the handshake: not up yet, and the reply is not waited for */
        const char *argv[] = {"SET", rs->epoch_key, rs->epoch};
        redisAsyncCommandArgv(rs->cmd.ac, NULL, NULL, 3, argv, NULL);
    }
}

static void on_poll(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_store *rs = priv;
    const redisReply *r = rr_arrived(rs, reply);
    if (r && r->type == REDIS_REPLY_STRING && r->len > 0 && r->len < sizeof rs->epoch &&
        rr_is_up(rs))
        rr_epoch_seen(rs, r->str, r->len);
}

void rr_epoch_poll(rr_store *rs)
{
    if (!rr_is_up(rs))
        return;
    const char *argv[] = {"GET", rs->epoch_key};
    rr_send(rs, on_poll, rs, 2, argv, NULL);
}
