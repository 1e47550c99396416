/* core/hub: fan-out of one shared buffer, exclusion, full queues, channel queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"

static void test_shared_buffer(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int s[3];
    for (int k = 0; k < 3; k++) {
        s[k] = fk_connect(f);
        fk_sub(f, s[k], "news");
        fk_clear(f, s[k]);
    }
    rh_buf *b = rh_buf_new_str("{\"event\":\"e\",\"channel\":\"news\",\"data\":\"1\"}");
    assert_int_equal(b->refs, 1);
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", b, NULL), 3);
    /* Each queue took one reference to the very same buffer; nothing was copied. */
    assert_int_equal(b->refs, 4);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(fk_count(f, s[k]), 1);
        assert_ptr_equal(f->conns[s[k]].frames[0], b);
    }
    for (int k = 0; k < 3; k++)
        fk_clear(f, s[k]);
    assert_int_equal(b->refs, 1);
    /* Exclusion by socket id. */
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", b, f->conns[s[1]].socket_id), 2);
    assert_int_equal(fk_count(f, s[1]), 0);
    assert_int_equal(fk_count(f, s[0]), 1);
    /* An unknown socket id excludes nobody; an unknown channel reaches nobody. */
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", b, "1.2"), 3);
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "other", b, NULL), 0);
    /* Another app's channels are separate. */
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[1], "news", b, NULL), 0);
    rh_buf_unref(b);
    fk_free(f);
}

static void test_queue_full(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub(f, a, "news");
    fk_sub(f, b, "news");
    fk_clear(f, a);
    fk_clear(f, b);
    f->conns[a].send_fail = 1;
    rh_buf *fr = rh_buf_new_str("{\"event\":\"e\",\"channel\":\"news\",\"data\":\"1\"}");
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", fr, NULL), 1);
    assert_int_equal(f->conns[a].close_code, 4100);
    assert_string_equal(f->conns[a].close_reason, "send queue over capacity, reconnect");
    assert_int_equal(fk_count(f, b), 1);
    assert_int_equal(fr->refs, 2);
    assert_int_equal(fk_count(f, a), 0); /* the error did not fit either: close only */
    /* An edge that emptied the queue takes the error: pusher:error 4100 before the close. */
    int c = fk_connect(f);
    fk_sub(f, c, "news");
    fk_clear(f, c);
    f->conns[c].send_fail_once = 1;
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", fr, NULL), 1);
    assert_int_equal(fk_count(f, c), 1);
    assert_int_equal(fk_error_code(f, c, 0), 4100);
    assert_int_equal(f->conns[c].close_code, 4100);
    /* The closing connection is skipped from now on, and closed only once. */
    f->conns[a].send_fail = 0;
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", fr, NULL), 1);
    assert_int_equal(fk_count(f, a), 0);
    assert_int_equal(f->conns[a].closes, 1);
    fk_closed(f, a);
    fk_closed(f, c);
    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], "news", &ci);
    assert_int_equal(ci.subscription_count, 1);
    rh_buf_unref(fr);
    fk_free(f);
}

typedef struct seen {
    char names[512];
    size_t total_subs;
} seen;

static void on_chan(void *ud, const char *channel, const rh_hub_chan_info *info)
{
    seen *s = ud;
    strcat(s->names, channel);
    strcat(s->names, ";");
    s->total_subs += info->subscription_count;
    assert_true(info->occupied);
}

static void test_channel_queries(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub(f, a, "news");
    fk_sub(f, b, "news");
    fk_sub_presence(f, a, "presence-x", "alice", "alice");
    fk_sub_presence(f, b, "presence-x", "alice", "alice");
    fk_sub_private(f, b, "private-y");
    seen s = {"", 0};
    rh_hub_foreach_channel(f->srv, &f->apps[0], "presence-", on_chan, &s);
    assert_string_equal(s.names, "presence-x;");
    assert_int_equal(s.total_subs, 2);
    memset(&s, 0, sizeof(s));
    rh_hub_foreach_channel(f->srv, &f->apps[0], "", on_chan, &s);
    assert_int_equal(s.total_subs, 5);
    assert_non_null(strstr(s.names, "news;"));
    assert_non_null(strstr(s.names, "private-y;"));
    memset(&s, 0, sizeof(s));
    rh_hub_foreach_channel(f->srv, &f->apps[1], "", on_chan, &s);
    assert_int_equal(s.total_subs, 0);
    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], "presence-x", &ci);
    assert_int_equal(ci.occupied, 1);
    assert_int_equal(ci.subscription_count, 2);
    assert_int_equal(ci.user_count, 1);
    rh_hub_channel_info(f->srv, &f->apps[0], "news", &ci);
    assert_int_equal(ci.user_count, 0);
    rh_hub_channel_info(f->srv, &f->apps[0], "empty", &ci);
    assert_int_equal(ci.occupied, 0);
    assert_int_equal(ci.subscription_count, 0);
    /* A copy of the app (same id) finds the same channels. */
    rh_cfg_app copy = f->apps[0];
    rh_hub_channel_info(f->srv, &copy, "news", &ci);
    assert_int_equal(ci.subscription_count, 2);
    fk_free(f);
}

static void test_many_channels(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    f->apps[0].max_subscriptions = 1000; /* the hub's scaling, not the default limit */
    int a = fk_connect(f), b = fk_connect(f);
    char name[32];
    for (int k = 0; k < 500; k++) {
        snprintf(name, sizeof(name), "c%d", k);
        fk_sub(f, a, name);
        if (k % 2)
            fk_sub(f, b, name);
        fk_clear(f, a);
        fk_clear(f, b);
    }
    fk_clear(f, a);
    fk_clear(f, b);
    rh_buf *fr = rh_buf_new_str("{}");
    for (int k = 0; k < 500; k++) {
        snprintf(name, sizeof(name), "c%d", k);
        assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], name, fr, NULL), (size_t)(1 + k % 2));
        fk_clear(f, a);
        fk_clear(f, b);
    }
    assert_int_equal(f->conns[a].close_code, 0);
    rh_buf_unref(fr);
    fk_closed(f, a);
    seen s = {"", 0};
    memset(&s, 0, sizeof(s));
    rh_hub_foreach_channel(f->srv, &f->apps[0], "c49", on_chan, &s);
    /* Prefix c49: c49 and c490..c499, of which b holds the odd ones after a left. */
    assert_int_equal(s.total_subs, 6);
    assert_non_null(strstr(s.names, "c49;"));
    assert_null(strstr(s.names, "c490;"));
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_buffer),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_channel_queries),
        cmocka_unit_test(test_many_channels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
