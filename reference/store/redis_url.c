/* Redis URL parsing (pure; store/ owns it): see redis_url.h for the accepted forms. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../proto/decimal.h"
#include "redis.h"
#include "redis_url.h"

static int parse_num(const char *s, size_t n, long max, long *out)
{
    uint64_t v;
    if (rh_dec_u64(s, n, &v) != 0 || v > (uint64_t)max)
        return -1;
    *out = (long)v;
    return 0;
}

/* HOST[:PORT] in s[0..n): 0, or -1 with a message. */
static int parse_addr(const char *s, size_t n, int defport, rh_redis_addr *a, char *err,
                      size_t errlen)
{
    const char *colon = memchr(s, ':', n);
    size_t hl = colon ? (size_t)(colon - s) : n;
    if (hl == 0 || hl >= sizeof a->host) {
        snprintf(err, errlen, "Redis URL: missing or over-long host");
        return -1;
    }
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '/' || s[i] == ',') {
            snprintf(err, errlen, "Redis URL: bad character in host");
            return -1;
        }
    memcpy(a->host, s, hl);
    a->host[hl] = '\0';
    long v = defport;
    if (colon && (parse_num(colon + 1, n - hl - 1, 65535, &v) != 0 || v == 0)) {
        snprintf(err, errlen, "Redis URL: bad port");
        return -1;
    }
    a->port = (int)v;
    return 0;
}

static int parse_db(const char *s, int *db, char *err, size_t errlen)
{
    long v = 0;
    if (*s && parse_num(s, strlen(s), 1000000, &v) != 0) {
        snprintf(err, errlen, "Redis URL: bad database number");
        return -1;
    }
    *db = (int)v;
    return 0;
}

/* HOST:PORT,HOST:PORT.../MASTER[/DB] */
static int parse_sentinel(const char *p, rh_redis_url *u, char *err, size_t errlen)
{
    const char *slash = strchr(p, '/');
    if (!slash || slash == p) {
        snprintf(err, errlen, "Redis URL: redis+sentinel:// needs HOST:PORT,.../MASTER_NAME");
        return -1;
    }
    for (const char *s = p; s < slash;) {
        const char *comma = memchr(s, ',', (size_t)(slash - s));
        const char *e = comma ? comma : slash;
        if (u->nsentinels == RH_REDIS_SENTINEL_MAX) {
            snprintf(err, errlen, "Redis URL: more than %d sentinels", RH_REDIS_SENTINEL_MAX);
            return -1;
        }
        if (parse_addr(s, (size_t)(e - s), 26379, &u->sentinels[u->nsentinels], err, errlen) != 0)
            return -1;
        u->nsentinels++;
        s = comma ? comma + 1 : slash;
        if (comma && s == slash) {
            snprintf(err, errlen, "Redis URL: empty sentinel address");
            return -1;
        }
    }
    const char *m = slash + 1, *mend = strchr(m, '/');
    size_t ml = mend ? (size_t)(mend - m) : strlen(m);
    if (ml == 0 || ml >= sizeof u->master) {
        snprintf(err, errlen, "Redis URL: missing or over-long master name");
        return -1;
    }
    for (size_t i = 0; i < ml; i++)
        if ((unsigned char)m[i] <= ' ' || (unsigned char)m[i] >= 127) {
            snprintf(err, errlen, "Redis URL: bad character in master name");
            return -1;
        }
    memcpy(u->master, m, ml);
    u->master[ml] = '\0';
    return parse_db(mend ? mend + 1 : "", &u->db, err, errlen);
}

int rh_redis_url_parse(const char *url, rh_redis_url *u, char *err, size_t errlen)
{
    static const char plain[] = "redis://", sent[] = "redis+sentinel://";
    memset(u, 0, sizeof *u);
    if (!url) {
        snprintf(err, errlen, "Redis URL missing");
        return -1;
    }
    int is_sent = strncmp(url, sent, sizeof sent - 1) == 0;
    if (!is_sent && strncmp(url, plain, sizeof plain - 1) != 0) {
        snprintf(err, errlen, "Redis URL must start with redis:// or redis+sentinel://");
        return -1;
    }
    const char *p = url + (is_sent ? sizeof sent : sizeof plain) - 1;
    if (strchr(p, '@')) {
        snprintf(err, errlen, "Redis URL: user/password are not supported");
        return -1;
    }
    u->sentinel = is_sent;
    if (is_sent)
        return parse_sentinel(p, u, err, errlen);
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (parse_addr(p, n, 6379, &u->at, err, errlen) != 0)
        return -1;
    return parse_db(slash ? slash + 1 : "", &u->db, err, errlen);
}

int rh_store_redis_parse_url(const char *url, char *host, size_t hostlen, int *port, int *db,
                             char *err, size_t errlen)
{
    rh_redis_url u;
    if (rh_redis_url_parse(url, &u, err, errlen) != 0)
        return -1;
    if (u.sentinel) {
        snprintf(err, errlen, "Redis URL: a sentinel URL names no single server");
        return -1;
    }
    if (strlen(u.at.host) >= hostlen) {
        snprintf(err, errlen, "Redis URL: missing or over-long host");
        return -1;
    }
    snprintf(host, hostlen, "%s", u.at.host);
    *port = u.at.port;
    *db = u.db;
    return 0;
}

/* The next space-separated word of s[*at..len): its start and length, or -1 at the end. */
static int word(const char *s, size_t len, size_t *at, const char **w, size_t *wl)
{
    while (*at < len && s[*at] == ' ')
        (*at)++;
    size_t b = *at;
    while (*at < len && s[*at] != ' ')
        (*at)++;
    *w = s + b;
    *wl = *at - b;
    return *wl ? 0 : -1;
}

int rh_redis_switch_parse(const char *msg, size_t len, const char *master, rh_redis_addr *to)
{
    const char *w[5];
    size_t wl[5], at = 0;
    for (int i = 0; i < 5; i++)
        if (word(msg, len, &at, &w[i], &wl[i]) != 0)
            return 0;
    const char *extra;
    size_t el;
    long port;
    if (word(msg, len, &at, &extra, &el) == 0 || wl[0] != strlen(master) ||
        memcmp(w[0], master, wl[0]) != 0 || wl[3] >= sizeof to->host ||
        parse_num(w[4], wl[4], 65535, &port) != 0 || port == 0)
        return 0;
    for (size_t i = 0; i < wl[3]; i++)
        if ((unsigned char)w[3][i] < ' ' || w[3][i] == ',' || w[3][i] == '/')
            return 0;
    memcpy(to->host, w[3], wl[3]);
    to->host[wl[3]] = '\0';
    to->port = (int)port;
    return 1;
}
