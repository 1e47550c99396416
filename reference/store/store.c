/* Dispatch over the operations table (store/ owns it). Kept apart from the backends so the
 * Redis store links the same entry points. */
#include <stddef.h>

#include "store.h"

void rh_store_free(rh_store *st)
{
    if (st)
        st->ops->destroy(st);
}

void rh_store_start(rh_store *st, const char *app_id, const rh_store_ids *ids, rh_store_cb cb,
                    void *ud)
{
    st->ops->start(st, app_id, ids, cb, ud);
}

void rh_store_append(rh_store *st, const char *app_id, const char *stream_id,
                     const rh_store_tok *toks, size_t n, rh_store_cb cb, void *ud)
{
    st->ops->append(st, app_id, stream_id, toks, n, cb, ud);
}

void rh_store_append_idem(rh_store *st, const char *app_id, const char *stream_id,
                          const rh_store_tok *toks, size_t n, const rh_store_idem *idem,
                          rh_store_cb cb, void *ud)
{
    if (!idem) {
        st->ops->append(st, app_id, stream_id, toks, n, cb, ud);
        return;
    }
    if (!st->ops->append_idem || !rh_store_idem_ok(idem)) {
        rh_store_reply r = {.status = RH_STORE_INVALID,
                            .error = st->ops->append_idem ? "bad idempotency key or digest"
                                                          : "this store has no idempotency keys"};
        if (cb)
            cb(ud, &r);
        return;
    }
    st->ops->append_idem(st, app_id, stream_id, toks, n, idem, cb, ud);
}

/* Printable ASCII (from `lowest`, ' ' or '!'), len in [min, max]. */
static int printable(const char *s, unsigned char lowest, size_t min, size_t max)
{
    size_t n = 0;
    for (; s && s[n]; n++)
        if ((unsigned char)s[n] < lowest || (unsigned char)s[n] > '~' || n >= max)
            return 0;
    return s && n >= min;
}

int rh_store_idem_ok(const rh_store_idem *idem)
{
    return idem && printable(idem->key, ' ', 1, RH_STORE_IDEM_KEY_MAX) &&
           printable(idem->digest, '!', 0, RH_STORE_IDEM_DIGEST_MAX) && idem->window_ms >= 1 &&
           idem->max_keys >= 1;
}

void rh_store_end(rh_store *st, const char *app_id, const char *stream_id, int reason,
                  uint64_t now_ms, rh_store_cb cb, void *ud)
{
    st->ops->end(st, app_id, stream_id, reason, now_ms, cb, ud);
}

void rh_store_get(rh_store *st, const char *app_id, const char *stream_id, rh_store_cb cb, void *ud)
{
    st->ops->get(st, app_id, stream_id, cb, ud);
}

void rh_store_replay(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                     size_t limit, rh_store_cb cb, void *ud)
{
    st->ops->replay(st, app_id, stream_id, after_seq, limit, cb, ud);
}

void rh_store_expire(rh_store *st, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    st->ops->expire(st, now_ms, ttl_ms, cb, ud);
}

void rh_store_end_idle(rh_store *st, const char *app_id, uint64_t now_ms, uint64_t idle_ms,
                       int reason, rh_store_cb cb, void *ud)
{
    if (st->ops->end_idle) /* optional: a backend without it never ends idle streams */
        st->ops->end_idle(st, app_id, now_ms, idle_ms, reason, cb, ud);
}

void rh_store_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                        size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    if (st->ops->cache_set) {
        st->ops->cache_set(st, app_id, channel, text, len, now_ms, ttl_ms, cb, ud);
    } else if (cb) {
        rh_store_reply r = {.status = RH_STORE_ERROR, .error = "this store keeps no cache"};
        cb(ud, &r);
    }
}

void rh_store_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                        rh_store_cb cb, void *ud)
{
    if (st->ops->cache_get) {
        st->ops->cache_get(st, app_id, channel, now_ms, cb, ud);
    } else {
        rh_store_reply r = {.status = RH_STORE_NOT_FOUND};
        cb(ud, &r);
    }
}

const char *rh_store_strerror(int status)
{
    switch (status) {
    case RH_STORE_OK:
        return "ok";
    case RH_STORE_EXISTS:
        return "stream already started with the same ids";
    case RH_STORE_ALREADY_ENDED:
        return "stream already ended";
    case RH_STORE_CONFLICT:
        return "stream id already used with other ids";
    case RH_STORE_NOT_FOUND:
        return "stream not found";
    case RH_STORE_ENDED:
        return "stream has ended";
    case RH_STORE_INVALID:
        return "invalid store arguments";
    case RH_STORE_ERROR:
        return "store error";
    case RH_STORE_UNAVAILABLE:
        return "store unavailable";
    case RH_STORE_LOST:
        return "stream state lost by the store";
    case RH_STORE_FULL:
        return "too many open streams for this app";
    case RH_STORE_REPLAYED:
        return "the idempotency key's recorded answer";
    case RH_STORE_KEY_REUSED:
        return "idempotency key already used with another body";
    }
    return "unknown store status";
}
