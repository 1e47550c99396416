/* Out of memory, operation by operation: for each operation of the WebSocket side and the HTTP
 * side, a fresh server runs it with its first allocation failing, then its second, and so on
 * until a run in which no allocation failed (testing/failmalloc.h). Every run must answer an
 * HTTP request exactly once (with the normal answer or an error status), must not crash or
 * leak (the asan and valgrind steps run this test too), and must leave a server that still
 * serves: a new connection is established and the HTTP API answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/hub.h"
#include "core/srv.h"
#include "proto/busmsg.h"
#include "proto/sign.h"
#include "testing/failmalloc.h"

#define PRES "presence-room"
#define PRIV "private-room"
#define SID  "/apps/app-id/streams/s1"

static char sid1[64], sid2[64];
static char *config_text; /* the file given on the command line (fixtures/configs/ci.json) */

/* --- helpers (their own allocations are not counted) --------------------------------------- */

static int http_q(fx *f, const char *method, const char *path, const char *extra, const char *body)
{
    size_t len = body ? strlen(body) : 0;
    tm_pause();
    char *q =
        fx_sign_query("app-key", "app-secret", method, path, (long)f->wall_s, body, len, extra);
    tm_resume();
    int st = fx_http_raw(f, method, path, q, body, len, NULL, "application/json");
    free(q);
    return st;
}

static int http(fx *f, const char *method, const char *path, const char *body)
{
    return http_q(f, method, path, NULL, body);
}

static void msg(fx *f, int h, const char *json)
{
    rh_srv_conn_message(f->srv, f->conns[h], json, strlen(json), 0);
}

/* Two connections: 1 in PRES and PRIV, 2 in PRIV. */
static void two_subscribed(fx *f)
{
    assert_non_null(fx_connect(f, 1, sid1, sizeof sid1));
    assert_non_null(fx_connect(f, 2, sid2, sizeof sid2));
    assert_true(fx_subscribe(f, 1, sid1, PRES));
    assert_true(fx_subscribe(f, 1, sid1, PRIV));
    assert_true(fx_subscribe(f, 2, sid2, PRIV));
}

static void started(fx *f)
{
    two_subscribed(f);
    assert_int_equal(http(f, "POST", "/apps/app-id/streams",
                          "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\","
                          "\"stream_id\":\"s1\"}"),
                     201);
}

static void with_tokens(fx *f)
{
    started(f);
    assert_int_equal(http(f, "POST", SID "/tokens", "{\"tokens\":[\"a\",\"b\",\"c\"]}"), 200);
}

static void ended(fx *f)
{
    with_tokens(f);
    assert_int_equal(http(f, "POST", SID "/end", "{\"reason\":\"completed\"}"), 200);
}

/* --- the operations -------------------------------------------------------------------------- */

typedef struct op {
    const char *name;
    void (*setup)(fx *f);
    int (*run)(fx *f); /* the HTTP status it answers when nothing fails, or 0 (WebSocket) */
} op;

static int run_open(fx *f)
{
    f->conns[3] = rh_srv_conn_open(f->srv, "app-key", (void *)(intptr_t)3);
    return 0;
}

static void connected(fx *f)
{
    assert_non_null(fx_connect(f, 1, sid1, sizeof sid1));
}

static int run_sub_presence(fx *f)
{
    char cd[] = "{\"user_id\":\"u9\",\"user_info\":{\"name\":\"n\"}}", auth[200], m[1024];
    tm_pause();
    rh_sign_channel("app-key", "app-secret", sid1, PRES, cd, auth, sizeof auth);
    snprintf(m, sizeof m,
             "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" PRES "\",\"auth\":\"%s\","
             "\"channel_data\":\"{\\\"user_id\\\":\\\"u9\\\",\\\"user_info\\\":{\\\"name\\\":"
             "\\\"n\\\"}}\"}}",
             auth);
    tm_resume();
    msg(f, 1, m);
    return 0;
}

static int run_sub_private(fx *f)
{
    char auth[200], m[512];
    tm_pause();
    rh_sign_channel("app-key", "app-secret", sid1, PRIV, NULL, auth, sizeof auth);
    snprintf(m, sizeof m,
             "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" PRIV "\",\"auth\":\"%s\"}}",
             auth);
    tm_resume();
    msg(f, 1, m);
    return 0;
}

/* A bus that keeps presence member lists (core/presence_list.c): the join is taken and never
 * answered, so the subscription waits (its wait on the heap) until the connection goes. */
static int keep_join(void *ud, const rh_bus_join *j)
{
    (void)ud;
    (void)j;
    return 0;
}

static void connected_list_bus(fx *f)
{
    connected(f);
    f->srv->bus.presence_join = keep_join;
}

/* With every allocation made the subscription waits for its list (nothing confirmed yet);
 * when asking failed for want of memory it is confirmed with this node's list at once, or
 * refused: one answer at most. */
static int run_sub_presence_waits(fx *f)
{
    fx_clear_frames(f);
    run_sub_presence(f);
    size_t answers = 0;
    for (size_t i = 0; i < f->nframes; i++)
        answers += strstr(f->frames[i].text, "subscription_succeeded") != NULL ||
                   strstr(f->frames[i].text, "subscription_error") != NULL;
    assert_true(answers <= (tm_failed() ? 1u : 0u));
    return 0;
}

/* The bundled authorizer's report of whom it signed a channel for (the first binding makes the
 * connection's table). */
static int run_bind(fx *f)
{
    const rh_cfg_app *app = rh_cfg_app_by_key(&f->cfg, "app-key");
    int rc = rh_hub_bind(f->srv, app, sid1, "private-workspace.acme.thread.t1", "alice");
    if (!tm_failed())
        assert_int_equal(rc, 0);
    else
        assert_true(rc == 0 || rc == -1);
    return 0;
}

/* pusher:signin with a watchlist (the connection's watchlist is made for it). */
static int run_signin_watch(fx *f)
{
    const char *ud = "{\"id\":\"u1\",\"watchlist\":[\"u2\",\"u3\"]}";
    char auth[200], m[1024];
    tm_pause();
    rh_sign_user("app-key", "app-secret", sid1, ud, auth, sizeof auth);
    snprintf(m, sizeof m,
             "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"%s\",\"user_data\":"
             "\"{\\\"id\\\":\\\"u1\\\",\\\"watchlist\\\":[\\\"u2\\\",\\\"u3\\\"]}\"}}",
             auth);
    tm_resume();
    fx_clear_frames(f);
    msg(f, 1, m);
    /* one answer: signed in, or refused for want of memory (none when even that frame could
     * not be made); signed in when no allocation failed */
    size_t ok = 0, err = 0;
    for (size_t i = 0; i < f->nframes; i++) {
        ok += strstr(f->frames[i].text, "pusher:signin_success") != NULL;
        err += strstr(f->frames[i].text, "pusher:error") != NULL;
    }
    assert_true(ok + err <= 1);
    if (!tm_failed())
        assert_int_equal(ok, 1);
    return 0;
}

static int run_client_event(fx *f)
{
    msg(f, 1, "{\"event\":\"client-typing\",\"channel\":\"" PRIV "\",\"data\":{\"a\":1}}");
    return 0;
}

static int run_unsubscribe(fx *f)
{
    msg(f, 1, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" PRES "\"}}");
    return 0;
}

static int run_ping(fx *f)
{
    msg(f, 1, "{\"event\":\"pusher:ping\",\"data\":{}}");
    msg(f, 1, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"bad name\"}}");
    return 0;
}

static int run_close(fx *f)
{
    rh_srv_conn_closed(f->srv, f->conns[1]);
    f->conns[1] = NULL;
    return 0;
}

static int run_heartbeat(fx *f)
{
    f->now_ms += 200000; /* past activity_timeout: every connection pinged */
    rh_srv_tick(f->srv);
    f->now_ms += 60000; /* past pong_timeout: closed with 4201 */
    rh_srv_tick(f->srv);
    return 0;
}

static int run_events(fx *f)
{
    return http(f, "POST", "/apps/app-id/events",
                "{\"name\":\"e\",\"channels\":[\"" PRIV "\",\"" PRES "\"],\"data\":\"{}\","
                "\"info\":\"subscription_count,user_count\"}") == 200
               ? 200
               : f->status;
}

static int run_batch(fx *f)
{
    return http(f, "POST", "/apps/app-id/batch_events",
                "{\"batch\":[{\"name\":\"a\",\"channel\":\"" PRIV "\",\"data\":\"1\"},"
                "{\"name\":\"b\",\"channel\":\"" PRES
                "\",\"data\":\"2\",\"info\":\"user_count\"}]}");
}

static int run_channels(fx *f)
{
    return http(f, "GET", "/apps/app-id/channels", NULL);
}

static int run_channel(fx *f)
{
    return http(f, "GET", "/apps/app-id/channels/" PRES, NULL);
}

static int run_users(fx *f)
{
    return http(f, "GET", "/apps/app-id/channels/" PRES "/users", NULL);
}

static int run_start(fx *f)
{
    return http(f, "POST", "/apps/app-id/streams",
                "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\","
                "\"stream_id\":\"s1\"}");
}

static int run_tokens(fx *f)
{
    return http(f, "POST", SID "/tokens", "{\"tokens\":[\"a\",\"b\",\"c\"]}");
}

static int run_end(fx *f)
{
    return http(f, "POST", SID "/end", "{\"reason\":\"cancelled\"}");
}

static int run_get(fx *f)
{
    return http(f, "GET", SID, NULL);
}

static int run_replay(fx *f)
{
    return http_q(f, "GET", SID "/tokens", "after_seq=1&limit=10", NULL);
}

static int run_auth(fx *f)
{
    const char *form = "socket_id=123.456&channel_name=presence-workspace.acme.thread.t1";
    fx_http_raw(f, "POST", "/broadcasting/auth", "", form, strlen(form), "Bearer alice-token",
                "application/x-www-form-urlencoded");
    return f->status;
}

static int run_metrics(fx *f)
{
    fx_http_raw(f, "GET", "/metrics", "", NULL, 0, NULL, NULL);
    return f->status;
}

static int run_bus_deliver(fx *f)
{
    rh_busmsg m = {0};
    tm_pause();
    const char *fields[] = {"tok", "app-id", "acme", "t1", "r1", "s1", "4", "d", "e"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        rh_busmsg_add_str(&m, fields[i]);
    tm_resume();
    assert_false(m.failed);
    rh_srv_bus_deliver(f->srv, m.p, m.len);
    rh_busmsg_free(&m);
    return 0;
}

/* A second server on the fixture's config, store and edge: created and freed. */
static int run_server_new(fx *f)
{
    char err[128];
    rh_srv *srv = rh_srv_new(&f->cfg, &f->srv->io, f->store, err, sizeof err);
    if (!tm_failed())
        assert_non_null(srv);
    rh_srv_free(srv);
    return 0;
}

static int run_config_parse(fx *f)
{
    (void)f;
    rh_cfg c;
    memset(&c, 0, sizeof c);
    char err[256];
    int rc = rh_cfg_parse(config_text, strlen(config_text), &c, err, sizeof err);
    if (!tm_failed())
        assert_int_equal(rc, 0);
    rh_cfg_clear(&c);
    return 0;
}

static const op ops[] = {
    {"open", NULL, run_open},
    {"subscribe presence", connected, run_sub_presence},
    {"subscribe private", connected, run_sub_private},
    {"subscribe presence, list from the bus", connected_list_bus, run_sub_presence_waits},
    {"authorizer binding", connected, run_bind},
    {"signin with a watchlist", connected, run_signin_watch},
    {"client event", two_subscribed, run_client_event},
    {"unsubscribe presence", two_subscribed, run_unsubscribe},
    {"ping and a refused subscribe", connected, run_ping},
    {"close with presence", two_subscribed, run_close},
    {"heartbeat", two_subscribed, run_heartbeat},
    {"POST events", two_subscribed, run_events},
    {"POST batch_events", two_subscribed, run_batch},
    {"GET channels", two_subscribed, run_channels},
    {"GET channel", two_subscribed, run_channel},
    {"GET users", two_subscribed, run_users},
    {"stream start", two_subscribed, run_start},
    {"stream tokens", started, run_tokens},
    {"stream end", with_tokens, run_end},
    {"stream end again", ended, run_end},
    {"stream get", with_tokens, run_get},
    {"stream replay", with_tokens, run_replay},
    {"authorizer", NULL, run_auth},
    {"metrics", two_subscribed, run_metrics},
    {"bus delivery of tokens", started, run_bus_deliver},
    {"server new and free", NULL, run_server_new},
    {"config parse", NULL, run_config_parse},
};

/* --- the sweep ---------------------------------------------------------------------------------
 */

/* After a failed run: a new connection is established and the HTTP API answers. */
static void assert_alive(fx *f)
{
    char sid[64];
    assert_non_null(fx_connect(f, 4, sid, sizeof sid));
    assert_int_equal(http(f, "GET", "/apps/app-id/channels", NULL), 200);
}

/* Runs o with allocation n failing, for n = 0, 1, ...; returns the allocations of o. */
static long sweep(const op *o)
{
    for (long n = 0; n < 100000; n++) {
        fx *f = fx_new();
        assert_non_null(f);
        if (o->setup)
            o->setup(f);
        f->calls = 0;
        tm_fail_at(n);
        int want = o->run(f);
        int failed = tm_failed();
        tm_off();
        if (want) {
            /* answered exactly once; the normal answer unless an allocation failed */
            assert_int_equal(f->calls, 1);
            if (!failed)
                assert_true(f->status >= 200 && f->status < 300);
            else
                assert_true((f->status >= 200 && f->status < 300) || f->status >= 400);
        }
        assert_alive(f);
        fx_free(f);
        if (!failed)
            return n;
    }
    fail_msg("%s: no end to its allocations", o->name);
    return -1;
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    long total = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        long n = sweep(&ops[i]);
        printf("oom: %-28s %ld allocations, each failed once\n", ops[i].name, n);
        total += n;
    }
    size_t exe = 0, sites = tm_sites(&exe);
    printf("oom: %ld failed runs; %zu distinct allocation sites failed, %zu in the server's "
           "code\n",
           total, sites, exe);
    const char *out = getenv("TM_SITES");
    if (out) {
        FILE *fp = fopen(out, "w");
        if (fp) {
            tm_print_sites(fp);
            fclose(fp);
        }
    }
    assert_true(exe > 0);
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    config_text = argc > 1 ? read_file(argv[1]) : NULL;
    if (!config_text) {
        fprintf(stderr, "usage: test_api_oom CONFIG.json\n");
        return 2;
    }
    tm_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
