/* rw_http: see http.h. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the line starting at p (the CR of its CRLF), or NULL when there is no CRLF
 * yet; *bad when a NUL, a bare LF or a CR without its LF comes first. */
static const char *line_end(const char *p, const char *end, int *bad)
{
    for (const char *q = p; q < end; q++) {
        if (*q == '\0' || *q == '\n') {
            *bad = 1;
            return NULL;
        }
        if (*q == '\r') {
            if (q + 1 == end)
                return NULL;
            if (q[1] == '\n')
                return q;
            *bad = 1;
            return NULL;
        }
    }
    return NULL;
}

static int status_line(const char *p, const char *eol, rw_http_head *out)
{
    if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
        return -1;
    out->minor_version = p[7] - '0';
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        st = st * 10 + (p[i] - '0');
    }
    if (st < 100 || (eol - p > 12 && p[12] != ' '))
        return -1;
    out->status = st;
    out->reason.p = eol - p > 12 ? p + 13 : eol;
    out->reason.n = (size_t)(eol - out->reason.p);
    return 0;
}

static int header_line(const char *p, const char *eol, rw_header *h)
{
    const char *c = p;
    while (c < eol && is_tchar((unsigned char)*c))
        c++;
    if (c == p || c == eol || *c != ':')
        return -1;
    h->name.p = p;
    h->name.n = (size_t)(c - p);
    const char *v = c + 1, *e = eol;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    h->value.p = v;
    h->value.n = (size_t)(e - v);
    return 0;
}

int rw_http_parse_head(const char *buf, size_t len, rw_http_head *out, rw_header *hdrs, size_t maxh)
{
    const char *p = buf, *end = buf + len;
    int bad = 0;
    memset(out, 0, sizeof *out);
    /* A prefix that cannot become "HTTP/1." is an error now, not after 64 KiB. */
    if (len && memcmp(buf, "HTTP/1.", len < 7 ? len : 7) != 0)
        return RW_HTTP_ERROR;
    const char *eol = line_end(p, end, &bad);
    if (!eol)
        return bad ? RW_HTTP_ERROR : RW_HTTP_PARTIAL;
    if (status_line(p, eol, out) != 0)
        return RW_HTTP_ERROR;
    out->headers = hdrs;
    for (p = eol + 2;; p = eol + 2) {
        eol = line_end(p, end, &bad);
        if (!eol)
            return bad ? RW_HTTP_ERROR : RW_HTTP_PARTIAL;
        if (eol == p)
            break;
        if (out->nheaders == maxh || header_line(p, eol, &hdrs[out->nheaders]) != 0)
            return RW_HTTP_ERROR;
        out->nheaders++;
    }
    out->head_len = (size_t)(eol + 2 - buf);
    return (int)out->head_len;
}

static int slice_is(rw_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

const rw_header *rw_http_find(const rw_http_head *h, const char *name)
{
    for (size_t i = 0; h && i < h->nheaders; i++)
        if (slice_is(h->headers[i].name, name))
            return &h->headers[i];
    return NULL;
}

int rw_http_header_copy(const rw_http_head *h, const char *name, char *out, size_t outlen)
{
    const rw_header *f = rw_http_find(h, name);
    if (!f || outlen == 0)
        return 0;
    size_t n = f->value.n < outlen - 1 ? f->value.n : outlen - 1;
    memcpy(out, f->value.p, n);
    out[n] = '\0';
    return 1;
}

int rw_http_has_token(const rw_http_head *h, const char *name, const char *token)
{
    size_t tn = strlen(token);
    for (size_t i = 0; h && i < h->nheaders; i++) {
        if (!slice_is(h->headers[i].name, name))
            continue;
        const char *p = h->headers[i].value.p, *end = p + h->headers[i].value.n;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
                p++;
            const char *q = p;
            while (q < end && *q != ',')
                q++;
            const char *e = q;
            while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if ((size_t)(e - p) == tn && strncasecmp(p, token, tn) == 0)
                return 1;
            p = q;
        }
    }
    return 0;
}

int rw_http_framing(const rw_http_head *h, const char *method, rw_body_kind *kind, uint64_t *length)
{
    *length = 0;
    if ((method && strcmp(method, "HEAD") == 0) || h->status == 204 || h->status == 304) {
        *kind = RW_BODY_NONE;
        return 0;
    }
    if (rw_http_has_token(h, "Transfer-Encoding", "chunked")) {
        *kind = RW_BODY_CHUNKED;
        return 0;
    }
    const rw_header *cl = rw_http_find(h, "Content-Length");
    if (!cl) {
        *kind = RW_BODY_EOF;
        return 0;
    }
    uint64_t v = 0;
    if (cl->value.n == 0 || cl->value.n > 15)
        return -1;
    for (size_t i = 0; i < cl->value.n; i++) {
        char c = cl->value.p[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *kind = RW_BODY_LENGTH;
    *length = v;
    return 0;
}

size_t rw_http_format(char *out, size_t cap, const rw_http_req *r)
{
    const char *hdrs = r->headers ? r->headers : "";
    const char *ct = r->content_type;
    if (!ct)
        ct = r->body_len && !strcasestr(hdrs, "content-type:") ? "application/json" : "";
    char port[16] = "";
    if (r->port)
        snprintf(port, sizeof port, ":%d", r->port);
    int n = snprintf(
        out, cap, "%s %s HTTP/1.1\r\nHost: %s%s\r\n%s%s%s%sContent-Length: %zu\r\n%s%s%s%s\r\n",
        r->method, r->target, r->host, port, r->keep_alive ? "" : "Connection: close\r\n",
        r->user_agent ? "User-Agent: " : "", r->user_agent ? r->user_agent : "",
        r->user_agent ? "\r\n" : "", r->body_len, *ct ? "Content-Type: " : "", ct,
        *ct ? "\r\n" : "", hdrs);
    if (n < 0)
        return 0;
    size_t total = (size_t)n + r->body_len;
    if (out && total < cap && r->body_len)
        memcpy(out + n, r->body, r->body_len);
    if (out && total < cap)
        out[total] = '\0';
    return total;
}

char *rw_http_format_alloc(const rw_http_req *r, size_t *len)
{
    char probe[1]; /* measures, like snprintf with cap 1 */
    size_t n = rw_http_format(probe, sizeof probe, r);
    char *out = malloc(n + 1);
    if (out && rw_http_format(out, n + 1, r) != n) {
        free(out);
        out = NULL;
    }
    *len = out ? n : 0;
    return out;
}
