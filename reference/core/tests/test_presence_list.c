/* core/presence_list.c: with a bus that keeps the member lists, a presence subscription waits
 * for its "lst" message (receiving nothing of the channel meanwhile) and is confirmed with it;
 * without one in time, with this node's list; an answer to another subscription is ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buslst.h"
#include "th.h"

#define CH "presence-room"

/* The fake bus: publish delivers at once (like the loopback); presence_join keeps the last
 * join for the test to answer. */
typedef struct fbus {
    rh_srv *srv;
    int joins;
    long delta;
    char info[128];
    char head[256];
    size_t head_len;
    char msg[512];
    size_t msg_len;
} fbus;

static void fb_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    fbus *b = ud;
    rh_srv_bus_deliver(b->srv, msg, len);
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
    if (msg)
        fb_publish(ud, msg, len, NULL, NULL);
}

static int fb_join(void *ud, const rh_bus_join *j)
{
    fbus *b = ud;
    b->joins++;
    b->delta = j->delta;
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

static fk *start(fbus *b, const char *const *faults)
{
    fk *f = fk_new(faults);
    *b = (fbus){.srv = f->srv};
    rh_bus bus = {.ud = b,
                  .publish = fb_publish,
                  .up = fb_up,
                  .presence = fb_presence,
                  .presence_join = fb_join};
    rh_srv_set_bus(f->srv, &bus);
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
    assert_int_equal(b.delta, 1);
    assert_string_equal(b.info, "{\"name\":\"alice\"}");
    assert_true(b.msg_len > 0); /* member_added goes with the join */
    assert_int_equal(fk_count(f, a), 0);
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
    other_event(&b, CAROL_ADDED); /* after the list: sent */
    assert_int_equal(fk_count(f, a), 2);
    assert_string_equal(fk_event(f, a, 1), "pusher_internal:member_added");
    /* the same list again (a duplicate) confirms nothing more */
    answer(&b, pairs, 2);
    assert_int_equal(fk_count_event(f, a, "pusher_internal:subscription_succeeded"), 1);
    fk_free(f);
}

static void test_second_connection_of_a_user_asks_without_join(void **state)
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
    assert_int_equal(b.delta, 0);
    assert_int_equal(b.msg_len, 0);
    assert_int_equal(fk_count(f, a2), 0);
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

#ifdef RH_WITH_FAULTS
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
        cmocka_unit_test(test_second_connection_of_a_user_asks_without_join),
        cmocka_unit_test(test_no_list_in_time_lists_this_node),
#ifdef RH_WITH_FAULTS
        cmocka_unit_test(test_fault_lists_this_node_at_once),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
