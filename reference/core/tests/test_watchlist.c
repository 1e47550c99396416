/* core/watchlist_bus.c: with a bus that keeps the users (docs/protocol.md 18.5.5), a sign-in
 * and a leave go to the store; the watchers here are told by the store's "onl" notices only,
 * a sign-in with a watchlist is told its watched users online by the "wls" answer (nothing
 * before it, this node's list when it does not come in time); without the bus (down, or the
 * fault watchlist-node-local) the node acts alone. A bus gap closes signed-in connections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/message.h"
#include "proto/sign.h"
#include "th.h"

#define WATCH "pusher_internal:watchlist_events"

/* The fake bus: publish delivers at once; user() keeps the last call for the test to answer
 * (up 0: it refuses, as a bus that is down). */
typedef struct fbus {
    rh_srv *srv;
    int up;
    int users;
    char field[128];
    long delta;
    char msg[256];
    size_t msg_len;
    char head[256];
    size_t head_len;
    char prefix[64];
    char ids[4][32];
    size_t nids;
} fbus;

static void fb_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    rh_srv_bus_deliver(((fbus *)ud)->srv, msg, len);
    if (done)
        done(dud, 1, NULL);
}

static int fb_up(void *ud)
{
    return ((fbus *)ud)->up;
}

static int fb_user(void *ud, const rh_bus_user *u)
{
    fbus *b = ud;
    if (!b->up)
        return -1;
    b->users++;
    snprintf(b->field, sizeof b->field, "%s", u->field);
    b->delta = u->delta;
    assert_true(u->msg_len < sizeof b->msg && u->head_len < sizeof b->head && u->nids <= 4);
    memcpy(b->msg, u->msg, u->msg_len);
    b->msg_len = u->msg_len;
    b->head_len = u->head ? u->head_len : 0;
    if (u->head)
        memcpy(b->head, u->head, u->head_len);
    snprintf(b->prefix, sizeof b->prefix, "%s", u->id_prefix);
    b->nids = u->nids;
    for (size_t i = 0; i < u->nids; i++)
        snprintf(b->ids[i], sizeof b->ids[i], "%s", u->ids[i]);
    return 0;
}

static fk *start(fbus *b, const char *const *faults)
{
    fk *f = fk_new(faults);
    *b = (fbus){.srv = f->srv, .up = 1};
    rh_bus bus = {.ud = b, .publish = fb_publish, .up = fb_up, .user = fb_user};
    rh_srv_set_bus(f->srv, &bus);
    return f;
}

/* Signs connection i in as id watching watched (a JSON array text, or NULL). */
static void signin(fk *f, int i, const char *id, const char *watched)
{
    char ud[256], auth[160], msg[768];
    if (watched)
        snprintf(ud, sizeof ud, "{\"id\":\"%s\",\"watchlist\":%s}", id, watched);
    else
        snprintf(ud, sizeof ud, "{\"id\":\"%s\"}", id);
    assert_int_equal(
        rh_sign_user("app-key", "app-secret", f->conns[i].socket_id, ud, auth, sizeof auth), 0);
    char *q = rh_json_quote(ud, strlen(ud));
    snprintf(msg, sizeof msg,
             "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"%s\",\"user_data\":%s}}", auth, q);
    free(q);
    fk_msg(f, i, msg);
}

/* Delivers the last sign-in's notice, then its answer listing online (n ids). */
static void answer(fbus *b, const char *const *online, size_t n)
{
    rh_srv_bus_deliver(b->srv, b->msg, b->msg_len);
    char buf[512];
    memcpy(buf, b->head, b->head_len);
    size_t len = b->head_len;
    for (size_t i = 0; i < n; i++)
        len +=
            (size_t)snprintf(buf + len, sizeof buf - len, "%zu:%s", strlen(online[i]), online[i]);
    rh_srv_bus_deliver(b->srv, buf, len);
}

/* Another node's notice: id went online (1) or offline (0). */
static void notice(fbus *b, const char *id, int online)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "3:onl6:app-id5:other1:%d%zu:%s", online, strlen(id), id);
    rh_srv_bus_deliver(b->srv, buf, (size_t)n);
}

/* 1 when frame n of connection i is a watchlist event name listing exactly id. */
static int told(fk *f, int i, int n, const char *name, const char *id)
{
    char want[160];
    snprintf(want, sizeof want, "{\"events\":[{\"name\":\"%s\",\"user_ids\":[\"%s\"]}]}", name, id);
    if (strcmp(fk_event(f, i, n), WATCH) != 0)
        return 0;
    cJSON *j = fk_json(f, i, n);
    cJSON *d = cJSON_GetObjectItem(j, "data");
    char *got = cJSON_IsString(d) ? strdup(d->valuestring) : cJSON_PrintUnformatted(d);
    int ok = got && strcmp(got, want) == 0;
    free(got);
    cJSON_Delete(j);
    return ok;
}

/* protocol §18.5.5: unit test */
static void test_signin_waits_for_the_answer(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int a = fk_connect(f);
    fk_clear(f, a);
    signin(f, a, "alice", "[\"bob\",\"carol\"]");
    assert_int_equal(b.users, 1);
    assert_int_equal(b.delta, 1);
    assert_string_equal(b.field, "u\napp-id\nalice");
    assert_string_equal(b.prefix, "u\napp-id\n");
    assert_int_equal(b.nids, 2);
    assert_string_equal(b.ids[0], "bob");
    assert_true(b.head_len > 0);
    assert_int_equal(fk_count(f, a), 1); /* signin_success, and nothing of the watchlist */
    assert_string_equal(fk_event(f, a, 0), "pusher:signin_success");
    notice(&b, "bob", 1); /* before the answer: in it */
    assert_int_equal(fk_count(f, a), 1);
    const char *on[] = {"bob"};
    answer(&b, on, 1);
    assert_int_equal(fk_count(f, a), 2);
    assert_true(told(f, a, 1, "online", "bob"));
    notice(&b, "carol", 1); /* after it: told */
    assert_true(told(f, a, 2, "online", "carol"));
    notice(&b, "bob", 0);
    assert_true(told(f, a, 3, "offline", "bob"));
    notice(&b, "dave", 1); /* not watched */
    assert_int_equal(fk_count(f, a), 4);
    fk_free(f);
}

/* protocol §18.5.5: unit test */
static void test_watchers_here_told_by_the_store_only(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int a = fk_connect(f), o = fk_connect(f);
    signin(f, a, "alice", "[\"bob\"]");
    answer(&b, NULL, 0);
    fk_clear(f, a);
    signin(f, o, "bob", NULL); /* no watchlist: no answer asked */
    assert_int_equal(b.head_len, 0);
    assert_int_equal(fk_count(f, a), 0); /* not told before the store's notice */
    rh_srv_bus_deliver(b.srv, b.msg, b.msg_len);
    assert_true(told(f, a, 0, "online", "bob"));
    fk_closed(f, o);
    assert_int_equal(b.delta, -1);
    assert_string_equal(b.field, "u\napp-id\nbob");
    assert_int_equal(b.head_len, 0);
    assert_int_equal(fk_count(f, a), 1);
    rh_srv_bus_deliver(b.srv, b.msg, b.msg_len);
    assert_true(told(f, a, 1, "offline", "bob"));
    fk_free(f);
}

/* protocol §18.5.5: unit test */
static void test_no_answer_in_time_lists_this_node(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int o = fk_connect(f), a = fk_connect(f);
    signin(f, o, "bob", NULL);
    signin(f, a, "alice", "[\"bob\"]");
    char head[256];
    size_t head_len = b.head_len;
    memcpy(head, b.head, head_len);
    assert_int_equal(fk_count_event(f, a, WATCH), 0);
    f->now_ms += RH_WATCH_WAIT_MS - 1;
    rh_watch_tick(f->srv);
    assert_int_equal(fk_count_event(f, a, WATCH), 0);
    f->now_ms += 1;
    rh_watch_tick(f->srv);
    assert_true(told(f, a, -1, "online", "bob"));
    rh_srv_bus_deliver(b.srv, head, head_len); /* a late answer is ignored */
    assert_int_equal(fk_count_event(f, a, WATCH), 1);
    fk_free(f);
}

/* protocol §18.5.5: unit test */
static void test_bus_down_acts_as_one_node(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    b.up = 0;
    int o = fk_connect(f), a = fk_connect(f);
    signin(f, o, "bob", NULL);
    signin(f, a, "alice", "[\"bob\"]");
    assert_int_equal(b.users, 0);
    assert_true(told(f, a, -1, "online", "bob"));
    fk_closed(f, o);
    assert_true(told(f, a, -1, "offline", "bob"));
    fk_free(f);
}

/* protocol §15.11: unit test */
static void test_gap_closes_signed_in(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int a = fk_connect(f), n = fk_connect(f);
    signin(f, a, "alice", NULL);
    assert_int_equal(rh_srv_bus_gap(f->srv), 1);
    assert_int_equal(f->conns[a].close_code, 4200);
    assert_int_equal(f->conns[n].close_code, 0);
    fk_free(f);
}

#ifdef RH_WITH_FAULTS
/* protocol §18.5.5: unit test (fault watchlist-node-local) */
static void test_fault_node_local(void **state)
{
    (void)state;
    fbus b;
    const char *faults[] = {"watchlist-node-local", NULL};
    fk *f = start(&b, faults);
    int o = fk_connect(f), a = fk_connect(f);
    signin(f, o, "bob", NULL);
    signin(f, a, "alice", "[\"bob\"]");
    assert_int_equal(b.users, 0);
    assert_true(told(f, a, -1, "online", "bob"));
    fk_free(f);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signin_waits_for_the_answer),
        cmocka_unit_test(test_watchers_here_told_by_the_store_only),
        cmocka_unit_test(test_no_answer_in_time_lists_this_node),
        cmocka_unit_test(test_bus_down_acts_as_one_node),
        cmocka_unit_test(test_gap_closes_signed_in),
#ifdef RH_WITH_FAULTS
        cmocka_unit_test(test_fault_node_local),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
