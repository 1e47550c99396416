/* rh_sign: Pusher channel-auth signatures and the digests under them (OpenSSL).
 *
 * auth = "<key>:" hex(HMAC-SHA256(secret, "<socket_id>:<channel>[:<channel_data>]")).
 * Pure functions; out buffers are the caller's. Verification compares in constant time. */
#ifndef RH_SIGN_H
#define RH_SIGN_H

#include <stddef.h>

#define RH_SIGN_HEX 65 /* 64 hex digits + NUL */
#define RH_MD5_HEX  33

typedef enum {
    RH_SIGN_OK = 0,
    RH_SIGN_ERR_MISSING = -1,  /* no auth given */
    RH_SIGN_ERR_FORMAT = -2,   /* not "key:64-lowercase-hex" */
    RH_SIGN_ERR_KEY = -3,      /* key part is not this app's key */
    RH_SIGN_ERR_MISMATCH = -4, /* signature does not match */
    RH_SIGN_ERR_SPACE = -5,    /* output buffer too small */
} rh_sign_err;

void rh_sign_hmac_hex(const char *secret, const void *msg, size_t len, char out[RH_SIGN_HEX]);
void rh_sign_md5_hex(const void *data, size_t len, char out[RH_MD5_HEX]);
/* Constant-time comparison of two n-byte regions: 1 when equal. */
int rh_sign_ct_equal(const void *a, const void *b, size_t n);
/* 1 when s matches ^[0-9]+\.[0-9]+$ (each part at most 20 digits). */
int rh_sign_valid_socket_id(const char *s);

/* Writes "key:hex" into out. channel_data NULL for private channels. */
int rh_sign_channel(const char *key, const char *secret, const char *socket_id, const char *channel,
                    const char *channel_data, char *out, size_t outlen);
/* Checks auth against the expected signature. 0 or a negative rh_sign_err. */
int rh_sign_verify_channel(const char *key, const char *secret, const char *socket_id,
                           const char *channel, const char *channel_data, const char *auth);
/* User authentication (docs/protocol.md 18.1): the signature of
 * "<socket_id>::user::<user_data>", written as "key:hex" / checked like a channel's. */
int rh_sign_user(const char *key, const char *secret, const char *socket_id, const char *user_data,
                 char *out, size_t outlen);
int rh_sign_verify_user(const char *key, const char *secret, const char *socket_id,
                        const char *user_data, const char *auth);
const char *rh_sign_strerror(int code);

#endif
