/* The recorded idempotency keys of a stream in the embedded store (protocol §12.7): an array in
 * the order recorded, so the keys out of the window or over the count are at its front. Owned
 * by the store module; each entry owns its key text. */
#include <stdlib.h>
#include <string.h>

#include "memory_int.h"

static void drop_front(mem_stream *e, size_t k)
{
    if (k == 0)
        return; /* also when there is no array yet */
    for (size_t i = 0; i < k; i++)
        free(e->idem[i].key);
    if (e->nidem > k)
        memmove(e->idem, e->idem + k, (e->nidem - k) * sizeof *e->idem);
    e->nidem -= k;
}

const mem_idem *mem_idem_find(mem_stream *e, const rh_store_idem *idem, uint64_t now_ms)
{
    size_t old = 0;
    while (old < e->nidem && now_ms - e->idem[old].at_ms >= idem->window_ms &&
           now_ms >= e->idem[old].at_ms)
        old++;
    drop_front(e, old);
    for (size_t i = 0; i < e->nidem; i++)
        if (strcmp(e->idem[i].key, idem->key) == 0)
            return &e->idem[i];
    return NULL;
}

int mem_idem_record(mem_stream *e, const rh_store_idem *idem, uint64_t first, uint64_t last,
                    uint64_t now_ms)
{
    if (e->nidem >= idem->max_keys)
        drop_front(e, e->nidem - idem->max_keys + 1);
    if (e->nidem == e->idemcap) {
        size_t cap = e->idemcap ? 2 * e->idemcap : 4;
        mem_idem *n = realloc(e->idem, cap * sizeof *n);
        if (!n)
            return -1;
        e->idem = n;
        e->idemcap = cap;
    }
    size_t kl = strlen(idem->key), dl = strlen(idem->digest);
    char *k = malloc(kl + dl + 2);
    if (!k)
        return -1;
    memcpy(k, idem->key, kl + 1);
    memcpy(k + kl + 1, idem->digest, dl + 1);
    e->idem[e->nidem++] = (mem_idem){k, first, last, now_ms};
    // cppcheck-suppress memleak ; k is kept in e->idem and freed with the stream's records
    return 0;
}

int mem_idem_answered(mem_stream *e, const rh_store_idem *idem, uint64_t now_ms, rh_store_cb cb,
                      void *ud)
{
    const mem_idem *r = mem_idem_find(e, idem, now_ms);
    if (!r)
        return 0;
    rh_store_reply out = {
        .status = RH_STORE_REPLAYED, .stream = &e->s, .first_seq = r->first, .last_seq = r->last};
    if (strcmp(r->key + strlen(r->key) + 1, idem->digest) != 0)
        out = (rh_store_reply){.status = RH_STORE_KEY_REUSED,
                               .error = "idempotency key already used with another body"};
    if (cb)
        cb(ud, &out);
    return 1;
}

void mem_idem_free(mem_stream *e)
{
    drop_front(e, e->nidem);
    free(e->idem);
    e->idem = NULL;
    e->idemcap = 0;
}
