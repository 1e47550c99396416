/* Target wsframe: the conformance client's RFC 6455 frame parser over a stream of server
 * bytes, frame after frame, as rc_ws_recv consumes them. Oracles: a whole frame lies inside
 * the input, parses identically from exactly its own bytes, needs more one byte short of
 * them, and only the three header sizes occur. */
#include <string.h>

#include "conformance/client/ws_frame.h"
#include "fuzz.h"

#define MAX 4096 /* a small limit, so the too-large refusal is reachable */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t o = 0;
    while (o < size) {
        rc_wsf f;
        int r = rc_wsf_parse(data + o, size - o, MAX, &f);
        if (r == RC_WSF_MORE)
            break;
        FZ_CHECK(f.hdr == 2 || f.hdr == 4 || f.hdr == 10);
        FZ_CHECK(f.op >= 0 && f.op < 16 && (f.fin == 0 || f.fin == 1));
        if (r < 0) {
            FZ_CHECK(r == RC_WSF_RSV || r == RC_WSF_TOO_LARGE || r == RC_WSF_MASKED);
            if (r == RC_WSF_TOO_LARGE)
                FZ_CHECK(f.len > MAX);
            break; /* the client closes the connection here */
        }
        FZ_CHECK(f.len <= MAX && f.hdr + f.len <= size - o);
        size_t whole = f.hdr + f.len;
        /* An exact copy, so a read past the frame is caught by ASan. */
        uint8_t *copy = malloc(whole);
        FZ_CHECK(copy);
        memcpy(copy, data + o, whole);
        rc_wsf g;
        FZ_CHECK(rc_wsf_parse(copy, whole, MAX, &g) == RC_WSF_OK);
        FZ_CHECK(g.op == f.op && g.fin == f.fin && g.hdr == f.hdr && g.len == f.len);
        FZ_CHECK(rc_wsf_parse(copy, whole - 1, MAX, &g) == RC_WSF_MORE);
        free(copy);
        o += whole;
    }
    return 0;
}
