/* The embedded store's cache channels (docs/protocol.md 17): the last event of each
 * (app, channel), kept until its expiry. A chained hash of MEM_CACHE_BUCKETS buckets; expired
 * entries are dropped when met and by the once-a-second expire call. Each entry owns its key
 * and text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memory_int.h"

static size_t bucket_of(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = key; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ull;
    }
    return (size_t)(h % MEM_CACHE_BUCKETS);
}

static char *cache_key(const char *app_id, const char *channel)
{
    size_t a = strlen(app_id), c = strlen(channel);
    char *k = malloc(a + c + 2);
    if (k) {
        memcpy(k, app_id, a);
        k[a] = '\n';
        memcpy(k + a + 1, channel, c + 1);
    }
    return k;
}

static void entry_free(mem_cached *e)
{
    free(e->key);
    free(e->text);
    free(e);
}

/* The live entry under key (expired ones met on the way are dropped), or NULL. */
static mem_cached **find(mem_store *m, const char *key, uint64_t now_ms)
{
    mem_cached **pp = &m->cache[bucket_of(key)];
    while (*pp) {
        mem_cached *e = *pp;
        if (e->expires_ms <= now_ms) {
            *pp = e->next;
            entry_free(e);
            continue;
        }
        if (strcmp(e->key, key) == 0)
            return pp;
        pp = &e->next;
    }
    return NULL;
}

static void answer(rh_store_cb cb, void *ud, int status, const char *error)
{
    if (!cb)
        return;
    rh_store_reply r = {.status = status, .error = error};
    cb(ud, &r);
}

void mem_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                   size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    mem_store *m = (mem_store *)st;
    if (!app_id || !channel || !text || ttl_ms == 0) {
        answer(cb, ud, RH_STORE_INVALID, "cache_set needs an app, a channel, a text and a ttl");
        return;
    }
    char *key = cache_key(app_id, channel);
    char *copy = malloc(len ? len : 1);
    mem_cached **pp = key ? find(m, key, now_ms) : NULL;
    mem_cached *e = pp ? *pp : calloc(1, sizeof *e);
    if (!key || !copy || !e) {
        free(key);
        free(copy);
        answer(cb, ud, RH_STORE_ERROR, "out of memory");
        return;
    }
    memcpy(copy, text, len);
    if (pp) {
        free(key);
        free(e->text);
    } else {
        e->key = key;
        size_t b = bucket_of(key);
        e->next = m->cache[b];
        m->cache[b] = e;
    }
    e->text = copy;
    e->len = len;
    e->expires_ms = ttl_ms > UINT64_MAX - now_ms ? UINT64_MAX : now_ms + ttl_ms;
    answer(cb, ud, RH_STORE_OK, NULL);
}

void mem_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                   rh_store_cb cb, void *ud)
{
    mem_store *m = (mem_store *)st;
    if (!app_id || !channel) {
        answer(cb, ud, RH_STORE_INVALID, "cache_get needs an app and a channel");
        return;
    }
    char *key = cache_key(app_id, channel);
    mem_cached **pp = key ? find(m, key, now_ms) : NULL;
    free(key);
    if (!pp) {
        answer(cb, ud, RH_STORE_NOT_FOUND, NULL);
        return;
    }
    rh_store_reply r = {.status = RH_STORE_OK, .cached = (*pp)->text, .cached_len = (*pp)->len};
    cb(ud, &r);
}

void mem_cache_sweep(mem_store *m, uint64_t now_ms)
{
    for (size_t b = 0; b < MEM_CACHE_BUCKETS; b++) {
        mem_cached **pp = &m->cache[b];
        while (*pp) {
            mem_cached *e = *pp;
            if (now_ms == UINT64_MAX || e->expires_ms <= now_ms) {
                *pp = e->next;
                entry_free(e);
            } else {
                pp = &e->next;
            }
        }
    }
}
