/* Unit tests of rw_pscan: the fast frame scanner and the full token check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/pscan.h"

#define TOK(seq)                                                                                   \
    "{\"event\":\"thread.token.streamed\",\"channel\":\"private-workspace.b.thread.t1\","          \
    "\"data\":\"{\\\"workspace_id\\\":\\\"b\\\",\\\"thread_id\\\":\\\"t1\\\",\\\"run_id\\\":"      \
    "\\\"r\\\",\\\"stream_id\\\":\\\"s1\\\",\\\"seq\\\":" seq ",\\\"token\\\":\\\"x\\\"}\"}"

static void test_frame_scanner(void **state)
{
    (void)state;
    rw_pscan f;
    const char *t = TOK("1234");
    assert_int_equal(rw_pscan_frame(t, strlen(t), &f), 0);
    assert_int_equal(f.kind, RW_PSCAN_TOKEN);
    assert_int_equal(f.seq, 1234);
    assert_int_equal(f.channel_len, strlen("private-workspace.b.thread.t1"));
    assert_memory_equal(f.channel, "private-workspace.b.thread.t1", f.channel_len);

    const char *est = "{\"event\":\"pusher:connection_established\",\"data\":\"{\\\"socket_id\\\":"
                      "\\\"123.456\\\",\\\"activity_timeout\\\":120}\"}";
    assert_int_equal(rw_pscan_frame(est, strlen(est), &f), 0);
    assert_int_equal(f.kind, RW_PSCAN_ESTABLISHED);
    assert_string_equal(f.socket_id, "123.456");

    const char *sub = "{\"event\":\"pusher_internal:subscription_succeeded\",\"channel\":\"c\","
                      "\"data\":\"{}\"}";
    assert_int_equal(rw_pscan_frame(sub, strlen(sub), &f), 0);
    assert_int_equal(f.kind, RW_PSCAN_SUBSCRIBED);
    const char *err = "{\"event\":\"pusher:subscription_error\",\"channel\":\"c\",\"data\":{}}";
    assert_int_equal(rw_pscan_frame(err, strlen(err), &f), 0);
    assert_int_equal(f.kind, RW_PSCAN_ERROR);
    assert_int_equal(f.code, -1);
    const char *e2 = "{\"event\":\"pusher:error\",\"data\":{\"code\":4301,\"message\":\"x\"}}";
    assert_int_equal(rw_pscan_frame(e2, strlen(e2), &f), 0);
    assert_int_equal(f.kind, RW_PSCAN_ERROR);
    assert_int_equal(f.code, 4301);
    assert_int_equal(f.event_len, strlen("pusher:error"));
    const char *ping = "{\"event\":\"pusher:ping\",\"data\":\"{}\"}";
    assert_int_equal(rw_pscan_frame(ping, strlen(ping), &f), 0);
    assert_int_equal(f.kind, RW_PSCAN_PING);
    /* A token without a seq is reported with seq 0, which the checker counts as an error. */
    const char *noseq = "{\"event\":\"thread.token.streamed\",\"data\":\"{}\"}";
    assert_int_equal(rw_pscan_frame(noseq, strlen(noseq), &f), 0);
    assert_int_equal(f.seq, 0);
    assert_int_equal(rw_pscan_frame("{\"data\":1}", 10, &f), -1);
    assert_int_equal(rw_pscan_frame("garbage", 7, &f), -1);
}

static void test_token_full(void **state)
{
    (void)state;
    char err[128];
    uint64_t seq = 0;
    const char *t = TOK("7");
    assert_int_equal(
        rw_pscan_token_full(t, strlen(t), "private-workspace.b.thread.t1", "s1", &seq, err, 128),
        0);
    assert_int_equal(seq, 7);
    assert_int_equal(
        rw_pscan_token_full(t, strlen(t), "private-workspace.b.thread.t2", "s1", &seq, err, 128),
        -1);
    assert_non_null(strstr(err, "channel"));
    assert_int_equal(
        rw_pscan_token_full(t, strlen(t), "private-workspace.b.thread.t1", "s9", &seq, err, 128),
        -1);
    assert_non_null(strstr(err, "stream_id"));
    const char *strseq = TOK("\\\"7\\\"");
    assert_int_equal(rw_pscan_token_full(strseq, strlen(strseq), "private-workspace.b.thread.t1",
                                         "s1", &seq, err, 128),
                     -1);
    assert_non_null(strstr(err, "seq"));
    const char *huge = TOK("1e300");
    assert_int_equal(rw_pscan_token_full(huge, strlen(huge), "private-workspace.b.thread.t1", "s1",
                                         &seq, err, 128),
                     -1);
    const char *frac = TOK("1.5");
    assert_int_equal(rw_pscan_token_full(frac, strlen(frac), "private-workspace.b.thread.t1", "s1",
                                         &seq, err, 128),
                     -1);
    assert_int_equal(rw_pscan_token_full("{\"event\":", 9, "c", "s", &seq, err, 128), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_scanner),
        cmocka_unit_test(test_token_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
