/* An HTTP answer on the wire: status line, headers and body of an rh_http_pend, written with
 * lws_write. Small answers go out in one write (one send), larger ones as headers and then
 * body; what the socket does not take lws keeps (lws_partial_buffered) and sends from its
 * writeable callbacks, deferring lws_http_transaction_completed until it is out. */
#include <stdio.h>
#include <string.h>

#include "net_int.h"

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

/* lws's own status helper leaves the reason phrase empty for codes like 201 and 429; the
 * status line is written here, the rest with lws's helpers (which also track the
 * Content-Length that keep-alive relies on). */
static int add_headers(struct lws *wsi, const rh_http_pend *p, unsigned char **pos,
                       unsigned char *end)
{
    char line[64];
    int n = snprintf(line, sizeof line, "HTTP/1.1 %d %s", p->status, reason_phrase(p->status));
    if (lws_add_http_header_by_name(wsi, NULL, (const unsigned char *)line, n, pos, end))
        return -1;
    if (p->resp_ctype && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                                      (const unsigned char *)p->resp_ctype,
                                                      (int)strlen(p->resp_ctype), pos, end))
        return -1;
    if (lws_add_http_header_content_length(wsi, p->resp_len, pos, end))
        return -1;
    if (p->retry_after[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
                                                         (const unsigned char *)p->retry_after,
                                                         (int)strlen(p->retry_after), pos, end))
        return -1;
    if (p->close_after && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                                       (const unsigned char *)"close", 5, pos, end))
        return -1;
    return 0;
}

int rh_net_http_write_answer(struct lws *wsi, const rh_http_pend *p)
{
    size_t body = p->head ? 0 : p->resp_len;
    unsigned char buf[LWS_PRE + RH_NET_HDR_MAX + RH_NET_DIRECT_MAX];
    unsigned char *start = buf + LWS_PRE, *pos = start, *end = start + RH_NET_HDR_MAX - 1;
    if (add_headers(wsi, p, &pos, end) != 0)
        return -1;
    if (body > RH_NET_DIRECT_MAX) {
        if (lws_finalize_write_http_header(wsi, start, &pos, end))
            return -1;
        return lws_write(wsi, p->resp + LWS_PRE, body, LWS_WRITE_HTTP_FINAL) < 0 ? -1 : 0;
    }
    if (lws_finalize_http_header(wsi, &pos, end))
        return -1;
    if (body)
        memcpy(pos, p->resp + LWS_PRE, body);
    size_t n = (size_t)(pos - start) + body;
    /* For HTTP/1 lws_write only sends (rops_write_role_protocol_h1): headers and body may
     * share one write; HTTP_FINAL since nothing follows. */
    return lws_write(wsi, start, n, LWS_WRITE_HTTP_FINAL) < 0 ? -1 : 0;
}
