/* CMocka tests for encrypted channels (the authorizer's shared_secret, no client events) and
 * cache channels (the last HTTP API event after subscription_succeeded, pusher:cache_miss,
 * cache_ttl) through the whole server with the memory store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"

static const char *const CFG_KEY =
    "{\"cache_ttl\":5,\"apps\":[{\"id\":\"app-id\",\"key\":\"app-key\",\"secret\":\"app-secret\","
    "\"encryption_master_key\":\"mU8pXBpuMtI4p2PqFsN1zrKdh0qWm2kL5lYkOzY3o3w=\"}]}";
static const char *const FORM_CT = "application/x-www-form-urlencoded";

static int setup(void **state)
{
    *state = fx_new_cfg(CFG_KEY);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static int auth(fx *f, const char *channel)
{
    char body[256];
    snprintf(body, sizeof body, "socket_id=1.2&channel_name=%s", channel);
    return fx_http_raw(f, "POST", "/broadcasting/auth", "", body, strlen(body),
                       "Bearer alice-token", FORM_CT);
}

static const char *str(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* protocol §16.3: unit test */
static void test_shared_secret(void **state)
{
    fx *f = *state;
    assert_int_equal(auth(f, "private-encrypted-workspace.acme.thread.t1"), 200);
    assert_non_null(str(f->json, "auth"));
    /* base64(SHA-256(channel || key)), computed independently */
    assert_string_equal(str(f->json, "shared_secret"),
                        "XqSmzzzhsYcmWeHpzlEvoDmhM8ToIV6IHm2qIs6jwzQ=");
    /* other channels: another secret; plain private channels: none */
    assert_int_equal(auth(f, "private-encrypted-workspace.acme.thread.t2"), 200);
    assert_string_not_equal(str(f->json, "shared_secret"),
                            "XqSmzzzhsYcmWeHpzlEvoDmhM8ToIV6IHm2qIs6jwzQ=");
    assert_int_equal(auth(f, "private-workspace.acme.thread.t1"), 200);
    assert_null(cJSON_GetObjectItemCaseSensitive(f->json, "shared_secret"));
    /* membership still decides: bob's workspace is globex */
    assert_int_equal(auth(f, "private-encrypted-workspace.globex.thread.t1"), 403);
}

/* protocol §16.3: an app without a master key cannot serve encrypted channels */
static void test_no_master_key(void **state)
{
    (void)state;
    fx *f = fx_new();
    assert_non_null(f);
    assert_int_equal(auth(f, "private-encrypted-workspace.acme.thread.t1"), 500);
    assert_non_null(strstr(str(f->json, "error"), "encryption_master_key"));
    fx_free(f);
}

static void client_event(fx *f, int h, const char *channel)
{
    char msg[256];
    snprintf(msg, sizeof msg, "{\"event\":\"client-x\",\"channel\":\"%s\",\"data\":{\"a\":1}}",
             channel);
    rh_srv_conn_message(f->srv, f->conns[h], msg, strlen(msg), 0);
}

/* protocol §16.4: unit test */
static void test_no_client_events(void **state)
{
    fx *f = *state;
    char s1[64], s2[64];
    const char *ch = "private-encrypted-room";
    fx_connect(f, 1, s1, sizeof s1);
    fx_connect(f, 2, s2, sizeof s2);
    assert_true(fx_subscribe(f, 1, s1, ch));
    assert_true(fx_subscribe(f, 2, s2, ch));
    fx_clear_frames(f);
    client_event(f, 1, ch);
    cJSON *fr[4];
    assert_int_equal(fx_frames(f, 2, NULL, fr, 4), 0);
    assert_int_equal(fx_frames(f, 1, "pusher:error", fr, 2), 1);
    cJSON *d = cJSON_GetObjectItemCaseSensitive(fr[0], "data");
    assert_int_equal(fx_num(d, "code"), 4009);
    fx_delete_all(fr, 1);
    /* the same on a private channel is relayed */
    assert_true(fx_subscribe(f, 1, s1, "private-room"));
    assert_true(fx_subscribe(f, 2, s2, "private-room"));
    client_event(f, 1, "private-room");
    assert_int_equal(fx_frames(f, 2, "client-x", fr, 4), 1);
    fx_delete_all(fr, 1);
}

static void publish(fx *f, const char *channel, const char *name, const char *data)
{
    char body[512];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"channel\":\"%s\",\"data\":\"%s\"}", name,
             channel, data);
    assert_int_equal(fx_http(f, "POST", "/apps/app-id/events", NULL, body), 200);
}

/* The events h got after subscription_succeeded on channel, in order, as "event" names. */
static void after_succeeded(fx *f, int h, const char *channel, char *out, size_t outlen)
{
    out[0] = '\0';
    int seen = 0;
    for (size_t i = 0; i < f->nframes; i++) {
        if (f->frames[i].h != (void *)(intptr_t)h)
            continue;
        cJSON *o = cJSON_Parse(f->frames[i].text);
        const char *ev = str(o, "event"), *ch = str(o, "channel");
        if (ev && ch && strcmp(ch, channel) == 0) {
            if (seen)
                snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? " " : "", ev);
            seen |= strcmp(ev, "pusher_internal:subscription_succeeded") == 0;
        }
        cJSON_Delete(o);
    }
}

/* protocol §17: unit test */
static void test_cache_miss_then_last_event(void **state)
{
    fx *f = *state;
    char s1[64], s2[64], s3[64], got[256];
    fx_connect(f, 1, s1, sizeof s1);
    assert_true(fx_subscribe(f, 1, s1, "cache-room"));
    after_succeeded(f, 1, "cache-room", got, sizeof got);
    assert_string_equal(got, "pusher:cache_miss");
    assert_string_equal(
        fx_frame_text(f, 1, "pusher:cache_miss", 0),
        "{\"event\":\"pusher:cache_miss\",\"channel\":\"cache-room\",\"data\":\"{}\"}");
    publish(f, "cache-room", "first", "1");
    publish(f, "cache-room", "last", "{\\\"n\\\":2}");
    fx_connect(f, 2, s2, sizeof s2);
    assert_true(fx_subscribe(f, 2, s2, "cache-room"));
    after_succeeded(f, 2, "cache-room", got, sizeof got);
    assert_string_equal(got, "last");
    /* byte for byte the frame the live subscriber got */
    assert_string_equal(fx_frame_text(f, 2, "last", 0), fx_frame_text(f, 1, "last", 0));
    /* cache_ttl 5 s: kept at 4.9 s, gone at 5 s */
    f->now_ms += 4900;
    fx_connect(f, 3, s3, sizeof s3);
    assert_true(fx_subscribe(f, 3, s3, "cache-room"));
    after_succeeded(f, 3, "cache-room", got, sizeof got);
    assert_string_equal(got, "last");
    f->now_ms += 100;
    fx_clear_frames(f);
    assert_true(fx_subscribe(f, 3, s3, "private-cache-room"));
    after_succeeded(f, 3, "private-cache-room", got, sizeof got);
    assert_string_equal(got, "pusher:cache_miss");
    fx_connect(f, 4, s1, sizeof s1);
    assert_true(fx_subscribe(f, 4, s1, "cache-room"));
    after_succeeded(f, 4, "cache-room", got, sizeof got);
    assert_string_equal(got, "pusher:cache_miss");
}

/* protocol §17: not a cache channel, no cache_miss; presence and encrypted cache channels */
static void test_cache_channel_types(void **state)
{
    fx *f = *state;
    char s1[64], got[256];
    fx_connect(f, 1, s1, sizeof s1);
    assert_true(fx_subscribe(f, 1, s1, "xcache-room"));
    after_succeeded(f, 1, "xcache-room", got, sizeof got);
    assert_string_equal(got, "");
    publish(f, "presence-cache-room", "state", "p");
    publish(f, "private-encrypted-cache-room", "state", "{\\\"nonce\\\":\\\"n\\\"}");
    assert_true(fx_subscribe(f, 1, s1, "presence-cache-room"));
    after_succeeded(f, 1, "presence-cache-room", got, sizeof got);
    assert_string_equal(got, "state");
    assert_true(fx_subscribe(f, 1, s1, "private-encrypted-cache-room"));
    after_succeeded(f, 1, "private-encrypted-cache-room", got, sizeof got);
    assert_string_equal(got, "state");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_secret, setup, teardown),
        cmocka_unit_test(test_no_master_key),
        cmocka_unit_test_setup_teardown(test_no_client_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_miss_then_last_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_channel_types, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
