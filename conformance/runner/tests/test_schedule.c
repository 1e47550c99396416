/* Unit tests of rc_sched (the --jobs scheduler): the dispatch order, serial cases alone and
 * last, exclusive groups, the jobs bound, and the same rules over the real registry under
 * random completion orders. No threads: the tests play the workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/runner.h"
#include "runner/schedule.h"

/* Starts everything that may start now into run[]; returns how many. */
static size_t start_all(rc_sched *s, long *run, size_t nrun)
{
    long k;
    while ((k = rc_sched_next(s)) >= 0)
        run[nrun++] = k;
    return nrun;
}

static void test_jobs1_registry_order(void **state)
{
    (void)state;
    const rc_sched_item it[] = {{.serial = 1}, {0}, {.early = 1}, {.group = 1}, {.serial = 1}, {0}};
    const long want[] = {1, 2, 3, 5, 0, 4};
    rc_sched s;
    assert_int_equal(rc_sched_init(&s, it, 6, 1), 0);
    for (size_t i = 0; i < 6; i++) {
        long k = rc_sched_next(&s);
        assert_int_equal(k, want[i]);
        assert_int_equal(rc_sched_next(&s), i + 1 < 6 ? RC_SCHED_WAIT : RC_SCHED_DONE);
        rc_sched_done(&s, (size_t)k);
    }
    assert_int_equal(rc_sched_next(&s), RC_SCHED_DONE);
    rc_sched_free(&s);
}

static void test_priority_with_jobs(void **state)
{
    (void)state;
    /* slow first, then the group's chain, then the rest; serial ones last */
    const rc_sched_item it[] = {{0}, {.serial = 1}, {.group = 1}, {.early = 1}, {0}, {.group = 1}};
    rc_sched s;
    assert_int_equal(rc_sched_init(&s, it, 6, 3), 0);
    assert_int_equal(rc_sched_next(&s), 3);
    assert_int_equal(rc_sched_next(&s), 2);
    assert_int_equal(rc_sched_next(&s), 0); /* 5 waits for its group; jobs 3 reached */
    assert_int_equal(rc_sched_next(&s), RC_SCHED_WAIT);
    rc_sched_done(&s, 0);
    assert_int_equal(rc_sched_next(&s), 4); /* the group is still busy */
    assert_int_equal(rc_sched_next(&s), RC_SCHED_WAIT);
    rc_sched_done(&s, 2);
    assert_int_equal(rc_sched_next(&s), 5);
    rc_sched_done(&s, 3);
    rc_sched_done(&s, 4);
    assert_int_equal(rc_sched_next(&s), RC_SCHED_WAIT); /* serial: 5 still runs */
    rc_sched_done(&s, 5);
    assert_int_equal(rc_sched_next(&s), 1);
    assert_int_equal(rc_sched_next(&s), RC_SCHED_DONE);
    rc_sched_done(&s, 1);
    rc_sched_free(&s);
}

static void test_group_never_twice(void **state)
{
    (void)state;
    const rc_sched_item it[] = {{.group = 1}, {.group = 1}, {.group = 2}, {.group = 1}};
    rc_sched s;
    assert_int_equal(rc_sched_init(&s, it, 4, 8), 0);
    long run[4];
    assert_int_equal(start_all(&s, run, 0), 2); /* one of group 1, one of group 2 */
    assert_int_equal(run[0], 0);
    assert_int_equal(run[1], 2);
    rc_sched_done(&s, 0);
    assert_int_equal(rc_sched_next(&s), 1);
    assert_int_equal(rc_sched_next(&s), RC_SCHED_WAIT);
    rc_sched_free(&s);
    const rc_sched_item bad[] = {{.group = RC_SCHED_GROUPS}};
    assert_int_equal(rc_sched_init(&s, bad, 1, 2), -1);
    assert_int_equal(rc_sched_init(&s, it, 0, 0), 0); /* nothing to run, jobs 0 as 1 */
    assert_int_equal(rc_sched_next(&s), RC_SCHED_DONE);
    rc_sched_free(&s);
}

static void test_item_of_case(void **state)
{
    (void)state;
    rc_case lim = {.id = "pusher/2.5/x", .tags = "needs:limits"};
    rc_case slow = {.id = "pusher/2.4/x", .tags = "slow timing-dependent"};
    rc_case ser = {.id = "pusher/6.8/x", .tags = "needs:http-api", .serial = "stops the server"};
    rc_case near = {.id = "pusher/6.8/y", .tags = "needs:limitsx slowly"};
    assert_int_equal(rc_sched_item_of(&lim).group, RC_SCHED_LIMITS);
    assert_int_equal(rc_sched_item_of(&slow).early, 1);
    assert_int_equal(rc_sched_item_of(&ser).serial, 1);
    rc_sched_item n = rc_sched_item_of(&near);
    assert_int_equal(n.group + n.early + n.serial, 0);
}

/* Plays a whole run with finishing order from a seeded generator and checks every rule. */
static void play(const rc_sched_item *it, size_t n, int jobs, uint64_t seed)
{
    rc_sched s;
    assert_int_equal(rc_sched_init(&s, it, n, jobs), 0);
    long *run = calloc(n + 1, sizeof *run);
    unsigned char *state = calloc(n + 1, 1); /* 0 waiting, 1 running, 2 done */
    size_t nrun = 0, ndone = 0, nonserial_left = 0;
    for (size_t i = 0; i < n; i++)
        nonserial_left += !it[i].serial;
    while (ndone < n) {
        size_t before = nrun;
        nrun = start_all(&s, run, nrun);
        for (size_t r = before; r < nrun; r++) {
            size_t k = (size_t)run[r];
            assert_int_equal(state[k], 0);
            state[k] = 1;
            if (it[k].serial)
                assert_int_equal(nonserial_left, 0); /* after every other case */
        }
        assert_true(nrun >= 1 && nrun <= (size_t)(jobs < 1 ? 1 : jobs));
        for (size_t a = 0; a < nrun; a++) {
            const rc_sched_item *x = &it[run[a]];
            if (x->serial)
                assert_int_equal(nrun, 1); /* alone */
            for (size_t b = a + 1; b < nrun && x->group; b++)
                assert_int_not_equal(x->group, it[run[b]].group);
        }
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t pick = (size_t)((seed >> 33) % nrun);
        size_t k = (size_t)run[pick];
        rc_sched_done(&s, k);
        state[k] = 2;
        ndone++;
        nonserial_left -= !it[k].serial;
        run[pick] = run[--nrun];
    }
    assert_int_equal(rc_sched_next(&s), RC_SCHED_DONE);
    free(run);
    free(state);
    rc_sched_free(&s);
}

static void test_random_plays(void **state)
{
    (void)state;
    rc_sched_item it[40];
    uint64_t x = 7;
    for (size_t i = 0; i < 40; i++) {
        x = x * 6364136223846793005ULL + 1;
        unsigned r = (unsigned)(x >> 40);
        it[i] =
            (rc_sched_item){.serial = r % 7 == 0, .group = (int)(r / 7 % 3), .early = r % 5 == 0};
    }
    for (int jobs = 1; jobs <= 9; jobs += 2)
        for (uint64_t seed = 1; seed <= 20; seed++)
            play(it, 40, jobs, seed);
}

/* The registry as it is: whatever cases are added, the rules hold for it. */
static void test_registry_plays(void **state)
{
    (void)state;
    size_t nt, n = 0, total = 0;
    const rc_case *const *t = rc_registry_tables(&nt);
    for (size_t i = 0; i < nt; i++)
        for (const rc_case *c = t[i]; c->id; c++)
            total++;
    assert_true(total > 0);
    rc_sched_item *it = calloc(total, sizeof *it);
    assert_non_null(it);
    for (size_t i = 0; i < nt; i++)
        for (const rc_case *c = t[i]; c->id; c++)
            it[n++] = rc_sched_item_of(c);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        play(it, n, 1, seed);
        play(it, n, 8, seed);
    }
    free(it);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs1_registry_order), cmocka_unit_test(test_priority_with_jobs),
        cmocka_unit_test(test_group_never_twice),    cmocka_unit_test(test_item_of_case),
        cmocka_unit_test(test_random_plays),         cmocka_unit_test(test_registry_plays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
