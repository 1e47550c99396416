/* rw_http: an HTTP/1.1 request formatter and an incremental response-head parser.
 *
 * The parser works like picohttpparser: it is given every byte received so far, returns
 * RW_HTTP_PARTIAL until the head is complete, and then describes it with slices into the
 * caller's buffer (nothing is copied or allocated), so a caller that reads in pieces calls it
 * again on the grown buffer. Only CRLF line ends are accepted.
 *
 * Ownership: rw_http_head and its rw_header array belong to the caller; their slices point
 * into the buffer given to rw_http_parse_head and are valid while it is. rw_http_format
 * writes into the caller's buffer; rw_http_format_alloc returns heap the caller frees. Pure: no
 * I/O. */
#ifndef RW_HTTP_H
#define RW_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct rw_slice {
    const char *p;
    size_t n;
} rw_slice;

typedef struct rw_header {
    rw_slice name, value; /* value without surrounding blanks */
} rw_header;

typedef struct rw_http_head {
    int minor_version; /* HTTP/1.x */
    int status;        /* 100..999 */
    rw_slice reason;
    rw_header *headers; /* the caller's array */
    size_t nheaders;
    size_t head_len; /* bytes up to and including the blank line */
} rw_http_head;

typedef enum {
    RW_HTTP_PARTIAL = -2, /* the head is not complete yet */
    RW_HTTP_ERROR = -1,   /* not an HTTP/1.x response head, or more headers than room */
} rw_http_status;

/* Parses buf[0..len): the head's length (> 0), RW_HTTP_PARTIAL or RW_HTTP_ERROR. On success
 * out->headers = hdrs and up to maxh headers are filled. */
int rw_http_parse_head(const char *buf, size_t len, rw_http_head *out, rw_header *hdrs,
                       size_t maxh);

/* The first header named name (case-insensitive), or NULL. */
const rw_header *rw_http_find(const rw_http_head *h, const char *name);
/* Copies that header's value into out (truncated to fit): 1 found, 0 absent or outlen 0. */
int rw_http_header_copy(const rw_http_head *h, const char *name, char *out, size_t outlen);
/* 1 when header name's value holds token (comma-separated, case-insensitive). */
int rw_http_has_token(const rw_http_head *h, const char *name, const char *token);

typedef enum {
    RW_BODY_NONE = 0,    /* HEAD, 204, 304 */
    RW_BODY_LENGTH = 1,  /* Content-Length bytes */
    RW_BODY_CHUNKED = 2, /* Transfer-Encoding: chunked (rw_chunked) */
    RW_BODY_EOF = 3,     /* up to the end of the connection */
} rw_body_kind;

/* How the body after the head is framed (RFC 9112 6.3). 0, or -1 when Content-Length is
 * malformed. *length is set for RW_BODY_LENGTH. */
int rw_http_framing(const rw_http_head *h, const char *method, rw_body_kind *kind,
                    uint64_t *length);

typedef struct rw_http_req {
    const char *method, *target; /* target: path and query */
    const char *host;
    int port;                 /* 0: Host without a port */
    const char *user_agent;   /* NULL: no User-Agent */
    int keep_alive;           /* 0: Connection: close */
    const char *content_type; /* NULL: application/json when there is a body and the extra
                                 headers name no Content-Type; "": none */
    const char *headers;      /* extra raw lines, each ending in CRLF, or NULL */
    const void *body;
    size_t body_len;
} rw_http_req;

/* Writes the request (head and body) into out when it fits in cap (one byte more for a NUL,
 * which is not part of the request); returns its length either way, like snprintf. */
size_t rw_http_format(char *out, size_t cap, const rw_http_req *r);
/* The same into a heap buffer (NUL-terminated, the caller's to free), its length in *len;
 * NULL when out of memory. */
char *rw_http_format_alloc(const rw_http_req *r, size_t *len);

#endif
