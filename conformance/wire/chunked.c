/* rw_chunked: see chunked.h. */
#include "chunked.h"

#include <string.h>

enum {
    S_SIZE,    /* hex digits of the size */
    S_EXT,     /* after the digits: blanks or ";ext" up to CR */
    S_SIZE_LF, /* the LF of the size line */
    S_DATA,
    S_DATA_CR,
    S_DATA_LF,
    S_TRAILER,      /* at the start of a trailer line (or the final CRLF) */
    S_TRAILER_LINE, /* inside a trailer field line */
    S_TRAILER_LF,   /* the LF ending a trailer line */
    S_END_LF,       /* the LF of the final CRLF */
    S_DONE,
    S_ERROR,
};

void rw_chunked_init(rw_chunked *d, uint64_t max_chunk)
{
    memset(d, 0, sizeof *d);
    d->max = max_chunk ? max_chunk : (uint64_t)1 << 40;
}

/* The value of a hex digit, or -1. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20); /* 'A'..'F' to 'a'..'f'; no other byte becomes a digit */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One byte of the framing (not data): the next state. */
static int step(rw_chunked *d, char c)
{
    switch (d->state) {
    case S_SIZE: {
        int v = hexval(c);
        if (v >= 0) {
            d->left = d->left * 16 + (uint64_t)v;
            return ++d->digits > 16 || d->left > d->max ? S_ERROR : S_SIZE;
        }
        if (!d->digits)
            return S_ERROR;
        if (c == '\r')
            return S_SIZE_LF;
        return c == ';' || c == ' ' || c == '\t' ? S_EXT : S_ERROR;
    }
    case S_EXT:
        return c == '\r' ? S_SIZE_LF : c == '\n' ? S_ERROR : S_EXT;
    case S_SIZE_LF:
        if (c != '\n')
            return S_ERROR;
        return d->left ? S_DATA : S_TRAILER;
    case S_DATA_CR:
        return c == '\r' ? S_DATA_LF : S_ERROR;
    case S_DATA_LF:
        d->digits = 0;
        return c == '\n' ? S_SIZE : S_ERROR;
    case S_TRAILER:
        return c == '\r' ? S_END_LF : c == '\n' ? S_ERROR : S_TRAILER_LINE;
    case S_TRAILER_LINE:
        return c == '\r' ? S_TRAILER_LF : c == '\n' ? S_ERROR : S_TRAILER_LINE;
    case S_TRAILER_LF:
        return c == '\n' ? S_TRAILER : S_ERROR;
    case S_END_LF:
        return c == '\n' ? S_DONE : S_ERROR;
    default:
        return S_ERROR;
    }
}

int rw_chunked_feed(rw_chunked *d, const char *in, size_t len, size_t *used, char *out,
                    size_t *outlen)
{
    size_t i = 0, o = 0;
    while (i < len && d->state != S_DONE && d->state != S_ERROR) {
        if (d->state == S_DATA) {
            size_t n = len - i;
            if (n > d->left)
                n = (size_t)d->left;
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
            d->left -= n;
            if (!d->left)
                d->state = S_DATA_CR;
            continue;
        }
        d->state = step(d, in[i++]);
    }
    *used = i;
    *outlen = o;
    if (d->state == S_ERROR)
        return RW_CHUNKED_ERROR;
    return d->state == S_DONE ? RW_CHUNKED_DONE : RW_CHUNKED_PARTIAL;
}
