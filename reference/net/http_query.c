/* The request's query string as rh_srv_http parses it: libwebsockets hands out the query
 * already split at '&' and percent-decoded, so it is rebuilt here, escaped again. */
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static size_t pct_encode(char *out, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (unreserved(s[i])) {
            out[o++] = (char)s[i];
        } else {
            out[o++] = '%';
            out[o++] = hex[s[i] >> 4];
            out[o++] = hex[s[i] & 15];
        }
    }
    return o;
}

/* libwebsockets hands out the query already split at '&' and percent-decoded; rebuild an
 * escaped query string so rh_srv_http parses it as it would parse the raw one. */
char *rh_net_query_of(struct lws *wsi)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    if (total <= 0)
        return calloc(1, 1);
    char *frag = malloc((size_t)total + 1);
    char *out = malloc((size_t)total * 3 + 2);
    if (!frag || !out) {
        free(frag);
        free(out);
        return NULL;
    }
    size_t o = 0;
    for (int i = 0;; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, total + 1, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            break;
        if (o)
            out[o++] = '&';
        const char *eq = memchr(frag, '=', (size_t)n);
        size_t klen = eq ? (size_t)(eq - frag) : (size_t)n;
        o += pct_encode(out + o, (const unsigned char *)frag, klen);
        if (eq) {
            out[o++] = '=';
            o += pct_encode(out + o, (const unsigned char *)eq + 1, (size_t)n - klen - 1);
        }
    }
    out[o] = '\0';
    free(frag);
    return out;
}
