/* rw_wsframe: see wsframe.h. */
#include "wsframe.h"

#include <string.h>

size_t rw_wsframe_header(unsigned char out[RW_WSFRAME_MAX_HEADER], const rw_wsframe *f)
{
    size_t o = 0;
    out[o++] = (unsigned char)((f->fin ? 0x80 : 0) | ((f->rsv & 7) << 4) | (f->opcode & 15));
    unsigned char m = f->masked ? 0x80 : 0;
    int form = f->len_form;
    if (!form)
        form = f->len < 126 ? 7 : f->len < 65536 ? 16 : 64;
    if (form == 7) {
        out[o++] = (unsigned char)(m | (f->len & 127));
    } else if (form == 16) {
        out[o++] = m | 126;
        out[o++] = (unsigned char)(f->len >> 8);
        out[o++] = (unsigned char)f->len;
    } else {
        out[o++] = m | 127;
        for (int i = 7; i >= 0; i--)
            out[o++] = (unsigned char)(f->len >> (8 * i));
    }
    if (f->masked) {
        memcpy(out + o, f->mask, 4);
        o += 4;
    }
    return o;
}

void rw_wsframe_mask(unsigned char *p, size_t n, const uint8_t mask[4], uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= mask[(off + i) & 3];
}

size_t rw_wsframe_encode(unsigned char *out, size_t cap, rw_wsframe *f, const void *payload,
                         size_t len, rw_wsframe_mask_cb cb, void *ud)
{
    f->len = len;
    if (f->masked && cb && cb(ud, f->mask) != 0)
        return 0;
    unsigned char h[RW_WSFRAME_MAX_HEADER];
    size_t hl = rw_wsframe_header(h, f);
    if (hl + len > cap || !out)
        return hl + len;
    memcpy(out, h, hl);
    if (len)
        memcpy(out + hl, payload, len);
    if (f->masked)
        rw_wsframe_mask(out + hl, len, f->mask, 0);
    return hl + len;
}

int rw_wsframe_decode(const unsigned char *p, size_t n, rw_wsframe *f, size_t *hdr_len)
{
    if (n < 2)
        return RW_WSFRAME_PARTIAL;
    memset(f, 0, sizeof *f);
    f->fin = p[0] >> 7;
    f->rsv = (p[0] >> 4) & 7;
    f->opcode = p[0] & 15;
    f->masked = p[1] >> 7;
    uint64_t len = p[1] & 127;
    size_t h = 2;
    if (len == 126) {
        if (n < 4)
            return RW_WSFRAME_PARTIAL;
        len = ((uint64_t)p[2] << 8) | p[3];
        h = 4;
        f->len_form = 16;
    } else if (len == 127) {
        if (n < 10)
            return RW_WSFRAME_PARTIAL;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = (len << 8) | p[2 + i];
        h = 10;
        f->len_form = 64;
    } else {
        f->len_form = 7;
    }
    if (f->masked) {
        if (n < h + 4)
            return RW_WSFRAME_PARTIAL;
        memcpy(f->mask, p + h, 4);
        h += 4;
    }
    f->len = len;
    *hdr_len = h;
    return RW_WSFRAME_HEADER;
}

rw_wsframe_error rw_wsframe_check(const rw_wsframe *f, uint64_t max, int from_client)
{
    if (f->rsv)
        return RW_WSFRAME_E_RSV;
    if (f->len > max)
        return RW_WSFRAME_E_TOO_LARGE;
    if (from_client && !f->masked)
        return RW_WSFRAME_E_UNMASKED;
    if (!from_client && f->masked)
        return RW_WSFRAME_E_MASKED;
    return RW_WSFRAME_OK;
}
