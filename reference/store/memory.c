/* The embedded in-memory store (store/ owns it): a chained hash table keyed by
 * (app id, stream id), plus a queue of ended streams in end order. ttl is the same for all
 * streams and the caller's clock does not go back, so the queue is also ordered by expiry
 * time and expire only looks at its head instead of scanning every stream. Per app, a record
 * counts the open streams (the start cap) and lists them in order of last activity, so
 * end_idle also looks only at a head. Each stream keeps its most recent tokens for replay in
 * a ring (memory_ring.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_int.h"

static const rh_store_ops mem_ops;

/* FNV-1a: keys are short ids, collisions are handled by chaining. */
static size_t key_hash(const char *k, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

static int id_ok(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    return n >= 1 && n <= RH_STORE_ID_MAX;
}

/* Builds the lookup key into buf (heap when large). Returns its length or 0. */
static size_t make_key(const char *app_id, const char *stream_id, char *buf, size_t buflen)
{
    size_t a = strlen(app_id), b = strlen(stream_id);
    if (a + 1 + b > buflen)
        return 0;
    memcpy(buf, app_id, a);
    buf[a] = '\0';
    memcpy(buf + a + 1, stream_id, b);
    return a + 1 + b;
}

#define KEY_BUF (RH_STORE_ID_MAX * 4 + 2)

static mem_stream *find(mem_store *m, const char *key, size_t keylen, size_t hash)
{
    for (mem_stream *e = m->buckets[hash & (m->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == hash && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    return NULL;
}

static int grow(mem_store *m)
{
    size_t nb = m->nbuckets * 2;
    mem_stream **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nbuckets; i++) {
        mem_stream *e = m->buckets[i];
        while (e) {
            mem_stream *next = e->hnext;
            e->hnext = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
    return 0;
}

static void unlink_hash(mem_store *m, mem_stream *e)
{
    mem_stream **pp = &m->buckets[e->hash & (m->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
}

static void queue_push(mem_store *m, mem_stream *e)
{
    e->qnext = NULL;
    e->qprev = m->qtail;
    if (m->qtail)
        m->qtail->qnext = e;
    else
        m->qhead = e;
    m->qtail = e;
}

static void queue_unlink(mem_store *m, mem_stream *e)
{
    if (e->qprev)
        e->qprev->qnext = e->qnext;
    else
        m->qhead = e->qnext;
    if (e->qnext)
        e->qnext->qprev = e->qprev;
    else
        m->qtail = e->qprev;
    e->qprev = e->qnext = NULL;
}

/* The app's record, created when create is set; NULL when absent or out of memory. */
static mem_app *app_of(mem_store *m, const char *app_id, int create)
{
    for (mem_app *a = m->apps; a; a = a->next)
        if (strcmp(a->id, app_id) == 0)
            return a;
    if (!create)
        return NULL;
    mem_app *a = calloc(1, sizeof *a);
    if (a && !(a->id = strdup(app_id))) {
        free(a);
        a = NULL;
    }
    if (a) {
        a->next = m->apps;
        m->apps = a;
    }
    return a;
}

static void open_unlink(mem_stream *e)
{
    mem_app *a = e->app;
    if (!a)
        return;
    if (e->oprev)
        e->oprev->onext = e->onext;
    else
        a->ohead = e->onext;
    if (e->onext)
        e->onext->oprev = e->oprev;
    else
        a->otail = e->oprev;
    e->oprev = e->onext = NULL;
    e->app = NULL;
    a->open--;
}

/* Puts e last in its app's activity order, stamped with the store's clock. */
static void open_touch(mem_store *m, mem_stream *e, mem_app *a)
{
    if (e->app)
        open_unlink(e);
    e->app = a;
    e->oprev = a->otail;
    e->onext = NULL;
    if (a->otail)
        a->otail->onext = e;
    else
        a->ohead = e;
    a->otail = e;
    a->open++;
    e->active_ms = m->clock_ms;
}

static void clock_at(mem_store *m, uint64_t now_ms)
{
    if (now_ms > m->clock_ms)
        m->clock_ms = now_ms;
}

static void reply(rh_store_cb cb, void *ud, int status, const mem_stream *e, uint64_t first,
                  const char *error)
{
    if (!cb)
        return;
    rh_store_reply r = {
        .status = status, .stream = e ? &e->s : NULL, .first_seq = first, .error = error};
    cb(ud, &r);
}

/* Looks a stream up; answers INVALID itself (returns NULL with *answered set). */
static mem_stream *lookup(mem_store *m, const char *app_id, const char *stream_id, rh_store_cb cb,
                          void *ud, int *answered)
{
    char key[KEY_BUF];
    *answered = 0;
    if (!app_id || !*app_id || !id_ok(stream_id)) {
        reply(cb, ud, RH_STORE_INVALID, NULL, 0, "app id or stream id empty or too long");
        *answered = 1;
        return NULL;
    }
    size_t kl = make_key(app_id, stream_id, key, sizeof key);
    if (!kl) {
        reply(cb, ud, RH_STORE_INVALID, NULL, 0, "app id too long");
        *answered = 1;
        return NULL;
    }
    return find(m, key, kl, key_hash(key, kl));
}

/* protocol §12.2: start: 201 created, 200 same ids, 409 other ids */
static void mem_start(rh_store *st, const char *app_id, const rh_store_ids *ids, rh_store_cb cb,
                      void *ud)
{
    mem_store *m = (mem_store *)st;
    char key[KEY_BUF];
    if (!ids || !app_id || !*app_id || !id_ok(ids->workspace_id) || !id_ok(ids->thread_id) ||
        !id_ok(ids->run_id) || !id_ok(ids->stream_id)) {
        reply(cb, ud, RH_STORE_INVALID, NULL, 0, "an id is empty or too long");
        return;
    }
    size_t kl = make_key(app_id, ids->stream_id, key, sizeof key);
    if (!kl) {
        reply(cb, ud, RH_STORE_INVALID, NULL, 0, "app id too long");
        return;
    }
    size_t h = key_hash(key, kl);
    mem_stream *e = find(m, key, kl, h);
    if (e) {
        int same = strcmp(e->s.workspace_id, ids->workspace_id) == 0 &&
                   strcmp(e->s.thread_id, ids->thread_id) == 0 &&
                   strcmp(e->s.run_id, ids->run_id) == 0;
        reply(cb, ud, same ? RH_STORE_EXISTS : RH_STORE_CONFLICT, e, 0, NULL);
        return;
    }
    mem_app *a = app_of(m, app_id, 1);
    if (!a || (m->count >= m->nbuckets && grow(m) != 0)) {
        reply(cb, ud, RH_STORE_ERROR, NULL, 0, "out of memory");
        return;
    }
    if (ids->max_open && a->open >= ids->max_open) {
        char why[128];
        snprintf(why, sizeof why,
                 "over %zu open streams for this app; end streams or raise max_open_streams",
                 ids->max_open);
        reply(cb, ud, RH_STORE_FULL, NULL, 0, why);
        return;
    }
    e = calloc(1, sizeof *e);
    if (e)
        e->key = malloc(kl);
    if (!e || !e->key) {
        free(e);
        reply(cb, ud, RH_STORE_ERROR, NULL, 0, "out of memory");
        return;
    }
    memcpy(e->key, key, kl);
    e->keylen = kl;
    e->hash = h;
    strcpy(e->s.workspace_id, ids->workspace_id);
    strcpy(e->s.thread_id, ids->thread_id);
    strcpy(e->s.run_id, ids->run_id);
    strcpy(e->s.stream_id, ids->stream_id);
    size_t bi = h & (m->nbuckets - 1);
    e->hnext = m->buckets[bi];
    m->buckets[bi] = e;
    m->count++;
    open_touch(m, e, a);
    reply(cb, ud, RH_STORE_OK, e, 0, NULL);
}

/* The open stream for append and end; otherwise answers (bad id, not found, or
 * ended_status with the ended stream) and returns NULL. */
static mem_stream *find_open(rh_store *st, const char *app_id, const char *stream_id,
                             int ended_status, rh_store_cb cb, void *ud)
{
    int answered;
    mem_stream *e = lookup((mem_store *)st, app_id, stream_id, cb, ud, &answered);
    if (answered)
        return NULL;
    if (!e) {
        reply(cb, ud, RH_STORE_NOT_FOUND, NULL, 0, NULL);
        return NULL;
    }
    if (e->s.ended) {
        reply(cb, ud, ended_status, e, 0, NULL);
        return NULL;
    }
    return e;
}

/* protocol §10: seqs are consecutive, strictly increasing, assigned atomically per stream;
 * §12.7: a recorded key answers its first answer */
static void mem_append_idem(rh_store *st, const char *app_id, const char *stream_id,
                            const rh_store_tok *toks, size_t n, const rh_store_idem *idem,
                            rh_store_cb cb, void *ud)
{
    mem_store *m = (mem_store *)st;
    if (n == 0) {
        reply(cb, ud, RH_STORE_INVALID, NULL, 0, "no tokens");
        return;
    }
    int answered;
    mem_stream *e = lookup(m, app_id, stream_id, cb, ud, &answered);
    if (answered)
        return;
    if (!e) {
        reply(cb, ud, RH_STORE_NOT_FOUND, NULL, 0, NULL);
        return;
    }
    if (idem && mem_idem_answered(e, idem, m->clock_ms, cb, ud))
        return;
    if (e->s.ended) {
        reply(cb, ud, RH_STORE_ENDED, e, 0, NULL);
        return;
    }
    if (n > UINT64_MAX - e->s.last_seq) {
        reply(cb, ud, RH_STORE_INVALID, NULL, 0, "seq overflow");
        return;
    }
    uint64_t first = e->s.last_seq + 1;
    /* recorded before anything changes: short of memory, nothing is appended */
    if (idem && mem_idem_record(e, idem, first, first + n - 1, m->clock_ms) != 0) {
        reply(cb, ud, RH_STORE_ERROR, NULL, 0, "out of memory");
        return;
    }
    e->s.last_seq += n;
    open_touch(m, e, e->app);
    for (size_t i = 0; toks && i < n; i++)
        mem_ring_keep(m, e, &toks[i]);
    if (!toks) /* seqs reserved without text (a fault switch): nothing to replay */
        while (e->rcount)
            mem_ring_drop_oldest(e);
    if (cb) {
        rh_store_reply out = {
            .status = RH_STORE_OK, .stream = &e->s, .first_seq = first, .last_seq = e->s.last_seq};
        cb(ud, &out);
    }
}

static void mem_append(rh_store *st, const char *app_id, const char *stream_id,
                       const rh_store_tok *toks, size_t n, rh_store_cb cb, void *ud)
{
    mem_append_idem(st, app_id, stream_id, toks, n, NULL, cb, ud);
}

static void end_stream(mem_store *m, mem_stream *e, int reason, uint64_t now_ms)
{
    e->s.ended = 1;
    e->s.reason = reason;
    e->s.ended_at_ms = now_ms;
    open_unlink(e);
    queue_push(m, e);
}

/* protocol §11: the first end is recorded; every later end answers that record unchanged */
static void mem_end(rh_store *st, const char *app_id, const char *stream_id, int reason,
                    uint64_t now_ms, rh_store_cb cb, void *ud)
{
    mem_store *m = (mem_store *)st;
    clock_at(m, now_ms);
    mem_stream *e = find_open(st, app_id, stream_id, RH_STORE_ALREADY_ENDED, cb, ud);
    if (!e)
        return;
    end_stream(m, e, reason, now_ms);
    reply(cb, ud, RH_STORE_OK, e, 0, NULL);
}

static void mem_end_idle(rh_store *st, const char *app_id, uint64_t now_ms, uint64_t idle_ms,
                         int reason, rh_store_cb cb, void *ud)
{
    mem_store *m = (mem_store *)st;
    clock_at(m, now_ms);
    mem_app *a = app_id ? app_of(m, app_id, 0) : NULL;
    while (a && a->ohead && now_ms >= a->ohead->active_ms &&
           now_ms - a->ohead->active_ms >= idle_ms) {
        mem_stream *e = a->ohead;
        end_stream(m, e, reason, now_ms);
        reply(cb, ud, RH_STORE_OK, e, 0, NULL);
    }
}

static void mem_get(rh_store *st, const char *app_id, const char *stream_id, rh_store_cb cb,
                    void *ud)
{
    mem_store *m = (mem_store *)st;
    int answered;
    mem_stream *e = lookup(m, app_id, stream_id, cb, ud, &answered);
    if (answered)
        return;
    reply(cb, ud, e ? RH_STORE_OK : RH_STORE_NOT_FOUND, e, 0, NULL);
}

/* protocol §12.6: the kept tokens after after_seq, consecutive, in seq order */
static void mem_replay(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                       size_t limit, rh_store_cb cb, void *ud)
{
    int answered;
    mem_stream *e = lookup((mem_store *)st, app_id, stream_id, cb, ud, &answered);
    if (answered)
        return;
    if (!e) {
        reply(cb, ud, RH_STORE_NOT_FOUND, NULL, 0, NULL);
        return;
    }
    mem_ring_reply(e, after_seq, limit, cb, ud);
}

static void remove_stream(mem_store *m, mem_stream *e)
{
    unlink_hash(m, e);
    if (e->s.ended)
        queue_unlink(m, e);
    open_unlink(e);
    m->count--;
    mem_ring_free(e);
    mem_idem_free(e);
    free(e->key);
    free(e);
}

/* protocol §12.5: ended streams expire after ended_ttl */
static void mem_expire(rh_store *st, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    mem_store *m = (mem_store *)st;
    size_t removed = 0;
    clock_at(m, now_ms);
    while (m->qhead) {
        mem_stream *e = m->qhead;
        /* ended_at + ttl <= now, written to avoid overflow with a huge ttl */
        if (e->s.ended_at_ms > now_ms || now_ms - e->s.ended_at_ms < ttl_ms)
            break;
        remove_stream(m, e);
        removed++;
    }
    mem_cache_sweep(m, now_ms);
    if (cb) {
        rh_store_reply r = {.status = RH_STORE_OK, .expired = removed};
        cb(ud, &r);
    }
}

static void mem_destroy(rh_store *st)
{
    mem_store *m = (mem_store *)st;
    for (size_t i = 0; i < m->nbuckets; i++) {
        mem_stream *e = m->buckets[i];
        while (e) {
            mem_stream *next = e->hnext;
            mem_ring_free(e);
            mem_idem_free(e);
            free(e->key);
            free(e);
            e = next;
        }
    }
    mem_cache_sweep(m, UINT64_MAX);
    while (m->apps) {
        mem_app *a = m->apps;
        m->apps = a->next;
        free(a->id);
        free(a);
    }
    free(m->buckets);
    free(m);
}

static const rh_store_ops mem_ops = {
    .start = mem_start,
    .append = mem_append,
    .append_idem = mem_append_idem,
    .end = mem_end,
    .get = mem_get,
    .replay = mem_replay,
    .expire = mem_expire,
    .end_idle = mem_end_idle,
    .destroy = mem_destroy,
    .cache_set = mem_cache_set,
    .cache_get = mem_cache_get,
};

rh_store *rh_store_memory_new(const rh_store_limits *limits)
{
    mem_store *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->lim = limits ? *limits : (rh_store_limits){1000, 256u * 1024u};
    m->nbuckets = 64;
    m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
    if (!m->buckets) {
        free(m);
        return NULL;
    }
    m->base.ops = &mem_ops;
    return &m->base;
}

size_t rh_store_memory_count(const rh_store *st)
{
    if (!st || st->ops != &mem_ops)
        return 0;
    return ((const mem_store *)st)->count;
}
