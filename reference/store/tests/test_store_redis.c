/* Unit tests of what only the Redis store does (store/redis*.c): answers while Redis is
 * unreachable, lost-state detection (epoch marker and watermark), the bus messages its scripts
 * publish, two nodes appending to one stream, the EVAL fallback. Needs RH_TEST_REDIS_URL (77
 * without). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/busmsg.h"
#include "store_fx.h"

typedef struct got {
    int calls, status;
    uint64_t first, last;
    int published;
} got;

static void record(void *ud, const rh_store_reply *r)
{
    got *g = ud;
    g->calls++;
    g->status = r->status;
    g->first = r->first_seq;
    g->last = r->stream ? r->stream->last_seq : 0;
    g->published = r->published;
}

static const rh_store_ids IDS = {"acme", "t1", "r1", "s1", 0};
static const rh_store_limits LIM = {100, 4096};

static int setup(void **state)
{
    rh_fx *f = NULL;
    int rc = rh_fx_new(&f, 1, &LIM, 60000, NULL);
    *state = f;
    return rc;
}

static int teardown(void **state)
{
    rh_fx_free(*state);
    return 0;
}

static got start(rh_store *st)
{
    got g = {0};
    rh_store_start(st, "app", &IDS, record, &g);
    rh_fx_wait(&g.calls);
    return g;
}

static got append(rh_store *st, const char *text)
{
    got g = {0};
    rh_store_tok t = {text, strlen(text)};
    rh_store_append(st, "app", "s1", &t, 1, record, &g);
    rh_fx_wait(&g.calls);
    return g;
}

/* Nothing listens on port 1: every operation answers UNAVAILABLE at once. */
static void test_down_answers_unavailable_at_once(void **state)
{
    (void)state;
    rh_fx *f = NULL;
    assert_int_equal(rh_fx_new(&f, 1, &LIM, 1000, "redis://127.0.0.1:1/0"), 0);
    got g = {0};
    rh_store_start(f->st, "app", &IDS, record, &g);
    assert_int_equal(g.calls, 1); /* before returning: nothing queued */
    assert_int_equal(g.status, RH_STORE_UNAVAILABLE);
    g = (got){0};
    rh_store_tok t = {"x", 1};
    rh_store_append(f->st, "app", "s1", &t, 1, record, &g);
    assert_int_equal(g.status, RH_STORE_UNAVAILABLE);
    g = (got){0};
    rh_store_end(f->st, "app", "s1", 0, 1, record, &g);
    assert_int_equal(g.status, RH_STORE_UNAVAILABLE);
    assert_false(rh_store_redis_up(f->st));
    rh_fx_free(f);
}

typedef struct heard {
    int n;
    char kind[8][8];
    rh_busfield f[8][12];
    long nf[8];
    char *msg[8];
} heard;

static void sink(void *ud, const char *msg, size_t len)
{
    heard *h = ud;
    if (h->n >= 8)
        return;
    char *copy = malloc(len + 1);
    memcpy(copy, msg, len);
    h->msg[h->n] = copy;
    h->nf[h->n] = rh_busmsg_split(copy, len, h->f[h->n], 12);
    snprintf(h->kind[h->n], sizeof h->kind[0], "%.*s", (int)h->f[h->n][0].len, h->f[h->n][0].s);
    h->n++;
}

static int field_is(const heard *h, int m, int i, const char *s)
{
    return rh_busfield_is(&h->f[m][i], s);
}

static int two_heard(void *ud)
{
    return ((heard *)ud)->n >= 2;
}

/* append and end publish their events on the bus in the same script. */
static void test_scripts_publish_on_the_bus(void **state)
{
    rh_fx *f = *state;
    heard h = {0};
    rh_store_redis_set_sink(f->st, sink, &h);
    start(f->st);
    rh_store_tok t[2] = {{"he", 2}, {"l\nlo", 4}};
    got g = {0};
    rh_store_append(f->st, "app", "s1", t, 2, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.published, 1);
    got e = {0};
    rh_store_end(f->st, "app", "s1", 2, 5, record, &e);
    rh_fx_wait(&e.calls);
    assert_int_equal(e.published, 1);
    got e2 = {0};
    rh_store_end(f->st, "app", "s1", 1, 6, record, &e2); /* already ended: publishes nothing */
    rh_fx_wait(&e2.calls);
    assert_int_equal(e2.status, RH_STORE_ALREADY_ENDED);
    assert_true(rh_fx_until(two_heard, &h));
    assert_string_equal(h.kind[0], "tok");
    assert_int_equal(h.nf[0], 9);
    assert_true(field_is(&h, 0, 1, "app") && field_is(&h, 0, 2, "acme") &&
                field_is(&h, 0, 3, "t1") && field_is(&h, 0, 4, "r1") && field_is(&h, 0, 5, "s1"));
    assert_true(field_is(&h, 0, 6, "1") && field_is(&h, 0, 7, "he") && field_is(&h, 0, 8, "l\nlo"));
    assert_string_equal(h.kind[1], "end");
    assert_int_equal(h.nf[1], 8);
    assert_true(field_is(&h, 1, 6, "2") && field_is(&h, 1, 7, "2")); /* last_seq, reason */
    /* a later message would have arrived by now if the second end had published one */
    got g2 = append(f->st, "x");
    assert_int_equal(g2.status, RH_STORE_ENDED);
    assert_int_equal(h.n, 2);
    for (int i = 0; i < h.n; i++)
        free(h.msg[i]);
    rh_store_redis_set_sink(f->st, NULL, NULL);
}

/* Two nodes appending to one stream, interleaved: disjoint consecutive ranges. */
/* protocol §15: unit test */
static void test_two_nodes_share_one_counter(void **state)
{
    rh_fx *a = *state;
    rh_store_redis_opts o = {.url = getenv("RH_TEST_REDIS_URL"),
                             .prefix = a->prefix,
                             .limits = LIM,
                             .ended_ttl_ms = 60000};
    char err[128];
    rh_store *b = rh_store_redis_new(&a->loop, &o, err, sizeof err);
    assert_non_null(b);
    assert_true(rh_fx_until((int (*)(void *))rh_store_redis_up, b));
    start(a->st);
    got ga[20], gb[20];
    rh_store_tok t[2] = {{"t", 1}, {"u", 1}};
    for (int i = 0; i < 20; i++) { /* all sent before any reply */
        ga[i] = gb[i] = (got){0};
        rh_store_append(a->st, "app", "s1", t, 2, record, &ga[i]);
        rh_store_append(b, "app", "s1", t, 1, record, &gb[i]);
    }
    int seen[61] = {0};
    for (int i = 0; i < 20; i++) {
        rh_fx_wait(&ga[i].calls);
        rh_fx_wait(&gb[i].calls);
        assert_int_equal(ga[i].status, RH_STORE_OK);
        assert_int_equal(ga[i].last, ga[i].first + 1);
        seen[ga[i].first]++;
        seen[ga[i].first + 1]++;
        seen[gb[i].first]++;
    }
    for (int s = 1; s <= 60; s++)
        assert_int_equal(seen[s], 1);
    rh_store_free(b);
}

static int recovered(void *ud)
{
    rh_fx *f = ud;
    return rh_store_redis_up(f->st) && rh_store_redis_losses(f->st) == 1;
}

/* Redis loses everything (FLUSHALL) and the connections drop: after the reconnect the
 * epoch marker is gone, so a stream this node had seen answers LOST, never restarts at 1. */
static void test_lost_state_answers_lost(void **state)
{
    rh_fx *f = *state;
    start(f->st);
    assert_int_equal(append(f->st, "a").status, RH_STORE_OK);
    const char *flush[] = {"FLUSHALL"};
    assert_int_equal(rh_fx_cmd(f, 1, flush), 0);
    const char *kill[] = {"CLIENT", "KILL", "SKIPME", "no"};
    rh_fx_cmd(f, 4, kill); /* our own connection dies with the others: no reply expected */
    assert_true(rh_fx_until(recovered, f));
    got g = append(f->st, "b");
    assert_int_equal(g.status, RH_STORE_LOST);
    g = (got){0};
    rh_store_end(f->st, "app", "s1", 0, 1, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_LOST);
    /* starting the lost id again would renumber it from 1 on the same channel: refused */
    assert_int_equal(start(f->st).status, RH_STORE_LOST);
    /* an id never seen is just unknown, and a new id starts a new stream */
    g = (got){0};
    rh_store_append(f->st, "app", "never", &(rh_store_tok){"x", 1}, 1, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_NOT_FOUND);
    rh_store_ids fresh = IDS;
    fresh.stream_id = "s2";
    g = (got){0};
    rh_store_start(f->st, "app", &fresh, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_OK);
    g = (got){0};
    rh_store_append(f->st, "app", "s2", &(rh_store_tok){"c", 1}, 1, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.first, 1);
}

static int lost_once(void *ud)
{
    return rh_store_redis_up(ud) && rh_store_redis_losses(ud) == 1;
}

/* Redis comes back older than what it acknowledged, its epoch marker intact (a stale replica
 * promoted, an old snapshot loaded; simulated by lowering the watermark): the node that was
 * answered further answers LOST for its streams, and the other node learns it from the
 * marker the first one rewrites. */
static void test_rollback_answers_lost(void **state)
{
    rh_fx *a = *state;
    rh_store_redis_opts o = {.url = getenv("RH_TEST_REDIS_URL"),
                             .prefix = a->prefix,
                             .limits = LIM,
                             .ended_ttl_ms = 60000};
    char err[128], key[96];
    rh_store *b = rh_store_redis_new(&a->loop, &o, err, sizeof err);
    assert_non_null(b);
    assert_true(rh_fx_until((int (*)(void *))rh_store_redis_up, b));
    start(a->st);
    assert_int_equal(append(a->st, "a").status, RH_STORE_OK);
    snprintf(key, sizeof key, "%swm", a->prefix);
    const char *low[] = {"SET", key, "0"};
    assert_int_equal(rh_fx_cmd(a, 3, low), 0);
    const char *kill[] = {"CLIENT", "KILL", "SKIPME", "no"};
    rh_fx_cmd(a, 4, kill);
    assert_true(rh_fx_until(recovered, a));
    assert_int_equal(append(a->st, "b").status, RH_STORE_LOST);
    assert_true(rh_fx_until(lost_once, b));
    /* a new stream numbers from 1 as usual */
    rh_store_ids fresh = IDS;
    fresh.stream_id = "s2";
    got g = {0};
    rh_store_start(a->st, "app", &fresh, record, &g);
    rh_fx_wait(&g.calls);
    assert_int_equal(g.status, RH_STORE_OK);
    rh_store_free(b);
}

typedef struct gapw {
    rh_fx *f;
    int gaps;
    uint64_t until_ns;
} gapw;

static void on_gap(void *ud)
{
    ((gapw *)ud)->gaps++;
}

static int up_and_settled(void *ud)
{
    gapw *w = ud;
    return rh_store_redis_up(w->f->st) && uv_hrtime() >= w->until_ns;
}

/* Waits until the store is up and 600 ms passed (the counter check settles in 250 ms). */
static void settle(gapw *w)
{
    w->until_ns = uv_hrtime() + 600ull * 1000 * 1000;
    assert_true(rh_fx_until(up_and_settled, w));
}

static void publish_done(void *ud, int ok, const char *err)
{
    (void)err;
    *(int *)ud = ok ? 1 : -1;
}

/* protocol §15.11: a dropped bus subscription is a gap only when messages were published
 * meanwhile (the counter moved); a jump in the numbering is a gap at once. */
static void test_bus_gap_detected(void **state)
{
    rh_fx *f = *state;
    gapw w = {f, 0, 0};
    rh_store_redis_set_on_bus_gap(f->st, on_gap, &w);
    int done = 0;
    rh_store_redis_publish(f->st, "3:evt", 5, publish_done, &done);
    rh_fx_wait(&done);
    settle(&w);
    char key[96];
    snprintf(key, sizeof key, "%sbusseq", f->prefix);
    const char *kill[] = {"CLIENT", "KILL", "TYPE", "pubsub"};
    const char *incr[] = {"INCR", key};
    /* the command connection goes with the bus connection: the reply may be lost */
    rh_fx_cmd(f, 4, kill); /* nothing published meanwhile */
    settle(&w);
    assert_int_equal(w.gaps, 0);
    /* in one transaction, so the counter moves while the bus connection is down: a message
     * this node never got */
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
    assert_int_equal(rh_fx_cmd(f, 1, multi), 0);
    assert_int_equal(rh_fx_cmd(f, 4, kill), 0);
    assert_int_equal(rh_fx_cmd(f, 2, incr), 0);
    rh_fx_cmd(f, 1, exec); /* runs whole in Redis even when its reply is lost */
    settle(&w);
    assert_int_equal(w.gaps, 1);
    assert_int_equal(rh_fx_cmd(f, 2, incr), 0); /* a seq skipped, then a message */
    done = 0;
    rh_store_redis_publish(f->st, "3:evt", 5, publish_done, &done);
    rh_fx_wait(&done);
    settle(&w);
    assert_int_equal(w.gaps, 2);
    rh_store_redis_set_on_bus_gap(f->st, NULL, NULL);
}

/* protocol §15.11: a counter that went back while the epoch marker survived (a failover to a
 * replica that lacked the last INCRs) is a gap: later numbers would look already seen. */
static void test_bus_counter_back_is_gap(void **state)
{
    rh_fx *f = *state;
    gapw w = {f, 0, 0};
    rh_store_redis_set_on_bus_gap(f->st, on_gap, &w);
    for (int i = 0; i < 2; i++) {
        int done = 0;
        rh_store_redis_publish(f->st, "3:evt", 5, publish_done, &done);
        rh_fx_wait(&done);
    }
    settle(&w);
    char key[96];
    snprintf(key, sizeof key, "%sbusseq", f->prefix);
    const char *kill[] = {"CLIENT", "KILL", "TYPE", "pubsub"}, *low[] = {"SET", key, "0"};
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
    assert_int_equal(rh_fx_cmd(f, 1, multi), 0);
    assert_int_equal(rh_fx_cmd(f, 4, kill), 0);
    assert_int_equal(rh_fx_cmd(f, 3, low), 0);
    rh_fx_cmd(f, 1, exec);
    settle(&w);
    assert_int_equal(w.gaps, 1);
    rh_store_redis_set_on_bus_gap(f->st, NULL, NULL);
}

/* Redis forgot the scripts: EVALSHA answers NOSCRIPT and the op is sent again with EVAL. */
static void test_noscript_falls_back_to_eval(void **state)
{
    rh_fx *f = *state;
    const char *flush[] = {"SCRIPT", "FLUSH"};
    assert_int_equal(rh_fx_cmd(f, 2, flush), 0);
    assert_int_equal(start(f->st).status, RH_STORE_OK);
    got g = append(f->st, "x");
    assert_int_equal(g.status, RH_STORE_OK);
    assert_int_equal(g.first, 1);
}

int main(void)
{
    if (!getenv("RH_TEST_REDIS_URL")) {
        fprintf(stderr, "RH_TEST_REDIS_URL unset: skipping the Redis store tests\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_down_answers_unavailable_at_once),
        cmocka_unit_test_setup_teardown(test_scripts_publish_on_the_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_nodes_share_one_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noscript_falls_back_to_eval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_state_answers_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_answers_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bus_gap_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bus_counter_back_is_gap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
