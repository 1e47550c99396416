/* rh_httpedge: pure checks the HTTP edge makes on a request before or while reading it, kept
 * apart from libwebsockets so they can be unit-tested and fuzzed. No allocation; every
 * pointer argument is borrowed for the call only. */
#ifndef RH_HTTPEDGE_H
#define RH_HTTPEDGE_H

#include <stddef.h>

/* How a request states its body length (RFC 9112 6.2, 6.3). */
typedef enum {
    RH_HTTPEDGE_NO_BODY,   /* neither Content-Length nor Transfer-Encoding */
    RH_HTTPEDGE_LENGTH,    /* Content-Length only */
    RH_HTTPEDGE_CHUNKED,   /* Transfer-Encoding only: refused with 411 (no chunked reader) */
    RH_HTTPEDGE_AMBIGUOUS, /* both: refused with 400 and the connection closed */
} rh_httpedge_framing;

/* cl_present / te_present: whether the headers were sent (any value). */
rh_httpedge_framing rh_httpedge_framing_of(int cl_present, int te_present);

/* 1 when the first body chunk of a request starts with that request's own request line
 * ("METHOD SP", or the part of it the chunk holds): libwebsockets 4.1 re-reads a pipelined
 * request from its buffered bytes as the body, from the request line on, and then loops on
 * the body's completion for ever. method is the method lws parsed ("POST"); chunk may be
 * NULL when len is 0 (then 0). */
int rh_httpedge_body_is_request_line(const char *method, const char *chunk, size_t len);

/* How many descriptors the edge's sockets may use under an open-file limit of nofile: the
 * limit less a reserve for everything else the process opens (the loop's own descriptors,
 * Redis connections, stdio, files), a quarter of the limit and at most 64; never over
 * 1048576. Descriptors are allocated lowest first, so a socket accepted with a number at or
 * over the cap means the process holds at least that many: it is refused. */
unsigned long rh_httpedge_fd_cap(unsigned long long nofile);

/* A client's close frame payload (code, then reason) about to be echoed by libwebsockets,
 * which checks the reason's UTF-8 only with an option that would also close on invalid
 * text messages (which must stay open): when the reason is not valid UTF-8 the payload is
 * rewritten in place to code 1007 (RFC 6455 7.4.1) with each reason byte replaced by '?',
 * so the echo is a valid close of the same length. 1 when rewritten, else 0. */
int rh_httpedge_close_fix_utf8(unsigned char *payload, size_t len);

/* query ("k=v&k2=v2", as received) copied into out (outlen > 0; always NUL-terminated, cut
 * to fit) for logging, with the value of every parameter that is a credential replaced by
 * "REDACTED": token, access_token, auth_signature, secret, password (keys compared without
 * case). Returns out. */
char *rh_httpedge_redact_query(const char *query, char *out, size_t outlen);

#endif
