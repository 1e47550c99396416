/* Encrypted channels: master key decoding and the shared secret (see enc.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "enc.h"

static int b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

int rh_enc_key_decode(const char *b64, unsigned char out[RH_ENC_KEY_BYTES], char *err,
                      size_t errlen)
{
    size_t n = b64 ? strlen(b64) : 0;
    /* 32 bytes are 44 characters ending in one '=' */
    if (n != 44 || b64[43] != '=' || b64[42] == '=') {
        snprintf(err, errlen, "must be the base64 of 32 bytes (44 characters, got %zu)", n);
        return -1;
    }
    for (size_t i = 0; i < 43; i++)
        if (!b64_char((unsigned char)b64[i])) {
            snprintf(err, errlen, "is not base64 (character %zu)", i + 1);
            return -1;
        }
    unsigned char buf[33];
    if (EVP_DecodeBlock(buf, (const unsigned char *)b64, 44) != 33) {
        snprintf(err, errlen, "is not base64");
        return -1;
    }
    memcpy(out, buf, RH_ENC_KEY_BYTES);
    return 0;
}

int rh_enc_shared_secret(const unsigned char key[RH_ENC_KEY_BYTES], const char *channel, char *out,
                         size_t outlen)
{
    if (!key || !channel || !out || outlen < RH_ENC_SECRET_B64)
        return -1;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, channel, strlen(channel)) == 1 &&
             EVP_DigestUpdate(md, key, RH_ENC_KEY_BYTES) == 1 &&
             EVP_DigestFinal_ex(md, digest, NULL) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        return -1;
    return EVP_EncodeBlock((unsigned char *)out, digest, sizeof digest) == 44 ? 0 : -1;
}
