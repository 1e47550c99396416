/* Unit tests of the stores through the operations table: every body runs against the memory
 * store (test "store") and the Redis store (test "store_redis", argument "redis"; skipped
 * with 77 when RH_TEST_REDIS_URL is unset). Where the two differ by design (explicit expire
 * vs native key expiry, ended_at from the caller vs from the key's time to live) the body
 * says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/control.h"
#include "store/store.h"
#include "store_fx.h"

static const rh_store_ids IDS = {"acme", "t1", "r1", "s1", 0};

static int setup_with(void **state, int redis, uint64_t ttl_ms)
{
    rh_store_limits lim = {4, 10}; /* small replay limits, so trimming is seen */
    rh_fx *f = NULL;
    int rc = rh_fx_new(&f, redis, &lim, ttl_ms, NULL);
    *state = f;
    return rc;
}

static int setup(void **state)
{
    return setup_with(state, 0, 0);
}

static int setup_redis(void **state)
{
    return setup_with(state, 1, 60000);
}

/* Native expiry is seen within the test: ended streams live 300 ms. */
static int setup_redis_short(void **state)
{
    return setup_with(state, 1, 300);
}

static int teardown(void **state)
{
    rh_fx_free(*state);
    return 0;
}

/* Streams held, where the backend can tell (the memory store). */
static void assert_count(const rh_fx *f, size_t n)
{
    if (!f->redis)
        assert_int_equal(rh_store_memory_count(f->st), n);
}

/* Appends n tokens; token text is "<seq>:" plus `pad` bytes of 'x', so replay can be checked. */
static rh_fx_got append_pad(rh_store *st, const char *app, const char *sid, size_t n, size_t pad)
{
    rh_fx_got g = {0};
    uint64_t next = 1;
    rh_fx_got cur = {0};
    rh_store_get(st, app, sid, rh_fx_record, &cur);
    rh_fx_wait(&cur.calls);
    if (cur.status == RH_STORE_OK)
        next = cur.s.last_seq + 1;
    rh_store_tok *toks = calloc(n ? n : 1, sizeof *toks);
    char(*text)[48] = calloc(n ? n : 1, sizeof *text);
    assert_true(toks && text && pad < 24);
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(text[i], sizeof text[i], "%llu:", (unsigned long long)(next + i));
        memset(text[i] + k, 'x', pad);
        toks[i] = (rh_store_tok){text[i], (size_t)k + pad};
    }
    rh_store_append(st, app, sid, toks, n, rh_fx_record, &g);
    free(toks);
    free(text);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.calls, 1);
    return g;
}

static rh_fx_got append(rh_store *st, const char *app, const char *sid, size_t n)
{
    return append_pad(st, app, sid, n, 0);
}

static void test_start_created_exists_conflict(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    rh_fx_got g = rh_fx_start(st, "app", &IDS);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_true(g.has_stream);
    assert_string_equal(g.s.workspace_id, "acme");
    assert_string_equal(g.s.stream_id, "s1");
    assert_int_equal(g.s.last_seq, 0);
    assert_int_equal(g.s.ended, 0);

    g = rh_fx_start(st, "app", &IDS);
    assert_int_equal(g.status, RH_STORE_EXISTS);
    assert_count(f, 1);

    rh_store_ids other = IDS;
    other.run_id = "r2";
    g = rh_fx_start(st, "app", &other);
    assert_int_equal(g.status, RH_STORE_CONFLICT);
    assert_string_equal(g.s.run_id, "r1"); /* state of the existing stream */

    /* another app has its own namespace */
    g = rh_fx_start(st, "app2", &other);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_count(f, 2);
}

/* protocol §10: unit test */
static void test_append_assigns_ranges(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    rh_fx_start(st, "app", &IDS);
    rh_fx_got g = append(st, "app", "s1", 1);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.first, 1);
    assert_int_equal(g.s.last_seq, 1);
    g = append(st, "app", "s1", 5);
    assert_int_equal(g.first, 2);
    assert_int_equal(g.s.last_seq, 6);
    g = append(st, "app", "nope", 1);
    assert_int_equal(g.status, RH_STORE_NOT_FOUND);
    assert_false(g.has_stream);
    g = append(st, "other-app", "s1", 1);
    assert_int_equal(g.status, RH_STORE_NOT_FOUND);
    g = append(st, "app", "s1", 0);
    assert_int_equal(g.status, RH_STORE_INVALID);
    assert_int_equal(rh_fx_get(st, "app", "s1").s.last_seq, 6);
}

/* protocol §11: unit test */
static void test_end_first_wins(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    rh_fx_start(st, "app", &IDS);
    append(st, "app", "s1", 3);
    rh_fx_got g = rh_fx_end(st, "app", "s1", 2, 1000);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.s.ended, 1);
    assert_int_equal(g.s.reason, 2);
    assert_int_equal(g.s.last_seq, 3);
    if (f->redis) /* from the key's time to live: the caller's now less the time gone since */
        assert_in_range(g.s.ended_at_ms, 0, 1000);
    else
        assert_int_equal(g.s.ended_at_ms, 1000);
    for (int i = 0; i < 3; i++) {
        g = rh_fx_end(st, "app", "s1", 1, 2000 + (uint64_t)i);
        assert_int_equal(g.status, RH_STORE_ALREADY_ENDED);
        assert_int_equal(g.s.reason, 2);
        assert_int_equal(g.s.last_seq, 3);
        if (!f->redis) /* Redis: derived from the fake clock, which jumped */
            assert_int_equal(g.s.ended_at_ms, 1000);
    }
    g = append(st, "app", "s1", 1);
    assert_int_equal(g.status, RH_STORE_ENDED);
    assert_int_equal(g.s.last_seq, 3);
    g = rh_fx_end(st, "app", "missing", 0, 1);
    assert_int_equal(g.status, RH_STORE_NOT_FOUND);
    /* start again on an ended stream: EXISTS with the ended state */
    g = rh_fx_start(st, "app", &IDS);
    assert_int_equal(g.status, RH_STORE_EXISTS);
    assert_int_equal(g.s.ended, 1);
}

static int gone_s3(void *ud)
{
    rh_fx_got g = {0};
    rh_store_get(ud, "app", "s3", rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    return g.status == RH_STORE_NOT_FOUND;
}

/* Redis: ended streams carry a time to live (300 ms here); expire does nothing. */
static void redis_native_expiry(rh_fx *f)
{
    rh_store *st = f->st;
    rh_store_ids ids = IDS;
    ids.stream_id = "s3";
    rh_fx_start(st, "app", &IDS);
    rh_fx_start(st, "app", &ids);
    append(st, "app", "s3", 2);
    rh_fx_end(st, "app", "s3", 0, 100);
    assert_int_equal(rh_fx_get(st, "app", "s3").status, RH_STORE_OK);
    assert_true(rh_fx_until(gone_s3, st));
    assert_int_equal(rh_fx_get(st, "app", "s1").status, RH_STORE_OK); /* open streams stay */
    rh_fx_got s = rh_fx_start(st, "app", &ids);
    assert_int_equal(s.status, RH_STORE_OK);
    assert_int_equal(s.s.last_seq, 0);
}

/* protocol §12.5: unit test */
static void test_expire_after_ttl(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    if (f->redis) {
        redis_native_expiry(f);
        return;
    }
    char sid[16];
    for (int i = 0; i < 5; i++) {
        rh_store_ids ids = IDS;
        snprintf(sid, sizeof sid, "s%d", i);
        ids.stream_id = sid;
        rh_fx_start(st, "app", &ids);
    }
    rh_fx_end(st, "app", "s3", 0, 100);
    rh_fx_end(st, "app", "s1", 0, 200);
    rh_fx_got g = {0};
    rh_store_expire(st, 399, 300, rh_fx_record, &g);
    assert_int_equal(g.expired, 0);
    rh_store_expire(st, 400, 300, rh_fx_record, &g);
    assert_int_equal(g.expired, 1);
    assert_int_equal(rh_fx_get(st, "app", "s3").status, RH_STORE_NOT_FOUND);
    assert_int_equal(rh_fx_get(st, "app", "s1").status, RH_STORE_OK);
    rh_store_expire(st, 10000, 300, NULL, NULL);
    assert_int_equal(rh_fx_get(st, "app", "s1").status, RH_STORE_NOT_FOUND);
    /* open streams never expire */
    assert_count(f, 3);
    assert_int_equal(rh_fx_get(st, "app", "s0").status, RH_STORE_OK);
    /* an expired id can be started again from zero */
    rh_store_ids ids = IDS;
    ids.stream_id = "s3";
    rh_fx_got s = rh_fx_start(st, "app", &ids);
    assert_int_equal(s.status, RH_STORE_OK);
    assert_int_equal(s.s.last_seq, 0);
    /* huge ttl does not overflow */
    rh_fx_end(st, "app", "s0", 0, 5);
    rh_store_expire(st, 6, UINT64_MAX, rh_fx_record, &g);
    assert_int_equal(g.expired, 0);
}

static void test_invalid_ids(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    char longid[RH_STORE_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    rh_store_ids ids = IDS;
    ids.stream_id = longid;
    assert_int_equal(rh_fx_start(st, "app", &ids).status, RH_STORE_INVALID);
    ids.stream_id = "";
    assert_int_equal(rh_fx_start(st, "app", &ids).status, RH_STORE_INVALID);
    ids = IDS;
    ids.run_id = NULL;
    assert_int_equal(rh_fx_start(st, "app", &ids).status, RH_STORE_INVALID);
    assert_int_equal(rh_fx_start(st, "", &IDS).status, RH_STORE_INVALID);
    assert_int_equal(rh_fx_get(st, "app", longid).status, RH_STORE_INVALID);
    assert_count(f, 0);
}

static void test_many_streams_grow(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    char sid[16];
    for (int i = 0; i < 1000; i++) {
        rh_store_ids ids = IDS;
        snprintf(sid, sizeof sid, "s%d", i);
        ids.stream_id = sid;
        assert_int_equal(rh_fx_start(st, "app", &ids).status, RH_STORE_OK);
        append(st, "app", sid, (size_t)i + 1);
    }
    assert_count(f, 1000);
    for (int i = 0; i < 1000; i++) {
        snprintf(sid, sizeof sid, "s%d", i);
        rh_fx_got g = rh_fx_get(st, "app", sid);
        assert_int_equal(g.status, RH_STORE_OK);
        assert_int_equal(g.s.last_seq, (uint64_t)i + 1);
        if (i % 2)
            rh_fx_end(st, "app", sid, 0, (uint64_t)i);
    }
    if (f->redis)
        return;
    rh_fx_got g = {0};
    rh_store_expire(st, 2000, 1000, rh_fx_record, &g);
    assert_int_equal(g.expired, 500);
    assert_count(f, 500);
}

typedef struct replayed {
    int calls, status;
    uint64_t oldest, last;
    size_t n;
    uint64_t seq[16];
    char text[16][48];
} replayed;

static void record_replay(void *ud, const rh_store_reply *r)
{
    replayed *p = ud;
    p->calls++;
    p->status = r->status;
    p->oldest = r->oldest_seq;
    p->last = r->stream ? r->stream->last_seq : 0;
    p->n = r->ntoks;
    for (size_t i = 0; i < r->ntoks && i < 16; i++) {
        p->seq[i] = r->toks[i].seq;
        snprintf(p->text[i], sizeof p->text[i], "%.*s", (int)r->toks[i].len, r->toks[i].s);
    }
}

static replayed replay(rh_store *st, const char *sid, uint64_t after, size_t limit)
{
    replayed p = {0};
    rh_store_replay(st, "app", sid, after, limit, record_replay, &p);
    rh_fx_wait(&p.calls);
    assert_int_equal(p.calls, 1);
    return p;
}

/* Kept tokens are consecutive, end at last_seq, and are trimmed by count and by bytes (setup:
 * 4 tokens, 10 bytes), the newest always kept. */
/* protocol §12.6: unit test */
static void test_replay_keeps_recent(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    rh_fx_start(st, "app", &IDS);
    replayed p = replay(st, "s1", 0, 100);
    assert_int_equal(p.status, RH_STORE_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.oldest, 1); /* nothing kept: last_seq + 1 */
    append(st, "app", "s1", 3);
    p = replay(st, "s1", 0, 100);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.oldest, 1);
    assert_int_equal(p.seq[0], 1);
    assert_string_equal(p.text[2], "3:");
    p = replay(st, "s1", 1, 1); /* after and limit */
    assert_int_equal(p.n, 1);
    assert_int_equal(p.seq[0], 2);
    assert_string_equal(p.text[0], "2:");
    append(st, "app", "s1", 2); /* 5 tokens: count cap drops seq 1 */
    p = replay(st, "s1", 0, 100);
    assert_int_equal(p.oldest, 2);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.seq[0], 2);
    assert_string_equal(p.text[3], "5:");
    append_pad(st, "app", "s1", 1, 8); /* "6:xxxxxxxx" is 10 bytes: only it fits */
    p = replay(st, "s1", 0, 100);
    assert_int_equal(p.oldest, 6);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.text[0], "6:xxxxxxxx");
    append_pad(st, "app", "s1", 1, 20); /* larger than replay_bytes: still kept alone */
    p = replay(st, "s1", 5, 100);
    assert_int_equal(p.oldest, 7);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.seq[0], 7);
    p = replay(st, "s1", 7, 100); /* caught up */
    assert_int_equal(p.status, RH_STORE_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.last, 7);
    /* ended streams replay until they expire */
    rh_fx_end(st, "app", "s1", 0, 100);
    p = replay(st, "s1", 6, 100);
    assert_int_equal(p.n, 1);
    if (!f->redis) {
        rh_store_expire(st, 1000, 10, NULL, NULL);
        assert_int_equal(replay(st, "s1", 0, 10).status, RH_STORE_NOT_FOUND);
    }
    /* seqs reserved without text (fault switches) leave nothing to replay, never a hole */
    rh_store_ids ids = IDS;
    ids.stream_id = "s2";
    rh_fx_start(st, "app", &ids);
    append(st, "app", "s2", 2);
    rh_fx_got g = {0};
    rh_store_append(st, "app", "s2", NULL, 1, rh_fx_record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_OK);
    p = replay(st, "s2", 0, 100);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.oldest, 4);
}

/* max_open caps the app's open streams: a new start over it is FULL; a known id still
 * answers EXISTS; another app has its own count; an end frees a place. */
static void test_open_cap(void **state)
{
    rh_store *st = ((rh_fx *)*state)->st;
    rh_store_ids ids[3] = {{"acme", "t1", "r1", "c1", 2},
                           {"acme", "t1", "r1", "c2", 2},
                           {"acme", "t1", "r1", "c3", 2}};
    assert_int_equal(rh_fx_start(st, "app", &ids[0]).status, RH_STORE_OK);
    assert_int_equal(rh_fx_start(st, "app", &ids[1]).status, RH_STORE_OK);
    rh_fx_got g = rh_fx_start(st, "app", &ids[2]);
    assert_int_equal(g.status, RH_STORE_FULL);
    assert_false(g.has_stream);
    assert_int_equal(rh_fx_get(st, "app", "c3").status, RH_STORE_NOT_FOUND);
    assert_int_equal(rh_fx_start(st, "app", &ids[0]).status, RH_STORE_EXISTS);
    assert_int_equal(rh_fx_start(st, "app2", &ids[2]).status, RH_STORE_OK);
    assert_int_equal(rh_fx_end(st, "app", "c1", RH_END_COMPLETED, 1000).status, RH_STORE_OK);
    assert_int_equal(rh_fx_start(st, "app", &ids[2]).status, RH_STORE_OK);
    rh_store_ids nocap = {"acme", "t1", "r1", "c4", 0};
    assert_int_equal(rh_fx_start(st, "app", &nocap).status, RH_STORE_OK);
}

static void count_ended(void *ud, const rh_store_reply *r)
{
    rh_fx_got *g = ud;
    rh_fx_record(ud, r);
    assert_int_equal(r->status, RH_STORE_OK);
    assert_string_equal(r->stream->stream_id, "s1");
    assert_int_equal(g->s.reason, RH_END_FAILED);
}

/* end_idle ends, as failed and once, the open streams idle for idle_ms; a stream with
 * recent activity stays open. The memory store's clock is the now_ms of the calls; the Redis
 * store times activity on Redis's own clock, so the test really waits 1.5 s for it. */
static void test_end_idle(void **state)
{
    rh_fx *f = *state;
    rh_store *st = f->st;
    const uint64_t t0 = 100000;
    rh_store_ids s2 = {"acme", "t1", "r1", "s2", 2}, s3 = {"acme", "t1", "r1", "s3", 2};
    rh_store_expire(st, t0, 60000, NULL, NULL);
    assert_int_equal(rh_fx_start(st, "app", &IDS).status, RH_STORE_OK);
    if (f->redis)
        usleep(1500 * 1000);
    rh_store_expire(st, t0 + 1500, 60000, NULL, NULL);
    assert_int_equal(rh_fx_start(st, "app", &s2).status, RH_STORE_OK);
    rh_fx_got g = {0};
    rh_store_end_idle(st, "app", t0 + 1600, 1000, RH_END_FAILED, count_ended, &g);
    assert_int_equal(g.calls, f->redis ? 0 : 1); /* Redis publishes the end itself */
    rh_fx_got s = rh_fx_get(st, "app", "s1");
    assert_true(s.s.ended);
    assert_int_equal(s.s.reason, RH_END_FAILED);
    assert_false(rh_fx_get(st, "app", "s2").s.ended);
    /* never ended twice: a later sweep finds nothing, an end call sees the first end */
    g = (rh_fx_got){0};
    rh_store_end_idle(st, "app", t0 + 1700, 1000, RH_END_FAILED, count_ended, &g);
    assert_int_equal(rh_fx_get(st, "app", "s2").status, RH_STORE_OK);
    assert_int_equal(g.calls, 0);
    s = rh_fx_end(st, "app", "s1", RH_END_COMPLETED, t0 + 1800);
    assert_int_equal(s.status, RH_STORE_ALREADY_ENDED);
    assert_int_equal(s.s.reason, RH_END_FAILED);
    /* the idle end freed its place under the cap (s2 open, s3 new: 2) */
    assert_int_equal(rh_fx_start(st, "app", &s3).status, RH_STORE_OK);
}

#define BOTH(t, redis_setup)                                                                       \
    {                                                                                              \
        cmocka_unit_test_setup_teardown(t, setup, teardown),                                       \
            cmocka_unit_test_setup_teardown(t, redis_setup, teardown)                              \
    }

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[][2] = {
        BOTH(test_start_created_exists_conflict, setup_redis),
        BOTH(test_append_assigns_ranges, setup_redis),
        BOTH(test_end_first_wins, setup_redis),
        BOTH(test_expire_after_ttl, setup_redis_short),
        BOTH(test_invalid_ids, setup_redis),
        BOTH(test_many_streams_grow, setup_redis),
        BOTH(test_replay_keeps_recent, setup_redis),
        BOTH(test_open_cap, setup_redis),
        BOTH(test_end_idle, setup_redis),
    };
    return rh_fx_run_both("store", tests, sizeof tests / sizeof tests[0], argc, argv);
}
