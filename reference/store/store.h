/* rh_store: where stream state lives (sequence counters, the end rule, ended-state expiry).
 * The embedded in-memory store is the default; the Redis store (store/redis.h) implements
 * the same operations asynchronously, so every operation answers through a callback, which
 * the memory store calls before returning.
 *
 * The table is store/'s; api/ is its only caller. Streams are keyed by
 * (app id, stream id). The store decides everything that must be atomic across producers
 * and nodes: seq assignment (append reserves first..last in one step) and the end rule (the
 * first end wins and records last_seq, reason and ended_at; later ends read that record).
 *
 * Ownership: rh_store_memory_new returns a store owned by the caller; rh_store_free frees
 * any store (NULL is a no-op). Strings passed to operations are copied before the call
 * returns. A reply and everything it points to is valid only during the callback.
 * An asynchronous store must answer every pending operation (RH_STORE_ERROR) when freed,
 * and must not call back after that. */
#ifndef RH_STORE_H
#define RH_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Ids kept by the store. The control API allows [A-Za-z0-9_-]{1,64}; the store accepts
 * longer ones so a lax caller (a fault switch) is not silently truncated. */
#define RH_STORE_ID_MAX 128

typedef struct rh_store rh_store;

typedef enum {
    RH_STORE_OK = 0,            /* start: created; append: seqs reserved; end: first end;
                                   get: found; expire: done */
    RH_STORE_EXISTS = 1,        /* start: the same ids were started before (state given) */
    RH_STORE_ALREADY_ENDED = 2, /* end: an earlier end won (its record given) */
    RH_STORE_CONFLICT = -1,     /* start: stream id known with other ids (state given) */
    RH_STORE_NOT_FOUND = -2,    /* append/end/get: no such stream (or expired) */
    RH_STORE_ENDED = -3,        /* append: the stream has ended (state given) */
    RH_STORE_INVALID = -4,      /* bad arguments (empty or over-long id, n == 0) */
    RH_STORE_ERROR = -5,        /* out of memory, store freed, an unexpected backend answer */
    RH_STORE_UNAVAILABLE = -6,  /* the backend is unreachable now; retry later (HTTP 503) */
    RH_STORE_LOST = -7,         /* append/end/replay: the backend lost this stream's state
                                   (e.g. Redis restarted without persistence); the stream
                                   cannot continue and is never renumbered from 1 */
    RH_STORE_FULL = -8,         /* start: the app already has max_open open streams (HTTP 429);
                                   error names the cap */
    RH_STORE_REPLAYED = 3,      /* append with a key: the key's recorded answer (first_seq,
                                   last_seq); nothing appended, nothing published */
    RH_STORE_KEY_REUSED = -9,   /* append with a key: the key was recorded for another body
                                   (HTTP 422); nothing appended */
} rh_store_status;

/* The state of one stream as the store keeps it. */
typedef struct rh_store_stream {
    char workspace_id[RH_STORE_ID_MAX + 1];
    char thread_id[RH_STORE_ID_MAX + 1];
    char run_id[RH_STORE_ID_MAX + 1];
    char stream_id[RH_STORE_ID_MAX + 1];
    uint64_t last_seq;    /* highest seq assigned, 0 before the first token */
    int ended;            /* 1 once ended */
    int reason;           /* rh_end_reason of the first end (ended only) */
    uint64_t ended_at_ms; /* the caller's clock at the first end (ended only) */
} rh_store_stream;

/* One token's text: given to append (copied before the call returns). */
typedef struct rh_store_tok {
    const char *s;
    size_t len;
} rh_store_tok;

/* One token kept for replay, as answered by replay. */
typedef struct rh_store_kept {
    uint64_t seq;
    const char *s;
    size_t len;
} rh_store_kept;

typedef struct rh_store_reply {
    int status;                    /* rh_store_status */
    const rh_store_stream *stream; /* NULL for NOT_FOUND, INVALID, ERROR and expire */
    uint64_t first_seq;            /* append OK: first seq reserved (last is stream->last_seq) */
    uint64_t last_seq;             /* append OK, REPLAYED: the last seq of this append */
    size_t expired;                /* expire: streams removed */
    const char *error;             /* ERROR/INVALID/UNAVAILABLE/LOST: why */
    /* append OK, end OK: 1 when the store itself has already published the events to every
     * node in the same atomic step (the Redis store); the caller must then not publish them.
     * 0 (the memory store): the caller publishes. */
    int published;
    /* replay OK: the kept tokens with seq > after_seq, in seq order, at most limit of them,
     * consecutive; oldest_seq is the lowest seq still kept (stream->last_seq + 1 when none). */
    const rh_store_kept *toks;
    size_t ntoks;
    uint64_t oldest_seq;
    /* cache_get OK: the text kept for the channel (not NUL-terminated) */
    const char *cached;
    size_t cached_len;
} rh_store_reply;

typedef void (*rh_store_cb)(void *ud, const rh_store_reply *r);

/* The identity given at start; all four ids are required. */
typedef struct rh_store_ids {
    const char *workspace_id;
    const char *thread_id;
    const char *run_id;
    const char *stream_id;
    size_t max_open; /* a new stream is refused (FULL) when the app already has this many open
                        streams; 0: no cap */
} rh_store_ids;

/* An append's idempotency key (protocol §12.7): the store records key -> (digest, first_seq,
 * last_seq) in the same atomic step as the append, for window_ms (on the store's clock) and at
 * most max_keys keys per stream (the oldest forgotten first). */
#define RH_STORE_IDEM_KEY_MAX    128
#define RH_STORE_IDEM_DIGEST_MAX 64
typedef struct rh_store_idem {
    const char *key;    /* 1..RH_STORE_IDEM_KEY_MAX bytes of printable ASCII (' '..'~') */
    const char *digest; /* of the request body, 0..RH_STORE_IDEM_DIGEST_MAX bytes, no spaces */
    uint64_t window_ms; /* >= 1 */
    size_t max_keys;    /* >= 1 */
} rh_store_idem;

/* The operations table a backend implements. now_ms and ttl_ms are on the caller's clock;
 * the same clock must be used for end and expire. */
typedef struct rh_store_ops {
    /* Creates the stream (OK), or answers EXISTS when it is known with the same
     * workspace/thread/run ids, CONFLICT when with others. */
    void (*start)(rh_store *st, const char *app_id, const rh_store_ids *ids, rh_store_cb cb,
                  void *ud);
    /* Reserves n >= 1 consecutive seqs for the n tokens: first_seq = last_seq + 1,
     * last_seq += n, atomically, and keeps the tokens for replay (the most recent
     * replay_tokens of them and at most replay_bytes of text per stream; the newest token is
     * always kept). NOT_FOUND, or ENDED when the stream has ended (nothing reserved). */
    void (*append)(rh_store *st, const char *app_id, const char *stream_id,
                   const rh_store_tok *toks, size_t n, rh_store_cb cb, void *ud);
    /* The first end records reason, last_seq and ended_at = now_ms and answers OK; every
     * later end answers ALREADY_ENDED with that record, unchanged. NOT_FOUND. */
    void (*end)(rh_store *st, const char *app_id, const char *stream_id, int reason,
                uint64_t now_ms, rh_store_cb cb, void *ud);
    /* append with an idempotency key (idem not NULL): when the key is recorded for the stream
     * with the same digest, answers REPLAYED with the recorded first_seq and last_seq (also
     * once the stream has ended) and appends and publishes nothing; with another digest
     * KEY_REUSED. Otherwise as append, and an OK append records the key in the same step.
     * NULL in a backend without keys (rh_store_append_idem then answers INVALID). */
    void (*append_idem)(rh_store *st, const char *app_id, const char *stream_id,
                        const rh_store_tok *toks, size_t n, const rh_store_idem *idem,
                        rh_store_cb cb, void *ud);
    void (*get)(rh_store *st, const char *app_id, const char *stream_id, rh_store_cb cb, void *ud);
    /* The kept tokens with seq > after_seq, at most limit (>= 1) of them (OK with the stream,
     * also once ended, until it expires). NOT_FOUND. */
    void (*replay)(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                   size_t limit, rh_store_cb cb, void *ud);
    /* Removes ended streams with ended_at_ms + ttl_ms <= now_ms. cb may be NULL. A backend
     * with native key expiry may do nothing here. */
    void (*expire)(rh_store *st, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud);
    /* Ends, as end with `reason` at now_ms would (the first end wins, so a stream is never
     * ended twice, also by two nodes at once), every open stream of the app that has had no
     * start or append for idle_ms or longer. The memory store calls cb (may be NULL) once per
     * stream it ended, before returning, with status OK and the stream, and the caller
     * publishes thread.stream.ended; the Redis store publishes them itself on the bus, in the
     * same atomic step, and never calls cb. The memory store learns
     * the time of activity from the now_ms of end, expire and end_idle calls, which the
     * caller makes before every request and once a second. */
    void (*end_idle)(rh_store *st, const char *app_id, uint64_t now_ms, uint64_t idle_ms,
                     int reason, rh_store_cb cb, void *ud);
    void (*destroy)(rh_store *st);
    /* Cache channels (docs/protocol.md 17): keeps text as the last event of (app, channel)
     * until now_ms + ttl_ms, replacing the one kept before; cb may be NULL. */
    void (*cache_set)(rh_store *st, const char *app_id, const char *channel, const char *text,
                      size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud);
    /* OK with cached/cached_len while a text is kept, NOT_FOUND when none (or expired). */
    void (*cache_get)(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                      rh_store_cb cb, void *ud);
} rh_store_ops;

/* Every backend's struct starts with this header. */
struct rh_store {
    const rh_store_ops *ops;
};

/* Replay limits of a store (config replay_tokens, replay_bytes). */
typedef struct rh_store_limits {
    size_t replay_tokens;
    size_t replay_bytes;
} rh_store_limits;

/* limits NULL: 1000 tokens, 256 KiB. */
rh_store *rh_store_memory_new(const rh_store_limits *limits);
void rh_store_free(rh_store *st);

/* Dispatch helpers (st->ops->op(...)). */
void rh_store_start(rh_store *st, const char *app_id, const rh_store_ids *ids, rh_store_cb cb,
                    void *ud);
void rh_store_append(rh_store *st, const char *app_id, const char *stream_id,
                     const rh_store_tok *toks, size_t n, rh_store_cb cb, void *ud);
void rh_store_end(rh_store *st, const char *app_id, const char *stream_id, int reason,
                  uint64_t now_ms, rh_store_cb cb, void *ud);
/* idem NULL: rh_store_append. */
void rh_store_append_idem(rh_store *st, const char *app_id, const char *stream_id,
                          const rh_store_tok *toks, size_t n, const rh_store_idem *idem,
                          rh_store_cb cb, void *ud);
/* 1 when idem's key and digest are acceptable (lengths, printable ASCII, no space in digest,
 * window and count >= 1). */
int rh_store_idem_ok(const rh_store_idem *idem);
void rh_store_get(rh_store *st, const char *app_id, const char *stream_id, rh_store_cb cb,
                  void *ud);
void rh_store_replay(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                     size_t limit, rh_store_cb cb, void *ud);
void rh_store_expire(rh_store *st, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud);
void rh_store_end_idle(rh_store *st, const char *app_id, uint64_t now_ms, uint64_t idle_ms,
                       int reason, rh_store_cb cb, void *ud);
/* Optional operations: a backend without them answers cache_get NOT_FOUND and keeps nothing. */
void rh_store_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                        size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud);
void rh_store_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                        rh_store_cb cb, void *ud);
/* Number of streams held (memory store only; 0 for others). For tests and metrics. */
size_t rh_store_memory_count(const rh_store *st);
const char *rh_store_strerror(int status);

#endif
