/* Target httphead: conformance/wire's incremental HTTP/1 response-head parser, the first thing
 * every client reads from an untrusted server. Oracles: a head is found at most once, at the
 * same length on the whole input and on every longer prefix; every shorter prefix is PARTIAL
 * or ERROR, never a head; slices lie inside the buffer; the framing decision is the same on
 * every prefix that holds the head. */
#include <string.h>

#include "conformance/wire/http.h"
#include "fuzz.h"

#define MAXH 32

static void inside(const char *buf, size_t n, rw_slice s)
{
    FZ_CHECK(s.p >= buf && s.p + s.n <= buf + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1); /* exact size: no NUL after the bytes */
    FZ_CHECK(in);
    memcpy(in, data, size);
    rw_header h[MAXH];
    rw_http_head hd;
    int full = rw_http_parse_head(in, size, &hd, h, MAXH);
    FZ_CHECK(full > 0 || full == RW_HTTP_PARTIAL || full == RW_HTTP_ERROR);
    rw_body_kind kind = RW_BODY_NONE;
    uint64_t len = 0;
    int fr = 0;
    if (full > 0) {
        FZ_CHECK((size_t)full <= size && hd.head_len == (size_t)full);
        FZ_CHECK(hd.status >= 100 && hd.status <= 999 && hd.nheaders <= MAXH);
        inside(in, size, hd.reason);
        for (size_t i = 0; i < hd.nheaders; i++) {
            inside(in, size, h[i].name);
            inside(in, size, h[i].value);
            FZ_CHECK(h[i].name.n > 0);
        }
        fr = rw_http_framing(&hd, "GET", &kind, &len);
    }
    /* Prefixes: a few cut points keep the run fast on long inputs. */
    size_t cuts[] = {size / 4, size / 2, size - (size > 0), full > 0 ? (size_t)full - 1 : 0};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        int r = rw_http_parse_head(in, cuts[c], &hd, h, MAXH);
        if (full > 0 && cuts[c] >= (size_t)full) {
            FZ_CHECK(r == full);
            rw_body_kind k2;
            uint64_t l2;
            FZ_CHECK(rw_http_framing(&hd, "GET", &k2, &l2) == fr &&
                     (fr || (k2 == kind && l2 == len)));
        } else if (full > 0) {
            FZ_CHECK(r == RW_HTTP_PARTIAL);
        } else {
            FZ_CHECK(r <= 0);
            if (full == RW_HTTP_PARTIAL)
                FZ_CHECK(r == RW_HTTP_PARTIAL);
        }
    }
    free(in);
    return 0;
}
