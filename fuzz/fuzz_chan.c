/* Target chan: channel names through rh_chan_validate, rh_chan_type_of and the stream-channel
 * parser. Oracles: a parsed stream channel formats back to the same bytes, and every stream
 * channel is a valid private channel name. */
#include <string.h>

#include "fuzz.h"
#include "proto/channel.h"

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
    /* The id rule on its own, with an upper bound the parser relies on. */
    if (rh_chan_valid_id(name, size))
        FZ_CHECK(size >= 1 && size <= RH_CHAN_ID_MAX);
    return 0;
}
