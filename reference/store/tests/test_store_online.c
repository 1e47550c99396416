/* Unit tests of store/redis_online.c against Redis, two nodes on one prefix: a user's "onl"
 * notice only at its first sign-in and its last leave over both nodes, the "wls" answer
 * listing the watched users online on either node, and the webhook holds: a leave on one
 * node held, a return on the other cancelling it (no notice, the claim answers 0), a claim
 * before any return answering 1 and the later return then announced; and the sweep of a dead
 * node (store/redis_sweep.h): its user offline, the channel_vacated and member_removed
 * webhooks of its share addressed to the sweeping node, held, and nothing for a channel a
 * live node still holds. Needs RH_TEST_REDIS_URL (77 without). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/busmsg.h"
#include "store/redis_int.h"
#include "store_fx.h"

static const rh_store_limits LIM = {100, 4096};

typedef struct heard {
    int n;
    char *msg[16];
    size_t len[16];
} heard;

static void sink(void *ud, const char *msg, size_t len)
{
    heard *h = ud;
    if (h->n >= 16)
        return;
    h->msg[h->n] = malloc(len + 1);
    memcpy(h->msg[h->n], msg, len);
    h->msg[h->n][len] = '\0';
    h->len[h->n++] = len;
}

static void forget(heard *h)
{
    for (int i = 0; i < h->n; i++)
        free(h->msg[i]);
    h->n = 0;
}

typedef struct two {
    rh_fx *f;
    rh_store *b;
    heard h;
} two;

static void replied(void *ud, void *reply)
{
    (void)reply;
    (*(int *)ud)++;
}

/* Waits until every command st sent before has been run by Redis. */
static void sync_cmds(rh_store *st)
{
    int done = 0;
    const char *argv[] = {"PING"};
    assert_int_equal(rh_store_redis_command(st, 1, argv, NULL, replied, &done), 0);
    rh_fx_wait(&done);
}

/* A second node on a's prefix, both registered as live nodes, a's bus heard. */
static void two_nodes(rh_fx *a, two *t)
{
    rh_store_redis_opts o = {.url = getenv("RH_TEST_REDIS_URL"),
                             .prefix = a->prefix,
                             .limits = LIM,
                             .ended_ttl_ms = 60000};
    char err[128];
    *t = (two){.f = a};
    t->b = rh_store_redis_new(&a->loop, &o, err, sizeof err);
    assert_non_null(t->b);
    assert_true(rh_fx_until((int (*)(void *))rh_store_redis_up, t->b));
    rh_store_redis_set_bus_node(a->st, "node-a");
    rh_store_redis_set_sink(a->st, sink, &t->h);
    rh_store_redis_node_replace(a->st, NULL, NULL, NULL, 0); /* rewrites and registers */
    rh_store_redis_node_replace(t->b, NULL, NULL, NULL, 0);
    sync_cmds(a->st);
    sync_cmds(t->b);
}

static void two_free(two *t)
{
    rh_store_redis_set_sink(t->f->st, NULL, NULL);
    forget(&t->h);
    if (t->b)
        rh_store_free(t->b);
}

static int heard_end(void *ud)
{
    const heard *h = ud;
    return h->n > 0 && strcmp(h->msg[h->n - 1], "3:end") == 0;
}

/* Waits until every message published before on either node was heard: both nodes' commands
 * have run, then a last message of a's comes through the bus (one order), and is dropped. */
static void settle(two *t)
{
    if (t->b)
        sync_cmds(t->b);
    rh_store_redis_publish(t->f->st, "3:end", 5, NULL, NULL);
    assert_true(rh_fx_until(heard_end, &t->h));
    free(t->h.msg[--t->h.n]);
}

static int has_msg(void *ud)
{
    return ((two *)ud)->h.n > 0;
}

/* user(): field "u\napp\n{id}" on st by delta, with msg "onl ... {id}" and the answer head
 * when ids is not NULL. */
static void user(rh_store *st, const char *id, long delta, const char *const *ids, size_t n)
{
    char field[64], msg[64], head[32];
    snprintf(field, sizeof field, "u\napp\n%s", id);
    int ml = snprintf(msg, sizeof msg, "3:onl1:%ld%zu:%s", delta > 0 ? 1L : 0L, strlen(id), id);
    int hl = snprintf(head, sizeof head, "3:wls");
    rh_store_redis_online u = {.field = field,
                               .delta = delta,
                               .msg = msg,
                               .msg_len = (size_t)ml,
                               .head = ids ? head : NULL,
                               .head_len = ids ? (size_t)hl : 0,
                               .id_prefix = "u\napp\n",
                               .ids = ids,
                               .nids = n};
    assert_int_equal(rh_store_redis_user(st, &u), 0);
}

static int published_after(two *t)
{
    settle(t);
    return t->h.n;
}

/* protocol §18.5.5: unit test */
static void test_online_over_two_nodes(void **state)
{
    two t;
    two_nodes(*state, &t);
    user(t.f->st, "bob", 1, NULL, 0);
    assert_true(rh_fx_until(has_msg, &t));
    assert_string_equal(t.h.msg[0], "3:onl1:13:bob");
    forget(&t.h);
    user(t.b, "bob", 1, NULL, 0); /* bob on b too: still online, no notice */
    sync_cmds(t.b);               /* the two nodes' commands are not ordered otherwise */
    user(t.f->st, "bob", -1, NULL, 0);
    assert_int_equal(published_after(&t), 0);
    const char *ids[] = {"bob", "carol"};
    user(t.f->st, "alice", 1, ids, 2); /* bob online on b: listed after alice's notice */
    settle(&t);
    assert_int_equal(t.h.n, 2);
    assert_string_equal(t.h.msg[0], "3:onl1:15:alice");
    assert_string_equal(t.h.msg[1], "3:wls3:bob");
    forget(&t.h);
    user(t.b, "bob", -1, NULL, 0); /* the last one anywhere */
    assert_true(rh_fx_until(has_msg, &t));
    assert_string_equal(t.h.msg[0], "3:onl1:03:bob");
    forget(&t.h);
    user(t.b, "nobody", -1, NULL, 0); /* a leave never counted changes nothing */
    assert_int_equal(published_after(&t), 0);
    two_free(&t);
}

typedef struct claimed {
    int calls, rc;
} claimed;

static void on_claim(void *ud, int rc)
{
    claimed *c = ud;
    c->calls++;
    c->rc = rc;
}

static int claim(rh_store *st, const char *field, unsigned long long token)
{
    claimed c = {0};
    rh_store_redis_wh_claim(st, field, token, on_claim, &c);
    rh_fx_wait(&c.calls);
    return c.rc;
}

/* The token that ends the last heard message "whk ... [token]" (0 none). */
static unsigned long long token_of(const two *t)
{
    rh_busfield f[8];
    long n = rh_busmsg_split(t->h.msg[t->h.n - 1], t->h.len[t->h.n - 1], f, 8);
    unsigned long long tok = 0;
    if (n == 3)
        assert_int_equal(rh_busfield_u64(&f[2], &tok), 0);
    return tok;
}

#define OCC   "3:whk1:0"
#define VAC   "3:whk1:1"
#define FIELD "o\napp\nroom"

/* protocol §20.6.1: unit test */
static void test_hold_cancelled_on_another_node(void **state)
{
    two t;
    two_nodes(*state, &t);
    rh_store_redis_webhook(t.f->st, FIELD, 1, OCC, strlen(OCC), 1);
    assert_true(rh_fx_until(has_msg, &t));
    assert_string_equal(t.h.msg[0], OCC);
    forget(&t.h);
    rh_store_redis_webhook(t.f->st, FIELD, -1, VAC, strlen(VAC), 1); /* held: a token */
    assert_true(rh_fx_until(has_msg, &t));
    unsigned long long tok = token_of(&t);
    assert_true(tok > 0);
    forget(&t.h);
    rh_store_redis_webhook(t.b, FIELD, 1, OCC, strlen(OCC), 1); /* the return on b */
    assert_int_equal(published_after(&t), 0);
    assert_int_equal(claim(t.f->st, FIELD, tok), 0); /* cancelled: neither is sent */
    /* left again on b and claimed before any return: sent, and the next return announced */
    rh_store_redis_webhook(t.b, FIELD, -1, VAC, strlen(VAC), 1);
    assert_true(rh_fx_until(has_msg, &t));
    unsigned long long tok2 = token_of(&t);
    assert_true(tok2 > tok);
    forget(&t.h);
    assert_int_equal(claim(t.f->st, FIELD, tok), 0); /* a stale token */
    assert_int_equal(claim(t.b, FIELD, tok2), 1);
    rh_store_redis_webhook(t.f->st, FIELD, 1, OCC, strlen(OCC), 1);
    assert_true(rh_fx_until(has_msg, &t));
    assert_string_equal(t.h.msg[0], OCC);
    forget(&t.h);
    /* without holds (hold 0): the leave carries no token */
    rh_store_redis_webhook(t.f->st, FIELD, -1, VAC, strlen(VAC), 0);
    assert_true(rh_fx_until(has_msg, &t));
    assert_int_equal(token_of(&t), 0);
    assert_string_equal(t.h.msg[0], VAC);
    two_free(&t);
}

static int three_heard(void *ud)
{
    return ((heard *)ud)->n >= 3;
}

/* protocol §15.10, §20.6.2: unit test */
static void test_dead_node_swept(void **state)
{
    two t;
    two_nodes(*state, &t);
    user(t.b, "doomed", 1, NULL, 0);
    rh_store_redis_webhook(t.b, FIELD, 1, OCC, strlen(OCC), 1);
    rh_store_redis_webhook(t.b, "m\napp\npresence-r\ndoomed", 1, OCC, strlen(OCC), 1);
    rh_store_redis_webhook(t.f->st, "o\napp\nkept", 1, OCC, strlen(OCC), 1);
    rh_store_redis_webhook(t.b, "o\napp\nkept", 1, OCC, strlen(OCC), 1); /* held by a too */
    settle(&t);
    forget(&t.h);
    char id[64], reg[96];
    snprintf(id, sizeof id, "%s", ((rr_store *)t.b)->node_id);
    snprintf(reg, sizeof reg, "%snodes", t.f->prefix);
    rh_store_free(t.b); /* b dies: it refreshes no more */
    t.b = NULL;
    const char *expire[] = {"ZADD", reg, "1", id};
    assert_int_equal(rh_fx_cmd(t.f, 4, expire), 0);
    /* a's next refresh (each second) sweeps b; a rewrite of a's share would drop "kept" */
    assert_true(rh_fx_until(three_heard, &t.h));
    settle(&t);
    int off = 0, vac = 0, rem = 0;
    for (int i = 0; i < t.h.n; i++) {
        rh_busfield f[8];
        long n = rh_busmsg_split(t.h.msg[i], t.h.len[i], f, 8);
        if (n == 5 && rh_busfield_is(&f[0], "onl") && rh_busfield_is(&f[2], "node-a") &&
            rh_busfield_is(&f[3], "0") && rh_busfield_is(&f[4], "doomed"))
            off++;
        unsigned long long tok = 0;
        int whk = n == 7 && rh_busfield_is(&f[0], "whk") && rh_busfield_is(&f[1], "app") &&
                  rh_busfield_is(&f[2], "node-a") && rh_busfield_u64(&f[6], &tok) == 0 && tok;
        if (whk && rh_busfield_is(&f[3], "1") && rh_busfield_is(&f[4], "room") && !f[5].len)
            vac++;
        if (whk && rh_busfield_is(&f[3], "3") && rh_busfield_is(&f[4], "presence-r") &&
            rh_busfield_is(&f[5], "doomed"))
            rem++;
        assert_false(whk && rh_busfield_is(&f[4], "kept")); /* a live node still has it */
    }
    assert_int_equal(off, 1);
    assert_int_equal(vac, 1);
    assert_int_equal(rem, 1);
    two_free(&t);
}

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

int main(void)
{
    if (!getenv("RH_TEST_REDIS_URL")) {
        fprintf(stderr, "RH_TEST_REDIS_URL unset: skipping the Redis online tests\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_online_over_two_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_cancelled_on_another_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_node_swept, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
