/* CMocka tests of the webhook queues (api/webhooks.c) through the whole server with a fake
 * io->http_post: the signed batch, retries with backoff until the retry window ends, the
 * delayed vacate cancelled by a quick return, the bounded queue, the type filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/srv.h"
#include "proto/sign.h"
#include "proto/webhook.h"

#define MAX_POSTS 32

typedef struct post {
    char *body, *headers;
    void (*done)(void *, int);
    void *ud;
} post;

static post posts[MAX_POSTS];
static size_t nposts;

static int fake_post(void *ud, const char *url, const char *headers, const char *body, size_t len,
                     int timeout_ms, void (*done)(void *, int), void *done_ud)
{
    (void)ud;
    (void)timeout_ms;
    assert_string_equal(url, "http://127.0.0.1:9/hooks");
    assert_true(nposts < MAX_POSTS);
    posts[nposts].body = strndup(body, len);
    posts[nposts].headers = strdup(headers);
    posts[nposts].done = done;
    posts[nposts].ud = done_ud;
    nposts++;
    return 0;
}

static void reset_posts(void)
{
    for (size_t i = 0; i < nposts; i++) {
        free(posts[i].body);
        free(posts[i].headers);
    }
    nposts = 0;
}

static fx *wh_fx(const char *extra)
{
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\",\"secret\":\"app-secret\","
             "\"webhooks\":[{\"url\":\"http://127.0.0.1:9/hooks\"%s}],\"webhook_batch_ms\":100,"
             "\"webhook_delay_ms\":1000,\"webhook_retry_s\":10,\"webhook_queue_max\":4}]}",
             extra);
    fx *f = fx_new_cfg(cfg);
    f->srv->io.http_post = fake_post;
    reset_posts();
    return f;
}

static void tick(fx *f, uint64_t ms)
{
    f->now_ms += ms;
    rh_srv_tick(f->srv);
}

static void unsubscribe(fx *f, int h, const char *ch)
{
    char msg[160];
    snprintf(msg, sizeof msg, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"%s\"}}",
             ch);
    rh_srv_conn_message(f->srv, f->conns[h], msg, strlen(msg), 0);
}

/* protocol §20.2-20.4: unit test */
static void test_batch_signed_and_retried(void **state)
{
    (void)state;
    fx *f = wh_fx("");
    char sid[64];
    fx_connect(f, 1, sid, sizeof sid);
    assert_true(fx_subscribe(f, 1, sid, "c1"));
    assert_true(fx_subscribe(f, 1, sid, "c2"));
    tick(f, 50);
    assert_int_equal(nposts, 0); /* the window is open */
    tick(f, 60);
    assert_int_equal(nposts, 1);
    assert_non_null(strstr(posts[0].body, "{\"name\":\"channel_occupied\",\"channel\":\"c1\"},"
                                          "{\"name\":\"channel_occupied\",\"channel\":\"c2\"}"));
    char sig[RH_SIGN_HEX], want[160];
    rh_sign_hmac_hex("app-secret", posts[0].body, strlen(posts[0].body), sig);
    snprintf(want, sizeof want, "X-Pusher-Key: app-key\r\nX-Pusher-Signature: %s\r\n", sig);
    assert_non_null(strstr(posts[0].headers, want));
    posts[0].done(posts[0].ud, 500);
    assert_int_equal(f->srv->metrics.webhooks_failed, 1);
    tick(f, 500);
    assert_int_equal(nposts, 1); /* the first retry waits 1 s */
    tick(f, 600);
    assert_int_equal(nposts, 2);
    assert_string_equal(posts[1].body, posts[0].body);
    assert_int_equal(f->srv->metrics.webhooks_retried, 1);
    posts[1].done(posts[1].ud, 204);
    assert_int_equal(f->srv->metrics.webhooks_sent, 1);
    /* failing for good: 1 + 2 + 4 s of retries, the next would start after the 10 s window */
    assert_true(fx_subscribe(f, 1, sid, "c3"));
    tick(f, 200);
    assert_int_equal(nposts, 3);
    size_t answered = 2;
    for (int ms = 0; ms < 20000; ms += 250) {
        if (nposts > answered) { /* no answer: each attempt fails at once */
            answered = nposts;
            posts[nposts - 1].done(posts[nposts - 1].ud, -1);
        }
        tick(f, 250);
    }
    assert_int_equal(f->srv->metrics.webhooks_dropped, 1);
    /* tries at 0, 1, 3 and 7 s; the next would start at 15 s, after the 10 s window */
    assert_int_equal(nposts, 6);
    reset_posts();
    fx_free(f);
}

/* protocol §20.5: unit test */
static void test_delayed_vacate(void **state)
{
    (void)state;
    fx *f = wh_fx("");
    char sid[64];
    fx_connect(f, 1, sid, sizeof sid);
    assert_true(fx_subscribe(f, 1, sid, "back"));
    tick(f, 200);
    assert_int_equal(nposts, 1);
    posts[0].done(posts[0].ud, 200);
    unsubscribe(f, 1, "back");
    assert_true(fx_subscribe(f, 1, sid, "back"));
    tick(f, 1200);
    tick(f, 200);
    assert_int_equal(nposts, 1); /* neither vacated nor occupied */
    unsubscribe(f, 1, "back");
    tick(f, 500);
    assert_int_equal(nposts, 1); /* held */
    tick(f, 600);
    tick(f, 200);
    assert_int_equal(nposts, 2);
    assert_non_null(strstr(posts[1].body, "{\"name\":\"channel_vacated\",\"channel\":\"back\"}"));
    reset_posts();
    fx_free(f);
}

/* protocol §20.4.4, §20.1.1: unit test */
static void test_queue_bound_and_filter(void **state)
{
    (void)state;
    fx *f = wh_fx(",\"event_types\":[\"channel_occupied\"]");
    char sid[64], ch[16];
    fx_connect(f, 1, sid, sizeof sid);
    assert_true(fx_subscribe(f, 1, sid, "first"));
    tick(f, 200); /* in flight, unanswered: the rest queue behind it */
    assert_int_equal(nposts, 1);
    for (int i = 0; i < 6; i++) {
        snprintf(ch, sizeof ch, "q%d", i);
        assert_true(fx_subscribe(f, 1, sid, ch));
    }
    assert_int_equal(f->srv->metrics.webhooks_dropped, 2); /* 4 fit */
    unsubscribe(f, 1, "q0");
    tick(f, 1500); /* a vacated: filtered out, so not even queued */
    posts[0].done(posts[0].ud, 200);
    tick(f, 200);
    assert_int_equal(nposts, 2);
    assert_null(strstr(posts[1].body, "channel_vacated"));
    assert_non_null(strstr(posts[1].body, "\"q3\""));
    assert_int_equal(f->srv->metrics.webhooks_dropped, 2);
    reset_posts();
    fx_free(f);
}

/* protocol §20.2: unit test (the emit functions other features call) */
static void test_cache_miss_and_count(void **state)
{
    (void)state;
    fx *f = wh_fx(",\"event_types\":[\"cache_miss\",\"subscription_count\"]");
    const rh_cfg_app *app = &f->cfg.apps[0];
    rh_srv_webhook(f->srv, app, RH_WH_CACHE_MISS, "cache-x", NULL, NULL, NULL, NULL);
    rh_srv_webhook_subscription_count(f->srv, app, "room", 3);
    tick(f, 200);
    assert_int_equal(nposts, 1);
    assert_non_null(strstr(posts[0].body, "{\"name\":\"cache_miss\",\"channel\":\"cache-x\"},"
                                          "{\"name\":\"subscription_count\",\"channel\":"
                                          "\"room\",\"subscription_count\":3}"));
    reset_posts();
    fx_free(f);
}

/* A fake bus that plays the shared store's part for the webhook transitions: the test
 * delivers each notice itself (with a hold token for a held leave) and answers the claim. */
typedef struct hbus {
    rh_srv *srv;
    char msg[256];
    size_t msg_len;
    long delta;
    int hold;
    char claim_field[64];
    unsigned long long claim_token;
    void (*claim_cb)(void *, int);
    void *claim_ud;
} hbus;

static void hb_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    rh_srv_bus_deliver(((hbus *)ud)->srv, msg, len);
    if (done)
        done(dud, 1, NULL);
}

static void hb_webhook(void *ud, const char *field, long delta, const char *msg, size_t len,
                       int hold)
{
    (void)field;
    hbus *b = ud;
    assert_true(len < sizeof b->msg);
    memcpy(b->msg, msg, len);
    b->msg_len = len;
    b->delta = delta;
    b->hold = hold;
}

static void hb_claim(void *ud, const char *field, unsigned long long token, void (*cb)(void *, int),
                     void *cb_ud)
{
    hbus *b = ud;
    snprintf(b->claim_field, sizeof b->claim_field, "%s", field);
    b->claim_token = token;
    b->claim_cb = cb;
    b->claim_ud = cb_ud;
}

/* Delivers the last notice, with token appended when it is not 0. */
static void hb_notice(hbus *b, unsigned long long token)
{
    char buf[300];
    memcpy(buf, b->msg, b->msg_len);
    size_t len = b->msg_len;
    if (token) {
        char t[24];
        snprintf(t, sizeof t, "%llu", token);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%zu:%s", strlen(t), t);
    }
    rh_srv_bus_deliver(b->srv, buf, len);
}

static void hb_install(hbus *b, fx *f)
{
    *b = (hbus){.srv = f->srv};
    rh_bus bus = {.ud = b, .publish = hb_publish, .webhook = hb_webhook, .wh_claim = hb_claim};
    rh_srv_set_bus(f->srv, &bus);
}

/* protocol §20.6.1: unit test */
static void test_held_vacate_claimed(void **state)
{
    (void)state;
    fx *f = wh_fx("");
    hbus b;
    hb_install(&b, f);
    char sid[64];
    fx_connect(f, 1, sid, sizeof sid);
    assert_true(fx_subscribe(f, 1, sid, "c"));
    assert_int_equal(b.delta, 1);
    assert_int_equal(b.hold, 1);
    hb_notice(&b, 0);
    tick(f, 200);
    assert_int_equal(nposts, 1);
    posts[0].done(posts[0].ud, 200);
    unsubscribe(f, 1, "c");
    assert_int_equal(b.delta, -1);
    hb_notice(&b, 7); /* held by the store */
    tick(f, 500);
    assert_null(b.claim_cb);
    tick(f, 600); /* the delay is over: claimed, not sent yet */
    assert_non_null(b.claim_cb);
    assert_string_equal(b.claim_field, "o\napp-id\nc");
    assert_int_equal(b.claim_token, 7);
    b.claim_cb(b.claim_ud, -1); /* no answer: asked again a second later, nothing sent */
    b.claim_cb = NULL;
    tick(f, 200);
    assert_null(b.claim_cb);
    assert_int_equal(nposts, 1);
    tick(f, 900);
    assert_non_null(b.claim_cb);
    assert_int_equal(b.claim_token, 7);
    b.claim_cb(b.claim_ud, 0); /* a return on another node cancelled it */
    tick(f, 200);
    assert_int_equal(nposts, 1);
    /* claimed while the channel comes back here: vacated, then occupied */
    assert_true(fx_subscribe(f, 1, sid, "c"));
    unsubscribe(f, 1, "c");
    hb_notice(&b, 8);
    b.claim_cb = NULL;
    tick(f, 1100);
    assert_non_null(b.claim_cb);
    assert_true(fx_subscribe(f, 1, sid, "c"));
    hb_notice(&b, 0);
    tick(f, 200);
    assert_int_equal(nposts, 1); /* the occupied waits behind the claim */
    b.claim_cb(b.claim_ud, 1);
    tick(f, 200);
    assert_int_equal(nposts, 2);
    assert_non_null(strstr(posts[1].body, "{\"name\":\"channel_vacated\",\"channel\":\"c\"},"
                                          "{\"name\":\"channel_occupied\",\"channel\":\"c\"}"));
    reset_posts();
    fx_free(f);
}

#ifdef RH_WITH_FAULTS
/* protocol §20.6.1: unit test (fault webhook-vacate-local: nothing held in the store) */
static void test_fault_vacate_local(void **state)
{
    (void)state;
    fx *f = wh_fx("");
    assert_int_equal(fx_fault(f, "webhook-vacate-local"), 0);
    hbus b;
    hb_install(&b, f);
    char sid[64];
    fx_connect(f, 1, sid, sizeof sid);
    assert_true(fx_subscribe(f, 1, sid, "c"));
    assert_int_equal(b.hold, 0);
    reset_posts();
    fx_free(f);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_signed_and_retried),
        cmocka_unit_test(test_delayed_vacate),
        cmocka_unit_test(test_queue_bound_and_filter),
        cmocka_unit_test(test_cache_miss_and_count),
        cmocka_unit_test(test_held_vacate_claimed),
#ifdef RH_WITH_FAULTS
        cmocka_unit_test(test_fault_vacate_local),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
