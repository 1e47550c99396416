/* rc_wsf: see ws_frame.h. */
#include "ws_frame.h"

#include <stdint.h>

int rc_wsf_parse(const unsigned char *p, size_t n, size_t max, rc_wsf *out)
{
    if (n < 2)
        return RC_WSF_MORE;
    out->fin = p[0] >> 7;
    out->op = p[0] & 15;
    int masked = p[1] >> 7;
    uint64_t len = p[1] & 127;
    size_t h = 2;
    if (len == 126) {
        if (n < 4)
            return RC_WSF_MORE;
        len = ((uint64_t)p[2] << 8) | p[3];
        h = 4;
    } else if (len == 127) {
        if (n < 10)
            return RC_WSF_MORE;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = (len << 8) | p[2 + i];
        h = 10;
    }
    out->hdr = h;
    /* Clamped for the report; the checks below use the full value. */
    out->len = len > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)len;
    if (p[0] & 0x70)
        return RC_WSF_RSV;
    if (len > max)
        return RC_WSF_TOO_LARGE;
    if (masked)
        return RC_WSF_MASKED;
    if (n - h < len)
        return RC_WSF_MORE;
    return RC_WSF_OK;
}
