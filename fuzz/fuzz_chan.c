/* Target chan: channel names through rh_chan_validate, rh_chan_type_of, rh_chan_is_cache and
 * the stream-channel parser, and the same bytes as an encryption master key
 * (rh_enc_key_decode). Oracles: a parsed stream channel formats back to the same bytes, every
 * stream channel is a valid private channel name, a cache channel stays one whatever follows
 * its prefix, and a decoded key is 44 characters whose shared secret derives. */
#include <string.h>

#include "fuzz.h"
#include "proto/channel.h"
#include "proto/enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *name = (const char *)data;
    char err[128];
    int v = rh_chan_validate(name, size, err, sizeof err);
    FZ_CHECK(v <= 0);
    FZ_CHECK(rh_chan_strerror(v) != NULL);
    if (v == 0) {
        FZ_CHECK(size > 0 && size <= RH_CHAN_MAX_LEN);
        rh_chan_type t = rh_chan_type_of(name, size);
        FZ_CHECK(rh_chan_needs_auth(t) == (t != RH_CHAN_PUBLIC));
    }
    rh_chan_stream cs;
    if (rh_chan_parse_stream(name, size, &cs, err, sizeof err) == 0) {
        FZ_CHECK(rh_chan_valid_id(cs.workspace, strlen(cs.workspace)));
        FZ_CHECK(rh_chan_valid_id(cs.thread, strlen(cs.thread)));
        char out[RH_CHAN_MAX_LEN + 1];
        int n = rh_chan_format_stream(out, sizeof out, cs.workspace, cs.thread);
        FZ_CHECK(n >= 0 && (size_t)n == size && memcmp(out, name, size) == 0);
        FZ_CHECK(rh_chan_validate(out, (size_t)n, err, sizeof err) == 0);
        FZ_CHECK(rh_chan_type_of(out, (size_t)n) == RH_CHAN_PRIVATE);
    }
    /* Cache channels by prefix: a longer name with the same prefix is one too. */
    if (rh_chan_is_cache(name, size)) {
        FZ_CHECK(size >= 6);
        FZ_CHECK(!rh_chan_is_cache(name, 5));
    }
    char key_text[64];
    if (size < sizeof key_text) {
        memcpy(key_text, name, size);
        key_text[size] = '\0';
        unsigned char key[RH_ENC_KEY_BYTES];
        if (rh_enc_key_decode(key_text, key, err, sizeof err) == 0) {
            char secret[RH_ENC_SECRET_B64];
            FZ_CHECK(strlen(key_text) == 44);
            FZ_CHECK(rh_enc_shared_secret(key, "private-encrypted-x", secret, sizeof secret) == 0);
            FZ_CHECK(strlen(secret) == 44);
        }
    }
    /* The id rule on its own, with an upper bound the parser relies on. */
    if (rh_chan_valid_id(name, size))
        FZ_CHECK(size >= 1 && size <= RH_CHAN_ID_MAX);
    return 0;
}
