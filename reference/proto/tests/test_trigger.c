#include "th.h"

#include "proto/trigger.h"

static const rh_trig_limits LIM = {3, 2, 16, 0, 0};

static int ev(const char *body, const rh_trig_limits *lim, rh_trig_event *e)
{
    char err[200] = "";
    int rc = rh_trig_parse_event(body, strlen(body), lim, e, err, sizeof(err));
    if (rc != RH_TRIG_OK) {
        if (err[0] == '\0')
            fail_msg("no message for %d", rc);
        assert_null(e->name);
        assert_null(e->channels);
        assert_int_equal(e->nchannels, 0);
    }
    return rc;
}

static void test_event_ok(void **state)
{
    (void)state;
    rh_trig_event e;
    assert_int_equal(ev("{\"name\":\"foo\",\"channels\":[\"project-3\",\"private-a\"],\"data\":"
                        "\"{\\\"some\\\":\\\"data\\\"}\",\"socket_id\":\"1.2\",\"info\":"
                        "\"subscription_count\"}",
                        &LIM, &e),
                     RH_TRIG_OK);
    assert_string_equal(e.name, "foo");
    assert_string_equal(e.data, "{\"some\":\"data\"}");
    assert_int_equal(e.data_len, 15);
    assert_int_equal(e.nchannels, 2);
    assert_string_equal(e.channels[0], "project-3");
    assert_string_equal(e.channels[1], "private-a");
    assert_string_equal(e.socket_id, "1.2");
    assert_string_equal(e.info, "subscription_count");
    rh_trig_clear(&e);
    rh_trig_clear(&e);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"\"}", NULL, &e), RH_TRIG_OK);
    assert_int_equal(e.nchannels, 1);
    assert_string_equal(e.channels[0], "c");
    assert_null(e.socket_id);
    assert_null(e.info);
    rh_trig_clear(&e);
}

static void test_event_errors(void **state)
{
    (void)state;
    rh_trig_event e;
    assert_int_equal(ev("", &LIM, &e), RH_TRIG_ERR_JSON);
    assert_int_equal(ev("{\"name\":\"n\"", &LIM, &e), RH_TRIG_ERR_JSON);
    assert_int_equal(
        ev("{\"name\":\"n\",\"name\":\"m\",\"channel\":\"c\",\"data\":\"\"}", &LIM, &e),
        RH_TRIG_ERR_JSON);
    assert_int_equal(ev("{\"name\":\"n\\u0000\",\"channel\":\"c\",\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_JSON);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"\xff\"}", &LIM, &e),
                     RH_TRIG_ERR_JSON);
    assert_int_equal(ev("[]", &LIM, &e), RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"channel\":\"c\",\"data\":\"\"}", &LIM, &e), RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":1,\"channel\":\"c\",\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"\",\"channel\":\"c\",\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_NAME);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"c\"}", &LIM, &e), RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":{\"a\":1}}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":5}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(
        ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"0123456789abcdefg\"}", &LIM, &e),
        RH_TRIG_ERR_TOO_LARGE);
    assert_int_equal(
        ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"0123456789abcdef\"}", &LIM, &e),
        RH_TRIG_OK);
    rh_trig_clear(&e);
    assert_int_equal(ev("{\"name\":\"n\",\"data\":\"\"}", &LIM, &e), RH_TRIG_ERR_FIELD);
    assert_int_equal(
        ev("{\"name\":\"n\",\"channel\":\"c\",\"channels\":[\"d\"],\"data\":\"\"}", &LIM, &e),
        RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":5,\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"n\",\"channels\":\"c\",\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"n\",\"channels\":[],\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_CHANNELS);
    assert_int_equal(
        ev("{\"name\":\"n\",\"channels\":[\"a\",\"b\",\"c\",\"d\"],\"data\":\"\"}", &LIM, &e),
        RH_TRIG_ERR_CHANNELS);
    assert_int_equal(ev("{\"name\":\"n\",\"channels\":[\"a\",\"a\"],\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_CHANNELS);
    assert_int_equal(ev("{\"name\":\"n\",\"channels\":[\"a\",1],\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(ev("{\"name\":\"n\",\"channels\":[\"a\",\"b c\"],\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_CHANNEL);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"\",\"data\":\"\"}", &LIM, &e),
                     RH_TRIG_ERR_CHANNEL);
    assert_int_equal(
        ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"\",\"socket_id\":\"x\"}", &LIM, &e),
        RH_TRIG_ERR_SOCKET_ID);
    assert_int_equal(
        ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"\",\"socket_id\":12}", &LIM, &e),
        RH_TRIG_ERR_SOCKET_ID);
    assert_int_equal(ev("{\"name\":\"n\",\"channel\":\"c\",\"data\":\"\",\"info\":[]}", &LIM, &e),
                     RH_TRIG_ERR_FIELD);
}

static void test_name_length(void **state)
{
    (void)state;
    char name[RH_TRIG_NAME_MAX + 2], body[400];
    memset(name, 'n', sizeof(name));
    name[RH_TRIG_NAME_MAX] = '\0';
    rh_trig_event e;
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"channel\":\"c\",\"data\":\"\"}", name);
    assert_int_equal(ev(body, &LIM, &e), RH_TRIG_OK);
    rh_trig_clear(&e);
    name[RH_TRIG_NAME_MAX] = 'n';
    name[RH_TRIG_NAME_MAX + 1] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"channel\":\"c\",\"data\":\"\"}", name);
    assert_int_equal(ev(body, &LIM, &e), RH_TRIG_ERR_NAME);
}

static void test_default_limits(void **state)
{
    (void)state;
    /* NULL limits: 100 channels, 10240 data bytes. */
    size_t cap = 20000;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t o = (size_t)snprintf(body, cap, "{\"name\":\"n\",\"data\":\"\",\"channels\":[");
    for (int i = 0; i < 101; i++)
        o += (size_t)snprintf(body + o, cap - o, "%s\"c%d\"", i ? "," : "", i);
    snprintf(body + o, cap - o, "]}");
    rh_trig_event e;
    assert_int_equal(ev(body, NULL, &e), RH_TRIG_ERR_CHANNELS);
    o = (size_t)snprintf(body, cap, "{\"name\":\"n\",\"channel\":\"c\",\"data\":\"");
    memset(body + o, 'x', 10241);
    snprintf(body + o + 10241, cap - o - 10241, "\"}");
    assert_int_equal(ev(body, NULL, &e), RH_TRIG_ERR_TOO_LARGE);
    snprintf(body + o + 10240, cap - o - 10240, "\"}");
    assert_int_equal(ev(body, NULL, &e), RH_TRIG_OK);
    assert_int_equal(e.data_len, 10240);
    rh_trig_clear(&e);
    free(body);
}

static int batch(const char *body, rh_trig_batch *b, char *err, size_t errlen)
{
    err[0] = '\0';
    int rc = rh_trig_parse_batch(body, strlen(body), &LIM, b, err, errlen);
    if (rc != RH_TRIG_OK) {
        if (err[0] == '\0')
            fail_msg("no message for %d", rc);
        assert_null(b->items);
        assert_int_equal(b->n, 0);
    }
    return rc;
}

/* pusher: and pusher_internal: names are refused everywhere; the stream event names only on
 * stream channels; each switch of the limits lets its kind through. */
static void test_reserved_names(void **state)
{
    (void)state;
    rh_trig_event e;
    static const char *refused[] = {
        "{\"name\":\"pusher:subscribe\",\"channel\":\"a\",\"data\":\"x\"}",
        "{\"name\":\"pusher_internal:member_added\",\"channel\":\"a\",\"data\":\"x\"}",
        "{\"name\":\"thread.token.streamed\",\"channels\":[\"a\",\"private-workspace.w."
        "thread.t\"],\"data\":\"x\"}",
        "{\"name\":\"thread.stream.ended\",\"channel\":\"private-workspace.w.thread.t\","
        "\"data\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(ev(refused[i], NULL, &e), RH_TRIG_ERR_RESERVED);
    static const char *allowed[] = {
        "{\"name\":\"pusher-like\",\"channel\":\"a\",\"data\":\"x\"}",
        "{\"name\":\"Pusher:x\",\"channel\":\"a\",\"data\":\"x\"}",
        "{\"name\":\"thread.token.streamed\",\"channel\":\"workspace.w.thread.t\","
        "\"data\":\"x\"}",
        "{\"name\":\"thread.token.streamedx\",\"channel\":\"private-workspace.w.thread.t\","
        "\"data\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        assert_int_equal(ev(allowed[i], NULL, &e), RH_TRIG_OK);
        rh_trig_clear(&e);
    }
    rh_trig_limits lax = {100, 10, 10240, 1, 0};
    assert_int_equal(ev(refused[0], &lax, &e), RH_TRIG_OK);
    rh_trig_clear(&e);
    assert_int_equal(ev(refused[3], &lax, &e), RH_TRIG_ERR_RESERVED);
    lax = (rh_trig_limits){100, 10, 10240, 0, 1};
    assert_int_equal(ev(refused[3], &lax, &e), RH_TRIG_OK);
    rh_trig_clear(&e);
    assert_int_equal(ev(refused[1], &lax, &e), RH_TRIG_ERR_RESERVED);

    rh_trig_batch b;
    char err[200] = "";
    const char *body = "{\"batch\":[{\"name\":\"ok\",\"channel\":\"a\",\"data\":\"x\"},"
                       "{\"name\":\"pusher:ping\",\"channel\":\"a\",\"data\":\"x\"}]}";
    assert_int_equal(rh_trig_parse_batch(body, strlen(body), NULL, &b, err, sizeof err),
                     RH_TRIG_ERR_RESERVED);
    assert_non_null(strstr(err, "batch[1]"));
    assert_int_equal(b.n, 0);
}

static void test_batch(void **state)
{
    (void)state;
    rh_trig_batch b;
    char err[200];
    assert_int_equal(
        batch("{\"batch\":[{\"name\":\"a\",\"channel\":\"c1\",\"data\":\"1\"},{\"name\":"
              "\"b\",\"channel\":\"c2\",\"data\":\"2\",\"info\":\"user_count\"}]}",
              &b, err, sizeof(err)),
        RH_TRIG_OK);
    assert_int_equal(b.n, 2);
    assert_string_equal(b.items[0].name, "a");
    assert_string_equal(b.items[1].channels[0], "c2");
    assert_string_equal(b.items[1].info, "user_count");
    rh_trig_batch_clear(&b);
    rh_trig_batch_clear(&b);
    assert_int_equal(batch("", &b, err, sizeof(err)), RH_TRIG_ERR_JSON);
    assert_int_equal(batch("[]", &b, err, sizeof(err)), RH_TRIG_ERR_FIELD);
    assert_int_equal(batch("{}", &b, err, sizeof(err)), RH_TRIG_ERR_FIELD);
    assert_int_equal(batch("{\"batch\":{}}", &b, err, sizeof(err)), RH_TRIG_ERR_FIELD);
    assert_int_equal(batch("{\"batch\":[]}", &b, err, sizeof(err)), RH_TRIG_ERR_BATCH);
    assert_int_equal(
        batch("{\"batch\":[{\"name\":\"a\",\"channel\":\"c\",\"data\":\"\"},{\"name\":"
              "\"a\",\"channel\":\"c\",\"data\":\"\"},{\"name\":\"a\",\"channel\":\"c\","
              "\"data\":\"\"}]}",
              &b, err, sizeof(err)),
        RH_TRIG_ERR_BATCH);
    assert_int_equal(batch("{\"batch\":[1]}", &b, err, sizeof(err)), RH_TRIG_ERR_FIELD);
    /* The second item is bad: the first (already allocated) is freed, message names the index. */
    assert_int_equal(batch("{\"batch\":[{\"name\":\"a\",\"channel\":\"c\",\"data\":\"\"},{\"name\":"
                           "\"b\",\"channel\":\"c\",\"data\":{}}]}",
                           &b, err, sizeof(err)),
                     RH_TRIG_ERR_FIELD);
    assert_non_null(strstr(err, "batch[1]: "));
    assert_int_equal(batch("{\"batch\":[{\"name\":\"a\",\"channels\":[\"c\"],\"data\":\"\"}]}", &b,
                           err, sizeof(err)),
                     RH_TRIG_ERR_FIELD);
    assert_int_equal(batch("{\"batch\":[{\"name\":\"a\",\"channel\":\"c\",\"data\":\"\",\"socket_"
                           "id\":\"1.x\"}]}",
                           &b, err, sizeof(err)),
                     RH_TRIG_ERR_SOCKET_ID);
    assert_non_null(strstr(err, "batch[0]: "));
    /* Half-filled item (channel invalid after name/data copied) is freed too. */
    assert_int_equal(batch("{\"batch\":[{\"name\":\"a\",\"channel\":\"c d\",\"data\":\"x\"}]}", &b,
                           err, sizeof(err)),
                     RH_TRIG_ERR_CHANNEL);
    assert_string_equal(rh_trig_strerror(RH_TRIG_ERR_TOO_LARGE), "data too large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_ok),    cmocka_unit_test(test_event_errors),
        cmocka_unit_test(test_name_length), cmocka_unit_test(test_default_limits),
        cmocka_unit_test(test_batch),       cmocka_unit_test(test_reserved_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
