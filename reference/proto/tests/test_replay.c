#include "th.h"

#include "proto/decimal.h"
#include "proto/replay.h"

static int q(const char *s, rh_replay_query *out)
{
    char err[160] = "";
    int rc = rh_replay_parse_query(s, strlen(s), out, err, sizeof err);
    if (rc != RH_REPLAY_OK && err[0] == '\0')
        fail_msg("no message for %d", rc);
    return rc;
}

static void test_valid(void **state)
{
    (void)state;
    rh_replay_query r;
    assert_int_equal(q("after_seq=0", &r), RH_REPLAY_OK);
    assert_int_equal(r.after_seq, 0);
    assert_int_equal(r.limit, RH_REPLAY_MAX_LIMIT);
    assert_int_equal(q("auth_key=k&after_seq=42&limit=7&auth_signature=x", &r), RH_REPLAY_OK);
    assert_int_equal(r.after_seq, 42);
    assert_int_equal(r.limit, 7);
    assert_int_equal(q("after_seq=18446744073709551615&limit=1000", &r), RH_REPLAY_OK);
    assert_true(r.after_seq == UINT64_MAX);
    assert_int_equal(r.limit, 1000);
    assert_int_equal(q("after_seq=%31%30", &r), RH_REPLAY_OK); /* percent-encoded digits */
    assert_int_equal(r.after_seq, 10);
}

static void test_refused(void **state)
{
    (void)state;
    rh_replay_query r;
    assert_int_equal(q("", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("limit=5", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=-1", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=+1", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=1.0", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=1e3", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=%201", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=18446744073709551616", &r), RH_REPLAY_ERR_AFTER_SEQ);
    assert_int_equal(q("after_seq=1&limit=0", &r), RH_REPLAY_ERR_LIMIT);
    assert_int_equal(q("after_seq=1&limit=1001", &r), RH_REPLAY_ERR_LIMIT);
    assert_int_equal(q("after_seq=1&limit=x", &r), RH_REPLAY_ERR_LIMIT);
    assert_int_equal(q("after_seq=1&after_seq=2", &r), RH_REPLAY_ERR_QUERY);
    assert_int_equal(q("after_seq=%zz", &r), RH_REPLAY_ERR_QUERY);
    assert_string_equal(rh_replay_strerror(RH_REPLAY_ERR_LIMIT), "bad limit");
}

static void test_decimal(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(rh_dec_u64("0", 1, &v), 0);
    assert_true(v == 0);
    assert_int_equal(rh_dec_u64("18446744073709551615", 20, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(rh_dec_u64("123x", 3, &v), 0); /* only the n bytes given */
    assert_true(v == 123);
    v = 7;
    assert_int_equal(rh_dec_u64("18446744073709551616", 20, &v), -1);
    assert_int_equal(rh_dec_u64("", 0, &v), -1);
    assert_int_equal(rh_dec_u64("-1", 2, &v), -1);
    assert_int_equal(rh_dec_u64(" 1", 2, &v), -1);
    assert_int_equal(rh_dec_u64("123456789012345678901", 21, &v), -1);
    assert_true(v == 7); /* untouched on refusal */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_decimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
