/* Target webhook: what parses webhook input: the suite receiver's request parser and body
 * checker (conformance/wire/whreq.c) and the server's target URL parser (proto/webhook.c).
 * Oracles: a parsed request lies within the input and its body is exactly Content-Length
 * bytes at its end; a refused body or URL always says why; a parsed URL has a host, a port
 * from 1 to 65535 and a path starting with '/'. */
#include <stdlib.h>
#include <string.h>

#include "conformance/wire/whreq.h"
#include "fuzz.h"
#include "reference/proto/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    rw_whreq r;
    int n = rw_whreq_parse(buf, size, &r);
    FZ_CHECK(n == RW_HTTP_PARTIAL || n == RW_HTTP_ERROR || (n > 0 && (size_t)n <= size));
    if (n > 0) {
        FZ_CHECK(r.total == (size_t)n && r.body.p + r.body.n == buf + n);
        FZ_CHECK(r.method.n > 0 && r.target.n > 0);
    }
    char why[96] = "";
    cJSON *root = rw_whbody_parse(buf, size, why, sizeof why);
    FZ_CHECK(root || why[0]);
    cJSON_Delete(root);
    char *s = malloc(size + 1);
    FZ_CHECK(s);
    memcpy(s, data, size);
    s[size] = '\0';
    char host[256];
    int port = 0;
    const char *path = NULL, *uwhy = NULL;
    if (rh_wh_url_parse(s, host, sizeof host, &port, &path, &uwhy) == 0)
        FZ_CHECK(host[0] && port >= 1 && port <= 65535 && path && path[0] == '/');
    else
        FZ_CHECK(uwhy != NULL);
    free(s);
    return 0;
}
