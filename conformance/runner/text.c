/* Text cleaning for reports: what a server sent may be any bytes, but JUnit XML and JSON
 * reports must stay well-formed. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if ((c & 0xe0) == 0xc0) {
        n = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static const char fffd[] = "\xef\xbf\xbd";

static char *transform(const char *s, int xml)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    char *out = malloc(len * 6 + 1); /* worst case: "&quot;" per byte */
    if (!out)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            memcpy(out + o, fffd, 3);
            o += 3;
            p++;
            continue;
        }
        if (xml && n == 1) {
            const char *rep = NULL;
            switch (*p) {
            case '&':
                rep = "&amp;";
                break;
            case '<':
                rep = "&lt;";
                break;
            case '>':
                rep = "&gt;";
                break;
            case '"':
                rep = "&quot;";
                break;
            case '\'':
                rep = "&apos;";
                break;
            default:
                if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                    rep = fffd; /* not allowed in XML 1.0, not even as &#x..; */
            }
            if (rep) {
                size_t rl = strlen(rep);
                memcpy(out + o, rep, rl);
                o += rl;
                p++;
                continue;
            }
        }
        /* U+FFFE and U+FFFF are not XML characters either. */
        if (xml && n == 3 && p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
            memcpy(out + o, fffd, 3);
            o += 3;
            p += 3;
            continue;
        }
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    out[o] = '\0';
    return out;
}

char *rc_xml_escape(const char *s)
{
    return transform(s, 1);
}

char *rc_utf8_clean(const char *s)
{
    return transform(s, 0);
}
