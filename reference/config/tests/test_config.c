/* CMocka tests for rh_cfg: defaults, strict parsing, lookups, and the fixture configs.
 * argv[1] is the fixtures/configs directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static const char *fixtures_dir = "fixtures/configs";

static int parse(const char *text, rh_cfg *c, char *err, size_t errlen)
{
    return rh_cfg_parse(text, strlen(text), c, err, errlen);
}

/* Parses text, expects failure, and checks the message contains want. */
static void expect_error(const char *text, const char *want)
{
    rh_cfg c;
    char err[256];
    memset(&c, 0x5a, sizeof c);
    int rc = parse(text, &c, err, sizeof err);
    if (rc == 0 || !strstr(err, want))
        print_error("config %s: rc %d, error \"%s\", wanted \"%s\"\n", text, rc, err, want);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, want));
    /* A failed parse leaves nothing to free, and clearing stays safe. */
    assert_null(c.apps);
    assert_null(c.host);
    rh_cfg_clear(&c);
}

static void check_defaults(const rh_cfg *c)
{
    assert_string_equal(c->host, "127.0.0.1");
    assert_int_equal(c->port, 8080);
    assert_null(c->redis_url);
    assert_int_equal(c->activity_timeout, 120);
    assert_int_equal(c->pong_timeout, 30);
    assert_int_equal(c->ended_ttl, 300);
    assert_int_equal(c->cache_ttl, 1800);
    assert_int_equal(c->stream_idle_timeout, 3600);
    assert_int_equal(c->auth_window, 600);
    assert_int_equal(c->idempotency_window, 600);
    assert_int_equal(c->idempotency_keys, 1000);
    assert_int_equal(c->send_queue_bytes, 4 * 1024 * 1024);
    assert_int_equal(c->http_read_timeout, 10);
    assert_int_equal(c->busy_poll_us, 0);
    assert_string_equal(c->log_level, "info");
    assert_int_equal(c->napps, 1);
    const rh_cfg_app *a = &c->apps[0];
    assert_string_equal(a->id, "app-id");
    assert_string_equal(a->key, "app-key");
    assert_string_equal(a->secret, "app-secret");
    assert_int_equal(a->client_events, 1);
    assert_int_equal(a->has_enc_key, 0);
    assert_int_equal(a->max_event_bytes, 10240);
    assert_int_equal(a->max_token_bytes, 10240);
    assert_int_equal(a->max_channels, 100);
    assert_int_equal(a->max_open_streams, 1000);
    assert_int_equal(a->max_subscriptions, 100);
    assert_int_equal(a->max_batch, 10);
    assert_int_equal(a->max_message_bytes, 10240);
    assert_int_equal(a->max_presence_members, 100);
    assert_int_equal(a->max_user_id_bytes, 128);
    assert_int_equal(a->max_user_info_bytes, 1024);
    assert_int_equal(a->client_events_per_sec, 10);
    assert_int_equal(c->nusers, 2);
    assert_string_equal(c->users[0].token, "alice-token");
    assert_string_equal(c->users[0].user_id, "alice");
    assert_string_equal(c->users[0].name, "alice");
    assert_int_equal(c->users[0].nworkspaces, 1);
    assert_string_equal(c->users[0].workspaces[0], "acme");
    assert_string_equal(c->users[1].token, "bob-token");
    assert_string_equal(c->users[1].user_id, "bob");
    assert_int_equal(c->users[1].nworkspaces, 1);
    assert_string_equal(c->users[1].workspaces[0], "globex");
}

/* protocol §13: unit test */
static void test_defaults(void **state)
{
    (void)state;
    rh_cfg c;
    assert_int_equal(rh_cfg_defaults(&c), 0);
    check_defaults(&c);
    rh_cfg_clear(&c);
    assert_null(c.apps);
    rh_cfg_clear(&c); /* twice is safe */
}

static void test_lookups(void **state)
{
    (void)state;
    rh_cfg c;
    assert_int_equal(rh_cfg_defaults(&c), 0);
    assert_ptr_equal(rh_cfg_app_by_key(&c, "app-key"), &c.apps[0]);
    assert_null(rh_cfg_app_by_key(&c, "app-id"));
    assert_null(rh_cfg_app_by_key(&c, "app-ke"));
    assert_null(rh_cfg_app_by_key(&c, NULL));
    assert_ptr_equal(rh_cfg_app_by_id(&c, "app-id"), &c.apps[0]);
    assert_null(rh_cfg_app_by_id(&c, "app-key"));
    const rh_cfg_user *bob = rh_cfg_user_by_token(&c, "bob-token");
    assert_ptr_equal(bob, &c.users[1]);
    assert_null(rh_cfg_user_by_token(&c, "bob-toke"));
    assert_null(rh_cfg_user_by_token(&c, "bob-token2"));
    assert_null(rh_cfg_user_by_token(&c, ""));
    assert_null(rh_cfg_user_by_token(&c, NULL));
    assert_true(rh_cfg_user_in_workspace(bob, "globex"));
    assert_false(rh_cfg_user_in_workspace(bob, "acme"));
    assert_false(rh_cfg_user_in_workspace(bob, "globe"));
    assert_false(rh_cfg_user_in_workspace(NULL, "acme"));
    rh_cfg_clear(&c);
}

static void test_empty_object_is_defaults(void **state)
{
    (void)state;
    rh_cfg c;
    char err[128];
    assert_int_equal(parse(" {} ", &c, err, sizeof err), 0);
    check_defaults(&c);
    rh_cfg_clear(&c);
}

static void test_overrides(void **state)
{
    (void)state;
    rh_cfg c;
    char err[256];
    const char *text =
        "{\"host\":\"0.0.0.0\",\"port\":0,\"redis_url\":\"redis://127.0.0.1:6379\","
        "\"activity_timeout\":2,\"auth_window\":0,\"log_level\":\"debug\","
        "\"apps\":[{\"id\":\"a1\",\"key\":\"k1\",\"secret\":\"s1\",\"client_events\":false,"
        "\"max_message_bytes\":2048},{\"id\":\"a2\",\"key\":\"k2\",\"secret\":\"s2\"}],"
        "\"users\":[{\"token\":\"t\",\"user_id\":\"u\",\"name\":null,"
        "\"workspaces\":[\"w1\",\"w2\"]}]}";
    int rc = parse(text, &c, err, sizeof err);
    if (rc)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(c.host, "0.0.0.0");
    assert_int_equal(c.port, 0);
    assert_string_equal(c.redis_url, "redis://127.0.0.1:6379");
    assert_int_equal(c.activity_timeout, 2);
    assert_int_equal(c.pong_timeout, 30); /* untouched keys keep defaults */
    assert_int_equal(c.auth_window, 0);
    assert_string_equal(c.log_level, "debug");
    assert_int_equal(c.napps, 2); /* the list is replaced, not merged */
    assert_null(rh_cfg_app_by_key(&c, "app-key"));
    const rh_cfg_app *a1 = rh_cfg_app_by_key(&c, "k1");
    assert_non_null(a1);
    assert_int_equal(a1->client_events, 0);
    assert_int_equal(a1->max_message_bytes, 2048);
    assert_int_equal(a1->max_event_bytes, 10240);
    const rh_cfg_app *a2 = rh_cfg_app_by_id(&c, "a2");
    assert_non_null(a2);
    assert_int_equal(a2->client_events, 1);
    assert_string_equal(a2->secret, "s2");
    assert_int_equal(c.nusers, 1);
    assert_null(c.users[0].name);
    assert_int_equal(c.users[0].nworkspaces, 2);
    assert_true(rh_cfg_user_in_workspace(&c.users[0], "w2"));
    assert_null(rh_cfg_user_by_token(&c, "alice-token"));
    rh_cfg_clear(&c);

    assert_int_equal(parse("{\"redis_url\":null,\"users\":[]}", &c, err, sizeof err), 0);
    assert_null(c.redis_url);
    assert_int_equal(c.nusers, 0);
    assert_null(rh_cfg_user_by_token(&c, "alice-token"));
    rh_cfg_clear(&c);
}

static void test_errors_name_the_key(void **state)
{
    (void)state;
    expect_error("{\"prot\":8080}", "\"prot\"");
    expect_error("{\"prot\":8080}", "unknown key");
    expect_error("{\"port\":\"8080\"}", "\"port\"");
    expect_error("{\"port\":70000}", "out of range");
    expect_error("{\"port\":-1}", "\"port\"");
    expect_error("{\"activity_timeout\":1.5}", "\"activity_timeout\"");
    expect_error("{\"activity_timeout\":0}", "\"activity_timeout\"");
    expect_error("{\"pong_timeout\":true}", "\"pong_timeout\"");
    expect_error("{\"ended_ttl\":null}", "\"ended_ttl\"");
    expect_error("{\"cache_ttl\":0}", "\"cache_ttl\"");
    expect_error("{\"cache_ttl\":1801}", "\"cache_ttl\"");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                 "\"encryption_master_key\":\"a-thirty-two-character-long-key!\"}]}",
                 "\"apps[0].encryption_master_key\": must be the base64 of 32 bytes");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                 "\"encryption_master_key\":32}]}",
                 "\"apps[0].encryption_master_key\"");
    expect_error("{\"send_queue_bytes\":10}", "\"send_queue_bytes\"");
    expect_error("{\"http_read_timeout\":0}", "\"http_read_timeout\"");
    expect_error("{\"busy_poll_us\":-1}", "\"busy_poll_us\"");
    expect_error("{\"busy_poll_us\":10001}", "out of range");
    expect_error("{\"busy_poll_us\":2.5}", "\"busy_poll_us\"");
    expect_error("{\"busy_poll_us\":\"50\"}", "\"busy_poll_us\"");
    expect_error("{\"host\":\"\"}", "\"host\"");
    expect_error("{\"host\":5}", "\"host\"");
    expect_error("{\"log_level\":\"verbose\"}", "\"log_level\"");
    expect_error("{\"redis_url\":1}", "\"redis_url\"");
    expect_error("{\"apps\":{}}", "\"apps\"");
    expect_error("{\"apps\":[]}", "\"apps\"");
    expect_error("{\"apps\":[1]}", "\"apps[0]\"");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\"}]}", "\"apps[0].secret\"");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"scret\":1}]}",
                 "\"apps[0].scret\"");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"client_events\":1}]}",
                 "\"apps[0].client_events\"");
    expect_error("{\"apps\":[{\"id\":\"a/b\",\"key\":\"k\",\"secret\":\"s\"}]}", "\"apps[0].id\"");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"max_batch\":0}]}",
                 "\"apps[0].max_batch\"");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\"},"
                 "{\"id\":\"b\",\"key\":\"k\",\"secret\":\"t\"}]}",
                 "\"apps[1].key\": duplicate");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\"},"
                 "{\"id\":\"a\",\"key\":\"j\",\"secret\":\"t\"}]}",
                 "\"apps[1].id\": duplicate");
    expect_error("{\"users\":[{\"token\":\"t\"}]}", "\"users[0].user_id\"");
    expect_error("{\"users\":[{\"token\":\"t\",\"user_id\":\"u\",\"workspaces\":\"w\"}]}",
                 "\"users[0].workspaces\"");
    expect_error("{\"users\":[{\"token\":\"t\",\"user_id\":\"u\",\"workspaces\":[\"w\",3]}]}",
                 "\"users[0].workspaces[1]\"");
    expect_error("{\"users\":[{\"token\":\"t\",\"user_id\":\"u\",\"email\":\"x\"}]}",
                 "\"users[0].email\"");
    expect_error("{\"users\":[{\"token\":\"t\",\"user_id\":\"u\"},"
                 "{\"token\":\"t\",\"user_id\":\"v\"}]}",
                 "\"users[1].token\": duplicate");
}

static void test_bad_json(void **state)
{
    (void)state;
    expect_error("", "invalid JSON");
    expect_error("{\"port\":80", "invalid JSON");
    expect_error("{\"port\":80} x", "invalid JSON");
    expect_error("{\"port\":80,\"port\":81}", "invalid JSON");
    expect_error("[]", "JSON object");
    expect_error("\"x\"", "JSON object");
    rh_cfg c;
    char err[64];
    assert_int_equal(rh_cfg_parse(NULL, 0, &c, err, sizeof err), -1);
    /* A tiny error buffer is truncated, never overrun. */
    char tiny[8];
    assert_int_equal(parse("{\"nope\":1}", &c, tiny, sizeof tiny), -1);
    assert_true(strlen(tiny) < sizeof tiny);
}

static char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixtures_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    char *buf = malloc(65536);
    assert_non_null(buf);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_fixture_default(void **state)
{
    (void)state;
    size_t len;
    char *text = read_fixture("default.json", &len);
    rh_cfg c;
    char err[256];
    int rc = rh_cfg_parse(text, len, &c, err, sizeof err);
    if (rc)
        print_error("default.json: %s\n", err);
    assert_int_equal(rc, 0);
    check_defaults(&c);
    rh_cfg_clear(&c);
    free(text);
}

static void test_webhook_keys(void **state)
{
    (void)state;
    rh_cfg c;
    char err[256];
    const char *text = "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                       "\"webhooks\":[{\"url\":\"http://127.0.0.1:9/h\"},"
                       "{\"url\":\"http://x/\",\"event_types\":[\"member_added\","
                       "\"client_event\"]}],\"webhook_delay_ms\":0,\"webhook_batch_ms\":10}]}";
    assert_int_equal(parse(text, &c, err, sizeof err), 0);
    const rh_cfg_app *a = &c.apps[0];
    assert_int_equal(a->nwebhooks, 2);
    assert_string_equal(a->webhooks[0].url, "http://127.0.0.1:9/h");
    assert_int_equal(a->webhooks[0].types, (1u << 7) - 1);
    assert_int_equal(a->webhooks[1].types, (1u << 2) | (1u << 4));
    assert_int_equal(a->webhook_delay_ms, 0);
    assert_int_equal(a->webhook_batch_ms, 10);
    assert_int_equal(a->webhook_retry_s, 300);
    rh_cfg_clear(&c);
    const char *bad[] = {
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"webhooks\":{}}]}",
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"webhooks\":[1]}]}",
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"webhooks\":[{}]}]}",
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
        "\"webhooks\":[{\"url\":\"https://x/\"}]}]}",
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
        "\"webhooks\":[{\"url\":\"http://x/\",\"event_types\":[\"nope\"]}]}]}",
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
        "\"webhooks\":[{\"url\":\"http://x/\",\"extra\":1}]}]}",
        "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\",\"webhook_delay_ms\":-1}]}",
        NULL,
    };
    for (int i = 0; bad[i]; i++) {
        err[0] = '\0';
        assert_int_equal(parse(bad[i], &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "webhook"));
        rh_cfg_clear(&c);
    }
}

static void test_limit_keys(void **state)
{
    (void)state;
    rh_cfg c;
    char err[256];
    const char *text = "{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                       "\"max_connections\":3,\"max_subscriptions\":7,"
                       "\"http_requests_per_sec\":5,"
                       "\"allowed_origins\":[\"https://good.example\"]}]}";
    assert_int_equal(parse(text, &c, err, sizeof err), 0);
    const rh_cfg_app *a = &c.apps[0];
    assert_int_equal(a->max_connections, 3);
    assert_int_equal(a->max_subscriptions, 7);
    assert_int_equal(a->http_requests_per_sec, 5);
    assert_int_equal(a->nallowed_origins, 1);
    assert_true(rh_cfg_origin_allowed(a, "https://good.example"));
    assert_true(rh_cfg_origin_allowed(a, "HTTPS://GOOD.EXAMPLE"));
    assert_true(rh_cfg_origin_allowed(a, NULL)); /* not a browser */
    assert_false(rh_cfg_origin_allowed(a, "https://evil.example"));
    assert_false(rh_cfg_origin_allowed(a, "https://good.example.evil.example"));
    assert_false(rh_cfg_origin_allowed(a, ""));
    rh_cfg_clear(&c);
    /* The defaults: no quota, no rate limit, every origin. */
    assert_int_equal(rh_cfg_defaults(&c), 0);
    assert_int_equal(c.apps[0].max_connections, 0);
    assert_int_equal(c.apps[0].max_subscriptions, 100);
    assert_int_equal(c.apps[0].max_open_streams, 1000);
    assert_int_equal(c.stream_idle_timeout, 3600);
    assert_int_equal(c.apps[0].http_requests_per_sec, 0);
    assert_true(rh_cfg_origin_allowed(&c.apps[0], "https://anything.example"));
    rh_cfg_clear(&c);
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                 "\"allowed_origins\":\"*\"}]}",
                 "\"apps[0].allowed_origins\": expected an array");
    expect_error("{\"apps\":[{\"id\":\"a\",\"key\":\"k\",\"secret\":\"s\","
                 "\"max_subscriptions\":0}]}",
                 "\"apps[0].max_subscriptions\"");
}

static void test_fixture_ci(void **state)
{
    (void)state;
    size_t len;
    char *text = read_fixture("ci.json", &len);
    rh_cfg c;
    char err[256];
    int rc = rh_cfg_parse(text, len, &c, err, sizeof err);
    if (rc)
        print_error("ci.json: %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(c.activity_timeout, 2);
    assert_int_equal(c.pong_timeout, 2);
    assert_int_equal(c.ended_ttl, 2);
    assert_int_equal(c.cache_ttl, 2);
    assert_int_equal(c.apps[0].has_enc_key, 1);
    assert_int_equal(c.apps[0].enc_key[0], 0x99); /* "mU8p..." */
    /* Everything else is the default. */
    c.activity_timeout = 120;
    c.pong_timeout = 30;
    c.ended_ttl = 300;
    c.cache_ttl = 1800;
    c.apps[0].has_enc_key = 0;
    /* The second app carries low limits for the suite's limit cases (--limits). */
    assert_int_equal(c.napps, 2);
    const rh_cfg_app *l = &c.apps[1];
    assert_string_equal(l->id, "limits-app");
    assert_true(l->max_connections > 0);
    assert_true(l->http_requests_per_sec > 0);
    assert_true(l->nallowed_origins > 0);
    c.napps = 1;
    check_defaults(&c);
    c.napps = 2;
    rh_cfg_clear(&c);
    free(text);
}

static void test_busy_poll(void **state)
{
    (void)state;
    rh_cfg c;
    char err[256] = "";
    assert_int_equal(parse("{\"busy_poll_us\":50}", &c, err, sizeof err), 0);
    assert_int_equal(c.busy_poll_us, 50);
    rh_cfg_clear(&c);
    assert_int_equal(parse("{\"busy_poll_us\":10000}", &c, err, sizeof err), 0);
    assert_int_equal(c.busy_poll_us, RH_CFG_BUSY_POLL_MAX_US);
    rh_cfg_clear(&c);
    /* the flag: the same bounds, digits only */
    int us = -7;
    assert_int_equal(rh_cfg_parse_busy_poll("0", &us, err, sizeof err), 0);
    assert_int_equal(us, 0);
    assert_int_equal(rh_cfg_parse_busy_poll("75", &us, err, sizeof err), 0);
    assert_int_equal(us, 75);
    assert_int_equal(rh_cfg_parse_busy_poll("10000", &us, err, sizeof err), 0);
    assert_int_equal(us, 10000);
    const char *bad[] = {
        "", "10001", "-1", "+5", " 5", "5 ", "5us", "0x10", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        us = -7;
        err[0] = '\0';
        assert_int_equal(rh_cfg_parse_busy_poll(bad[i], &us, err, sizeof err), -1);
        assert_int_equal(us, -7);
        assert_non_null(strstr(err, "microseconds"));
    }
    assert_int_equal(rh_cfg_parse_busy_poll(NULL, &us, NULL, 0), -1);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_empty_object_is_defaults),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_errors_name_the_key),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_fixture_default),
        cmocka_unit_test(test_limit_keys),
        cmocka_unit_test(test_webhook_keys),
        cmocka_unit_test(test_fixture_ci),
        cmocka_unit_test(test_busy_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
