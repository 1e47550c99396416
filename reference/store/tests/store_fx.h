/* Store test fixture: the same test bodies run against the memory store and the Redis store.
 * A Redis operation answers later, so every helper drives the loop until its callback fired
 * (rh_fx_wait). The Redis variant needs RH_TEST_REDIS_URL (ci/test starts a redis-server on
 * a free loopback port); each fixture uses its own key prefix so tests never meet. */
#ifndef RH_STORE_FX_H
#define RH_STORE_FX_H

#include <stdint.h>

#include <uv.h>

#include "store/redis.h"
#include "store/store.h"

typedef struct rh_fx {
    rh_store *st;
    uv_loop_t loop;
    uv_timer_t keep; /* a referenced timer, so UV_RUN_ONCE polls the store's sockets */
    int redis;
    uint64_t now; /* the store's clock (Redis variant) */
    char prefix[64];
} rh_fx;

/* The fixture under test (test-only: set by setup, read by the helpers). */
extern rh_fx *rh_fx_cur;

/* Creates a fixture: redis 0 memory store, 1 Redis store with ended_ttl_ms (waits until up;
 * -1 when RH_TEST_REDIS_URL is unset or Redis never came up). url NULL: the environment's. */
int rh_fx_new(rh_fx **out, int redis, const rh_store_limits *lim, uint64_t ttl_ms, const char *url);
void rh_fx_free(rh_fx *f);
/* Drives the loop until *flag is non-zero (5 s at most; fails the test after). */
void rh_fx_wait(const int *flag);
/* Drives the loop until pred(ud) or 5 s; returns pred's last answer. */
int rh_fx_until(int (*pred)(void *), void *ud);
/* A raw command on the fixture's store; waits for the reply; returns 0 when it was not an
 * error reply. */
int rh_fx_cmd(rh_fx *f, int argc, const char **argv);

/* What one store callback answered (the last call's). */
typedef struct rh_fx_got_s {
    int calls;
    int status;
    int has_stream;
    rh_store_stream s;
    uint64_t first;
    uint64_t last; /* append: the last seq of this append (rh_store_reply.last_seq) */
    int published;
    size_t expired;
} rh_fx_got;

/* Records r into the rh_fx_got at ud (counts the calls). */
void rh_fx_record(void *ud, const rh_store_reply *r);
/* One operation, driven until it answered once. */
rh_fx_got rh_fx_start(rh_store *st, const char *app, const rh_store_ids *ids);
rh_fx_got rh_fx_end(rh_store *st, const char *app, const char *sid, int reason, uint64_t now);
rh_fx_got rh_fx_get(rh_store *st, const char *app, const char *sid);

/* Runs the tests whose bodies run against both stores: column 0 (memory) as test `name`,
 * column 1 (Redis) as `name`_redis when argv[1] is "redis" (77, skipped, without
 * RH_TEST_REDIS_URL). tests holds n pairs. */
struct CMUnitTest;
int rh_fx_run_both(const char *name, const struct CMUnitTest (*tests)[2], size_t n, int argc,
                   char **argv);

#endif
