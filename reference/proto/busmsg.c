/* The bus message format (see busmsg.h): length-prefixed fields. */
#include "busmsg.h"

#include "decimal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(rh_busmsg *m, size_t more)
{
    if (m->failed)
        return -1;
    if (m->len + more <= m->cap)
        return 0;
    size_t cap = m->cap ? m->cap : 256;
    while (cap < m->len + more)
        cap *= 2;
    char *p = realloc(m->p, cap);
    if (!p) {
        m->failed = 1;
        return -1;
    }
    m->p = p;
    m->cap = cap;
    return 0;
}

void rh_busmsg_add(rh_busmsg *m, const char *s, size_t len)
{
    char head[24];
    int n = snprintf(head, sizeof head, "%zu:", len);
    if (reserve(m, (size_t)n + len) != 0)
        return;
    memcpy(m->p + m->len, head, (size_t)n);
    if (len)
        memcpy(m->p + m->len + n, s, len);
    m->len += (size_t)n + len;
}

void rh_busmsg_add_str(rh_busmsg *m, const char *s)
{
    rh_busmsg_add(m, s ? s : "", s ? strlen(s) : 0);
}

void rh_busmsg_free(rh_busmsg *m)
{
    free(m->p);
    memset(m, 0, sizeof *m);
}

/* One field at msg[*pos]: its bytes, or -1 when malformed. */
static int next_field(const char *msg, size_t len, size_t *pos, rh_busfield *f)
{
    size_t i = *pos, v = 0, digits = 0;
    while (i < len && msg[i] >= '0' && msg[i] <= '9') {
        if (++digits > 10)
            return -1;
        v = v * 10 + (size_t)(msg[i] - '0');
        i++;
    }
    if (!digits || i >= len || msg[i] != ':' || v > len - i - 1)
        return -1;
    f->s = msg + i + 1;
    f->len = v;
    *pos = i + 1 + v;
    return 0;
}

long rh_busmsg_split(const char *msg, size_t len, rh_busfield *out, size_t max)
{
    size_t pos = 0, n = 0;
    rh_busfield f;
    while (pos < len && n < max) {
        if (next_field(msg, len, &pos, &f) != 0)
            return -1;
        out[n++] = f;
    }
    return (long)n;
}

long rh_busmsg_count(const char *msg, size_t len)
{
    size_t pos = 0;
    long n = 0;
    rh_busfield f;
    while (pos < len) {
        if (next_field(msg, len, &pos, &f) != 0)
            return -1;
        n++;
    }
    return n;
}

int rh_busfield_is(const rh_busfield *f, const char *s)
{
    size_t n = strlen(s);
    return f->len == n && memcmp(f->s, s, n) == 0;
}

int rh_busfield_u64(const rh_busfield *f, unsigned long long *out)
{
    uint64_t v;
    if (rh_dec_u64(f->s, f->len, &v) != 0)
        return -1;
    *out = v;
    return 0;
}

size_t rh_busmsg_seq_head(const char *msg, size_t len, unsigned long long *seq)
{
    size_t i = 0;
    while (i < len && i <= 20 && msg[i] >= '0' && msg[i] <= '9')
        i++;
    uint64_t v;
    if (i == 0 || i > 20 || i >= len || msg[i] != '|' || rh_dec_u64(msg, i, &v) != 0)
        return 0;
    *seq = v;
    return i + 1;
}
