/* core/: connection lifecycle, ping/pong, heartbeat, malformed input, shutdown. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"
#include "th.h"

static int matches(const char *re, const char *s)
{
    regex_t r;
    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    int ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

/* protocol §2.2: unit test */
static void test_handshake(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_open(f, "app-key");
    assert_non_null(f->conns[i].c);
    assert_int_equal(fk_count(f, i), 1);
    cJSON *j = fk_json(f, i, 0);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "event")->valuestring,
                        "pusher:connection_established");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
    assert_true(cJSON_IsString(data)); /* double-encoded */
    cJSON *d = cJSON_Parse(data->valuestring);
    assert_non_null(d);
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(d, "socket_id");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(d, "activity_timeout");
    assert_true(cJSON_IsString(sid));
    assert_true(matches("^[0-9]+\\.[0-9]+$", sid->valuestring));
    assert_true(cJSON_IsNumber(at));
    assert_int_equal(at->valueint, 120);
    cJSON_Delete(d);
    cJSON_Delete(j);
    assert_int_equal(f->conns[i].close_code, 0);
    assert_int_equal(rh_srv_conn_count(f->srv), 1);
    fk_closed(f, i);
    assert_int_equal(rh_srv_conn_count(f->srv), 0);
    fk_free(f);
}

static void test_activity_timeout_from_cfg(void **state)
{
    (void)state;
    fk *f = fk_new_cfg();
    f->cfg.activity_timeout = 2;
    fk_start(f, NULL);
    int i = fk_open(f, "app-key");
    cJSON *d = fk_data(f, i, 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "activity_timeout")->valueint, 2);
    cJSON_Delete(d);
    fk_free(f);
}

/* protocol §2.2: unit test */
static void test_socket_ids_unique(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f);
    /* The random source repeats itself once: the server must draw again. */
    f->rnd_repeat = 1;
    int b = fk_connect(f);
    assert_string_not_equal(f->conns[a].socket_id, "");
    assert_string_not_equal(f->conns[a].socket_id, f->conns[b].socket_id);
    assert_true(matches("^[0-9]+\\.[0-9]+$", f->conns[b].socket_id));
    fk_free(f);
}

/* protocol §2.1: unit test */
static void test_unknown_key(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_open(f, "nope");
    assert_non_null(f->conns[i].c);
    assert_int_equal(fk_count(f, i), 1);
    assert_frame(f, i, 0,
                 "{\"event\":\"pusher:error\",\"data\":{\"code\":4001,\"message\":\"Application "
                 "does not exist\"}}");
    assert_int_equal(f->conns[i].close_code, 4001);
    /* Nothing more is handled on a refused connection. */
    fk_msg(f, i, "{\"event\":\"pusher:ping\",\"data\":{}}");
    assert_int_equal(fk_count(f, i), 1);
    fk_closed(f, i);
    assert_int_equal(rh_srv_conn_count(f->srv), 0);
    fk_free(f);
}

static void test_random_failure(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    f->rnd_fail = 1;
    int i = fk_open(f, "app-key");
    assert_int_equal(fk_count(f, i), 0);
    assert_int_equal(f->conns[i].close_code, 1011);
    fk_free(f);
}

/* protocol §2.4: unit test */
static void test_ping_pong(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    fk_msg(f, i, "{\"event\":\"pusher:ping\",\"data\":{}}");
    assert_int_equal(fk_count(f, i), 1);
    assert_frame(f, i, 0, "{\"event\":\"pusher:pong\",\"data\":\"{}\"}");
    fk_msg(f, i, "{\"event\":\"pusher:ping\"}");
    assert_int_equal(fk_count(f, i), 2);
    fk_msg(f, i, "{\"event\":\"pusher:pong\",\"data\":\"{}\"}");
    assert_int_equal(fk_count(f, i), 2);
    assert_int_equal(f->conns[i].close_code, 0);
    fk_free(f);
}

/* protocol §2.4: unit test */
static void test_heartbeat(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    f->now_ms += 119999;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 0);
    f->now_ms += 1;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 1);
    assert_frame(f, i, 0, "{\"event\":\"pusher:ping\",\"data\":\"{}\"}");
    f->now_ms += 29999;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 1); /* one ping only */
    assert_int_equal(f->conns[i].close_code, 0);
    f->now_ms += 1;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 2);
    assert_int_equal(fk_error_code(f, i, 1), 4201);
    assert_int_equal(f->conns[i].close_code, 4201);
    rh_srv_tick(f->srv);
    assert_int_equal(f->conns[i].closes, 1);
    fk_free(f);
}

static void test_heartbeat_answered(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    int j = fk_connect(f);
    f->now_ms += 120000;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 1);
    assert_int_equal(fk_count(f, j), 1);
    /* The ping frame is one buffer shared by both connections. */
    assert_ptr_equal(f->conns[i].frames[0], f->conns[j].frames[0]);
    f->now_ms += 10000;
    fk_msg(f, i, "{\"event\":\"pusher:pong\",\"data\":{}}");
    rh_srv_conn_activity(f->srv, f->conns[j].c); /* a WebSocket-level pong */
    f->now_ms += 30000;
    rh_srv_tick(f->srv);
    assert_int_equal(f->conns[i].close_code, 0);
    assert_int_equal(f->conns[j].close_code, 0);
    assert_int_equal(fk_count(f, i), 1);
    /* Next ping a full activity_timeout after the pong. */
    f->now_ms += 89999;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 1);
    f->now_ms += 1;
    rh_srv_tick(f->srv);
    assert_int_equal(fk_count(f, i), 2);
    assert_string_equal(fk_event(f, i, 1), "pusher:ping");
    fk_free(f);
}

static void expect_4200(fk *f, int i, const char *msg)
{
    fk_clear(f, i);
    fk_msg(f, i, msg);
    assert_int_equal(fk_count(f, i), 1);
    assert_int_equal(fk_error_code(f, i, 0), 4200);
    assert_int_equal(f->conns[i].close_code, 0);
    /* Still usable. */
    fk_msg(f, i, "{\"event\":\"pusher:ping\",\"data\":{}}");
    assert_string_equal(fk_event(f, i, -1), "pusher:pong");
}

/* protocol §2.6: unit test */
static void test_malformed(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    expect_4200(f, i, "{not json");
    expect_4200(f, i, "");
    expect_4200(f, i, "[1,2,3]");
    expect_4200(f, i, "\"pusher:ping\"");
    expect_4200(f, i, "{\"data\":{}}");
    expect_4200(f, i, "{\"event\":5,\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"\",\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"client-x\",\"channel\":7,\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"pusher:ping\",\"event\":\"pusher:ping\"}");
    expect_4200(f, i, "{\"event\":\"pusher:ping\"} trailing");
    expect_4200(f, i, "{\"event\":\"pusher:ping\",\"data\":\"\\ud800\"}");
    expect_4200(f, i, "{\"event\":\"pusher:signin\",\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"my-event\",\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"pusher_internal:member_added\",\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"pusher:subscribe\",\"data\":5}");
    expect_4200(f, i, "{\"event\":\"pusher:subscribe\",\"data\":{}}");
    expect_4200(f, i, "{\"event\":\"pusher:subscribe\"}");
    expect_4200(f, i, "{\"event\":\"pusher:subscribe\",\"data\":\"not json\"}");
    expect_4200(f, i, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":1}}");
    expect_4200(f, i, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"auth\":1}}");
    expect_4200(f, i,
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"channel\":"
                "\"b\"}}");
    expect_4200(f, i, "{\"event\":\"pusher:unsubscribe\",\"data\":[]}");
    expect_4200(f, i, "{\"event\":\"client-x\",\"data\":{}}"); /* no channel */
    /* Deep nesting is refused by the strict parser, not a stack overflow. */
    char deep[4096];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof(deep), "{\"event\":\"pusher:ping\",\"data\":");
    for (int k = 0; k < 1000; k++)
        deep[n++] = '[';
    for (int k = 0; k < 1000; k++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    expect_4200(f, i, deep);
    /* An error quoting a long multi-byte event name is cut on a character boundary (every
     * frame must be valid UTF-8). */
    for (int shift = 0; shift < 3; shift++) {
        char ev[400];
        int n2 = snprintf(ev, sizeof(ev), "{\"event\":\"pusher:%.*s", shift, "xxx");
        for (int k = 0; k < 60; k++)
            n2 += snprintf(ev + n2, sizeof(ev) - (size_t)n2, "\xe2\x82\xac");
        snprintf(ev + n2, sizeof(ev) - (size_t)n2, "\"}");
        fk_clear(f, i);
        fk_msg(f, i, ev);
        assert_int_equal(fk_error_code(f, i, 0), 4200);
        assert_true(rh_utf8_valid(fk_frame(f, i, 0), strlen(fk_frame(f, i, 0))));
    }
    /* The error names what was wrong. */
    fk_clear(f, i);
    fk_msg(f, i, "{\"event\":\"pusher:signin\",\"data\":{}}");
    assert_non_null(strstr(fk_frame(f, i, 0), "pusher:signin"));
    fk_free(f);
}

/* protocol §2.3: unit test */
static void test_binary_and_size(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int i = fk_connect(f);
    const char *ping = "{\"event\":\"pusher:ping\",\"data\":{}}";
    rh_srv_conn_message(f->srv, f->conns[i].c, ping, strlen(ping), 1);
    assert_int_equal(fk_count(f, i), 1);
    assert_frame(f, i, 0,
                 "{\"event\":\"pusher:error\",\"data\":{\"code\":4200,\"message\":\"binary "
                 "frames are not supported\"}}");
    /* Exactly the limit is fine; one byte more closes with 1009. */
    size_t max = f->apps[0].max_message_bytes;
    char *big = malloc(max + 2);
    int head = snprintf(big, max + 2, "{\"event\":\"pusher:ping\",\"data\":\"");
    memset(big + head, 'x', max - (size_t)head - 2);
    memcpy(big + max - 2, "\"}", 3);
    assert_int_equal(strlen(big), max);
    fk_clear(f, i);
    rh_srv_conn_message(f->srv, f->conns[i].c, big, max, 0);
    assert_string_equal(fk_event(f, i, 0), "pusher:pong");
    memcpy(big + max - 2, "x\"}", 4);
    rh_srv_conn_message(f->srv, f->conns[i].c, big, max + 1, 0);
    assert_int_equal(f->conns[i].close_code, 1009);
    assert_int_equal(fk_count(f, i), 1);
    free(big);
    fk_free(f);
}

/* protocol §2.5: unit test */
static void test_shutdown(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    int a = fk_connect(f);
    int b = fk_connect(f);
    fk_sub(f, b, "news");
    fk_clear(f, b);
    rh_srv_shutdown(f->srv);
    for (int i = a; i <= b; i++) {
        assert_int_equal(fk_count(f, i), 1);
        assert_int_equal(fk_error_code(f, i, 0), 4200);
        assert_non_null(strstr(fk_frame(f, i, 0), "Server shutting down"));
        assert_int_equal(f->conns[i].close_code, 4200);
    }
    int c = fk_open(f, "app-key");
    assert_int_equal(fk_error_code(f, c, 0), 4200);
    assert_int_equal(f->conns[c].close_code, 4200);
    fk_free(f);
}

/* The edge may report a close from inside io->close; the server must not touch the freed
 * connection (ASan/valgrind runs check this). */
static void test_close_reentrant(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    f->close_reenters = 1;
    int a = fk_connect(f);
    int b = fk_connect(f);
    int c = fk_connect(f);
    fk_sub(f, a, "news");
    fk_sub(f, b, "news");
    fk_sub(f, c, "news");
    f->conns[a].send_fail = 1;
    f->conns[b].send_fail = 1;
    rh_buf *frame = rh_buf_new_str("{\"event\":\"x\",\"channel\":\"news\",\"data\":\"1\"}");
    assert_int_equal(rh_hub_publish(f->srv, &f->apps[0], "news", frame, NULL), 1);
    assert_int_equal(f->conns[a].close_code, 4100);
    assert_int_equal(f->conns[b].close_code, 4100);
    assert_int_equal(rh_srv_conn_count(f->srv), 1);
    rh_buf_unref(frame);
    /* Heartbeat closing connections re-entrantly too. */
    f->now_ms += 120000;
    rh_srv_tick(f->srv);
    f->now_ms += 30000;
    rh_srv_tick(f->srv);
    assert_int_equal(f->conns[c].close_code, 4201);
    assert_int_equal(rh_srv_conn_count(f->srv), 0);
    int d = fk_connect(f);
    fk_msg(f, d, "{\"event\":\"pusher:ping\"}");
    static char big[20000];
    memset(big, 'x', sizeof(big));
    rh_srv_conn_message(f->srv, f->conns[d].c, big, sizeof(big), 0); /* 1009, freed at once */
    assert_int_equal(f->conns[d].close_code, 1009);
    assert_int_equal(rh_srv_conn_count(f->srv), 0);
    fk_free(f);
}

/* Mutated versions of valid frames: never a crash, never a close, and every frame the
 * server sends back is valid UTF-8 JSON. */
static void test_mutations(void **state)
{
    (void)state;
    const char *seeds[] = {
        ("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-r\",\"auth\":"
         "\"app-key:0123\",\"channel_data\":\"{\\\"user_id\\\":1}\"}}"),
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}",
        "{\"event\":\"client-x\",\"channel\":\"news\",\"data\":{\"a\":[1,2,{}]}}",
        "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}",
        "{\"event\":\"pusher:ping\",\"data\":\"x\"}",
    };
    fk *f = fk_new(NULL);
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub(f, b, "news");
    unsigned seed = 7;
    char buf[512];
    for (int round = 0; round < 4000; round++) {
        const char *src = seeds[round % 5];
        size_t n = strlen(src);
        memcpy(buf, src, n + 1);
        for (int m = 0; m < 1 + round % 4; m++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            switch ((seed >> 8) % 3) {
            case 0:
                buf[pos] = (char)(seed >> 16);
                break;
            case 1:
                memmove(buf + pos, buf + pos + 1, n - pos);
                n--;
                break;
            default:
                buf[pos] = "{}[]\":,\\"[(seed >> 16) % 8];
            }
        }
        rh_srv_conn_message(f->srv, f->conns[a].c, buf, n, 0);
        assert_int_equal(f->conns[a].close_code, 0);
        for (size_t k = 0; k < fk_count(f, a); k++) {
            const char *fr = fk_frame(f, a, (int)k);
            assert_true(rh_utf8_valid(fr, strlen(fr)));
            cJSON *j = cJSON_Parse(fr);
            assert_non_null(j);
            cJSON_Delete(j);
        }
        fk_clear(f, a);
        fk_clear(f, b);
    }
    fk_free(f);
}

static void test_set_fault(void **state)
{
    (void)state;
    fk *f = fk_new(NULL);
    assert_int_equal(rh_srv_set_fault(f->srv, "no-such-fault"), -1);
    assert_int_equal(rh_srv_set_fault(f->srv, NULL), -1);
#ifdef RH_WITH_FAULTS
    assert_int_equal(rh_srv_set_fault(f->srv, "no-pong"), 0);
    assert_true(rh_fault_on(f->srv, RH_FAULT_NO_PONG));
    assert_false(rh_fault_on(f->srv, RH_FAULT_CLIENT_ECHO));
#else
    /* A release build has no fault switches at all. */
    assert_int_equal(rh_srv_set_fault(f->srv, "no-pong"), -1);
#endif
    fk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake),         cmocka_unit_test(test_activity_timeout_from_cfg),
        cmocka_unit_test(test_socket_ids_unique), cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_random_failure),    cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_heartbeat),         cmocka_unit_test(test_heartbeat_answered),
        cmocka_unit_test(test_malformed),         cmocka_unit_test(test_binary_and_size),
        cmocka_unit_test(test_shutdown),          cmocka_unit_test(test_close_reentrant),
        cmocka_unit_test(test_mutations),         cmocka_unit_test(test_set_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
