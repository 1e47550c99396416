/* CMocka tests for rh_metrics: recording and the Prometheus text encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"

/* 1 when text holds line as a whole line. */
static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

static void test_counters_and_gauges(void **state)
{
    (void)state;
    rh_metrics m;
    memset(&m, 0, sizeof m);
    m.conns_opened = 7;
    m.tokens_in = 1000;
    m.auth_failures[RH_AUTH_FAIL_SUBSCRIBE] = 3;
    rh_metrics_gauges g = {.connections = 5,
                           .subscriptions = 9,
                           .channels = 2,
                           .streams = 4,
                           .send_queue_bytes = 12345,
                           .store = "memory",
                           .store_up = 1};
    size_t len = 0;
    char *t = rh_metrics_encode(&m, &g, &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(t));
    assert_true(has_line(t, "rehome_connections 5"));
    assert_true(has_line(t, "# TYPE rehome_connections gauge"));
    assert_true(has_line(t, "rehome_connections_opened_total 7"));
    assert_true(has_line(t, "# TYPE rehome_connections_opened_total counter"));
    assert_true(has_line(t, "rehome_subscriptions 9"));
    assert_true(has_line(t, "rehome_channels 2"));
    assert_true(has_line(t, "rehome_streams 4"));
    assert_true(has_line(t, "rehome_tokens_in_total 1000"));
    assert_true(has_line(t, "rehome_send_queue_bytes 12345"));
    assert_true(has_line(t, "rehome_store_up{store=\"memory\"} 1"));
    assert_true(has_line(t, "rehome_auth_failures_total{reason=\"subscription\"} 3"));
    assert_true(has_line(t, "rehome_auth_failures_total{reason=\"http_signature\"} 0"));
    /* Every line is a comment or "name[{labels}] value": nothing else may appear. */
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(line[0] == '#' || (line[0] >= 'a' && line[0] <= 'z'));
        assert_non_null(memchr(line, ' ', (size_t)(nl - line)));
        line = nl + 1;
    }
    free(t);
}

static void test_http_codes(void **state)
{
    (void)state;
    rh_metrics m;
    memset(&m, 0, sizeof m);
    rh_metrics_http(&m, 200);
    rh_metrics_http(&m, 200);
    rh_metrics_http(&m, 429);
    rh_metrics_http(&m, 99);  /* ignored */
    rh_metrics_http(&m, 600); /* ignored */
    rh_metrics_gauges g = {0};
    char *t = rh_metrics_encode(&m, &g, NULL);
    assert_non_null(t);
    assert_true(has_line(t, "rehome_http_responses_total{code=\"200\"} 2"));
    assert_true(has_line(t, "rehome_http_responses_total{code=\"429\"} 1"));
    assert_null(strstr(t, "code=\"404\""));
    assert_null(strstr(t, "code=\"99\""));
    assert_true(has_line(t, "rehome_store_up{store=\"memory\"} 0"));
    free(t);
}

static void test_latency_histogram(void **state)
{
    (void)state;
    rh_metrics m;
    memset(&m, 0, sizeof m);
    rh_metrics_latency(&m, 50);      /* <= 100 us */
    rh_metrics_latency(&m, 100);     /* on the bound: same bucket */
    rh_metrics_latency(&m, 101);     /* <= 250 us */
    rh_metrics_latency(&m, 3000000); /* over every bound */
    rh_metrics_gauges g = {0};
    char *t = rh_metrics_encode(&m, &g, NULL);
    assert_non_null(t);
    assert_true(has_line(t, "# TYPE rehome_publish_to_send_seconds histogram"));
    assert_true(has_line(t, "rehome_publish_to_send_seconds_bucket{le=\"0.000100\"} 2"));
    assert_true(has_line(t, "rehome_publish_to_send_seconds_bucket{le=\"0.000250\"} 3"));
    assert_true(has_line(t, "rehome_publish_to_send_seconds_bucket{le=\"1.000000\"} 3"));
    assert_true(has_line(t, "rehome_publish_to_send_seconds_bucket{le=\"+Inf\"} 4"));
    assert_true(has_line(t, "rehome_publish_to_send_seconds_count 4"));
    assert_true(has_line(t, "rehome_publish_to_send_seconds_sum 3.000251"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_and_gauges),
        cmocka_unit_test(test_http_codes),
        cmocka_unit_test(test_latency_histogram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
