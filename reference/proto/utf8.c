/* rh_utf8: strict UTF-8 validation. Owned by the proto module. */
#include "utf8.h"

int rh_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            /* Bounds on the second byte exclude overlongs (E0) and surrogates (ED). */
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F; /* nothing above U+10FFFF */
        } else {
            return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
        }
        if (len - i <= n)
            return 0;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
        i += n + 1;
    }
    return 1;
}
