/* rc_ep: endpoints per role. See endpoints.h. */
#include "endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *rc_role_name(rc_role r)
{
    static const char *const n[RC_ROLES] = {"ws", "api", "auth", "control"};
    return r < RC_ROLES ? n[r] : "?";
}

static int host_part(const char *u, rc_role_ep *e, const char **rest)
{
    const char *hend;
    size_t n;
    if (*u == '[') {
        hend = strchr(u, ']');
        if (!hend)
            return -1;
        n = (size_t)(hend - u - 1);
        u++;
        *rest = hend + 1;
    } else {
        hend = u + strcspn(u, ":/?");
        n = (size_t)(hend - u);
        *rest = hend;
    }
    if (n == 0 || n >= sizeof e->host)
        return -1;
    memcpy(e->host, u, n);
    e->host[n] = 0;
    return 0;
}

int rc_ep_parse(const char *url, int with_path, rc_role_ep *e, char *err, size_t errlen)
{
    const char *u = url, *rest;
    memset(e, 0, sizeof *e);
    if (!url || strlen(url) >= sizeof e->url) {
        snprintf(err, errlen, "URL missing or too long");
        return -1;
    }
    snprintf(e->url, sizeof e->url, "%s", url);
    if (strncasecmp(u, "http://", 7) == 0) {
        u += 7;
        e->port = 80;
    } else if (strncasecmp(u, "https://", 8) == 0) {
        u += 8;
        e->tls = 1;
        e->port = 443;
    } else {
        snprintf(err, errlen, "URL must start with http:// or https://: %s", url);
        return -1;
    }
    if (host_part(u, e, &rest) < 0)
        goto bad;
    if (*rest == ':') {
        char *end;
        long p = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || p < 1 || p > 65535)
            goto bad;
        e->port = (int)p;
        rest = end;
    }
    if (with_path) {
        if (*rest != '/' || !rest[1] || strlen(rest) >= sizeof e->path) {
            snprintf(err, errlen, "URL needs a path (http://host:port/path): %s", url);
            return -1;
        }
        snprintf(e->path, sizeof e->path, "%s", rest);
    } else if (*rest && strcmp(rest, "/") != 0) {
        snprintf(err, errlen, "URL must not have a path (%s): %s", rest, url);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "bad URL %s", url);
    return -1;
}

int rc_ep_resolve(const char *positional, const char *const urls[RC_ROLES], const char *auth_path,
                  int auth_path_given, rc_role_ep ep[RC_ROLES], char *err, size_t errlen)
{
    char sub[400];
    rc_role_ep base;
    if (urls[RC_ROLE_AUTH] && auth_path_given) {
        snprintf(err, errlen,
                 "--auth-path and --auth-url exclude each other (the URL has the path)");
        return -1;
    }
    if (positional && rc_ep_parse(positional, 0, &base, sub, sizeof sub) < 0) {
        snprintf(err, errlen, "%s", sub);
        return -1;
    }
    for (int r = 0; r < RC_ROLES; r++) {
        int with_path = r == RC_ROLE_AUTH;
        if (urls[r]) {
            if (rc_ep_parse(urls[r], with_path, &ep[r], sub, sizeof sub) < 0) {
                snprintf(err, errlen, "--%s-url: %s", rc_role_name(r), sub);
                return -1;
            }
            ep[r].given = 1;
            continue;
        }
        if (!positional) {
            snprintf(err, errlen, "no URL for the %s endpoint: give the positional URL or --%s-url",
                     rc_role_name(r), rc_role_name(r));
            return -1;
        }
        ep[r] = base;
        if (with_path) {
            const char *p = auth_path ? auth_path : "/broadcasting/auth";
            if (p[0] != '/' || strlen(p) >= sizeof ep[r].path) {
                snprintf(err, errlen, "--auth-path must start with '/': %s", p);
                return -1;
            }
            snprintf(ep[r].path, sizeof ep[r].path, "%s", p);
            snprintf(ep[r].url, sizeof ep[r].url, "%.*s%s", (int)strcspn(base.url, "?"), base.url,
                     p + (base.url[0] && base.url[strlen(base.url) - 1] == '/'));
        }
    }
    return 0;
}

rc_role rc_ep_route(const char *app_id, const char *auth_path, const char *pq)
{
    size_t plen = strcspn(pq, "?");
    char pre[200];
    int n = snprintf(pre, sizeof pre, "/apps/%s/streams", app_id ? app_id : "");
    if (n > 0 && (size_t)n < sizeof pre && plen >= (size_t)n && strncmp(pq, pre, (size_t)n) == 0 &&
        (plen == (size_t)n || pq[n] == '/'))
        return RC_ROLE_CONTROL;
    if (auth_path) {
        size_t alen = strcspn(auth_path, "?");
        if (alen == plen && strncmp(pq, auth_path, plen) == 0)
            return RC_ROLE_AUTH;
    }
    return RC_ROLE_API;
}
