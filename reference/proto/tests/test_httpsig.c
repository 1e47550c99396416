#include "th.h"

#include "proto/httpsig.h"

#define KEY    "278d425bdf160c739803"
#define SECRET "7ad3773142a6692b25b8"
#define BODY                                                                                       \
    "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}"
#define TS      1353088179L
#define MD5     "ec365a775a4cd0599faeb73354201b6f"
#define SIG     "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
#define Q_NOSIG "auth_key=" KEY "&auth_timestamp=1353088179&auth_version=1.0&body_md5=" MD5
#define Q       Q_NOSIG "&auth_signature=" SIG

static int verify(const char *query, const char *body, long now, long window, char *err,
                  size_t errlen)
{
    return rh_httpsig_verify(KEY, SECRET, "POST", "/apps/3/events", query, body,
                             body ? strlen(body) : 0, now, window, err, errlen);
}

/* protocol §6.1: unit test */
static void test_vector(void **state)
{
    (void)state;
    char sig[RH_SIGN_HEX];
    assert_int_equal(rh_httpsig_sign(SECRET, "POST", "/apps/3/events", Q_NOSIG, sig),
                     RH_HTTPSIG_OK);
    assert_string_equal(sig, SIG);
    /* auth_signature is not part of the signed string; the method is upper-cased. */
    assert_int_equal(rh_httpsig_sign(SECRET, "post", "/apps/3/events", Q, sig), RH_HTTPSIG_OK);
    assert_string_equal(sig, SIG);
    char err[256];
    assert_int_equal(verify(Q, BODY, TS, 600, err, sizeof(err)), RH_HTTPSIG_OK);
    assert_int_equal(verify(Q, BODY, TS + 600, 600, err, sizeof(err)), RH_HTTPSIG_OK);
    assert_int_equal(verify(Q, BODY, TS - 600, 600, err, sizeof(err)), RH_HTTPSIG_OK);
}

static void test_build_query(void **state)
{
    (void)state;
    char *q =
        rh_httpsig_build_query(KEY, SECRET, "POST", "/apps/3/events", TS, BODY, strlen(BODY), NULL);
    assert_non_null(q);
    assert_string_equal(q, Q);
    free(q);
    /* Without a body: no body_md5; extra params are signed. */
    q = rh_httpsig_build_query(KEY, SECRET, "GET", "/apps/3/channels", TS, NULL, 0,
                               "filter_by_prefix=presence-&info=user_count");
    assert_non_null(q);
    assert_null(strstr(q, "body_md5"));
    assert_non_null(strstr(q, "&filter_by_prefix=presence-&info=user_count&auth_signature="));
    assert_int_equal(
        rh_httpsig_verify(KEY, SECRET, "GET", "/apps/3/channels", q, NULL, 0, TS, 600, NULL, 0),
        RH_HTTPSIG_OK);
    /* Signed for another path: refused. */
    assert_int_equal(
        rh_httpsig_verify(KEY, SECRET, "GET", "/apps/3/channels/x", q, NULL, 0, TS, 600, NULL, 0),
        RH_HTTPSIG_ERR_SIGNATURE);
    assert_int_equal(
        rh_httpsig_verify(KEY, SECRET, "POST", "/apps/3/channels", q, NULL, 0, TS, 600, NULL, 0),
        RH_HTTPSIG_ERR_SIGNATURE);
    free(q);
    /* Extra parameters that cannot be signed unambiguously give NULL, not a query the server
     * would refuse (found by fuzz/fuzz_srv.c: a duplicate key). */
    assert_null(rh_httpsig_build_query(KEY, SECRET, "GET", "/apps/3/channels", TS, NULL, 0,
                                       "info=a&info=b"));
    assert_null(
        rh_httpsig_build_query(KEY, SECRET, "GET", "/apps/3/channels", TS, NULL, 0, "info=%zz"));
    assert_null(rh_httpsig_build_query(KEY, SECRET, "GET", "/apps/3/channels", TS, NULL, 0,
                                       "auth_key=other"));
}

static void test_canonical(void **state)
{
    (void)state;
    int rc = 1;
    char *c = rh_httpsig_canonical_query("b=2&A=1&auth_signature=zz&c=x%20y&Ab=3", &rc);
    assert_int_equal(rc, RH_HTTPSIG_OK);
    assert_non_null(c);
    assert_string_equal(c, "a=1&ab=3&b=2&c=x y");
    free(c);
    c = rh_httpsig_canonical_query("", &rc);
    assert_string_equal(c, "");
    free(c);
    c = rh_httpsig_canonical_query(NULL, &rc);
    assert_string_equal(c, "");
    free(c);
    assert_null(rh_httpsig_canonical_query("a=%zz", &rc));
    assert_int_equal(rc, RH_HTTPSIG_ERR_MALFORMED);
    assert_null(rh_httpsig_canonical_query("a=1&A=2", &rc)); /* equal once lower-cased */
    assert_int_equal(rc, RH_HTTPSIG_ERR_MALFORMED);
    assert_null(rh_httpsig_canonical_query("a=%00", NULL));
    /* Byte order: '_' (0x5f) sorts before 'a'..'z' and after digits/upper. */
    c = rh_httpsig_canonical_query("auth_version=1.0&auth_key=k&auth_timestamp=1&authz=1", &rc);
    assert_string_equal(c, "auth_key=k&auth_timestamp=1&auth_version=1.0&authz=1");
    free(c);
}

static void test_upper_case_keys_verify(void **state)
{
    (void)state;
    /* Keys are lower-cased both for lookup and for signing. */
    const char *q = "AUTH_KEY=" KEY "&auth_timestamp=1353088179&Auth_Version=1.0&body_md5=" MD5
                    "&auth_signature=" SIG;
    assert_int_equal(verify(q, BODY, TS, 600, NULL, 0), RH_HTTPSIG_OK);
}

static void expect(const char *query, const char *body, long now, long window, int code,
                   const char *needle)
{
    char err[256] = "";
    assert_int_equal(verify(query, body, now, window, err, sizeof(err)), code);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void test_errors_in_order(void **state)
{
    (void)state;
    expect("auth_key=%zz", BODY, TS, 600, RH_HTTPSIG_ERR_MALFORMED, "malformed");
    expect("auth_key=1&auth_key=2", BODY, TS, 600, RH_HTTPSIG_ERR_MALFORMED, "malformed");
    expect("", BODY, TS, 600, RH_HTTPSIG_ERR_MISSING, "auth_key");
    expect(NULL, BODY, TS, 600, RH_HTTPSIG_ERR_MISSING, "auth_key");
    expect("auth_key=x", BODY, TS, 600, RH_HTTPSIG_ERR_MISSING, "auth_timestamp");
    expect("auth_key=x&auth_timestamp=1", BODY, TS, 600, RH_HTTPSIG_ERR_MISSING, "auth_version");
    expect("auth_key=x&auth_timestamp=1&auth_version=2", BODY, TS, 600, RH_HTTPSIG_ERR_MISSING,
           "auth_signature");
    expect("auth_key=x&auth_timestamp=1&auth_version=2&auth_signature=s", BODY, TS, 600,
           RH_HTTPSIG_ERR_KEY, "\"x\"");
    expect("auth_key=" KEY "&auth_timestamp=1&auth_version=2&auth_signature=s", BODY, TS, 600,
           RH_HTTPSIG_ERR_VERSION, "\"2\"");
    expect("auth_key=" KEY "&auth_timestamp=1&auth_version=1.00&auth_signature=s", BODY, TS, 600,
           RH_HTTPSIG_ERR_VERSION, "1.0");
    expect("auth_key=" KEY "&auth_timestamp=abc&auth_version=1.0&auth_signature=s", BODY, TS, 600,
           RH_HTTPSIG_ERR_TIMESTAMP, "not an integer");
    expect("auth_key=" KEY "&auth_timestamp=&auth_version=1.0&auth_signature=s", BODY, TS, 600,
           RH_HTTPSIG_ERR_TIMESTAMP, "not an integer");
    expect("auth_key=" KEY "&auth_timestamp=99999999999999999999&auth_version=1.0&auth_signature=s",
           BODY, TS, 600, RH_HTTPSIG_ERR_TIMESTAMP, "not an integer");
    expect(Q, BODY, TS + 400000000L, 600, RH_HTTPSIG_ERR_TIMESTAMP,
           "auth_timestamp 1353088179 is 400000000 s from server time (window 600 s)");
    expect(Q, BODY, TS - 601, 600, RH_HTTPSIG_ERR_TIMESTAMP, "601 s");
    expect(Q, BODY, TS + 601, 600, RH_HTTPSIG_ERR_TIMESTAMP, "601 s");
    /* Window 0 disables the timestamp check. */
    expect(Q, BODY, TS + 400000000L, 0, RH_HTTPSIG_OK, "");
    expect("auth_key=" KEY "&auth_timestamp=1353088179&auth_version=1.0&auth_signature=" SIG, BODY,
           TS, 600, RH_HTTPSIG_ERR_BODY_MD5, "body_md5");
    expect(Q, BODY " ", TS, 600, RH_HTTPSIG_ERR_BODY_MD5, MD5);
    expect(Q_NOSIG "&auth_signature=" SIG, "", TS, 600, RH_HTTPSIG_ERR_BODY_MD5, "body_md5");
    expect("auth_key=" KEY "&auth_timestamp=1353088179&auth_version=1.0&body_md5=EC365A775A4CD059"
           "9FAEB73354201B6F&auth_signature=" SIG,
           BODY, TS, 600, RH_HTTPSIG_ERR_BODY_MD5, "body_md5");
    expect(Q_NOSIG "&auth_signature=" SIG "0", BODY, TS, 600, RH_HTTPSIG_ERR_SIGNATURE,
           "POST\\n/apps/3/events\\nauth_key=");
    expect(Q_NOSIG "&auth_signature=", BODY, TS, 600, RH_HTTPSIG_ERR_SIGNATURE, "auth_signature");
    expect(Q_NOSIG
           "&auth_signature=ea454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c",
           BODY, TS, 600, RH_HTTPSIG_ERR_SIGNATURE, "does not match");
    /* An extra unsigned parameter breaks the signature. */
    expect(Q "&info=x", BODY, TS, 600, RH_HTTPSIG_ERR_SIGNATURE, "info=x");
    /* Other secret. */
    assert_int_equal(rh_httpsig_verify(KEY, "other", "POST", "/apps/3/events", Q, BODY,
                                       strlen(BODY), TS, 600, NULL, 0),
                     RH_HTTPSIG_ERR_SIGNATURE);
}

static void test_empty_body_md5(void **state)
{
    (void)state;
    /* body_md5 with an empty body must be md5(""), and is then signed like any param. */
    char *q = rh_httpsig_build_query(KEY, SECRET, "POST", "/apps/3/streams/s/end", TS, NULL, 0,
                                     "body_md5=d41d8cd98f00b204e9800998ecf8427e");
    assert_non_null(q);
    assert_int_equal(
        rh_httpsig_verify(KEY, SECRET, "POST", "/apps/3/streams/s/end", q, "", 0, TS, 600, NULL, 0),
        RH_HTTPSIG_OK);
    free(q);
    q = rh_httpsig_build_query(KEY, SECRET, "POST", "/apps/3/streams/s/end", TS, NULL, 0,
                               "body_md5=99914b932bd37a50b983c5e7c90ae93b");
    assert_int_equal(
        rh_httpsig_verify(KEY, SECRET, "POST", "/apps/3/streams/s/end", q, "", 0, TS, 600, NULL, 0),
        RH_HTTPSIG_ERR_BODY_MD5);
    free(q);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int c = RH_HTTPSIG_ERR_NOMEM; c <= RH_HTTPSIG_OK; c++)
        assert_string_not_equal(rh_httpsig_strerror(c), rh_httpsig_strerror(-100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector),          cmocka_unit_test(test_build_query),
        cmocka_unit_test(test_canonical),       cmocka_unit_test(test_upper_case_keys_verify),
        cmocka_unit_test(test_errors_in_order), cmocka_unit_test(test_empty_body_md5),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
