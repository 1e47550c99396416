/* rc_http_parse: an HTTP/1.1 response as the suite's client receives it (suite-internal).
 * Pure, so the parser of untrusted server bytes is unit-tested and fuzzed apart from
 * sockets. Framing: no body for HEAD, 204 and 304; else chunked, Content-Length, or (with
 * neither) everything up to the end of the connection. */
#ifndef RC_HTTP_RESP_H
#define RC_HTTP_RESP_H

#include <stddef.h>

#include "client.h"

#define RC_HTTP_MAX_RESPONSE (16u << 20)

/* Parses in[0..len) (need not be NUL-terminated), all bytes received so far; eof: the
 * server closed the connection after them. Returns 0 when the response is complete (resp
 * filled: free with rc_http_resp_free), 1 when more bytes are needed (resp untouched), -1
 * when malformed (*why set to a static message, resp untouched). */
int rc_http_parse(const char *in, size_t len, int eof, const char *method, rc_http_resp *resp,
                  const char **why);

#endif
