/* Target wsframe: conformance/wire's RFC 6455 frame decoder and message layer over a stream
 * of server bytes, frame after frame, as the suite's client and rehome-load consume them.
 * Oracles: a decoded header lies inside the input and only the three length forms (plus a
 * mask) occur; a header re-encoded from its fields gives back exactly its bytes; one byte
 * short of a header is PARTIAL; the message layer never hands out more bytes than it was
 * given, nor a message over its limit. */
#include <string.h>

#include "conformance/wire/wsframe.h"
#include "conformance/wire/wsmsg.h"
#include "fuzz.h"

#define MAX 4096 /* a small limit, so the too-large refusal is reachable */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t o = 0, given = 0;
    rw_wsmsg m;
    rw_wsmsg_init(&m, MAX);
    while (o < size) {
        rw_wsframe f;
        size_t hl = 0;
        if (rw_wsframe_decode(data + o, size - o, &f, &hl) == RW_WSFRAME_PARTIAL)
            break;
        FZ_CHECK(hl <= size - o);
        FZ_CHECK(hl == (size_t)(2 +
                                (f.len_form == 16   ? 2
                                 : f.len_form == 64 ? 8
                                                    : 0) +
                                (f.masked ? 4 : 0)));
        /* An exact copy, so a read past the header is caught by ASan. */
        uint8_t *copy = malloc(hl);
        FZ_CHECK(copy);
        memcpy(copy, data + o, hl);
        rw_wsframe g;
        size_t gl;
        FZ_CHECK(rw_wsframe_decode(copy, hl - 1, &g, &gl) == RW_WSFRAME_PARTIAL);
        FZ_CHECK(rw_wsframe_decode(copy, hl, &g, &gl) == RW_WSFRAME_HEADER && gl == hl);
        unsigned char again[RW_WSFRAME_MAX_HEADER];
        FZ_CHECK(rw_wsframe_header(again, &g) == hl && memcmp(again, copy, hl) == 0);
        free(copy);
        if (rw_wsframe_check(&f, MAX, 0) != RW_WSFRAME_OK || size - o - hl < f.len)
            break; /* the client closes the connection here, or waits for more */
        unsigned char *pl = malloc(f.len + 1);
        FZ_CHECK(pl);
        memcpy(pl, data + o + hl, (size_t)f.len);
        rw_wsmsg_event ev;
        int k = rw_wsmsg_frame(&m, &f, (const char *)pl, (size_t)f.len, &ev);
        /* Data payloads since the last message; control frames in between do not count. */
        if (f.opcode < 8)
            given += (size_t)f.len;
        FZ_CHECK(k == ev.kind);
        if (k == RW_WSMSG_MESSAGE) {
            FZ_CHECK(ev.len <= given && ev.len <= MAX &&
                     (ev.opcode == RW_WS_TEXT || ev.opcode == RW_WS_BINARY));
            given = 0;
        }
        if (k == RW_WSMSG_CONTROL)
            FZ_CHECK(ev.len == f.len && ev.opcode == f.opcode);
        free(pl);
        if (k == RW_WSMSG_ERROR)
            break;
        o += hl + (size_t)f.len;
    }
    rw_wsmsg_free(&m);
    return 0;
}
