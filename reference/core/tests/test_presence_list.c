/* core/presence_list.c: with a bus that keeps the member lists, a presence subscription waits
 * for its "lst" message (receiving nothing of the channel meanwhile, not counted) and is
 * confirmed with it; without one in time, with this node's list; an answer to another
 * subscription is ignored; a refusal (the channel full over every node) answers 4100 and
 * leaves no trace. A private subscription to a workspace channel waits for its access barrier
 * (docs/protocol.md 19.2) the same way, and a revocation applied meanwhile ends it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buslst.h"
#include "th.h"

#define CH "presence-room"

/* The fake bus: publish delivers at once (like the loopback); presence_join keeps the last
 * join for the test to answer; node_delta and presence count what the node writes. */
typedef struct fbus {
    rh_srv *srv;
    int joins;
    size_t limit;
    char wh_field[128];
    int presences;   /* presence calls: leaves and webhook transitions */
    long sub_deltas; /* the sum of the "s" field deltas */
    char info[128];
    char head[256];
    size_t head_len;
    char msg[512];
    size_t msg_len;
    int capture; /* publish keeps the message in held (delivered by the test) */
    char held[512];
    size_t held_len;
} fbus;

static void fb_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    fbus *b = ud;
    if (b->capture) {
        assert_true(len < sizeof b->held);
        memcpy(b->held, msg, len);
        b->held_len = len;
    } else {
        rh_srv_bus_deliver(b->srv, msg, len);
    }
    if (done)
        done(dud, 1, NULL);
}

static int fb_up(void *ud)
{
    (void)ud;
    return 1;
}

static void fb_presence(void *ud, const char *field, long delta, const char *msg, size_t len)
{
    (void)field;
    (void)delta;
    ((fbus *)ud)->presences++;
    if (msg)
        fb_publish(ud, msg, len, NULL, NULL);
}

static void fb_delta(void *ud, const char *field, long delta)
{
    if (field[0] == 's')
        ((fbus *)ud)->sub_deltas += delta;
}

static int fb_join(void *ud, const rh_bus_join *j)
{
    fbus *b = ud;
    b->joins++;
    b->limit = j->limit;
    snprintf(b->wh_field, sizeof b->wh_field, "%s", j->wh_field ? j->wh_field : "");
    assert_true(!j->wh_field == !j->wh_msg);
    snprintf(b->info, sizeof b->info, "%s", j->info ? j->info : "");
    assert_true(j->head_len < sizeof b->head && j->msg_len < sizeof b->msg);
    memcpy(b->head, j->head, j->head_len);
    b->head_len = j->head_len;
    b->msg_len = j->msg ? j->msg_len : 0;
    if (j->msg)
        memcpy(b->msg, j->msg, j->msg_len);
    assert_int_equal(j->prefix_len, strlen("p\napp-id\n" CH "\n"));
    return 0;
}

static void install(fbus *b, fk *f)
{
    *b = (fbus){.srv = f->srv};
    rh_bus bus = {.ud = b,
                  .publish = fb_publish,
                  .up = fb_up,
                  .node_delta = fb_delta,
                  .presence = fb_presence,
                  .presence_join = fb_join};
    rh_srv_set_bus(f->srv, &bus);
}

static fk *start(fbus *b, const char *const *faults)
{
    fk *f = fk_new(faults);
    install(b, f);
    return f;
}

/* Delivers the last join's member_added, then its list with the members given as
 * (user_id, user_info) pairs. */
static void answer(fbus *b, const char *const *pairs, size_t n)
{
    if (b->msg_len)
        rh_srv_bus_deliver(b->srv, b->msg, b->msg_len);
    char buf[1024];
    memcpy(buf, b->head, b->head_len);
    size_t len = b->head_len;
    len += (size_t)snprintf(buf + len, sizeof buf - len, "1:1"); /* admitted */
    for (size_t i = 0; i < 2 * n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%zu:%s", strlen(pairs[i]), pairs[i]);
    rh_srv_bus_deliver(b->srv, buf, len);
}

/* An "evt" of another node on CH carrying frame text. */
static void other_event(fbus *b, const char *frame)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "3:evt6:app-id5:other1:1%zu:%s0:%zu:%s", strlen(CH), CH,
                     strlen(frame), frame);
    rh_srv_bus_deliver(b->srv, buf, (size_t)n);
}

#define CAROL_ADDED                                                                                \
    "{\"event\":\"pusher_internal:member_added\",\"channel\":\"" CH "\",\"data\":"                 \
    "\"{\\\"user_id\\\":\\\"carol\\\",\\\"user_info\\\":null}\"}"

/* protocol §15.4: unit test */
static void test_waits_for_the_list(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int a = fk_connect(f);
    fk_clear(f, a);
    fk_sub_presence(f, a, CH, "alice", "alice");
    assert_int_equal(b.joins, 1);
    assert_int_equal(b.limit, f->apps[0].max_presence_members);
    assert_string_equal(b.info, "{\"name\":\"alice\"}");
    assert_true(b.msg_len > 0); /* member_added goes with the join */
    assert_int_equal(fk_count(f, a), 0);
    assert_false(fk_occupied(f, CH)); /* held: not counted until the answer */
    assert_int_equal(b.sub_deltas, 0);
    other_event(&b, CAROL_ADDED); /* before the list: covered by it, not sent */
    assert_int_equal(fk_count(f, a), 0);
    const char *pairs[] = {"bob", "{\"name\":\"bob\"}", "alice", "{\"name\":\"alice\"}"};
    answer(&b, pairs, 2);
    assert_int_equal(fk_count(f, a), 1); /* its own member_added excluded it */
    assert_string_equal(fk_event(f, a, 0), "pusher_internal:subscription_succeeded");
    cJSON *d = fk_data(f, a, 0);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "presence");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(p, "ids");
    assert_int_equal(cJSON_GetArraySize(ids), 2);
    assert_string_equal(cJSON_GetArrayItem(ids, 0)->valuestring, "bob");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(p, "count")->valueint, 2);
    cJSON_Delete(d);
    assert_true(fk_occupied(f, CH));
    assert_int_equal(b.sub_deltas, 1);
    other_event(&b, CAROL_ADDED); /* after the list: sent */
    assert_int_equal(fk_count(f, a), 2);
    assert_string_equal(fk_event(f, a, 1), "pusher_internal:member_added");
    /* the same list again (a duplicate) confirms nothing more */
    answer(&b, pairs, 2);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 1);
    fk_free(f);
}

/* The store joins a user whenever this node holds no field of it (as after a refusal), so
 * a second connection's ask carries member_added and user_info too; the store changes
 * nothing for a user already there. */
static void test_second_connection_of_a_user_asks_again(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int a1 = fk_connect(f), a2 = fk_connect(f);
    fk_sub_presence(f, a1, CH, "alice", "alice");
    const char *pairs[] = {"alice", "{\"name\":\"alice\"}"};
    answer(&b, pairs, 1);
    fk_clear(f, a2);
    fk_sub_presence(f, a2, CH, "alice", "alice");
    assert_int_equal(b.joins, 2);
    assert_true(b.msg_len > 0);
    assert_string_equal(b.info, "{\"name\":\"alice\"}");
    assert_int_equal(fk_count(f, a2), 0);
    b.msg_len = 0; /* the store publishes no member_added for a user already there */
    answer(&b, pairs, 1);
    assert_int_equal(fk_count_event(f, a2, "pusher_internal:subscription_succeeded"), 1);
    fk_free(f);
}

static void test_no_list_in_time_lists_this_node(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    int a = fk_connect(f);
    fk_clear(f, a);
    fk_sub_presence(f, a, CH, "alice", "alice");
    char head[256];
    size_t head_len = b.head_len;
    memcpy(head, b.head, head_len);
    f->now_ms += RH_PRESENCE_LIST_WAIT_MS - 1;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, a), 0);
    f->now_ms += 1;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, a), 1);
    assert_true(fk_occupied(f, CH)); /* counted with the node's list */
    cJSON *d = fk_data(f, a, 0);
    const cJSON *ids =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "presence"), "ids");
    assert_int_equal(cJSON_GetArraySize(ids), 1);
    cJSON_Delete(d);
    /* the late list is not taken for the confirmed subscription, nor for a later one */
    fk_msg(f, a, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" CH "\"}}");
    fk_sub_presence(f, a, CH, "alice", "alice");
    memcpy(b.head, head, head_len);
    b.msg_len = 0;
    const char *pairs[] = {"zed", "", "alice", ""};
    answer(&b, pairs, 2);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 1);
    fk_free(f);
}

/* Frame n of connection i is pusher:subscription_error of that type and status. */
static void assert_sub_error(fk *f, int i, int n, const char *type, int status)
{
    assert_string_equal(fk_event(f, i, n), "pusher:subscription_error");
    cJSON *j = fk_json(f, i, n);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "type")->valuestring, type);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "status")->valueint, status);
    cJSON_Delete(j);
}

/* Delivers the store's refusal of the last join (nothing else: the store wrote nothing). */
static void refuse(fbus *b)
{
    char buf[512];
    memcpy(buf, b->head, b->head_len);
    size_t len = b->head_len + (size_t)snprintf(buf + b->head_len, 8, "1:0");
    rh_srv_bus_deliver(b->srv, buf, len);
}

static rh_cfg_webhook hook = {.url = (char *)"http://127.0.0.1:9/hook", .types = ~0u};

/* A server of max_presence_members 2 with a webhook, its bus b. */
static fk *start_limited(fbus *b)
{
    fk *f = fk_new_cfg();
    f->apps[0].max_presence_members = 2;
    f->apps[0].webhooks = &hook;
    f->apps[0].nwebhooks = 1;
    fk_start(f, NULL);
    install(b, f);
    return f;
}

/* protocol §15.4: max_presence_members over every node; a refusal has no effect anywhere */
static void test_refused_by_the_store_leaves_no_trace(void **state)
{
    (void)state;
    fbus b;
    fk *f = start_limited(&b);
    int a = fk_connect(f), x = fk_connect(f);
    fk_sub_presence(f, a, CH, "alice", "alice");
    assert_int_equal(b.limit, 2);
    assert_string_equal(b.wh_field, "m\napp-id\n" CH "\nalice");
    assert_int_equal(b.presences, 0); /* the member webhook is the store's, with the join */
    const char *pairs[] = {"bob", "", "alice", "{\"name\":\"alice\"}"};
    answer(&b, pairs, 2);
    fk_clear(f, a);
    int webhook_calls = b.presences, joins = b.joins;
    /* carol on this node: the node's own members do not fill the channel; the store's do */
    fk_clear(f, x);
    fk_sub_presence(f, x, CH, "carol", "carol");
    assert_int_equal(b.joins, joins + 1);
    assert_int_equal(fk_count(f, x), 0);
    refuse(&b);
    assert_int_equal(fk_count(f, x), 1);
    assert_sub_error(f, x, 0, "LimitReached", 4100);
    /* the very answer of one node whose channel is full */
    fk *one = fk_new_cfg();
    one->apps[0].max_presence_members = 2;
    fk_start(one, NULL);
    int o1 = fk_connect(one), o2 = fk_connect(one), o3 = fk_connect(one);
    fk_sub_presence(one, o1, CH, "bob", "bob");
    fk_sub_presence(one, o2, CH, "alice", "alice");
    fk_clear(one, o3);
    fk_sub_presence(one, o3, CH, "carol", "carol");
    assert_int_equal(fk_count(one, o3), 1);
    assert_string_equal(fk_frame(f, x, 0), fk_frame(one, o3, 0));
    fk_free(one);
    /* no trace: nothing to alice, nothing written (no leave, no webhook, no count) */
    assert_int_equal(fk_count(f, a), 0);
    assert_int_equal(b.presences, webhook_calls);
    assert_int_equal(b.sub_deltas, 1);
    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], CH, &ci);
    assert_int_equal(ci.subscription_count, 1);
    assert_int_equal(ci.user_count, 1);
    /* x is not subscribed: an event on the channel does not reach it, a new subscribe asks */
    other_event(&b, CAROL_ADDED);
    assert_int_equal(fk_count(f, x), 1);
    assert_int_equal(fk_count(f, a), 1);
    fk_sub_presence(f, x, CH, "carol", "carol");
    assert_int_equal(b.joins, joins + 2);
    fk_free(f);
}

/* A held subscription that leaves before the answer leaves like any member: the store makes
 * the leave of a refused join a no-op. It was never counted, so no count goes down. */
static void test_leaving_before_the_answer(void **state)
{
    (void)state;
    fbus b;
    fk *f = start_limited(&b);
    int a = fk_connect(f);
    fk_sub_presence(f, a, CH, "alice", "alice");
    fk_msg(f, a, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" CH "\"}}");
    assert_int_equal(b.presences, 2); /* the presence field and the member webhook field */
    assert_int_equal(b.sub_deltas, 0);
    assert_false(fk_occupied(f, CH));
    refuse(&b); /* the answer finds no subscription */
    assert_int_equal(fk_count_event(f, a, "pusher:subscription_error"), 0);
    fk_free(f);
}

#define WCH "private-workspace.w1.thread.t1"

/* A server with the capturing bus, connection a bound to alice for WCH and subscribing. */
static fk *barrier_start(fbus *b, int *a)
{
    fk *f = start(b, NULL);
    b->capture = 1;
    *a = fk_connect(f);
    fk_clear(f, *a);
    assert_int_equal(rh_hub_bind(f->srv, &f->apps[0], f->conns[*a].socket_id, WCH, "alice"), 0);
    fk_sub_private(f, *a, WCH);
    return f;
}

/* protocol §19.2: unit test */
static void test_workspace_subscription_waits_for_its_barrier(void **state)
{
    (void)state;
    fbus b;
    int a;
    fk *f = barrier_start(&b, &a);
    assert_true(b.held_len > 0); /* the barrier went out */
    assert_int_equal(fk_count(f, a), 0);
    assert_false(fk_occupied(f, WCH)); /* held: not counted until it comes back */
    char buf[512];
    int n = snprintf(buf, sizeof buf, "3:evt6:app-id5:other1:1%zu:%s0:2:{}", strlen(WCH), WCH);
    rh_srv_bus_deliver(f->srv, buf, (size_t)n);
    assert_int_equal(fk_count(f, a), 0); /* it receives nothing of the channel meanwhile */
    rh_srv_bus_deliver(f->srv, b.held, b.held_len);
    assert_int_equal(fk_count(f, a), 1);
    assert_string_equal(fk_event(f, a, 0), "pusher_internal:subscription_succeeded");
    cJSON *d = fk_data(f, a, 0);
    assert_true(cJSON_IsObject(d) && cJSON_GetArraySize(d) == 0); /* "{}", not a member list */
    cJSON_Delete(d);
    assert_true(fk_occupied(f, WCH));
    rh_srv_bus_deliver(f->srv, b.held, b.held_len); /* again: nothing more */
    assert_int_equal(fk_count(f, a), 1);
    fk_free(f);
}

/* The revocation through another node arrives before the barrier: the subscription ends, the
 * barrier finds nothing to confirm. */
static void test_revocation_while_waiting_ends_it(void **state)
{
    (void)state;
    fbus b;
    int a;
    fk *f = barrier_start(&b, &a);
    assert_int_equal(rh_hub_revoke(f->srv, &f->apps[0], "w1", "alice"), 1);
    assert_int_equal(fk_count(f, a), 1);
    assert_sub_error(f, a, 0, "AuthError", 403);
    rh_srv_bus_deliver(f->srv, b.held, b.held_len);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 0);
    assert_false(fk_occupied(f, WCH));
    fk_free(f);
}

static void test_barrier_lost_confirms_after_the_wait(void **state)
{
    (void)state;
    fbus b;
    int a;
    fk *f = barrier_start(&b, &a);
    f->now_ms += RH_PRESENCE_LIST_WAIT_MS;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 1);
    assert_true(fk_occupied(f, WCH));
    fk_free(f);
}

/* Only workspace channels wait: another private channel is confirmed at once. */
static void test_other_private_channel_confirmed_at_once(void **state)
{
    (void)state;
    fbus b;
    fk *f = start(&b, NULL);
    b.capture = 1;
    int a = fk_connect(f);
    fk_clear(f, a);
    fk_sub_private(f, a, "private-room");
    assert_int_equal(b.held_len, 0);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 1);
    fk_free(f);
}

#ifdef RH_WITH_FAULTS
/* The fault leaves the limit to each node: the store is asked with none. */
static void test_fault_limit_local(void **state)
{
    (void)state;
    fbus b;
    fk *f = fk_new_cfg();
    f->apps[0].max_presence_members = 2;
    const char *faults[] = {"presence-limit-local", NULL};
    fk_start(f, faults);
    install(&b, f);
    int a = fk_connect(f);
    fk_sub_presence(f, a, CH, "alice", "alice");
    assert_int_equal(b.joins, 1);
    assert_int_equal(b.limit, 0);
    fk_free(f);
}

static void test_fault_lists_this_node_at_once(void **state)
{
    (void)state;
    fbus b;
    const char *faults[] = {"presence-list-local", NULL};
    fk *f = start(&b, faults);
    int a = fk_connect(f);
    fk_clear(f, a);
    fk_sub_presence(f, a, CH, "alice", "alice");
    assert_int_equal(b.joins, 0);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 1);
    fk_free(f);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waits_for_the_list),
        cmocka_unit_test(test_second_connection_of_a_user_asks_again),
        cmocka_unit_test(test_no_list_in_time_lists_this_node),
        cmocka_unit_test(test_refused_by_the_store_leaves_no_trace),
        cmocka_unit_test(test_leaving_before_the_answer),
        cmocka_unit_test(test_workspace_subscription_waits_for_its_barrier),
        cmocka_unit_test(test_revocation_while_waiting_ends_it),
        cmocka_unit_test(test_barrier_lost_confirms_after_the_wait),
        cmocka_unit_test(test_other_private_channel_confirmed_at_once),
#ifdef RH_WITH_FAULTS
        cmocka_unit_test(test_fault_limit_local),
        cmocka_unit_test(test_fault_lists_this_node_at_once),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
