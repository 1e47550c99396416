/* Target url: conformance/wire's URL parser, fed every target URL of the command line.
 * Oracles: a parsed URL has a known scheme, a non-empty host, a port from 1 to 65535 and a
 * path starting with '/'; printing it back and parsing again gives the same fields; a
 * refusal always says why. */
#include <stdio.h>
#include <string.h>

#include "conformance/wire/url.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FZ_CHECK(s);
    memcpy(s, data, size);
    s[size] = '\0';
    rw_url u, v;
    char err[160] = "";
    if (rw_url_parse(s, &u, err, sizeof err) != 0) {
        FZ_CHECK(err[0] != '\0');
        free(s);
        return 0;
    }
    FZ_CHECK(u.host[0] && u.port >= 1 && u.port <= 65535 && u.path[0] == '/');
    FZ_CHECK(!strcmp(u.scheme, "ws") || !strcmp(u.scheme, "wss") || !strcmp(u.scheme, "http") ||
             !strcmp(u.scheme, "https"));
    FZ_CHECK(u.tls == (!strcmp(u.scheme, "wss") || !strcmp(u.scheme, "https")));
    char back[3000];
    int ipv6 = strchr(u.host, ':') != NULL;
    snprintf(back, sizeof back, "%s://%s%s%s:%d%s%s%s", u.scheme, ipv6 ? "[" : "", u.host,
             ipv6 ? "]" : "", u.port, u.path, u.query[0] ? "?" : "", u.query);
    FZ_CHECK(rw_url_parse(back, &v, err, sizeof err) == 0);
    FZ_CHECK(!strcmp(u.host, v.host) && u.port == v.port && !strcmp(u.path, v.path) &&
             !strcmp(u.query, v.query) && !strcmp(u.scheme, v.scheme));
    free(s);
    return 0;
}
