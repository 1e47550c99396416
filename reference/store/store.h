/* rh_store: where stream state lives (sequence counters, the end rule, ended-state expiry).
 * The embedded in-memory store is the default; a Redis store (later) implements the same
 * operations asynchronously, so every operation answers through a callback, which the
 * memory store calls before returning.
 *
 * (The operations table is defined by api/ and store/ together; see store/store.h history.)
 * Ownership: rh_store_memory_new returns a store owned by the caller; rh_store_free frees
 * any store (NULL is a no-op). */
#ifndef RH_STORE_H
#define RH_STORE_H

typedef struct rh_store rh_store;

rh_store *rh_store_memory_new(void);
void rh_store_free(rh_store *st);

#endif
