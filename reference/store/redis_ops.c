/* The Redis store's operations (store/ owns them): each one is a script run with EVALSHA
 * (EVAL when Redis answers NOSCRIPT), its reply turned into an rh_store_reply. An operation
 * keeps its arguments until answered, for that one retry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_int.h"

/* --- streams seen (lost-state detection) ------------------------------------------------- */

/* FNV-1a of app '\0' sid. A collision can only turn a 404 into a 410 for an unknown id. */
static uint64_t seen_hash(const char *app, const char *sid)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = app;; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
        if (!*s)
            break;
    }
    for (const char *s = sid; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h | 1; /* 0 marks an empty slot */
}

void rr_seen_add(rr_store *rs, const char *app, const char *sid)
{
    uint64_t h = seen_hash(app, sid);
    rs->seen[h & (RR_SEEN_SLOTS - 1)] = (rr_seen){h, rs->losses};
}

int rr_seen_lost(const rr_store *rs, const char *app, const char *sid)
{
    uint64_t h = seen_hash(app, sid);
    const rr_seen *e = &rs->seen[h & (RR_SEEN_SLOTS - 1)];
    return e->hash == h && e->gen < rs->losses;
}

/* --- operations -------------------------------------------------------------------------- */

typedef struct rr_op {
    rr_store *rs;
    int script;
    int kind; /* RR_* of the operation (== script) */
    rh_store_cb cb;
    void *ud;
    int published; /* append/end: the script publishes (tokens given) */
    int argc;
    char **argv;
    size_t *argvlen;
    char app[RH_STORE_ID_MAX + 1];
    char sid[RH_STORE_ID_MAX + 1];
} rr_op;

static void answer(rh_store_cb cb, void *ud, int status, const char *error)
{
    if (!cb)
        return;
    rh_store_reply r = {.status = status, .error = error};
    cb(ud, &r);
}

static void op_free(rr_op *op)
{
    if (!op)
        return;
    for (int i = 0; i < op->argc; i++)
        free(op->argv[i]);
    free(op->argv);
    free(op->argvlen);
    free(op);
}

static int id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= RH_STORE_ID_MAX;
}

/* A new operation with room for nargs + 7 arguments: arg_head's (at most ten) and the script's
 * own (every caller's nargs is its script arguments plus at least three). NULL
 * (answered) when down, ids are bad or memory is short. */
static rr_op *op_new(rh_store *st, int script, const char *app, const char *sid, int nargs,
                     rh_store_cb cb, void *ud)
{
    rr_store *rs = (rr_store *)st;
    if (!app || strlen(app) > RH_STORE_ID_MAX || !*app || !id_ok(sid)) {
        answer(cb, ud, RH_STORE_INVALID, "app id or stream id empty or too long");
        return NULL;
    }
    if (!rr_is_up(rs)) {
        answer(cb, ud, RH_STORE_UNAVAILABLE, "Redis is unreachable");
        return NULL;
    }
    rr_op *op = calloc(1, sizeof *op);
    if (op) {
        op->argv = calloc((size_t)nargs + 7, sizeof *op->argv);
        op->argvlen = calloc((size_t)nargs + 7, sizeof *op->argvlen);
    }
    if (!op || !op->argv || !op->argvlen) {
        op_free(op);
        answer(cb, ud, RH_STORE_ERROR, "out of memory");
        return NULL;
    }
    op->rs = rs;
    op->script = op->kind = script;
    op->cb = cb;
    op->ud = ud;
    strcpy(op->app, app);
    strcpy(op->sid, sid);
    return op;
}

/* Appends one argument (copied). -1 when out of memory. */
static int arg(rr_op *op, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c)
        return -1;
    if (len)
        memcpy(c, s, len);
    c[len] = '\0';
    op->argv[op->argc] = c;
    op->argvlen[op->argc++] = len;
    return 0;
}

static int arg_s(rr_op *op, const char *s)
{
    return arg(op, s, strlen(s));
}

static int arg_u(rr_op *op, unsigned long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%llu", v);
    return arg(op, b, (size_t)n);
}

/* EVALSHA sha N {prefix}{app}:stream:{sid} {prefix}{app}:replay:{sid} {prefix}{app}:open
 * {prefix}{app}:idem:{sid} {prefix}{app}:idemt:{sid}, then {prefix}{app}:pend:{sid} in fenced
 * mode, then {prefix}wm (N = 6, or 7 fenced): the head of every stream script's arguments. */
static int arg_head(rr_op *op)
{
    rr_store *rs = op->rs;
    size_t need = strlen(rs->prefix) + strlen(op->app) + strlen(op->sid) + 16;
    char *k = malloc(need);
    if (!k)
        return -1;
    int rc =
        arg_s(op, "EVALSHA") || arg_s(op, rs->sha[op->script]) || arg_s(op, rs->fence ? "7" : "6");
    static const char *const fmt[] = {"%s%s:stream:%s", "%s%s:replay:%s", "%s%s:open",
                                      "%s%s:idem:%s",   "%s%s:idemt:%s",  "%s%s:pend:%s"};
    size_t nk = sizeof fmt / sizeof *fmt - (rs->fence ? 0 : 1);
    for (size_t i = 0; i < nk && !rc; i++) {
        /* "%s%s:open" has no third %s: the extra argument is ignored */
        snprintf(k, need, fmt[i], rs->prefix, op->app, op->sid);
        rc = arg_s(op, k);
    }
    rc = rc || arg_s(op, rs->wm_key);
    free(k);
    return rc ? -1 : 0;
}

static long long num(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return strtoll(r->str, NULL, 10);
    return 0;
}

static void copy_id(char *dst, const redisReply *r)
{
    size_t n = r->type == REDIS_REPLY_STRING && r->len <= RH_STORE_ID_MAX ? r->len : 0;
    if (n)
        memcpy(dst, r->str, n);
    dst[n] = '\0';
}

static void send_op(rr_op *op);

static void deliver(rr_op *op, const redisReply *r)
{
    rr_store *rs = op->rs;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
        answer(op->cb, op->ud, RH_STORE_ERROR, "unexpected Redis reply");
        return;
    }
    int code = (int)num(r->element[0]);
    if (op->kind == RR_IDLE) {
        if (rs->fence) /* {n, sid, last...}: the ends wait in the pending lists */
            rr_fence_idle(rs, op->app, r);
        return; /* otherwise the script published each end itself */
    }
    if (code == RH_STORE_FULL) {
        char why[128];
        snprintf(why, sizeof why,
                 "over %lld open streams for this app; end streams or raise max_open_streams",
                 r->elements > 1 ? num(r->element[1]) : 0);
        answer(op->cb, op->ud, RH_STORE_FULL, why);
        return;
    }
    if (code == RH_STORE_KEY_REUSED) {
        answer(op->cb, op->ud, code, "idempotency key already used with another body");
        return;
    }
    if (code == RH_STORE_NOT_FOUND) {
        int lost = op->kind != RR_GET && op->kind != RR_START && rr_seen_lost(rs, op->app, op->sid);
        answer(op->cb, op->ud, lost ? RH_STORE_LOST : RH_STORE_NOT_FOUND,
               lost ? "Redis lost this stream's state (restarted without persistence)" : NULL);
        return;
    }
    if (r->elements < 9) {
        answer(op->cb, op->ud, RH_STORE_ERROR, "unexpected Redis reply");
        return;
    }
    rh_store_stream s;
    memset(&s, 0, sizeof s);
    redisReply **e = r->element;
    copy_id(s.workspace_id, e[1]);
    copy_id(s.thread_id, e[2]);
    copy_id(s.run_id, e[3]);
    strcpy(s.stream_id, op->sid);
    s.last_seq = (uint64_t)num(e[4]);
    s.ended = num(e[5]) == 1;
    s.reason = (int)num(e[6]);
    if (s.ended) {
        /* ended_at on the caller's clock, from the time to live left: right on every node */
        long long pttl = num(e[7]);
        uint64_t now = rr_now(rs);
        uint64_t gone = pttl >= 0 && (uint64_t)pttl <= rs->ttl_ms ? rs->ttl_ms - (uint64_t)pttl : 0;
        s.ended_at_ms = now >= gone ? now - gone : 0;
    }
    if (code == RH_STORE_OK || code == RH_STORE_EXISTS)
        rr_seen_add(rs, op->app, op->sid);
    rh_store_reply out = {.status = code, .stream = &s, .first_seq = (uint64_t)num(e[8])};
    if ((op->kind == RR_APPEND || op->kind == RR_END) && code == RH_STORE_OK)
        out.published = op->published;
    if (op->kind == RR_APPEND)
        out.last_seq =
            code == RH_STORE_REPLAYED && r->elements > 9 ? (uint64_t)num(e[9]) : s.last_seq;
    rh_store_kept *kept = NULL;
    if (op->kind == RR_REPLAY) {
        out.first_seq = 0;
        out.oldest_seq = r->elements > 9 ? (uint64_t)num(e[9]) : s.last_seq + 1;
        size_t n = r->elements > 10 ? r->elements - 10 : 0;
        uint64_t from = (uint64_t)num(e[8]);
        if (n && !(kept = malloc(n * sizeof *kept))) {
            answer(op->cb, op->ud, RH_STORE_ERROR, "out of memory");
            return;
        }
        for (size_t i = 0; i < n; i++)
            kept[i] =
                (rh_store_kept){from + i, e[10 + i]->str ? e[10 + i]->str : "", e[10 + i]->len};
        out.toks = kept;
        out.ntoks = n;
    }
    /* how far this answer goes in Redis's history (start, append, end: r[10]; an append
     * answered from its idempotency record: r[11], r[10] being the recorded last seq) */
    int replayed = op->kind == RR_APPEND && code == RH_STORE_REPLAYED;
    size_t wi = replayed ? 10 : 9;
    uint64_t wm = op->kind != RR_REPLAY && r->elements > wi ? (uint64_t)num(e[wi]) : 0;
    /* a retry answered from the record waits too: the first attempt's tokens may still be
     * queued, unacknowledged by any replica; committing up to its range publishes them */
    if (rs->fence &&
        (op->kind == RR_END || (op->kind == RR_APPEND && code == RH_STORE_OK) || replayed ||
         (op->kind == RR_START && (code == RH_STORE_OK || code == RH_STORE_EXISTS)))) {
        uint64_t top = replayed ? out.last_seq : s.last_seq;
        unsigned long long order = 2 * top + (op->kind == RR_END);
        rr_fence_hold(rs, op->app, op->sid, op->kind != RR_START, order, wm, &out, op->cb, op->ud);
        return;
    }
    rr_wm_acked(rs, wm);
    if (op->cb)
        op->cb(op->ud, &out);
    free(kept);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_op *op = priv;
    rr_store *rs = op->rs;
    const redisReply *r = rr_arrived(rs, reply);
    if (!r) {
        answer(op->cb, op->ud, rs->destroying ? RH_STORE_ERROR : RH_STORE_UNAVAILABLE,
               rs->destroying ? "store freed" : "connection to Redis lost");
        op_free(op);
        return;
    }
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0 &&
        strcmp(op->argv[0], "EVALSHA") == 0) {
        /* Redis forgot the script (SCRIPT FLUSH): send its text once */
        const char *text = rr_script(op->script);
        char *t = strdup(text), *ev = strdup("EVAL");
        if (!t || !ev) {
            free(t);
            free(ev);
            answer(op->cb, op->ud, RH_STORE_ERROR, "out of memory");
            op_free(op);
            return;
        }
        free(op->argv[0]);
        free(op->argv[1]);
        op->argv[0] = ev;
        op->argvlen[0] = 4;
        op->argv[1] = t;
        op->argvlen[1] = strlen(t);
        send_op(op);
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        char why[256];
        snprintf(why, sizeof why, "Redis: %.*s", (int)r->len, r->str);
        answer(op->cb, op->ud, RH_STORE_ERROR, why);
    } else {
        deliver(op, r);
    }
    op_free(op);
}

static void send_op(rr_op *op)
{
    if (rr_send(op->rs, on_reply, op, op->argc, (const char **)op->argv, op->argvlen) != 0) {
        answer(op->cb, op->ud, RH_STORE_UNAVAILABLE, "Redis is unreachable");
        op_free(op);
    }
}

/* Sends op, or answers out of memory when building its arguments failed (rc != 0). */
static void finish(rr_op *op, int rc)
{
    if (rc) {
        answer(op->cb, op->ud, RH_STORE_ERROR, "out of memory");
        op_free(op);
        return;
    }
    send_op(op);
}

/* 1 (answered LOST) when Redis lost state since this node saw the stream: even if the stream
 * is still there (an older copy), continuing it would number seqs subscribers already have. */
static int seen_lost(rr_store *rs, const char *app, const char *sid, rh_store_cb cb, void *ud)
{
    if (!app || !sid || !rr_seen_lost(rs, app, sid))
        return 0;
    answer(cb, ud, RH_STORE_LOST,
           "Redis lost this stream's state (restarted without persistence or older than "
           "acknowledged); use a new stream_id");
    return 1;
}

static void r_start(rh_store *st, const char *app_id, const rh_store_ids *ids, rh_store_cb cb,
                    void *ud)
{
    if (!ids || !id_ok(ids->workspace_id) || !id_ok(ids->thread_id) || !id_ok(ids->run_id)) {
        answer(cb, ud, RH_STORE_INVALID, "an id is empty or too long");
        return;
    }
    /* starting it again would number its tokens from 1 a second time on the same channel,
     * and subscribers would see seqs they already have */
    if (seen_lost((rr_store *)st, app_id, ids->stream_id, cb, ud))
        return;
    rr_op *op = op_new(st, RR_START, app_id, ids->stream_id, 10, cb, ud);
    if (op)
        finish(op, arg_head(op) || arg_s(op, ids->workspace_id) || arg_s(op, ids->thread_id) ||
                       arg_s(op, ids->run_id) || arg_s(op, ids->stream_id) ||
                       arg_u(op, ids->max_open));
}

static void r_append_idem(rh_store *st, const char *app_id, const char *stream_id,
                          const rh_store_tok *toks, size_t n, const rh_store_idem *idem,
                          rh_store_cb cb, void *ud)
{
    rr_store *rs = (rr_store *)st;
    if (seen_lost(rs, app_id, stream_id, cb, ud))
        return;
    if (n == 0 || n > 100000) {
        answer(cb, ud, RH_STORE_INVALID, n ? "too many tokens" : "no tokens");
        return;
    }
    rr_op *op = op_new(st, RR_APPEND, app_id, stream_id, (int)n + 16, cb, ud);
    if (!op)
        return;
    op->published = toks != NULL;
    int rc = arg_head(op) || arg_s(op, app_id) || arg_s(op, rs->bus) ||
             arg_u(op, rs->lim.replay_tokens) || arg_u(op, rs->lim.replay_bytes) ||
             arg_s(op, toks ? "1" : "0") || arg_u(op, n) || arg_s(op, idem ? idem->key : "") ||
             arg_s(op, idem ? idem->digest : "") || arg_u(op, idem ? idem->window_ms : 1) ||
             arg_u(op, idem ? idem->max_keys : 1);
    for (size_t i = 0; toks && i < n && !rc; i++)
        rc = arg(op, toks[i].s ? toks[i].s : "", toks[i].s ? toks[i].len : 0);
    finish(op, rc);
}

static void r_append(rh_store *st, const char *app_id, const char *stream_id,
                     const rh_store_tok *toks, size_t n, rh_store_cb cb, void *ud)
{
    r_append_idem(st, app_id, stream_id, toks, n, NULL, cb, ud);
}

static void r_end(rh_store *st, const char *app_id, const char *stream_id, int reason,
                  uint64_t now_ms, rh_store_cb cb, void *ud)
{
    (void)now_ms; /* ended_at comes from the key's time to live, the same on every node */
    rr_store *rs = (rr_store *)st;
    if (seen_lost(rs, app_id, stream_id, cb, ud))
        return;
    rr_op *op = op_new(st, RR_END, app_id, stream_id, 9, cb, ud);
    if (!op)
        return;
    op->published = 1;
    finish(op, arg_head(op) || arg_s(op, app_id) || arg_s(op, rs->bus) ||
                   arg_u(op, (unsigned long long)(reason < 0 ? 0 : reason)) ||
                   arg_u(op, rs->ttl_ms));
}

static void r_get(rh_store *st, const char *app_id, const char *stream_id, rh_store_cb cb, void *ud)
{
    rr_op *op = op_new(st, RR_GET, app_id, stream_id, 5, cb, ud);
    if (op)
        finish(op, arg_head(op));
}

static void r_replay(rh_store *st, const char *app_id, const char *stream_id, uint64_t after_seq,
                     size_t limit, rh_store_cb cb, void *ud)
{
    rr_op *op = op_new(st, RR_REPLAY, app_id, stream_id, 7, cb, ud);
    if (op)
        finish(op, arg_head(op) || arg_u(op, after_seq) || arg_u(op, limit ? limit : 1));
}

static void r_expire(rh_store *st, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    (void)st; /* ended streams carry a Redis time to live: expiry is native */
    (void)now_ms;
    (void)ttl_ms;
    if (cb) {
        rh_store_reply r = {.status = RH_STORE_OK};
        cb(ud, &r);
    }
}

static void r_end_idle(rh_store *st, const char *app_id, uint64_t now_ms, uint64_t idle_ms,
                       int reason, rh_store_cb cb, void *ud)
{
    /* The script publishes every end on the bus: nothing to call back. Activity is timed on
     * Redis's clock (TIME), the one clock all nodes share, not on now_ms. */
    (void)cb, (void)ud, (void)now_ms;
    rr_store *rs = (rr_store *)st;
    if (!app_id || !rr_is_up(rs))
        return;
    /* "_": a placeholder stream id; idle_lua uses only the app's open set (KEYS[3]) */
    rr_op *op = op_new(st, RR_IDLE, app_id, "_", 13, NULL, NULL);
    if (!op)
        return;
    size_t need = strlen(rs->prefix) + strlen(app_id) + 16;
    char *sp = malloc(need), *rp = malloc(need);
    int rc = !sp || !rp;
    if (!rc) {
        snprintf(sp, need, "%s%s:stream:", rs->prefix, app_id);
        snprintf(rp, need, "%s%s:replay:", rs->prefix, app_id);
        rc = arg_head(op) || arg_s(op, app_id) || arg_s(op, rs->bus) ||
             arg_u(op, (unsigned long long)(reason < 0 ? 0 : reason)) || arg_u(op, rs->ttl_ms) ||
             arg_u(op, idle_ms) || arg_s(op, sp) || arg_s(op, rp);
        snprintf(sp, need, "%s%s:pend:", rs->prefix, app_id);
        rc = rc || (rs->fence && arg_s(op, sp));
    }
    free(sp);
    free(rp);
    finish(op, rc);
}

static void r_destroy(rh_store *st)
{
    rr_conn_stop((rr_store *)st);
}

const rh_store_ops rr_ops_table = {
    .start = r_start,
    .append = r_append,
    .append_idem = r_append_idem,
    .end = r_end,
    .get = r_get,
    .replay = r_replay,
    .expire = r_expire,
    .end_idle = r_end_idle,
    .destroy = r_destroy,
    .cache_set = rr_cache_set,
    .cache_get = rr_cache_get,
};
