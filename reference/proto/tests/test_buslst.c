/* Unit tests of the "lst" bus message (proto/buslst.c): head, parse, subscription_succeeded
 * data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "proto/buslst.h"

#define MAXF 32

/* Splits m into f; the field count. */
static long split(const rh_busmsg *m, rh_busfield *f)
{
    assert_false(m->failed);
    return rh_busmsg_split(m->p, m->len, f, MAXF);
}

static void test_head_then_members_parse(void **state)
{
    (void)state;
    rh_busmsg m = {0};
    rh_buslst_head(&m, "app-1", "node-a", "1.2", "presence-x", 42);
    rh_busmsg_add_str(&m, "1");
    rh_busmsg_add_str(&m, "u1");
    rh_busmsg_add_str(&m, "{\"n\":1}");
    rh_busmsg_add_str(&m, "u\n2");
    rh_busmsg_add_str(&m, "");
    rh_busfield f[MAXF];
    long n = split(&m, f);
    assert_int_equal(n, 11);
    rh_buslst l;
    assert_int_equal(rh_buslst_parse(f, n, &l), 0);
    assert_false(l.refused);
    assert_true(rh_busfield_is(&l.app, "app-1"));
    assert_true(rh_busfield_is(&l.node, "node-a"));
    assert_true(rh_busfield_is(&l.socket, "1.2"));
    assert_true(rh_busfield_is(&l.channel, "presence-x"));
    assert_true(l.id == 42);
    assert_int_equal(l.n, 2);
    assert_true(rh_busfield_is(&l.members[2], "u\n2"));
    rh_busmsg_free(&m);
}

static void test_parse_refuses(void **state)
{
    (void)state;
    rh_busmsg m = {0};
    rh_buslst_head(&m, "a", "n", "s", "c", 1);
    rh_busfield f[MAXF];
    long n = split(&m, f);
    rh_buslst l;
    assert_int_equal(rh_buslst_parse(f, n, &l), -1); /* no answer */
    rh_busmsg_add_str(&m, "1");
    n = split(&m, f);
    assert_int_equal(rh_buslst_parse(f, n, &l), 0); /* nobody listed: still a list */
    assert_int_equal(l.n, 0);
    assert_int_equal(rh_buslst_parse(f, n - 2, &l), -1); /* no list id */
    rh_busmsg_add_str(&m, "u1");
    n = split(&m, f);
    assert_int_equal(rh_buslst_parse(f, n, &l), -1); /* a user without its info field */
    rh_busmsg_add_str(&m, "");
    n = split(&m, f);
    assert_int_equal(rh_buslst_parse(f, n, &l), 0);
    rh_busfield bad[MAXF];
    memcpy(bad, f, sizeof bad);
    bad[0] = (rh_busfield){"evt", 3};
    assert_int_equal(rh_buslst_parse(bad, n, &l), -1);
    memcpy(bad, f, sizeof bad);
    bad[5] = (rh_busfield){"x1", 2};
    assert_int_equal(rh_buslst_parse(bad, n, &l), -1);
    memcpy(bad, f, sizeof bad);
    bad[6] = (rh_busfield){"2", 1};
    assert_int_equal(rh_buslst_parse(bad, n, &l), -1); /* neither admitted nor refused */
    bad[6] = (rh_busfield){"0", 1};
    assert_int_equal(rh_buslst_parse(bad, n, &l), -1); /* a refusal lists nobody */
    assert_int_equal(rh_buslst_parse(bad, 7, &l), 0);
    assert_true(l.refused);
    memcpy(bad, f, sizeof bad);
    bad[7] = (rh_busfield){"", 0};
    assert_int_equal(rh_buslst_parse(bad, n, &l), -1); /* empty user_id */
    bad[7] = (rh_busfield){"a\0b", 3};
    assert_int_equal(rh_buslst_parse(bad, n, &l), -1); /* NUL inside a user_id */
    rh_busmsg_free(&m);
}

/* The JSON of a list given as (user_id, user_info) C strings. */
static char *json_of(const char *const *pairs, size_t n)
{
    rh_busfield f[MAXF];
    for (size_t i = 0; i < 2 * n; i++)
        f[i] = (rh_busfield){pairs[i], strlen(pairs[i])};
    rh_buslst l = {.members = f, .n = n};
    return rh_buslst_presence_json(&l);
}

static void test_presence_json(void **state)
{
    (void)state;
    const char *pairs[] = {"u2", "{\"name\":\"B\"}",     "u1", "",
                           "u2", "{\"name\":\"other\"}", "u3", "not json"};
    char *s = json_of(pairs, 4);
    assert_non_null(s);
    assert_string_equal(s, "{\"presence\":{\"ids\":[\"u2\",\"u1\",\"u3\"],\"hash\":{\"u2\":"
                           "{\"name\":\"B\"},\"u1\":null,\"u3\":null},\"count\":3}}");
    cJSON_free(s);
    s = json_of(pairs, 0);
    assert_string_equal(s, "{\"presence\":{\"ids\":[],\"hash\":{},\"count\":0}}");
    cJSON_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_then_members_parse),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_presence_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
