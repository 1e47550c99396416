/* nf_script and the finding file: a written finding reads back equal; bad files are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz/model.h"
#include "fuzz/script.h"

static void roundtrip(void **state)
{
    (void)state;
    nf_script sc = {0};
    nf_step st;
    assert_int_equal(nf_step_ws_text(&st, 1, "{\"event\":\"x\"}"), 0);
    st.kind = NF_WS_FRAME;
    st.claim_len = UINT64_MAX;
    st.len_form = 64;
    st.rsv = 5;
    st.mask[0] = 0xab;
    st.sign_chan = strdup("private-a");
    assert_int_equal(nf_script_push(&sc, &st), 0);
    nf_step_free(&st);
    assert_int_equal(nf_step_http(&st, "POST", "/apps/1/events", "{}"), 0);
    st.framing = NF_BODY_BOTH;
    st.pipe = 1;
    st.sigmut = NF_SIG_OLD;
    nf_step_set_text(&st, "a\0\xff", 3); /* bytes a JSON string cannot hold: hex */
    assert_int_equal(nf_script_push(&sc, &st), 0);
    nf_step_free(&st);
    nf_finding f = {.oracle = "crash", .detail = "died", .seed = 7, .repeat = 1};
    char *text = nf_finding_write(&f, &sc, NULL);
    assert_non_null(text);
    nf_finding g;
    nf_script back;
    char err[128];
    assert_int_equal(nf_finding_read(text, strlen(text), &g, &back, err, sizeof err), 0);
    assert_string_equal(g.oracle, "crash");
    assert_int_equal(g.seed, 7);
    assert_int_equal(back.n, 2);
    assert_int_equal(back.steps[0].kind, NF_WS_FRAME);
    assert_int_equal(back.steps[0].conn, 1);
    assert_true(back.steps[0].claim_len == UINT64_MAX);
    assert_int_equal(back.steps[0].rsv, 5);
    assert_int_equal(back.steps[0].mask[0], 0xab);
    assert_string_equal(back.steps[0].sign_chan, "private-a");
    assert_int_equal(back.steps[1].len, 3);
    assert_memory_equal(back.steps[1].text, "a\0\xff", 3);
    assert_int_equal(back.steps[1].framing, NF_BODY_BOTH);
    assert_int_equal(back.steps[1].pipe, 1);
    free(text);
    nf_script_free(&back);
    nf_script_free(&sc);
}

static void refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "[]",
        "{\"format\":\"x\",\"steps\":[]}",
        "{\"format\":\"rehome-fuzz-finding/1\",\"steps\":{}}",
        "{\"format\":\"rehome-fuzz-finding/1\",\"steps\":[{\"kind\":\"nope\"}]}",
        "{\"format\":\"rehome-fuzz-finding/1\",\"steps\":[{\"kind\":\"ws-text\",\"conn\":9}]}",
        ("{\"format\":\"rehome-fuzz-finding/1\","
         "\"steps\":[{\"kind\":\"ws-frame\",\"claim_len\":\"-1\"}]}"),
        "{\"format\":\"rehome-fuzz-finding/1\",\"steps\":[{\"kind\":\"ws-text\",\"hex\":\"abc\"}]}",
        "{\"format\":\"rehome-fuzz-finding/1\",\"steps\":[{\"kind\":\"http\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nf_finding f;
        nf_script sc;
        char err[128] = "";
        assert_int_equal(nf_finding_read(bad[i], strlen(bad[i]), &f, &sc, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(roundtrip), cmocka_unit_test(refused)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
