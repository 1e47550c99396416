#include "httpedge.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

rh_httpedge_framing rh_httpedge_framing_of(int cl_present, int te_present)
{
    if (cl_present && te_present)
        return RH_HTTPEDGE_AMBIGUOUS;
    if (te_present)
        return RH_HTTPEDGE_CHUNKED;
    return cl_present ? RH_HTTPEDGE_LENGTH : RH_HTTPEDGE_NO_BODY;
}

int rh_httpedge_close_fix_utf8(unsigned char *payload, size_t len)
{
    if (!payload || len <= 2 || rh_utf8_valid((const char *)payload + 2, len - 2))
        return 0;
    payload[0] = 1007 >> 8;
    payload[1] = 1007 & 0xff;
    memset(payload + 2, '?', len - 2);
    return 1;
}

static int is_credential(const char *k, size_t n)
{
    static const char *const keys[] = {"token", "access_token", "auth_signature", "secret",
                                       "password"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strlen(keys[i]) == n && strncasecmp(k, keys[i], n) == 0)
            return 1;
    return 0;
}

char *rh_httpedge_redact_query(const char *query, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = query ? query : ""; *p && o + 1 < outlen;) {
        size_t seg = strcspn(p, "&");
        const char *eq = memchr(p, '=', seg);
        size_t keep = seg;
        const char *repl = "";
        if (eq && is_credential(p, (size_t)(eq - p))) {
            keep = (size_t)(eq - p) + 1;
            repl = "REDACTED";
        }
        int n = snprintf(out + o, outlen - o, "%.*s%s%s", (int)keep, p, repl, p[seg] ? "&" : "");
        if (n < 0 || (size_t)n >= outlen - o)
            break; /* cut: snprintf wrote what fits */
        o += (size_t)n;
        p += seg + (p[seg] ? 1 : 0);
    }
    return out;
}

unsigned long rh_httpedge_fd_cap(unsigned long long nofile)
{
    if (nofile > 1048576u)
        nofile = 1048576u;
    unsigned long long reserve = nofile / 4 < 64 ? nofile / 4 : 64;
    return (unsigned long)(nofile - reserve);
}

int rh_httpedge_body_is_request_line(const char *method, const char *chunk, size_t len)
{
    if (!method || !chunk || len == 0)
        return 0;
    size_t mlen = strlen(method);
    if (mlen == 0)
        return 0;
    size_t n = len < mlen ? len : mlen;
    if (strncasecmp(chunk, method, n) != 0) /* lws reads methods in any case */
        return 0;
    return len <= mlen || chunk[mlen] == ' ';
}
