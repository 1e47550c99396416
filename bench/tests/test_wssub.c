/* Unit tests of rb_wsq and rb_wss, the bench subscribers' connect queue and Pusher step:
 * order and the in-flight cap, and what each server message makes a subscriber report or
 * send in each phase. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wssub.h"

#define KEY    "app-key"
#define SECRET "app-secret"
#define CHAN   "private-workspace.7.thread.9"
#define ESTABLISHED                                                                                \
    "{\"event\":\"pusher:connection_established\","                                                \
    "\"data\":\"{\\\"socket_id\\\":\\\"123.456\\\",\\\"activity_timeout\\\":30}\"}"
#define SUBSCRIBED                                                                                 \
    "{\"event\":\"pusher_internal:subscription_succeeded\",\"channel\":\"" CHAN                    \
    "\",\"data\":\"{}\"}"
#define TOKEN                                                                                      \
    "{\"event\":\"thread.token.streamed\",\"channel\":\"" CHAN "\","                               \
    "\"data\":\"{\\\"stream_id\\\":\\\"s1\\\",\\\"seq\\\":42,\\\"token\\\":\\\"hi\\\"}\"}"

static char chan[] = CHAN;

/* A subscriber of CHAN in phase ph (its channel not on the heap: nothing to clear). */
static rb_wss sub_in(rb_wss_phase ph)
{
    return (rb_wss){.phase = ph, .channel = chan};
}

static rb_wss_do step(rb_wss *s, const char *m, rb_wss_act *a)
{
    return rb_wss_step(s, KEY, SECRET, m, strlen(m), a);
}

static void test_queue_order_and_cap(void **state)
{
    (void)state;
    rb_wsq q;
    assert_int_equal(rb_wsq_init(&q, 200), 0);
    assert_int_equal(rb_wsq_pop(&q), -1);
    for (int i = 0; i < 200; i++)
        rb_wsq_push(&q, (i * 7) % 200); /* a permutation: order must be kept, not sorted */
    for (int i = 0; i < RB_WS_CONNECTING; i++)
        assert_int_equal(rb_wsq_pop(&q), (i * 7) % 200);
    assert_int_equal(q.inflight, RB_WS_CONNECTING);
    assert_int_equal(rb_wsq_pop(&q), -1); /* the cap */
    rb_wsq_done(&q);
    assert_int_equal(rb_wsq_pop(&q), (RB_WS_CONNECTING * 7) % 200);
    assert_int_equal(rb_wsq_pop(&q), -1);
    for (int i = 0; i < 200; i++)
        rb_wsq_done(&q);
    assert_int_equal(q.inflight, 0); /* never below zero */
    int seen = 0;
    while (rb_wsq_pop(&q) >= 0)
        seen++;
    assert_int_equal(seen, RB_WS_CONNECTING);
    rb_wsq_clear(&q);
    for (int i = 0; i < RB_WS_CONNECTING; i++)
        rb_wsq_done(&q);
    assert_int_equal(rb_wsq_pop(&q), -1); /* cleared: nothing left opens */
    rb_wsq_push(&q, 3);                   /* a cleared queue takes new entries */
    assert_int_equal(rb_wsq_pop(&q), 3);
    rb_wsq_free(&q);
}

static void test_queue_copies_the_channel(void **state)
{
    (void)state;
    rb_wsq q;
    assert_int_equal(rb_wsq_init(&q, 2), 0);
    rb_wss s = {0};
    char name[] = CHAN;
    assert_int_equal(rb_wss_queue(&s, &q, 1, name), 0);
    name[0] = 'x'; /* the caller's string may change or go */
    assert_string_equal(s.channel, CHAN);
    assert_int_equal(s.phase, RB_WSP_QUEUED);
    assert_int_equal(rb_wss_queue(&s, &q, 1, CHAN), -1); /* queued already */
    assert_int_equal(rb_wsq_pop(&q), 1);
    assert_int_equal(rb_wsq_pop(&q), -1);
    rb_wss_clear(&s);
    assert_null(s.channel);
    rb_wsq_free(&q);
}

static void test_subscribe_after_established(void **state)
{
    (void)state;
    rb_wss s = sub_in(RB_WSP_CONNECTING);
    rb_wss_act a;
    assert_int_equal(step(&s, ESTABLISHED, &a), RB_WSS_SUBSCRIBE);
    assert_int_equal(s.phase, RB_WSP_SUBSCRIBING);
    assert_string_equal(s.socket_id, "123.456");
    assert_non_null(a.text);
    assert_non_null(strstr(a.text, "\"pusher:subscribe\""));
    assert_non_null(strstr(a.text, CHAN));
    assert_non_null(strstr(a.text, "\"auth\":\"" KEY ":")); /* signed locally */
    free(a.text);
    /* A second connection_established sends nothing more. */
    assert_int_equal(step(&s, ESTABLISHED, &a), RB_WSS_NOTHING);
    assert_null(a.text);
    assert_int_equal(step(&s, SUBSCRIBED, &a), RB_WSS_SUBSCRIBED);
    assert_int_equal(s.phase, RB_WSP_SUBSCRIBED);
    /* The subscription is reported once. */
    assert_int_equal(step(&s, SUBSCRIBED, &a), RB_WSS_NOTHING);
}

static void test_subscribed_before_subscribe_ignored(void **state)
{
    (void)state;
    rb_wss s = sub_in(RB_WSP_CONNECTING);
    rb_wss_act a;
    assert_int_equal(step(&s, SUBSCRIBED, &a), RB_WSS_NOTHING);
    assert_int_equal(s.phase, RB_WSP_CONNECTING);
}

static void test_bad_socket_id_fails(void **state)
{
    (void)state;
    rb_wss s = sub_in(RB_WSP_CONNECTING);
    rb_wss_act a;
    const char *bad = "{\"event\":\"pusher:connection_established\","
                      "\"data\":\"{\\\"socket_id\\\":\\\"abc\\\"}\"}";
    assert_int_equal(step(&s, bad, &a), RB_WSS_FAIL);
    assert_null(a.text);
    assert_non_null(strstr(a.why, "socket_id"));
}

static void test_token_ping_error_garbage(void **state)
{
    (void)state;
    rb_wss s = sub_in(RB_WSP_SUBSCRIBED);
    rb_wss_act a;
    assert_int_equal(step(&s, TOKEN, &a), RB_WSS_TOKEN);
    assert_int_equal(a.seq, 42);
    assert_int_equal(step(&s, "{\"event\":\"pusher:ping\",\"data\":\"{}\"}", &a), RB_WSS_PONG);
    assert_int_equal(step(&s, "{\"event\":\"something.else\",\"data\":\"{}\"}", &a),
                     RB_WSS_NOTHING);
    assert_int_equal(step(&s, "not json", &a), RB_WSS_FAIL);
    assert_string_equal(a.why, "frame without an event name");
    char big[600];
    int n =
        snprintf(big, sizeof(big),
                 "{\"event\":\"pusher:error\",\"data\":{\"code\":4001,\"message\":\"%0400d\"}}", 0);
    assert_true(n > 300 && n < (int)sizeof(big));
    assert_int_equal(step(&s, big, &a), RB_WSS_FAIL);
    const char *lead = "server error: {\"event\":\"pusher:error\"";
    assert_int_equal(strncmp(a.why, lead, strlen(lead)), 0);
    assert_int_equal(strlen(a.why), strlen("server error: ") + 250); /* cut, not overrun */
}

static void test_dead_and_fail(void **state)
{
    (void)state;
    rb_wsq q;
    assert_int_equal(rb_wsq_init(&q, 4), 0);
    rb_wsq_push(&q, 0);
    rb_wsq_push(&q, 1);
    assert_int_equal(rb_wsq_pop(&q), 0);
    assert_int_equal(rb_wsq_pop(&q), 1);
    rb_wss in_flight = sub_in(RB_WSP_SUBSCRIBING);
    rb_wss subscribed = sub_in(RB_WSP_SUBSCRIBED);
    assert_int_equal(rb_wss_fail(&in_flight, &q), 1);
    assert_int_equal(q.inflight, 1);
    assert_int_equal(rb_wss_fail(&subscribed, &q), 1);
    assert_int_equal(q.inflight, 1);                  /* a subscribed one was not in flight */
    assert_int_equal(rb_wss_fail(&in_flight, &q), 0); /* dead already: not reported twice */
    assert_int_equal(q.inflight, 1);
    rb_wss_act a;
    assert_int_equal(step(&in_flight, TOKEN, &a), RB_WSS_NOTHING); /* the dead hear nothing */
    rb_wsq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_order_and_cap),
        cmocka_unit_test(test_queue_copies_the_channel),
        cmocka_unit_test(test_subscribe_after_established),
        cmocka_unit_test(test_subscribed_before_subscribe_ignored),
        cmocka_unit_test(test_bad_socket_id_fails),
        cmocka_unit_test(test_token_ping_error_garbage),
        cmocka_unit_test(test_dead_and_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
