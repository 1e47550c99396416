/* jw: internal two-pass JSON writer. Owned by the proto module. */
#include "jw.h"

#include <stdio.h>
#include <string.h>

/* Escape sequence for c as JSON string content; returns its length (1 when unescaped). */
static size_t esc_byte(unsigned char c, char seq[6])
{
    static const char hx[] = "0123456789abcdef";
    switch (c) {
    case '"':
    case '\\':
        seq[0] = '\\';
        seq[1] = (char)c;
        return 2;
    case '\b':
        memcpy(seq, "\\b", 2);
        return 2;
    case '\f':
        memcpy(seq, "\\f", 2);
        return 2;
    case '\n':
        memcpy(seq, "\\n", 2);
        return 2;
    case '\r':
        memcpy(seq, "\\r", 2);
        return 2;
    case '\t':
        memcpy(seq, "\\t", 2);
        return 2;
    default:
        if (c < 0x20) {
            memcpy(seq, "\\u00", 4);
            seq[4] = hx[c >> 4];
            seq[5] = hx[c & 15];
            return 6;
        }
        seq[0] = (char)c;
        return 1;
    }
}

/* 1 for bytes JSON string content takes as they are. Such a byte is its own escape, at
 * every level, which is what lets put() copy runs of them straight to the output. */
static int plain_byte(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

static void emit(jw *w, const char *s, size_t n)
{
    if (w->out)
        memcpy(w->out + w->len, s, n);
    w->len += n;
}

/* Writes bytes at the current escaping level: runs of plain bytes are copied whole (most of
 * a token event is plain), each other byte is escaped and its sequence written one level
 * down. */
static void put(jw *w, const char *s, size_t n, int level)
{
    if (level == 0) {
        emit(w, s, n);
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && plain_byte((unsigned char)s[run]))
            run++;
        if (run > i)
            emit(w, s + i, run - i);
        if (run == n)
            break;
        char seq[6];
        size_t k = esc_byte((unsigned char)s[run], seq);
        put(w, seq, k, level - 1);
        i = run + 1;
    }
}

void jw_raw(jw *w, const char *s, size_t n)
{
    put(w, s, n, w->esc);
}

void jw_lit(jw *w, const char *s)
{
    jw_raw(w, s, strlen(s));
}

void jw_str(jw *w, const char *s, size_t n)
{
    put(w, "\"", 1, w->esc);
    put(w, s, n, w->esc + 1);
    put(w, "\"", 1, w->esc);
}

void jw_cstr(jw *w, const char *s)
{
    jw_str(w, s, strlen(s));
}

void jw_u64(jw *w, unsigned long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%llu", v);
    jw_raw(w, tmp, (size_t)n);
}

void jw_i64(jw *w, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);
    jw_raw(w, tmp, (size_t)n);
}

rh_buf *jw_build(jw_fn fn, const void *ctx)
{
    jw m = {0};
    fn(&m, ctx);
    rh_buf *b = rh_buf_alloc(m.len);
    if (!b)
        return NULL;
    jw w = {.out = b->data};
    fn(&w, ctx);
    return b;
}
