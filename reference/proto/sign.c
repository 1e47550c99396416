/* rh_sign: channel-auth signatures and digests. Owned by the proto module. */
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void rh_sign_hmac_hex(const char *secret, const void *msg, size_t len, char out[RH_SIGN_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const unsigned char empty = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), len ? msg : &empty, len, md, &mdlen) ||
        mdlen != 32) {
        /* Only an OpenSSL failure gets here; an empty string never verifies as a signature. */
        out[0] = '\0';
        return;
    }
    to_hex(md, 32, out);
}

void rh_sign_md5_hex(const void *data, size_t len, char out[RH_MD5_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const unsigned char empty = 0;
    if (!EVP_Digest(len ? data : &empty, len, md, &mdlen, EVP_md5(), NULL) || mdlen != 16) {
        out[0] = '\0';
        return;
    }
    to_hex(md, 16, out);
}

int rh_sign_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= x[i] ^ y[i];
    return acc == 0;
}

static size_t count_digits(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

int rh_sign_valid_socket_id(const char *s)
{
    if (!s)
        return 0;
    size_t a = count_digits(s);
    if (a == 0 || a > 20 || s[a] != '.')
        return 0;
    size_t b = count_digits(s + a + 1);
    return b > 0 && b <= 20 && s[a + 1 + b] == '\0';
}

/* hex HMAC of "socket_id:channel[:channel_data]"; an empty channel_data adds no suffix. */
static int channel_hmac(const char *secret, const char *socket_id, const char *channel,
                        const char *channel_data, char out[RH_SIGN_HEX])
{
    size_t ls = strlen(socket_id), lc = strlen(channel);
    size_t ld = channel_data && *channel_data ? strlen(channel_data) : 0;
    size_t n = ls + 1 + lc + (ld ? 1 + ld : 0);
    char stackbuf[512];
    char *m = n <= sizeof(stackbuf) ? stackbuf : malloc(n);
    if (!m)
        return -1;
    memcpy(m, socket_id, ls);
    m[ls] = ':';
    memcpy(m + ls + 1, channel, lc);
    if (ld) {
        m[ls + 1 + lc] = ':';
        memcpy(m + ls + 2 + lc, channel_data, ld);
    }
    rh_sign_hmac_hex(secret, m, n, out);
    if (m != stackbuf)
        free(m);
    return out[0] ? 0 : -1;
}

int rh_sign_channel(const char *key, const char *secret, const char *socket_id, const char *channel,
                    const char *channel_data, char *out, size_t outlen)
{
    char hex[RH_SIGN_HEX];
    size_t lk = strlen(key);
    if (!out || outlen < lk + 1 + 64 + 1)
        return RH_SIGN_ERR_SPACE;
    if (channel_hmac(secret, socket_id, channel, channel_data, hex) < 0)
        return RH_SIGN_ERR_SPACE;
    memcpy(out, key, lk);
    out[lk] = ':';
    memcpy(out + lk + 1, hex, 65);
    return RH_SIGN_OK;
}

int rh_sign_verify_channel(const char *key, const char *secret, const char *socket_id,
                           const char *channel, const char *channel_data, const char *auth)
{
    if (!auth || !*auth)
        return RH_SIGN_ERR_MISSING;
    const char *colon = strrchr(auth, ':');
    if (!colon || colon == auth)
        return RH_SIGN_ERR_FORMAT;
    const char *sig = colon + 1;
    if (strlen(sig) != 64)
        return RH_SIGN_ERR_FORMAT;
    for (int i = 0; i < 64; i++)
        if (!((sig[i] >= '0' && sig[i] <= '9') || (sig[i] >= 'a' && sig[i] <= 'f')))
            return RH_SIGN_ERR_FORMAT;
    size_t lk = (size_t)(colon - auth);
    if (lk != strlen(key) || memcmp(auth, key, lk) != 0)
        return RH_SIGN_ERR_KEY;
    char hex[RH_SIGN_HEX];
    if (channel_hmac(secret, socket_id, channel, channel_data, hex) < 0)
        return RH_SIGN_ERR_MISMATCH;
    return rh_sign_ct_equal(hex, sig, 64) ? RH_SIGN_OK : RH_SIGN_ERR_MISMATCH;
}

/* "<socket_id>:" ":user:" ":<user_data>" is "<socket_id>::user::<user_data>": the channel
 * string with ":user:" in the channel's place. */
int rh_sign_user(const char *key, const char *secret, const char *socket_id, const char *user_data,
                 char *out, size_t outlen)
{
    return rh_sign_channel(key, secret, socket_id, ":user:", user_data, out, outlen);
}

int rh_sign_verify_user(const char *key, const char *secret, const char *socket_id,
                        const char *user_data, const char *auth)
{
    return rh_sign_verify_channel(key, secret, socket_id, ":user:", user_data, auth);
}

const char *rh_sign_strerror(int code)
{
    switch (code) {
    case RH_SIGN_OK:
        return "ok";
    case RH_SIGN_ERR_MISSING:
        return "auth missing";
    case RH_SIGN_ERR_FORMAT:
        return "auth is not \"key:signature\" with a 64-digit lowercase hex signature";
    case RH_SIGN_ERR_KEY:
        return "auth key is not this app's key";
    case RH_SIGN_ERR_MISMATCH:
        return "signature does not match";
    case RH_SIGN_ERR_SPACE:
        return "output buffer too small";
    default:
        return "unknown signature error";
    }
}
