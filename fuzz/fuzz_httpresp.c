/* Target httpresp: the conformance client's HTTP response reader over conformance/wire (status
 * line, headers, Content-Length, chunked bodies). Input: one byte picking the method (GET, HEAD,
 * POST), then the bytes of the response. Oracles: a response complete on a prefix is complete, with
 * the same status and body, on the whole input; at the end of the connection more bytes are
 * never needed unless framing says so; the body never exceeds the bytes received. */
#include <string.h>

#include "conformance/client/http_resp.h"
#include "fuzz.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "GET"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *method = methods[data[0] & 3];
    /* Exact-size copies: the parser must not rely on a NUL after the bytes. */
    size_t n = size - 1;
    char *in = malloc(n ? n : 1);
    FZ_CHECK(in);
    memcpy(in, data + 1, n);
    rc_http_resp full, part;
    const char *why = NULL;
    int rf = rc_http_parse(in, n, 0, method, &full, &why);
    FZ_CHECK(rf == 0 || rf == 1 || (rf == -1 && why));
    if (rf == 0) {
        FZ_CHECK(full.headers && full.body && full.body_len <= n);
        FZ_CHECK(strlen(full.body) <= full.body_len);
    }
    size_t cut = n / 2;
    int rp = rc_http_parse(in, cut, 0, method, &part, &why);
    if (rp == 0) {
        FZ_CHECK(rf == 0);
        FZ_CHECK(part.status == full.status && part.body_len == full.body_len);
        FZ_CHECK(memcmp(part.body, full.body, part.body_len) == 0);
        rc_http_resp_free(&part);
    }
    if (rf == 0)
        rc_http_resp_free(&full);
    rc_http_resp eof;
    int re = rc_http_parse(in, n, 1, method, &eof, &why);
    FZ_CHECK(rf != 0 || re == 0);
    if (re == 0) {
        FZ_CHECK(eof.body_len <= n);
        rc_http_resp_free(&eof);
    }
    free(in);
    return 0;
}
