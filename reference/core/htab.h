/* rh_htab: a string-keyed hash table (open addressing, linear probing, backward-shift
 * deletion) used by core/ for channels, members, subscriptions and socket ids.
 *
 * Keys are hashed with SipHash-2-4 under a per-server random key, so client-chosen names
 * (channel names, user ids) cannot be crafted to collide.
 *
 * Ownership: the table stores the key pointer and the value pointer, copies neither. A key
 * must stay valid and unchanged while its entry exists (core/ points keys into the value). */
#ifndef RH_HTAB_H
#define RH_HTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct rh_htab_slot {
    const char *key; /* NULL: empty slot */
    uint64_t hash;
    void *val;
} rh_htab_slot;

typedef struct rh_htab {
    rh_htab_slot *slots;
    size_t cap; /* 0 or a power of two */
    size_t n;
    uint64_t k0, k1; /* SipHash key */
} rh_htab;

void rh_htab_init(rh_htab *h, uint64_t k0, uint64_t k1);
void rh_htab_free(rh_htab *h);
void *rh_htab_get(const rh_htab *h, const char *key);
/* Inserts or replaces. 0, or -1 when out of memory (table unchanged). */
int rh_htab_put(rh_htab *h, const char *key, void *val);
/* Removes key; returns its value or NULL when absent. */
void *rh_htab_del(rh_htab *h, const char *key);

/* Iteration: for (size_t i = 0; rh_htab_next(h, &i, &k, &v);) ... Do not modify the table
 * while iterating. */
int rh_htab_next(const rh_htab *h, size_t *pos, const char **key, void **val);

uint64_t rh_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len);

#endif
