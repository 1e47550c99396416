/* rw_url: see url.h. */
#include "url.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errlen, const char *why)
{
    if (errlen)
        snprintf(err, errlen, "%s", why);
    return -1;
}

static int scheme_of(const char *s, rw_url *out, size_t *used)
{
    static const struct {
        const char *name;
        int tls, port;
    } known[] = {{"ws", 0, 80}, {"wss", 1, 443}, {"http", 0, 80}, {"https", 1, 443}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t n = strlen(known[i].name);
        if (strncasecmp(s, known[i].name, n) == 0 && strncmp(s + n, "://", 3) == 0) {
            snprintf(out->scheme, sizeof out->scheme, "%s", known[i].name);
            out->tls = known[i].tls;
            out->port = known[i].port;
            *used = n + 3;
            return 0;
        }
    }
    return -1;
}

/* Host and optional port in s[0..n): 0 or -1. */
static int authority(const char *s, size_t n, rw_url *out, char *err, size_t errlen)
{
    const char *h = s, *colon;
    size_t hn;
    if (memchr(s, '@', n))
        return fail(err, errlen, "user information in a URL is not supported");
    if (n && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (!rb)
            return fail(err, errlen, "unclosed '[' in the URL's host");
        h = s + 1;
        hn = (size_t)(rb - h);
        colon = rb + 1 < s + n ? rb + 1 : NULL;
        if (colon && *colon != ':')
            return fail(err, errlen, "junk after the URL's IPv6 host");
    } else {
        colon = memchr(s, ':', n);
        hn = colon ? (size_t)(colon - s) : n;
    }
    if (hn == 0)
        return fail(err, errlen, "the URL has no host");
    if (memchr(h, '[', hn) || memchr(h, ']', hn) || (h != s && !memchr(h, ':', hn)))
        return fail(err, errlen,
                    "the URL's host is not a name, an IPv4 or a bracketed IPv6 address");
    if (hn >= sizeof out->host)
        return fail(err, errlen, "the URL's host is too long");
    memcpy(out->host, h, hn);
    out->host[hn] = '\0';
    if (colon) {
        const char *p = colon + 1, *end = s + n;
        long port = 0;
        if (p == end)
            return fail(err, errlen, "the URL's port is empty");
        for (; p < end; p++) {
            if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
                return fail(err, errlen, "the URL's port is not a number from 1 to 65535");
        }
        if (port == 0)
            return fail(err, errlen, "the URL's port is not a number from 1 to 65535");
        out->port = (int)port;
    }
    return 0;
}

int rw_url_parse(const char *s, rw_url *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return fail(err, errlen, "no URL");
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return fail(err, errlen, "blank or control character in the URL");
    size_t used;
    if (scheme_of(s, out, &used) != 0)
        return fail(err, errlen, "the URL must start with ws://, wss://, http:// or https://");
    s += used;
    size_t an = strcspn(s, "/?#");
    if (authority(s, an, out, err, errlen) != 0)
        return -1;
    s += an;
    if (strchr(s, '#'))
        return fail(err, errlen, "a fragment ('#') in the URL is not supported");
    size_t pn = strcspn(s, "?");
    if (pn >= sizeof out->path || strlen(s + pn) >= sizeof out->query + 1)
        return fail(err, errlen, "the URL's path or query is too long");
    if (pn == 0)
        snprintf(out->path, sizeof out->path, "/");
    else
        memcpy(out->path, s, pn);
    if (s[pn] == '?')
        snprintf(out->query, sizeof out->query, "%s", s + pn + 1);
    return 0;
}
