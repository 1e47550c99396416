/* Redis URL parsing (pure; store/ owns it). Accepted: redis://host[:port][/db]. Passwords
 * are refused rather than ignored, so a deployment that needs AUTH hears so at start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/decimal.h"
#include "redis.h"

static int parse_num(const char *s, size_t n, long max, long *out)
{
    uint64_t v;
    if (rh_dec_u64(s, n, &v) != 0 || v > (uint64_t)max)
        return -1;
    *out = (long)v;
    return 0;
}

int rh_store_redis_parse_url(const char *url, char *host, size_t hostlen, int *port, int *db,
                             char *err, size_t errlen)
{
    static const char scheme[] = "redis://";
    if (!url || strncmp(url, scheme, sizeof scheme - 1) != 0) {
        snprintf(err, errlen, "Redis URL must start with redis://");
        return -1;
    }
    const char *p = url + sizeof scheme - 1;
    if (strchr(p, '@')) {
        snprintf(err, errlen, "Redis URL: user/password are not supported");
        return -1;
    }
    const char *slash = strchr(p, '/');
    const char *end = slash ? slash : p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(end - p));
    const char *hend = colon ? colon : end;
    size_t hl = (size_t)(hend - p);
    if (hl == 0 || hl >= hostlen) {
        snprintf(err, errlen, "Redis URL: missing or over-long host");
        return -1;
    }
    memcpy(host, p, hl);
    host[hl] = '\0';
    long v = 6379;
    if (colon && (parse_num(colon + 1, (size_t)(end - colon - 1), 65535, &v) != 0 || v == 0)) {
        snprintf(err, errlen, "Redis URL: bad port");
        return -1;
    }
    *port = (int)v;
    v = 0;
    if (slash && slash[1] && parse_num(slash + 1, strlen(slash + 1), 1000000, &v) != 0) {
        snprintf(err, errlen, "Redis URL: bad database number");
        return -1;
    }
    *db = (int)v;
    return 0;
}
