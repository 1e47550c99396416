#include "th.h"

#include "proto/sign.h"

#define KEY       "278d425bdf160c739803"
#define SECRET    "7ad3773142a6692b25b8"
#define SOCK      "1234.1234"
#define PRIV_SIG  "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
#define PRES_DATA "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}"
#define PRES_SIG  "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"

static void test_digests(void **state)
{
    (void)state;
    char hex[RH_SIGN_HEX], md5[RH_MD5_HEX];
    rh_sign_hmac_hex(SECRET, S(SOCK ":private-foobar"), hex);
    assert_string_equal(hex, PRIV_SIG);
    /* RFC 4231 test case 2. */
    rh_sign_hmac_hex("Jefe", S("what do ya want for nothing?"), hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    rh_sign_md5_hex("", 0, md5);
    assert_string_equal(md5, "d41d8cd98f00b204e9800998ecf8427e");
    rh_sign_md5_hex(NULL, 0, md5);
    assert_string_equal(md5, "d41d8cd98f00b204e9800998ecf8427e");
    rh_sign_md5_hex(S("{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":"
                      "\\\"data\\\"}\"}"),
                    md5);
    assert_string_equal(md5, "ec365a775a4cd0599faeb73354201b6f");
}

static void test_channel_vectors(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(rh_sign_channel(KEY, SECRET, SOCK, "private-foobar", NULL, out, sizeof(out)),
                     RH_SIGN_OK);
    assert_string_equal(out, KEY ":" PRIV_SIG);
    assert_int_equal(
        rh_sign_channel(KEY, SECRET, SOCK, "presence-foobar", PRES_DATA, out, sizeof(out)),
        RH_SIGN_OK);
    assert_string_equal(out, KEY ":" PRES_SIG);
    /* An empty channel_data adds no ":" suffix. */
    assert_int_equal(rh_sign_channel(KEY, SECRET, SOCK, "private-foobar", "", out, sizeof(out)),
                     RH_SIGN_OK);
    assert_string_equal(out, KEY ":" PRIV_SIG);
    /* A well-formed signature for other data must not verify. */
    assert_int_equal(rh_sign_verify_channel(
                         KEY, SECRET, SOCK, "presence-foobar", PRES_DATA,
                         KEY ":afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c"),
                     RH_SIGN_ERR_MISMATCH);
}

static void test_space(void **state)
{
    (void)state;
    char out[85];
    /* key (20) + ':' + 64 + NUL = 86 bytes. */
    assert_int_equal(rh_sign_channel(KEY, SECRET, SOCK, "private-foobar", NULL, out, sizeof(out)),
                     RH_SIGN_ERR_SPACE);
    char out2[86];
    assert_int_equal(rh_sign_channel(KEY, SECRET, SOCK, "private-foobar", NULL, out2, sizeof(out2)),
                     RH_SIGN_OK);
}

static void test_verify(void **state)
{
    (void)state;
    const char *good = KEY ":" PRIV_SIG;
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, good),
                     RH_SIGN_OK);
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, NULL),
                     RH_SIGN_ERR_MISSING);
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, ""),
                     RH_SIGN_ERR_MISSING);
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, PRIV_SIG),
                     RH_SIGN_ERR_FORMAT); /* no key part */
    assert_int_equal(
        rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, ":" PRIV_SIG),
        RH_SIGN_ERR_FORMAT);
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL,
                                            KEY ":58DF8B0C36D6982B82C3ECF6B4662E34FE8C25BBA48F5369F"
                                                "135BF843651C3A4"),
                     RH_SIGN_ERR_FORMAT); /* uppercase hex */
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL,
                                            KEY ":58df8b0c36d6982b82c3"),
                     RH_SIGN_ERR_FORMAT); /* truncated */
    assert_int_equal(
        rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, KEY ":" PRIV_SIG "00"),
        RH_SIGN_ERR_FORMAT); /* overlong */
    assert_int_equal(
        rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", NULL, "otherkey:" PRIV_SIG),
        RH_SIGN_ERR_KEY);
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, "1234.1235", "private-foobar", NULL, good),
                     RH_SIGN_ERR_MISMATCH); /* another socket */
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobaz", NULL, good),
                     RH_SIGN_ERR_MISMATCH); /* another channel */
    assert_int_equal(rh_sign_verify_channel(KEY, "other", SOCK, "private-foobar", NULL, good),
                     RH_SIGN_ERR_MISMATCH); /* another secret */
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, "private-foobar", "{}", good),
                     RH_SIGN_ERR_MISMATCH); /* channel_data changes the string */
    assert_int_equal(
        rh_sign_verify_channel(KEY, SECRET, SOCK, "presence-foobar", PRES_DATA, KEY ":" PRES_SIG),
        RH_SIGN_OK);
}

static void test_long_input(void **state)
{
    (void)state;
    /* Past the internal stack buffer: still signs, and differently from a prefix. */
    char chan[2000];
    memset(chan, 'a', sizeof(chan) - 1);
    chan[sizeof(chan) - 1] = '\0';
    char a[128], b[128];
    assert_int_equal(rh_sign_channel(KEY, SECRET, SOCK, chan, NULL, a, sizeof(a)), RH_SIGN_OK);
    assert_int_equal(rh_sign_verify_channel(KEY, SECRET, SOCK, chan, NULL, a), RH_SIGN_OK);
    chan[1000] = '\0';
    assert_int_equal(rh_sign_channel(KEY, SECRET, SOCK, chan, NULL, b, sizeof(b)), RH_SIGN_OK);
    assert_string_not_equal(a, b);
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(rh_sign_ct_equal("abc", "abc", 3));
    assert_false(rh_sign_ct_equal("abc", "abd", 3));
    assert_false(rh_sign_ct_equal("xbc", "abc", 3));
    assert_true(rh_sign_ct_equal("abc", "abd", 2));
    assert_true(rh_sign_ct_equal("", "", 0));
}

static void test_socket_id(void **state)
{
    (void)state;
    assert_true(rh_sign_valid_socket_id("1234.1234"));
    assert_true(rh_sign_valid_socket_id("0.0"));
    assert_true(rh_sign_valid_socket_id("12345678901234567890.12345678901234567890"));
    assert_false(rh_sign_valid_socket_id("123456789012345678901.1"));
    assert_false(rh_sign_valid_socket_id("1.123456789012345678901"));
    assert_false(rh_sign_valid_socket_id(NULL));
    assert_false(rh_sign_valid_socket_id(""));
    assert_false(rh_sign_valid_socket_id("."));
    assert_false(rh_sign_valid_socket_id("1."));
    assert_false(rh_sign_valid_socket_id(".1"));
    assert_false(rh_sign_valid_socket_id("1234"));
    assert_false(rh_sign_valid_socket_id("1.2.3"));
    assert_false(rh_sign_valid_socket_id("-1.2"));
    assert_false(rh_sign_valid_socket_id("1.2 "));
    assert_false(rh_sign_valid_socket_id("a.b"));
    assert_false(rh_sign_valid_socket_id("1.2\n"));
}

static void test_strerror(void **state)
{
    (void)state;
    for (int c = RH_SIGN_ERR_SPACE; c <= RH_SIGN_OK; c++)
        assert_string_not_equal(rh_sign_strerror(c), rh_sign_strerror(-100));
}

/* protocol §18.1: unit test (the Pusher docs' worked user-authentication vector) */
static void test_user_vector(void **state)
{
    (void)state;
    char out[128];
    const char *key = "278d425bdf160c739803", *secret = "7ad3773142a6692b25b8";
    assert_int_equal(rh_sign_user(key, secret, "1234.1234", "{\"id\":\"12345\"}", out, sizeof out),
                     0);
    assert_string_equal(out, "278d425bdf160c739803:"
                             "4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba");
    assert_int_equal(rh_sign_verify_user(key, secret, "1234.1234", "{\"id\":\"12345\"}", out),
                     RH_SIGN_OK);
    assert_int_equal(rh_sign_verify_user(key, secret, "1234.1235", "{\"id\":\"12345\"}", out),
                     RH_SIGN_ERR_MISMATCH);
    assert_int_equal(rh_sign_verify_user(key, secret, "1234.1234", "{\"id\":\"1234\"}", out),
                     RH_SIGN_ERR_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digests),     cmocka_unit_test(test_channel_vectors),
        cmocka_unit_test(test_user_vector), cmocka_unit_test(test_space),
        cmocka_unit_test(test_verify),      cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_ct_equal),    cmocka_unit_test(test_socket_id),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
