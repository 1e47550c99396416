/* rc_http_parse: see http_resp.h. */
#include "http_resp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net.h"

void rc_http_resp_free(rc_http_resp *resp)
{
    if (!resp)
        return;
    free(resp->headers);
    free(resp->body);
    cJSON_Delete(resp->json);
    memset(resp, 0, sizeof *resp);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a chunked body: 0 complete (*out heap, *outlen), 1 need more, -1 malformed. Chunk
 * extensions (";...") and trailer lines are skipped. */
static int dechunk(const char *p, size_t len, char **out, size_t *outlen)
{
    size_t o = 0, total = 0;
    char *body = NULL;
    int rc = 1;
    for (;;) {
        const char *nl = memmem(p + o, len - o, "\r\n", 2);
        if (!nl)
            break;
        size_t n = 0, digits = 0;
        const char *q = p + o;
        for (; q < nl && hexval(*q) >= 0; q++, digits++) {
            n = n * 16 + (size_t)hexval(*q);
            if (n > RC_HTTP_MAX_RESPONSE) {
                rc = -1;
                goto done;
            }
        }
        if (!digits || (q < nl && *q != ';' && *q != ' ' && *q != '\t')) {
            rc = -1;
            goto done;
        }
        o = (size_t)(nl - p) + 2;
        if (n == 0) {
            /* Done at an empty line: right away, or after trailer lines. */
            if ((len - o >= 2 && memcmp(p + o, "\r\n", 2) == 0) ||
                memmem(p + o, len - o, "\r\n\r\n", 4))
                rc = 0;
            break;
        }
        if (len - o < n + 2)
            break;
        if (memcmp(p + o + n, "\r\n", 2) != 0 || total + n > RC_HTTP_MAX_RESPONSE) {
            rc = -1;
            goto done;
        }
        char *nb = realloc(body, total + n + 1);
        if (!nb) {
            rc = -1;
            goto done;
        }
        body = nb;
        memcpy(body + total, p + o, n);
        total += n;
        o += n + 2;
    }
done:
    if (rc != 0) {
        free(body);
        return rc;
    }
    if (!body && !(body = malloc(1)))
        return -1;
    body[total] = '\0';
    *out = body;
    *outlen = total;
    return 0;
}

int rc_http_parse(const char *in, size_t len, int eof, const char *method, rc_http_resp *resp,
                  const char **why)
{
    const char *e = in ? memmem(in, len, "\r\n\r\n", 4) : NULL;
    if (!e)
        return 1;
    size_t hlen = (size_t)(e - in) + 4;
    if (memchr(in, '\0', hlen)) {
        *why = "NUL byte in the HTTP response head";
        return -1;
    }
    char *head = strndup(in, hlen);
    if (!head) {
        *why = "out of memory";
        return -1;
    }
    int status = 0;
    long clen = -1;
    int chunked = 0;
    char v[64];
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1 || status < 100 || status > 999) {
        free(head);
        *why = "malformed HTTP status line";
        return -1;
    }
    if (rc_net_header(head, "Content-Length", v, sizeof v)) {
        char *end;
        clen = strtol(v, &end, 10);
        if (end == v || *end || clen < 0) {
            free(head);
            *why = "malformed Content-Length";
            return -1;
        }
    }
    if (rc_net_header(head, "Transfer-Encoding", v, sizeof v) && strcasestr(v, "chunked"))
        chunked = 1;
    if (strcmp(method, "HEAD") == 0 || status == 204 || status == 304)
        clen = 0, chunked = 0;
    const char *b = in + hlen;
    size_t have = len - hlen;
    char *body = NULL;
    size_t blen = 0;
    int rc = 1;
    if (chunked) {
        rc = dechunk(b, have, &body, &blen);
        if (rc < 0)
            *why = "malformed chunked HTTP response";
    } else if ((clen >= 0 && have >= (size_t)clen) || (clen < 0 && eof)) {
        blen = clen >= 0 ? (size_t)clen : have;
        body = malloc(blen + 1);
        if (body) {
            memcpy(body, b, blen);
            body[blen] = '\0';
            rc = 0;
        } else {
            *why = "out of memory";
            rc = -1;
        }
    }
    if (rc != 0) {
        free(head);
        return rc;
    }
    memset(resp, 0, sizeof *resp);
    resp->status = status;
    resp->headers = head;
    resp->body = body;
    resp->body_len = blen;
    resp->json = cJSON_ParseWithLength(body, blen);
    return 0;
}
