/* Target utf8: rh_utf8_valid against a slow decoder written from RFC 3629's table, so the
 * fast path and the definition cannot drift apart. */
#include "fuzz.h"
#include "proto/utf8.h"

/* Decodes one code point at s[i]; returns its length, or 0 when invalid. */
static size_t one(const unsigned char *s, size_t n, size_t i)
{
    unsigned c = s[i];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc0 && c < 0xe0)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c < 0xf0)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c < 0xf8)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (i + len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static int slow_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = one(s, n, i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fast = rh_utf8_valid((const char *)data, size);
    FZ_CHECK(fast == 0 || fast == 1);
    FZ_CHECK(fast == slow_valid(data, size));
    return 0;
}
