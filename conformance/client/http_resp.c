/* rc_http_parse: see http_resp.h. The head, the framing and the chunked coding are
 * conformance/wire's (rw_http, rw_chunked); this file copies the result into rc_http_resp. */
#include "http_resp.h"

#include <stdlib.h>
#include <string.h>

#include "wire/chunked.h"
#include "wire/http.h"

#define MAX_HEADERS 128

void rc_http_resp_free(rc_http_resp *resp)
{
    if (!resp)
        return;
    free(resp->headers);
    free(resp->body);
    cJSON_Delete(resp->json);
    memset(resp, 0, sizeof *resp);
}

int rc_http_header(const rc_http_resp *resp, const char *name, char *out, size_t outlen)
{
    rw_header hdrs[MAX_HEADERS];
    rw_http_head hd;
    if (!resp || !resp->headers ||
        rw_http_parse_head(resp->headers, strlen(resp->headers), &hd, hdrs, MAX_HEADERS) <= 0)
        return 0;
    return rw_http_header_copy(&hd, name, out, outlen);
}

/* The chunked body at p[0..len): 0 complete (*out heap), 1 need more, -1 malformed. */
static int dechunk(const char *p, size_t len, char **out, size_t *outlen)
{
    rw_chunked d;
    rw_chunked_init(&d, RC_HTTP_MAX_RESPONSE);
    char *body = malloc(len + 1);
    size_t used = 0, n = 0;
    if (!body)
        return -1;
    int st = rw_chunked_feed(&d, p, len, &used, body, &n);
    if (st != RW_CHUNKED_DONE) {
        free(body);
        return st == RW_CHUNKED_PARTIAL ? 1 : -1;
    }
    body[n] = '\0';
    *out = body;
    *outlen = n;
    return 0;
}

/* The body after the head: 0 complete, 1 need more, -1 malformed (*why set). */
static int body_of(const rw_http_head *hd, const char *b, size_t have, int eof, const char *method,
                   char **body, size_t *blen, const char **why)
{
    rw_body_kind kind;
    uint64_t clen;
    if (rw_http_framing(hd, method, &kind, &clen) != 0) {
        *why = "malformed Content-Length";
        return -1;
    }
    if (kind == RW_BODY_CHUNKED) {
        int rc = dechunk(b, have, body, blen);
        if (rc < 0)
            *why = "malformed chunked HTTP response";
        return rc;
    }
    if (kind == RW_BODY_NONE)
        clen = 0;
    else if (kind == RW_BODY_EOF && !eof)
        return 1;
    else if (kind == RW_BODY_EOF)
        clen = have;
    if (have < clen)
        return 1;
    *blen = (size_t)clen;
    *body = malloc(*blen + 1);
    if (!*body) {
        *why = "out of memory";
        return -1;
    }
    memcpy(*body, b, *blen);
    (*body)[*blen] = '\0';
    return 0;
}

int rc_http_parse(const char *in, size_t len, int eof, const char *method, rc_http_resp *resp,
                  const char **why)
{
    rw_header hdrs[MAX_HEADERS];
    rw_http_head hd;
    int hl = in ? rw_http_parse_head(in, len, &hd, hdrs, MAX_HEADERS) : RW_HTTP_PARTIAL;
    if (hl == RW_HTTP_PARTIAL)
        return 1;
    if (hl < 0) {
        *why = "malformed HTTP response head";
        return -1;
    }
    char *body = NULL;
    size_t blen = 0;
    int rc = body_of(&hd, in + hl, len - (size_t)hl, eof, method, &body, &blen, why);
    if (rc != 0)
        return rc;
    char *head = strndup(in, (size_t)hl);
    if (!head) {
        free(body);
        *why = "out of memory";
        return -1;
    }
    memset(resp, 0, sizeof *resp);
    resp->status = hd.status;
    resp->headers = head;
    resp->body = body;
    resp->body_len = blen;
    resp->json = cJSON_ParseWithLength(body, blen);
    return 0;
}
