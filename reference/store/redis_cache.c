/* The Redis store's cache channels (docs/protocol.md 17): the last event of a cache channel
 * is one string key {prefix}{app}:cache:{channel} with a native time to live (SET ... PX), so
 * every node reads the same one and expiry needs no sweep. The SET goes on the command
 * connection before the event's PUBLISH, so Redis holds the event before any node delivers
 * it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_int.h"

typedef struct rc_op {
    rh_store_cb cb;
    void *ud;
} rc_op;

static void answer(rh_store_cb cb, void *ud, int status, const char *error)
{
    if (!cb)
        return;
    rh_store_reply r = {.status = status, .error = error};
    cb(ud, &r);
}

static char *cache_key(const rr_store *rs, const char *app_id, const char *channel)
{
    size_t n = strlen(rs->prefix) + strlen(app_id) + strlen(channel) + 8;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s%s:cache:%s", rs->prefix, app_id, channel);
    return k;
}

static void on_cache(void *ud, void *reply)
{
    rc_op *op = ud;
    const redisReply *r = reply;
    if (!r) {
        answer(op->cb, op->ud, RH_STORE_UNAVAILABLE, "connection to Redis lost");
    } else if (r->type == REDIS_REPLY_ERROR) {
        char why[256];
        snprintf(why, sizeof why, "Redis: %.*s", (int)r->len, r->str);
        answer(op->cb, op->ud, RH_STORE_ERROR, why);
    } else if (r->type == REDIS_REPLY_STRING && op->cb) {
        rh_store_reply out = {.status = RH_STORE_OK, .cached = r->str, .cached_len = r->len};
        op->cb(op->ud, &out);
    } else {
        /* SET answers +OK; GET of a missing or expired key answers nil */
        answer(op->cb, op->ud, r->type == REDIS_REPLY_NIL ? RH_STORE_NOT_FOUND : RH_STORE_OK, NULL);
    }
    free(op);
}

static void send_cmd(rh_store *st, int argc, const char **argv, const size_t *lens, rh_store_cb cb,
                     void *ud)
{
    rc_op *op = calloc(1, sizeof *op);
    if (!op) {
        answer(cb, ud, RH_STORE_ERROR, "out of memory");
        return;
    }
    *op = (rc_op){cb, ud};
    if (rh_store_redis_command(st, argc, argv, lens, on_cache, op) != 0) {
        free(op);
        answer(cb, ud, RH_STORE_UNAVAILABLE, "Redis is unreachable");
    }
}

void rr_cache_set(rh_store *st, const char *app_id, const char *channel, const char *text,
                  size_t len, uint64_t now_ms, uint64_t ttl_ms, rh_store_cb cb, void *ud)
{
    (void)now_ms; /* the time to live runs on Redis's clock, the one all nodes share */
    if (!app_id || !channel || !text || ttl_ms == 0) {
        answer(cb, ud, RH_STORE_INVALID, "cache_set needs an app, a channel, a text and a ttl");
        return;
    }
    char *key = cache_key((rr_store *)st, app_id, channel);
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)ttl_ms);
    if (!key) {
        answer(cb, ud, RH_STORE_ERROR, "out of memory");
        return;
    }
    const char *argv[5] = {"SET", key, text, "PX", ttl};
    size_t lens[5] = {3, strlen(key), len, 2, strlen(ttl)};
    send_cmd(st, 5, argv, lens, cb, ud);
    free(key);
}

void rr_cache_get(rh_store *st, const char *app_id, const char *channel, uint64_t now_ms,
                  rh_store_cb cb, void *ud)
{
    (void)now_ms;
    char *key = app_id && channel ? cache_key((rr_store *)st, app_id, channel) : NULL;
    if (!key) {
        answer(cb, ud, app_id && channel ? RH_STORE_ERROR : RH_STORE_INVALID,
               app_id && channel ? "out of memory" : "cache_get needs an app and a channel");
        return;
    }
    const char *argv[2] = {"GET", key};
    size_t lens[2] = {3, strlen(key)};
    send_cmd(st, 2, argv, lens, cb, ud);
    free(key);
}
