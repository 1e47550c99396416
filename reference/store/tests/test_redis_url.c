/* Unit tests of the Redis URL parser (store/redis_url.c, pure): plain and sentinel forms,
 * their defaults, a clear refusal of every malformed URL, and Sentinel's +switch-master. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/redis.h"
#include "store/redis_url.h"

static void test_plain(void **state)
{
    (void)state;
    rh_redis_url u;
    char err[128];
    assert_int_equal(rh_redis_url_parse("redis://h:7/3", &u, err, sizeof err), 0);
    assert_false(u.sentinel);
    assert_string_equal(u.at.host, "h");
    assert_int_equal(u.at.port, 7);
    assert_int_equal(u.db, 3);
    assert_int_equal(rh_redis_url_parse("redis://h", &u, err, sizeof err), 0);
    assert_int_equal(u.at.port, 6379);
    assert_int_equal(u.db, 0);
}

static void test_sentinel(void **state)
{
    (void)state;
    rh_redis_url u;
    char err[128];
    assert_int_equal(
        rh_redis_url_parse("redis+sentinel://a:1,b,c:3/mymaster/2", &u, err, sizeof err), 0);
    assert_true(u.sentinel);
    assert_int_equal(u.nsentinels, 3);
    assert_string_equal(u.sentinels[0].host, "a");
    assert_int_equal(u.sentinels[0].port, 1);
    assert_string_equal(u.sentinels[1].host, "b");
    assert_int_equal(u.sentinels[1].port, 26379);
    assert_int_equal(u.sentinels[2].port, 3);
    assert_string_equal(u.master, "mymaster");
    assert_int_equal(u.db, 2);
    assert_int_equal(rh_redis_url_parse("redis+sentinel://127.0.0.1:5/m", &u, err, sizeof err), 0);
    assert_int_equal(u.nsentinels, 1);
    assert_int_equal(u.db, 0);
    assert_string_equal(u.master, "m");
}

static void test_refused(void **state)
{
    (void)state;
    const char *bad[] = {"http://h:1",
                         "redis://",
                         "redis://h:0",
                         "redis://h:70000",
                         "redis://u:p@h:1",
                         "redis://h:1/x",
                         "redis+sentinel://a:1",
                         "redis+sentinel://a:1/",
                         "redis+sentinel:///m",
                         "redis+sentinel://a:1,/m",
                         "redis+sentinel://,a/m",
                         "redis+sentinel://a:x/m",
                         "redis+sentinel://a/m/x",
                         "redis+sentinel://a/m n",
                         "redis+sentinel://u:p@a/m",
                         "redis+sentinel://1,2,3,4,5,6,7,8,9/m",
                         "redis://h h:1",
                         NULL};
    rh_redis_url u;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "";
        assert_int_equal(rh_redis_url_parse(bad[i], &u, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
}

static void test_legacy(void **state)
{
    (void)state;
    char host[64], err[128];
    int port, db;
    assert_int_equal(
        rh_store_redis_parse_url("redis://h:7/3", host, sizeof host, &port, &db, err, sizeof err),
        0);
    assert_string_equal(host, "h");
    assert_int_equal(rh_store_redis_parse_url("redis+sentinel://a/m", host, sizeof host, &port, &db,
                                              err, sizeof err),
                     -1);
    assert_int_equal(
        rh_store_redis_parse_url("redis://hostname", host, 4, &port, &db, err, sizeof err), -1);
}

static void test_switch(void **state)
{
    (void)state;
    rh_redis_addr a;
    const char ok[] = "mymaster 127.0.0.1 6379 10.0.0.2 6380";
    assert_int_equal(rh_redis_switch_parse(ok, strlen(ok), "mymaster", &a), 1);
    assert_string_equal(a.host, "10.0.0.2");
    assert_int_equal(a.port, 6380);
    const char *bad[] = {"other 127.0.0.1 6379 10.0.0.2 6380",
                         "mymaster 127.0.0.1 6379 h",
                         "mymaster 127.0.0.1 6379 h 0",
                         "mymaster 127.0.0.1 6379 h 70000",
                         "mymaster 127.0.0.1 6379 h 1 extra",
                         "mymaster 1 2 h x",
                         "",
                         "mymasterx 127.0.0.1 6379 h 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rh_redis_switch_parse(bad[i], strlen(bad[i]), "mymaster", &a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),   cmocka_unit_test(test_sentinel),
        cmocka_unit_test(test_refused), cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
