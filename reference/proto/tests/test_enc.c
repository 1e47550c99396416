/* CMocka tests for rh_enc: master key decoding and the shared secret of encrypted channels.
 * The expected secret is base64(SHA-256(channel || key)), computed independently (Python's
 * hashlib) for the key bytes 0..31. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "proto/enc.h"

static const char *const KEY_B64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/* protocol §16: the master key is the base64 of exactly 32 bytes */
static void test_key_decode(void **state)
{
    (void)state;
    unsigned char k[RH_ENC_KEY_BYTES];
    char err[128];
    assert_int_equal(rh_enc_key_decode(KEY_B64, k, err, sizeof err), 0);
    for (int i = 0; i < RH_ENC_KEY_BYTES; i++)
        assert_int_equal(k[i], i);
    /* 31 and 33 bytes, no padding, bad characters, empty, NULL */
    assert_int_equal(
        rh_enc_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", k, err, sizeof err), -1);
    assert_non_null(strstr(err, "32 bytes"));
    assert_int_equal(
        rh_enc_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", k, err, sizeof err), -1);
    assert_int_equal(
        rh_enc_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH*8=", k, err, sizeof err), -1);
    assert_non_null(strstr(err, "base64"));
    assert_int_equal(rh_enc_key_decode("", k, err, sizeof err), -1);
    assert_int_equal(rh_enc_key_decode(NULL, k, err, sizeof err), -1);
    /* a 32-character passphrase (Pusher's old encryptionMasterKey form) is not base64 of 32 */
    assert_int_equal(rh_enc_key_decode("a-thirty-two-character-long-key!", k, err, sizeof err), -1);
}

/* protocol §16: shared_secret = base64(SHA-256(channel name || master key)) */
static void test_shared_secret(void **state)
{
    (void)state;
    unsigned char k[RH_ENC_KEY_BYTES];
    char err[128], out[RH_ENC_SECRET_B64];
    assert_int_equal(rh_enc_key_decode(KEY_B64, k, err, sizeof err), 0);
    assert_int_equal(rh_enc_shared_secret(k, "private-encrypted-x", out, sizeof out), 0);
    assert_string_equal(out, "6WW+JhQkrDHUfm5BytoU8ryaUq0zo82MTvUPheddo/Y=");
    char other[RH_ENC_SECRET_B64];
    assert_int_equal(rh_enc_shared_secret(k, "private-encrypted-y", other, sizeof other), 0);
    assert_string_not_equal(out, other);
    assert_int_equal(rh_enc_shared_secret(k, "private-encrypted-x", out, sizeof out - 1), -1);
    assert_int_equal(rh_enc_shared_secret(k, NULL, out, sizeof out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_decode),
        cmocka_unit_test(test_shared_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
