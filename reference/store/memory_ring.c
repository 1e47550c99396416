/* The replay ring of a stream in the embedded store: its most recent tokens, in a ring that
 * grows by doubling up to replay_tokens and holds consecutive seqs ending at last_seq (so
 * seqs are not stored). Owned by the store module. */
#include <stdlib.h>
#include <string.h>

#include "memory_int.h"

rh_store_tok *mem_ring_at(mem_stream *e, size_t i)
{
    return &e->ring[(e->rhead + i) % e->rcap];
}

void mem_ring_drop_oldest(mem_stream *e)
{
    rh_store_tok *t = mem_ring_at(e, 0);
    e->rbytes -= t->len;
    free((char *)t->s);
    t->s = NULL;
    e->rhead = (e->rhead + 1) % e->rcap;
    e->rcount--;
}

void mem_ring_free(mem_stream *e)
{
    while (e->rcount)
        mem_ring_drop_oldest(e);
    free(e->ring);
}

/* Room for one more token: grows the ring (doubling, up to the limit) or drops the oldest. */
static int ring_make_room(const mem_store *m, mem_stream *e)
{
    if (e->rcount < e->rcap)
        return 0;
    if (e->rcap < m->lim.replay_tokens) {
        size_t nc = e->rcap ? e->rcap * 2 : 8;
        if (nc > m->lim.replay_tokens)
            nc = m->lim.replay_tokens;
        rh_store_tok *r = malloc(nc * sizeof *r);
        if (r) {
            for (size_t i = 0; i < e->rcount; i++)
                r[i] = *mem_ring_at(e, i);
            free(e->ring);
            e->ring = r;
            e->rcap = nc;
            e->rhead = 0;
            return 0;
        }
    }
    if (!e->rcount)
        return -1;
    mem_ring_drop_oldest(e);
    return 0;
}

/* Keeps a copy of the token for replay; when memory is short older tokens are dropped first
 * and, failing that, the token is not kept (replay then reports the gap through oldest_seq:
 * losing replay history must never fail the append itself). */
void mem_ring_keep(const mem_store *m, mem_stream *e, const rh_store_tok *t)
{
    if (!m->lim.replay_tokens)
        return;
    char *copy = malloc(t->len + 1);
    if (!copy || ring_make_room(m, e) != 0) {
        free(copy);
        while (e->rcount) /* the kept tokens must stay consecutive up to last_seq */
            mem_ring_drop_oldest(e);
        return;
    }
    if (t->len)
        memcpy(copy, t->s, t->len);
    copy[t->len] = '\0';
    *mem_ring_at(e, e->rcount) = (rh_store_tok){copy, t->len};
    e->rcount++;
    e->rbytes += t->len;
    while (e->rcount > 1 && e->rbytes > m->lim.replay_bytes)
        mem_ring_drop_oldest(e);
}

/* protocol §12.6: the kept tokens after after_seq, consecutive, in seq order */
void mem_ring_reply(mem_stream *e, uint64_t after_seq, size_t limit, rh_store_cb cb, void *ud)
{
    if (!cb)
        return;
    uint64_t oldest = e->s.last_seq - e->rcount + 1;
    uint64_t from = after_seq + 1 > oldest ? after_seq + 1 : oldest;
    size_t n = 0;
    rh_store_kept *out = NULL;
    if (from <= e->s.last_seq && limit > 0) {
        uint64_t avail = e->s.last_seq - from + 1;
        n = avail < limit ? (size_t)avail : limit;
        out = malloc(n * sizeof *out);
        if (!out) {
            rh_store_reply r = {.status = RH_STORE_ERROR, .error = "out of memory"};
            cb(ud, &r);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            const rh_store_tok *t = mem_ring_at(e, (size_t)(from - oldest) + i);
            out[i] = (rh_store_kept){from + i, t->s, t->len};
        }
    }
    rh_store_reply r = {
        .status = RH_STORE_OK, .stream = &e->s, .toks = out, .ntoks = n, .oldest_seq = oldest};
    cb(ud, &r);
    free(out);
}
