/* nf_model and nf_mut: sessions are valid and deterministic per seed; each layer changes what
 * it says it changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "fuzz/model.h"
#include "fuzz/mut.h"

static void sessions(void **state)
{
    (void)state;
    nf_model m = {.app_id = "app-id", .stream = 1};
    for (uint64_t seed = 0; seed < 50; seed++) {
        nf_rng a, b;
        nf_rng_init(&a, seed);
        nf_rng_init(&b, seed);
        nf_script x = {0}, y = {0};
        assert_int_equal(nf_model_session(&a, &m, &x), 0);
        assert_int_equal(nf_model_session(&b, &m, &y), 0);
        assert_int_equal(x.n, y.n);
        assert_true(x.n >= 2);
        assert_int_equal(x.steps[0].kind, NF_WS_OPEN);
        for (size_t i = 0; i < x.n; i++) {
            const nf_step *s = &x.steps[i];
            if (s->text) { /* every generated text is JSON; signed ones carry @AUTH@ */
                cJSON *j = cJSON_ParseWithLength(s->text, s->len);
                assert_non_null(j);
                cJSON_Delete(j);
                assert_memory_equal(s->text, y.steps[i].text, s->len);
            }
            if (s->sign_chan)
                assert_non_null(strstr(s->text, "@AUTH@"));
        }
        nf_script_free(&x);
        nf_script_free(&y);
    }
}

static void pusher_channel_data_resigned(void **state)
{
    (void)state;
    nf_rng r;
    nf_rng_init(&r, 3);
    int changed = 0;
    for (int i = 0; i < 200; i++) {
        nf_step st;
        nf_step_ws_text(&st, 0,
                        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-a\","
                        "\"auth\":\"@AUTH@\",\"channel_data\":\"{\\\"user_id\\\":\\\"u\\\"}\"}}");
        st.sign_chan = strdup("presence-a");
        st.sign_data = strdup("{\"user_id\":\"u\"}");
        assert_int_equal(nf_mut_pusher(&r, &st), 0);
        cJSON *j = cJSON_Parse(st.text);
        const cJSON *cd = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "channel_data");
        if (cJSON_IsString(cd)) /* the signature always covers the channel_data sent */
            assert_string_equal(cd->valuestring, st.sign_data);
        changed += strcmp(st.sign_data, "{\"user_id\":\"u\"}") != 0;
        cJSON_Delete(j);
        nf_step_free(&st);
    }
    assert_true(changed > 0);
}

static void framing_and_http(void **state)
{
    (void)state;
    nf_rng r;
    nf_rng_init(&r, 9);
    int huge = 0, pipe = 0, te = 0;
    for (int i = 0; i < 400; i++) {
        nf_step st;
        nf_step_ws_text(&st, 0, "{}");
        assert_int_equal(nf_mut_framing(&r, &st), 0);
        assert_int_equal(st.kind, NF_WS_FRAME);
        huge += st.claim_len == UINT64_MAX;
        nf_step_free(&st);
        nf_step_http(&st, "GET", "/apps/1/channels", NULL);
        assert_int_equal(nf_mut_http(&r, &st), 0);
        pipe += st.pipe && st.text != NULL; /* pipelined requests carry a body */
        te += st.framing == NF_BODY_CHUNKED || st.framing == NF_BODY_BOTH;
        nf_step_free(&st);
    }
    assert_true(huge > 0);
    assert_true(pipe > 0);
    assert_true(te > 0);
}

static void json_layer(void **state)
{
    (void)state;
    nf_rng r;
    nf_rng_init(&r, 5);
    int invalid = 0, deep = 0;
    const char *src = "{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":{\"k\":1}}";
    for (int i = 0; i < 300; i++) {
        size_t n;
        char *t = nf_mut_json_text(&r, src, strlen(src), &n);
        assert_non_null(t);
        cJSON *j = cJSON_ParseWithLength(t, n);
        invalid += j == NULL;
        deep += strstr(t, "[[[[[[[[[[[[[") != NULL;
        cJSON_Delete(j);
        free(t);
    }
    assert_true(invalid > 0);
    assert_true(deep > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sessions), cmocka_unit_test(pusher_channel_data_resigned),
        cmocka_unit_test(framing_and_http), cmocka_unit_test(json_layer)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
