/* rh_enc: Pusher's end-to-end encrypted channels (docs/protocol.md 16), the server's share:
 * the app's encryption master key (32 bytes, configured as base64) and the per-channel
 * shared secret the authorizer hands out, base64(SHA-256(channel name || master key)), as
 * Pusher's server libraries derive it. The server never encrypts or decrypts anything.
 * Pure; no allocation. */
#ifndef RH_ENC_H
#define RH_ENC_H

#include <stddef.h>

#define RH_ENC_KEY_BYTES 32
/* base64 of 32 bytes: 44 characters and the NUL */
#define RH_ENC_SECRET_B64 45

/* Decodes a base64 master key that must decode to exactly 32 bytes. 0, or -1 with why. */
int rh_enc_key_decode(const char *b64, unsigned char out[RH_ENC_KEY_BYTES], char *err,
                      size_t errlen);
/* Writes base64(SHA-256(channel || key)) to out (at least RH_ENC_SECRET_B64 bytes). 0 or -1. */
int rh_enc_shared_secret(const unsigned char key[RH_ENC_KEY_BYTES], const char *channel, char *out,
                         size_t outlen);

#endif
