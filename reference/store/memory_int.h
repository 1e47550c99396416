/* Internal to store/memory*.c: the embedded store's structures (memory.c) and the replay
 * ring of each stream (memory_ring.c). A mem_store owns its streams and app records; a
 * stream owns its key and its ring, and each kept token's text. */
#ifndef RH_STORE_MEMORY_INT_H
#define RH_STORE_MEMORY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One recorded idempotency key of a stream (memory_idem.c). */
typedef struct mem_idem {
    char *key; /* key '\0' digest: one allocation */
    uint64_t first, last;
    uint64_t at_ms; /* the store's clock when recorded */
} mem_idem;

typedef struct mem_stream {
    struct mem_stream *hnext;         /* hash chain */
    struct mem_stream *qprev, *qnext; /* ended queue (ended streams only) */
    size_t hash;
    char *key; /* app_id '\0' stream_id */
    size_t keylen;
    rh_store_stream s;
    rh_store_tok *ring; /* kept tokens, oldest at rhead; each s is its own allocation */
    size_t rcap, rhead, rcount, rbytes;
    struct mem_app *app;              /* the app's record (open streams only) */
    struct mem_stream *oprev, *onext; /* the app's open streams, least recently active first */
    uint64_t active_ms;               /* the store's clock at the last start or append */
    mem_idem *idem;                   /* recorded keys, oldest first */
    size_t nidem, idemcap;
} mem_stream;

/* One app's open streams: their number (for max_open) and their activity order (for
 * end_idle, which then looks only at the head). */
typedef struct mem_app {
    struct mem_app *next;
    char *id;
    size_t open;
    mem_stream *ohead, *otail;
} mem_app;

/* One cache channel's last event (memory_cache.c). */
typedef struct mem_cached {
    struct mem_cached *next;
    char *key; /* app_id '\n' channel */
    char *text;
    size_t len;
    uint64_t expires_ms;
} mem_cached;

#define MEM_CACHE_BUCKETS 256

typedef struct mem_store {
    rh_store base;
    mem_stream **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    mem_stream *qhead, *qtail;
    rh_store_limits lim;
    mem_app *apps;
    uint64_t clock_ms; /* the latest now_ms the caller gave (end, expire, end_idle) */
    mem_cached *cache[MEM_CACHE_BUCKETS];
} mem_store;

/* memory_ring.c */
rh_store_tok *mem_ring_at(mem_stream *e, size_t i);
void mem_ring_drop_oldest(mem_stream *e);
void mem_ring_free(mem_stream *e);
/* Keeps a copy of the token for replay (see memory_ring.c for what happens when short of
 * memory). */
void mem_ring_keep(const mem_store *m, mem_stream *e, const rh_store_tok *t);
/* Answers replay OK with the kept tokens after after_seq (at most limit). */
void mem_ring_reply(mem_stream *e, uint64_t after_seq, size_t limit, rh_store_cb cb, void *ud);

/* memory_idem.c: a stream's recorded idempotency keys (the caller's clock). find forgets the keys
 * older than idem->window_ms first, then answers the entry of idem->key or NULL; record adds one
 * (the oldest forgotten beyond idem->max_keys): -1 when out of memory; free drops them all. */
const mem_idem *mem_idem_find(mem_stream *e, const rh_store_idem *idem, uint64_t now_ms);
/* When idem's key is recorded: answers REPLAYED (or KEY_REUSED for another digest) and 1;
 * else 0 (nothing answered). */
int mem_idem_answered(mem_stream *e, const rh_store_idem *idem, uint64_t now_ms, rh_store_cb cb,
                      void *ud);
int mem_idem_record(mem_stream *e, const rh_store_idem *idem, uint64_t first, uint64_t last,
                    uint64_t now_ms);
void mem_idem_free(mem_stream *e);

/* memory_cache.c: the cache channels' last events. */
void mem_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                   size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud);
void mem_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                   rh_store_cb cb, void *ud);
/* Drops the entries expired at now_ms (all of them with now_ms UINT64_MAX). */
void mem_cache_sweep(mem_store *m, uint64_t now_ms);

#endif
