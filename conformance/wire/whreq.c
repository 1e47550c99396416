/* The webhook receiver's request and body parsers (docs/protocol.md section 20). */
#include "whreq.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *find_crlf(const char *p, const char *end)
{
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n')
            return p;
    return NULL;
}

static int name_is(const char *p, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

static void trim(rw_slice *s)
{
    while (s->n && (s->p[0] == ' ' || s->p[0] == '\t')) {
        s->p++;
        s->n--;
    }
    while (s->n && (s->p[s->n - 1] == ' ' || s->p[s->n - 1] == '\t'))
        s->n--;
}

/* "METHOD SP target SP HTTP/1.x" */
static int request_line(const char *p, const char *eol, rw_whreq *out)
{
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == p || sp2 == sp1 + 1 || eol - sp2 != 9 ||
        memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp2[8] < '0' || sp2[8] > '9')
        return -1;
    out->method = (rw_slice){p, (size_t)(sp1 - p)};
    out->target = (rw_slice){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
    return 0;
}

/* One header line; *length gets Content-Length (-1 when absent). */
static int header_line(const char *p, const char *eol, rw_whreq *out, long long *length)
{
    const char *colon = memchr(p, ':', (size_t)(eol - p));
    if (!colon || colon == p)
        return -1;
    size_t nlen = (size_t)(colon - p);
    rw_slice v = {colon + 1, (size_t)(eol - colon - 1)};
    trim(&v);
    if (name_is(p, nlen, "X-Pusher-Key"))
        out->key = v;
    else if (name_is(p, nlen, "X-Pusher-Signature"))
        out->signature = v;
    else if (name_is(p, nlen, "Content-Type"))
        out->content_type = v;
    else if (name_is(p, nlen, "Transfer-Encoding"))
        return -1; /* a webhook has a Content-Length body */
    else if (name_is(p, nlen, "Content-Length")) {
        long long n = 0;
        if (!v.n || *length >= 0)
            return -1;
        for (size_t i = 0; i < v.n; i++) {
            if (v.p[i] < '0' || v.p[i] > '9' || n > (long long)RW_WHREQ_MAX_BODY)
                return -1;
            n = n * 10 + (v.p[i] - '0');
        }
        if (n > (long long)RW_WHREQ_MAX_BODY)
            return -1;
        *length = n;
    }
    return 0;
}

int rw_whreq_parse(const char *buf, size_t len, rw_whreq *out)
{
    memset(out, 0, sizeof *out);
    const char *end = buf + (len < RW_WHREQ_MAX_HEAD ? len : RW_WHREQ_MAX_HEAD);
    const char *eol = find_crlf(buf, end);
    if (!eol)
        return len >= RW_WHREQ_MAX_HEAD ? RW_HTTP_ERROR : RW_HTTP_PARTIAL;
    if (request_line(buf, eol, out) != 0)
        return RW_HTTP_ERROR;
    long long length = -1;
    for (const char *p = eol + 2;;) {
        const char *e = find_crlf(p, end);
        if (!e)
            return len >= RW_WHREQ_MAX_HEAD ? RW_HTTP_ERROR : RW_HTTP_PARTIAL;
        if (e == p) {
            p += 2;
            if (length < 0)
                return RW_HTTP_ERROR;
            size_t head = (size_t)(p - buf);
            if (len - head < (size_t)length)
                return RW_HTTP_PARTIAL;
            out->body = (rw_slice){p, (size_t)length};
            out->total = head + (size_t)length;
            return (int)out->total;
        }
        if (header_line(p, e, out, &length) != 0)
            return RW_HTTP_ERROR;
        p = e + 2;
    }
}

static cJSON *bad(cJSON *root, char *why, size_t whylen, const char *msg)
{
    if (whylen)
        snprintf(why, whylen, "%s", msg);
    cJSON_Delete(root);
    return NULL;
}

cJSON *rw_whbody_parse(const char *body, size_t len, char *why, size_t whylen)
{
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    if (!root)
        return bad(NULL, why, whylen, "the body is not JSON");
    if (!cJSON_IsObject(root))
        return bad(root, why, whylen, "the body is not a JSON object");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "time_ms");
    if (!cJSON_IsNumber(t) || t->valuedouble < 0 || t->valuedouble > 9007199254740991.0 ||
        t->valuedouble != (double)(long long)t->valuedouble)
        return bad(root, why, whylen, "time_ms is missing or not a whole number");
    const cJSON *evs = cJSON_GetObjectItemCaseSensitive(root, "events");
    if (!cJSON_IsArray(evs))
        return bad(root, why, whylen, "events is missing or not an array");
    const cJSON *e;
    cJSON_ArrayForEach(e, evs)
    {
        if (!cJSON_IsObject(e) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "name")))
            return bad(root, why, whylen, "an item of events is not an object with a string name");
    }
    return root;
}
