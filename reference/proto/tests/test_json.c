#include "th.h"

#include <stdio.h>

#include "proto/json.h"

static int parse_code(const char *s, size_t len)
{
    int code = 12345;
    char err[128];
    cJSON *j = rh_json_parse(s, len, &code, err, sizeof(err));
    if (j) {
        cJSON_Delete(j);
        assert_int_equal(code, RH_JSON_OK);
    } else {
        assert_true(err[0] != '\0'); /* every refusal explains itself */
    }
    return code;
}

#define CODE(lit) parse_code(S(lit))

static void test_accepts(void **state)
{
    (void)state;
    assert_int_equal(CODE("{}"), RH_JSON_OK);
    assert_int_equal(CODE(" [1, -0.5e+3, true, false, null, \"x\"] "), RH_JSON_OK);
    assert_int_equal(CODE("\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00\""), RH_JSON_OK);
    assert_int_equal(CODE("{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}"), RH_JSON_OK);
    assert_int_equal(CODE("0"), RH_JSON_OK);
    assert_int_equal(CODE("\"\\\\u0000\""), RH_JSON_OK); /* escaped backslash, then text */
}

static void test_syntax(void **state)
{
    (void)state;
    assert_int_equal(CODE(""), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("   "), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{\"a\":"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{\"a\":1"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{\"a\" 1}"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{a:1}"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("[1,]"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{\"a\":1,}"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("\"abc"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("\"a\\x\""), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("\"a\\u12\""), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("\"a\\u12g4\""), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("\"tab\there\""), RH_JSON_ERR_SYNTAX); /* raw control char */
    assert_int_equal(CODE("+1"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("01"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("1."), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE(".5"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("1e"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("-"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("tru"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("nul"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("NaN"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("'a'"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("\xef\xbb\xbf{}"), RH_JSON_ERR_SYNTAX); /* BOM */
    assert_int_equal(parse_code("{}\0", 3), RH_JSON_ERR_SYNTAX);  /* NUL byte after */
    assert_int_equal(parse_code(NULL, 0), RH_JSON_ERR_SYNTAX);
}

static void test_trailing(void **state)
{
    (void)state;
    assert_int_equal(CODE("{} x"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{}{}"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("1 2"), RH_JSON_ERR_SYNTAX);
    assert_int_equal(CODE("{}\n\t "), RH_JSON_OK);
}

static void test_length_not_nul(void **state)
{
    (void)state;
    /* Only len bytes count: the same buffer is valid or not depending on len. */
    const char *s = "{\"a\":1}garbage";
    assert_int_equal(parse_code(s, 7), RH_JSON_OK);
    assert_int_equal(parse_code(s, 6), RH_JSON_ERR_SYNTAX);
    assert_int_equal(parse_code(s, 9), RH_JSON_ERR_SYNTAX);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(CODE("\"\xc3\""), RH_JSON_ERR_UTF8);
    assert_int_equal(CODE("\"\xed\xa0\x80\""), RH_JSON_ERR_UTF8);   /* raw surrogate */
    assert_int_equal(CODE("\"a\xff\\n\""), RH_JSON_ERR_UTF8);       /* before an escape */
    assert_int_equal(CODE("{\"k\xc0\xaf\":1}"), RH_JSON_ERR_UTF8);  /* in a key */
    assert_int_equal(CODE("\"\\ud800\""), RH_JSON_ERR_UTF8);        /* lone high */
    assert_int_equal(CODE("\"\\udc00\""), RH_JSON_ERR_UTF8);        /* lone low */
    assert_int_equal(CODE("\"\\ud800\\u0041\""), RH_JSON_ERR_UTF8); /* high + non-low */
    assert_int_equal(CODE("\"\\ud800x\""), RH_JSON_ERR_UTF8);
    assert_int_equal(CODE("\xff"), RH_JSON_ERR_SYNTAX); /* outside a string: just a bad token */
}

static void test_nul(void **state)
{
    (void)state;
    assert_int_equal(CODE("\"a\\u0000b\""), RH_JSON_ERR_NUL);
    assert_int_equal(CODE("{\"a\\u0000\":1}"), RH_JSON_ERR_NUL);
    assert_int_equal(CODE("{\"x\":[\"\\u0000\"]}"), RH_JSON_ERR_NUL);
    assert_int_equal(parse_code("\"a\0b\"", 5), RH_JSON_ERR_SYNTAX); /* raw NUL byte */
}

static void test_duplicates(void **state)
{
    (void)state;
    assert_int_equal(CODE("{\"a\":1,\"a\":2}"), RH_JSON_ERR_DUPLICATE);
    assert_int_equal(CODE("{\"a\":1,\"\\u0061\":2}"),
                     RH_JSON_ERR_DUPLICATE); /* same once decoded */
    assert_int_equal(CODE("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}"), RH_JSON_ERR_DUPLICATE);
    assert_int_equal(CODE("[{\"a\":1},{\"a\":1,\"a\":1}]"), RH_JSON_ERR_DUPLICATE);
    assert_int_equal(CODE("{\"a\":1,\"A\":2}"), RH_JSON_OK); /* case matters */
    /* Many keys (past the small-object fast path), one duplicate at the end. */
    char big[2000];
    size_t o = 0;
    o += (size_t)snprintf(big + o, sizeof(big) - o, "{");
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(big + o, sizeof(big) - o, "\"k%d\":%d,", i, i);
    o += (size_t)snprintf(big + o, sizeof(big) - o, "\"k7\":0}");
    assert_int_equal(parse_code(big, o), RH_JSON_ERR_DUPLICATE);
    char err[128];
    int code;
    assert_null(rh_json_parse(big, o, &code, err, sizeof(err)));
    assert_non_null(strstr(err, "k7"));
    big[o - 6] = 'z'; /* "z7" is fresh */
    assert_int_equal(parse_code(big, o), RH_JSON_OK);
}

static void test_depth(void **state)
{
    (void)state;
    char buf[200];
    for (int d = RH_JSON_MAX_DEPTH; d <= RH_JSON_MAX_DEPTH + 1; d++) {
        size_t o = 0;
        for (int i = 0; i < d; i++)
            buf[o++] = '[';
        for (int i = 0; i < d; i++)
            buf[o++] = ']';
        assert_int_equal(parse_code(buf, o),
                         d <= RH_JSON_MAX_DEPTH ? RH_JSON_OK : RH_JSON_ERR_DEPTH);
    }
    /* Deep and unterminated: still a clean refusal. */
    memset(buf, '{', sizeof(buf));
    assert_int_equal(parse_code(buf, sizeof(buf)), RH_JSON_ERR_SYNTAX);
    memset(buf, '[', sizeof(buf));
    assert_int_equal(parse_code(buf, sizeof(buf)), RH_JSON_ERR_DEPTH);
}

static void test_long_number(void **state)
{
    (void)state;
    char buf[80];
    memset(buf, '1', sizeof(buf));
    assert_int_equal(parse_code(buf, 63), RH_JSON_OK);
    assert_int_equal(parse_code(buf, 64), RH_JSON_ERR_SYNTAX);
}

static void test_values(void **state)
{
    (void)state;
    int code;
    cJSON *j = rh_json_parse(S("{\"s\":\"a\\\"b\\u00e9\",\"n\":5,\"t\":true}"), &code, NULL, 0);
    assert_non_null(j);
    assert_string_equal(rh_json_str(j, "s"), "a\"b\xc3\xa9");
    assert_null(rh_json_str(j, "n"));
    assert_null(rh_json_str(j, "missing"));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "n")->valueint, 5);
    cJSON_Delete(j);
    /* NULL errcode and err are allowed. */
    assert_null(rh_json_parse(S("{"), NULL, NULL, 0));
    assert_string_equal(rh_json_strerror(RH_JSON_ERR_DUPLICATE), "duplicate key");
    assert_string_equal(rh_json_strerror(99), "unknown JSON error");
}

/* xorshift: deterministic, so a failure reproduces. */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void test_mutations_agree_with_cjson(void **state)
{
    (void)state;
    /* Whatever rh_json accepts, cJSON must parse too (else a caller would see "out of memory"
     * for a syntax problem), and mutated input never crashes either parser. */
    static const char *const seeds[] = {
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-a\",\"auth\":\"k:s\"}}",
        "[1,-2.5e-3,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\",{\"a\":[{}]}]",
        "{\"tokens\":[\"a\",\"caf\xc3\xa9\",\"\\\"\"],\"x\":{\"y\":{\"z\":0}}}",
    };
    const char alphabet[] = "{}[]\",:\\u0123456789abcdefeE+-.tnlrsux \t\n\xc3\xa9\xff\xed";
    uint32_t seed = 0x2545F491u;
    char buf[256];
    int accepted = 0;
    for (int iter = 0; iter < 30000; iter++) {
        const char *src = seeds[iter % 3];
        size_t n = strlen(src);
        memcpy(buf, src, n);
        int edits = 1 + (int)(rnd(&seed) % 3);
        for (int e = 0; e < edits; e++) {
            size_t pos = rnd(&seed) % (n + 1);
            uint32_t op = rnd(&seed) % 3;
            char c = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
            if (op == 0 && pos < n) {
                buf[pos] = c;
            } else if (op == 1 && n + 1 < sizeof(buf)) {
                memmove(buf + pos + 1, buf + pos, n - pos);
                buf[pos] = c;
                n++;
            } else if (pos < n) {
                memmove(buf + pos, buf + pos + 1, n - pos - 1);
                n--;
            }
        }
        int code;
        cJSON *j = rh_json_parse(buf, n, &code, NULL, 0);
        cJSON *c = cJSON_ParseWithLength(buf, n);
        if (j) {
            accepted++;
            if (!c)
                fail_msg("rh_json accepted what cJSON refuses: %.*s", (int)n, buf);
        } else {
            assert_int_not_equal(code, RH_JSON_ERR_NOMEM);
        }
        cJSON_Delete(j);
        cJSON_Delete(c);
    }
    assert_true(accepted > 100); /* the mutations did not all break the input */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_length_not_nul),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_long_number),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_mutations_agree_with_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
