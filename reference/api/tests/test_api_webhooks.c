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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_signed_and_retried),
        cmocka_unit_test(test_delayed_vacate),
        cmocka_unit_test(test_queue_bound_and_filter),
        cmocka_unit_test(test_cache_miss_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
