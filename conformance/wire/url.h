/* rw_url: splits a ws://, wss://, http:// or https:// URL into scheme, host, port, path and
 * query, as every client of the project reads its target.
 *
 * Ownership: rw_url is a plain value with fixed-size fields (no heap); the input string is
 * not kept. Pure: no I/O. */
#ifndef RW_URL_H
#define RW_URL_H

#include <stddef.h>

#define RW_URL_HOST_MAX 256
#define RW_URL_PATH_MAX 1024

typedef struct rw_url {
    char scheme[8];              /* "ws", "wss", "http" or "https" (lower case) */
    int tls;                     /* 1 for wss and https */
    char host[RW_URL_HOST_MAX];  /* without the brackets of an IPv6 literal */
    int port;                    /* the explicit port, else 80 or 443 */
    char path[RW_URL_PATH_MAX];  /* "/" when the URL has none; never holds the query */
    char query[RW_URL_PATH_MAX]; /* after '?', without it; "" when none */
} rw_url;

/* 0, or -1 with a reason in err (unknown scheme, empty host, bad port, too long, user info,
 * fragment, control characters). */
int rw_url_parse(const char *s, rw_url *out, char *err, size_t errlen);

#endif
