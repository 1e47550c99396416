/* Unit tests of rehome-bench's pure parts: histogram, stats and token check, result JSON (the
 * wire formats and /proc parsers are tested in conformance/wire/tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"
#include "result.h"
#include "stats.h"

static rb_hist hist; /* 30 KB: keep it off the test's stack */

static void test_hist_buckets_cover_every_value(void **state)
{
    (void)state;
    /* Each index's range starts right after the previous one ends, and each value maps into
     * the range of its own index, with the bucket width under 1/64 of the value. */
    uint64_t prev_hi = 0;
    for (int i = 0; i < RB_HIST_BUCKETS; i++) {
        uint64_t lo, hi;
        rb_hist_range(i, &lo, &hi);
        if (i > 0)
            assert_true(lo == prev_hi + 1);
        assert_int_equal(rb_hist_index(lo), i);
        assert_int_equal(rb_hist_index(hi), i);
        if (lo >= 128)
            assert_true((hi - lo) <= lo / 64);
        prev_hi = hi;
    }
    assert_true(prev_hi == UINT64_MAX);
    assert_int_equal(rb_hist_index(0), 0);
    assert_int_equal(rb_hist_index(127), 127);
    assert_int_equal(rb_hist_index(128), 128);
    assert_int_equal(rb_hist_index(UINT64_MAX), RB_HIST_BUCKETS - 1);
}

static void test_hist_quantiles(void **state)
{
    (void)state;
    rb_hist_init(&hist);
    assert_int_equal(rb_hist_quantile(&hist, 0.5), 0);
    /* 1..1000 us: p50 is the 500th sample, p99 the 990th, within bucket precision. */
    for (uint64_t i = 1; i <= 1000; i++)
        rb_hist_add(&hist, i * 1000);
    assert_int_equal(hist.count, 1000);
    assert_int_equal(hist.min, 1000);
    assert_int_equal(hist.max, 1000000);
    uint64_t p50 = rb_hist_quantile(&hist, 0.5);
    assert_true(p50 >= 500000 && p50 <= 500000 + 500000 / 64);
    uint64_t p99 = rb_hist_quantile(&hist, 0.99);
    assert_true(p99 >= 990000 && p99 <= 990000 + 990000 / 64);
    assert_int_equal(rb_hist_quantile(&hist, 1.0), 1000000);
    assert_int_equal(rb_hist_quantile(&hist, 0.0), 1000);
    assert_true(rb_hist_mean(&hist) > 500499.0 && rb_hist_mean(&hist) < 500501.0);
}

static void test_hist_tail_and_merge(void **state)
{
    (void)state;
    static rb_hist b;
    rb_hist_init(&hist);
    rb_hist_init(&b);
    for (int i = 0; i < 999; i++)
        rb_hist_add(&hist, 20000);
    rb_hist_add(&b, 5000000); /* one outlier in another histogram */
    rb_hist_merge(&hist, &b);
    assert_int_equal(hist.count, 1000);
    uint64_t p99 = rb_hist_quantile(&hist, 0.99);
    assert_true(p99 >= 20000 && p99 <= 20000 + 20000 / 64);
    /* The 0.999 rank is the 999th sample; only the max is the outlier. */
    assert_true(rb_hist_quantile(&hist, 0.999) < 30000);
    assert_int_equal(rb_hist_quantile(&hist, 0.9999), 5000000);
    assert_int_equal(hist.max, 5000000);
    assert_int_equal(hist.min, 20000);
}

static void test_median(void **state)
{
    (void)state;
    double odd[] = {5, 1, 3};
    double even[] = {4, 1, 3, 2};
    assert_true(rb_stats_median(odd, 3) == 3.0);
    assert_true(rb_stats_median(even, 4) == 2.5);
    assert_true(rb_stats_median(odd, 0) == 0.0);
    assert_true(odd[0] == 5); /* input untouched */
}

static void test_seqchk(void **state)
{
    (void)state;
    rb_seqchk c;
    rb_seqchk_init(&c);
    assert_int_equal(rb_seqchk_accept(&c, 1), RB_SEQ_OK);
    assert_int_equal(rb_seqchk_accept(&c, 2), RB_SEQ_OK);
    assert_int_equal(rb_seqchk_errors(&c, 2), 0);
    assert_int_equal(rb_seqchk_missing(&c, 5), 3);
    assert_int_equal(rb_seqchk_accept(&c, 4), RB_SEQ_GAP);    /* 3 lost */
    assert_int_equal(rb_seqchk_accept(&c, 4), RB_SEQ_REPEAT); /* duplicate */
    assert_int_equal(rb_seqchk_accept(&c, 3), RB_SEQ_REPEAT); /* late, out of order */
    assert_int_equal(rb_seqchk_accept(&c, 5), RB_SEQ_OK);
    assert_int_equal(c.received, 6);
    assert_int_equal(rb_seqchk_errors(&c, 5), 3);
    assert_int_equal(rb_seqchk_errors(&c, 7), 5); /* two never came */
    rb_seqchk_init(&c);
    assert_int_equal(rb_seqchk_accept(&c, 2), RB_SEQ_GAP); /* the first token must be 1 */
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void test_result_json(void **state)
{
    (void)state;
    static rb_hist lat, fl;
    rb_hist_init(&lat);
    rb_hist_init(&fl);
    for (int i = 0; i < 100; i++) {
        rb_hist_add(&lat, 100000); /* 100 us */
        rb_hist_add(&fl, 40000);   /* 40 us */
    }
    cJSON *h = rb_result_hist(&lat);
    assert_true(num(h, "count") == 100);
    assert_true(num(h, "p50_us") == 100.0);
    assert_true(num(h, "max_us") == 100.0);
    const cJSON *cdf = cJSON_GetObjectItemCaseSensitive(h, "cdf");
    assert_true(cJSON_GetArraySize(cdf) > 10);
    const cJSON *last = cJSON_GetArrayItem(cdf, cJSON_GetArraySize(cdf) - 1);
    assert_true(cJSON_GetArrayItem(last, 1)->valuedouble == 1.0);

    cJSON *above = rb_result_above_floor(&lat, &fl);
    assert_true(num(above, "p50_us") == 60.0);
    assert_true(num(above, "p99_us") == 60.0);
    cJSON_Delete(above);

    rb_result_meta m = {.version = "0.1.0",
                        .date = "2026-11-27T00:00:00Z",
                        .cpu_model = "cpu",
                        .ncpu = 2,
                        .kernel = "6.1",
                        .server_name = "rehome",
                        .server_url = "http://127.0.0.1:1",
                        .server_pid = 0,
                        .scenario = "latency",
                        .publish = "http"};
    cJSON *params = cJSON_CreateObject();
    cJSON_AddNumberToObject(params, "samples", 100);
    cJSON *figures = cJSON_CreateObject();
    cJSON_AddItemToObject(figures, "latency", h);
    cJSON *doc = rb_result_doc(&m, params, NULL, rb_result_hist(&fl), figures, 2);
    assert_non_null(doc);
    char *txt = cJSON_PrintUnformatted(doc);
    cJSON *back = cJSON_Parse(txt);
    assert_non_null(back);
    assert_string_equal(cJSON_GetObjectItem(back, "scenario")->valuestring, "latency");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(back, "server"), "pid")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(back, "placement")));
    assert_true(num(cJSON_GetObjectItem(back, "floor"), "p50_us") == 40.0);
    assert_true(num(cJSON_GetObjectItem(back, "parameters"), "samples") == 100);
    assert_true(num(back, "errors") == 2);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(back, "ok")));
    assert_true(num(cJSON_GetObjectItem(back, "machine"), "ncpu") == 2);
    cJSON_free(txt);
    cJSON_Delete(back);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_buckets_cover_every_value),
        cmocka_unit_test(test_hist_quantiles),
        cmocka_unit_test(test_hist_tail_and_merge),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_seqchk),
        cmocka_unit_test(test_result_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
