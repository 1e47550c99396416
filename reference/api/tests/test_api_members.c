/* CMocka tests for the workspace membership endpoint and revocation (docs/protocol.md 19):
 * a revocation ends the subscriptions the authorizer signed for the user, with a 403
 * subscription_error, leaves others alone, refuses the user's older signatures and new
 * authorizations, and a grant gives access back. On a shared bus a refusal is decided at the
 * bus's order point: a grant made through another node before it is seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "proto/busmsg.h"

#define CH      "private-workspace.acme.thread.t1"
#define MEMBERS "/apps/app-id/workspaces/acme/members"
#define EV      "{\"name\":\"e\",\"channel\":\"" CH "\",\"data\":\"1\"}"

static int authorize(fx *f, const char *bearer, const char *sid)
{
    char h[64], body[160];
    snprintf(h, sizeof h, "Bearer %s", bearer);
    int n = snprintf(body, sizeof body, "socket_id=%s&channel_name=" CH, sid);
    return fx_http_raw(f, "POST", "/broadcasting/auth", "", body, (size_t)n, h,
                       "application/x-www-form-urlencoded");
}

/* protocol §19.3: unit test */
static void test_revoke_ends_bound_subscriptions(void **state)
{
    (void)state;
    fx *f = fx_new();
    char s1[48], s2[48];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    assert_int_equal(authorize(f, "alice-token", s1), 200);
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 1);
    assert_int_equal(fx_subscribe(f, 2, s2, CH), 1); /* signed elsewhere: no binding */
    fx_clear_frames(f);
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\",\"member\":false}"),
                     200);
    assert_int_equal(f->json && cJSON_IsFalse(cJSON_GetObjectItem(f->json, "member")), 1);
    const char *err = fx_frame_text(f, 1, "pusher:subscription_error", 0);
    assert_non_null(err);
    assert_non_null(strstr(err, "403"));
    assert_non_null(strstr(err, CH));
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, EV), 200);
    assert_int_equal(fx_count(f, 1, "e"), 0);
    assert_int_equal(fx_count(f, 2, "e"), 1);
    /* the older signature no longer subscribes; the authorizer refuses */
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 0);
    assert_int_equal(authorize(f, "alice-token", s1), 403);
    assert_int_equal(authorize(f, "bob-token", s2), 403); /* bob never was in acme */
    /* granted again: signed and subscribed as before */
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\",\"member\":true}"),
                     200);
    assert_int_equal(authorize(f, "alice-token", s1), 200);
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 1);
    fx_free(f);
}

/* A shared bus that holds what this node publishes until the test delivers it, in order. */
typedef struct hbus {
    rh_srv *srv;
    int hold;
    char *q[16];
    size_t qlen[16], n;
} hbus;

static void hb_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    hbus *b = ud;
    if (b->hold) {
        assert_true(b->n < 16);
        b->q[b->n] = malloc(len);
        memcpy(b->q[b->n], msg, len);
        b->qlen[b->n++] = len;
    } else {
        rh_srv_bus_deliver(b->srv, msg, len);
    }
    if (done)
        done(dud, 1, NULL);
}

/* Delivers the held messages, and those their delivery publishes, oldest first. */
static size_t hb_flush(hbus *b)
{
    size_t n = 0;
    while (b->n > 0) {
        char *m = b->q[0];
        size_t len = b->qlen[0];
        b->n--;
        memmove(b->q, b->q + 1, b->n * sizeof *b->q);
        memmove(b->qlen, b->qlen + 1, b->n * sizeof *b->qlen);
        rh_srv_bus_deliver(b->srv, m, len);
        free(m);
        n++;
    }
    return n;
}

static void hb_install(hbus *b, fx *f)
{
    *b = (hbus){.srv = f->srv};
    rh_bus bus = {.ud = b, .publish = hb_publish};
    rh_srv_set_bus(f->srv, &bus);
    f->async = 1;
}

/* Another node's "mbr" for alice in acme, delivered here. */
static void mbr_from_elsewhere(fx *f, const char *member)
{
    rh_busmsg m = {0};
    const char *fields[] = {"mbr", "app-id", "acme", "alice", member};
    for (size_t i = 0; i < 5; i++)
        rh_busmsg_add_str(&m, fields[i]);
    assert_false(m.failed);
    rh_srv_bus_deliver(f->srv, m.p, m.len);
    rh_busmsg_free(&m);
}

/* protocol §19.4 point 3: unit test (a grant through another node, seen by a refusal) */
static void test_refusal_sees_grant_from_elsewhere(void **state)
{
    (void)state;
    fx *f = fx_new();
    hbus b;
    hb_install(&b, f);
    char s1[48], s2[48];
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\",\"member\":false}"),
                     200);
    b.hold = 1;
    /* alice is no member here when she asks: the answer waits for the probe */
    assert_int_equal(authorize(f, "alice-token", s1), 0);
    assert_int_equal(f->calls, 0);
    assert_int_equal(b.n, 1);
    mbr_from_elsewhere(f, "1");        /* granted on another node, ahead of the probe on the bus */
    assert_int_equal(hb_flush(&b), 2); /* the probe, then the real binding */
    assert_int_equal(f->calls, 1);
    assert_int_equal(f->status, 200);
    /* the binding was recorded: a revocation ends the subscription */
    b.hold = 0;
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 1);
    fx_clear_frames(f);
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\",\"member\":false}"),
                     200);
    assert_non_null(fx_frame_text(f, 1, "pusher:subscription_error", 0));
    /* still no member at the probe: 403; a probe binds nothing */
    b.hold = 1;
    assert_int_equal(authorize(f, "alice-token", s2), 0);
    assert_int_equal(hb_flush(&b), 1);
    assert_int_equal(f->status, 403);
    assert_int_equal(authorize(f, "bob-token", s2), 0);
    assert_int_equal(hb_flush(&b), 1);
    assert_int_equal(f->status, 403);
    /* granted again, then revoked elsewhere before the binding came back: 403 */
    mbr_from_elsewhere(f, "1");
    assert_int_equal(authorize(f, "alice-token", s2), 0);
    mbr_from_elsewhere(f, "0");
    assert_int_equal(hb_flush(&b), 1);
    assert_int_equal(f->status, 403);
    fx_free(f);
}

/* protocol §19.4 point 2: unit test (a revocation through another node, ahead of a "bnd") */
static void test_late_binding_stays_revoked(void **state)
{
    (void)state;
    fx *f = fx_new();
    hbus b;
    hb_install(&b, f);
    char s1[48];
    fx_connect(f, 1, s1, sizeof s1);
    assert_int_equal(authorize(f, "alice-token", s1), 200);
    b.hold = 1;
    /* asked again while a member here; revoked elsewhere before its "bnd" comes back */
    assert_int_equal(authorize(f, "alice-token", s1), 0);
    mbr_from_elsewhere(f, "0");
    assert_int_equal(hb_flush(&b), 1);
    assert_int_equal(f->status, 403);
    /* the signature (the same for the socket and channel) no longer subscribes */
    b.hold = 0;
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 0);
    /* a grant lifts it */
    mbr_from_elsewhere(f, "1");
    assert_int_equal(fx_subscribe(f, 1, s1, CH), 1);
    fx_free(f);
}

/* protocol §19.1: unit test */
static void test_members_bad_requests(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "{\"user_id\":\"alice\"}"), 400);
    assert_int_equal(fx_http(f, "POST", MEMBERS, NULL, "[1]"), 400);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/workspaces/a.b/members", NULL,
                             "{\"user_id\":\"alice\",\"member\":false}"),
                     400);
    assert_int_equal(fx_http(f, "GET", MEMBERS, NULL, NULL), 405);
    assert_int_equal(fx_http_raw(f, "POST", MEMBERS, "", "{}", 2, NULL, "application/json"), 401);
    /* nothing changed: alice is still a member */
    assert_int_equal(authorize(f, "alice-token", "1.2"), 200);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revoke_ends_bound_subscriptions),
        cmocka_unit_test(test_members_bad_requests),
        cmocka_unit_test(test_refusal_sees_grant_from_elsewhere),
        cmocka_unit_test(test_late_binding_stays_revoked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
