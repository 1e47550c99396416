#include "htab.h"

#include <stdlib.h>
#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

uint64_t rh_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    size_t full = len - (len % 8);
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(p + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)p[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void rh_htab_init(rh_htab *h, uint64_t k0, uint64_t k1)
{
    memset(h, 0, sizeof(*h));
    h->k0 = k0;
    h->k1 = k1;
}

void rh_htab_free(rh_htab *h)
{
    free(h->slots);
    h->slots = NULL;
    h->cap = 0;
    h->n = 0;
}

static uint64_t hash_of(const rh_htab *h, const char *key)
{
    return rh_siphash(h->k0, h->k1, key, strlen(key));
}

/* Index of key's slot, or of the empty slot where it would go. cap must be > 0. */
static size_t find(const rh_htab *h, const char *key, uint64_t hash)
{
    size_t mask = h->cap - 1;
    size_t i = (size_t)hash & mask;
    while (h->slots[i].key) {
        if (h->slots[i].hash == hash && strcmp(h->slots[i].key, key) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

void *rh_htab_get(const rh_htab *h, const char *key)
{
    if (h->n == 0)
        return NULL;
    size_t i = find(h, key, hash_of(h, key));
    return h->slots[i].key ? h->slots[i].val : NULL;
}

static int grow(rh_htab *h)
{
    /* Start small: every connection has a table of its channels, and most hold one or two
     * (8 slots were 192 bytes of every idle connection). */
    size_t ncap = h->cap ? h->cap * 2 : 2;
    rh_htab_slot *ns = calloc(ncap, sizeof(*ns));
    if (!ns)
        return -1;
    rh_htab old = *h;
    h->slots = ns;
    h->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.slots[i].key)
            continue;
        size_t j = (size_t)old.slots[i].hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = old.slots[i];
    }
    free(old.slots);
    return 0;
}

int rh_htab_put(rh_htab *h, const char *key, void *val)
{
    uint64_t hash = hash_of(h, key);
    if (h->cap) {
        size_t i = find(h, key, hash);
        if (h->slots[i].key) {
            h->slots[i].key = key;
            h->slots[i].val = val;
            return 0;
        }
    }
    /* Keep the load at most 3/4 so probe runs stay short. */
    if ((h->n + 1) * 4 > h->cap * 3 && grow(h) != 0)
        return -1;
    size_t i = find(h, key, hash);
    h->slots[i].key = key;
    h->slots[i].hash = hash;
    h->slots[i].val = val;
    h->n++;
    return 0;
}

void *rh_htab_del(rh_htab *h, const char *key)
{
    if (h->n == 0)
        return NULL;
    size_t mask = h->cap - 1;
    size_t i = find(h, key, hash_of(h, key));
    if (!h->slots[i].key)
        return NULL;
    void *val = h->slots[i].val;
    /* Backward-shift deletion: pull later members of the probe run into the hole so lookups
     * never need tombstones. */
    size_t j = i;
    for (;;) {
        h->slots[i].key = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!h->slots[j].key)
                goto done;
            size_t home = (size_t)h->slots[j].hash & mask;
            /* Move j to i unless its home lies cyclically in (i, j]. */
            if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
                continue;
            break;
        }
        h->slots[i] = h->slots[j];
        i = j;
    }
done:
    h->n--;
    return val;
}

int rh_htab_next(const rh_htab *h, size_t *pos, const char **key, void **val)
{
    for (size_t i = *pos; i < h->cap; i++) {
        if (h->slots[i].key) {
            if (key)
                *key = h->slots[i].key;
            if (val)
                *val = h->slots[i].val;
            *pos = i + 1;
            return 1;
        }
    }
    *pos = h->cap;
    return 0;
}
