/* nf_shape: what kind of answer a server gave, without its values, so the fuzzer can tell a
 * new behaviour from the same behaviour with other names in it (coverage without coverage):
 *   ws:<event>[:<code>]{<keys of data>}   a Pusher message (pusher:error with its code)
 *   ws:!json  ws:!event                  a text message that is not a Pusher message
 *   close:<code>                          the connection closed (1006: without a close frame)
 *   http:<status>{<keys of the body>}     an HTTP answer (!json when the body is not JSON)
 * plus nf_shape_malformed, the check of a server message that is itself broken.
 *
 * Ownership: nf_seen owns its table (nf_seen_free); shapes go to the caller's buffers. Pure:
 * no I/O. */
#ifndef NF_SHAPE_H
#define NF_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#define NF_SHAPE_MAX 160

void nf_shape_ws(const char *text, size_t len, char out[NF_SHAPE_MAX]);
void nf_shape_close(int code, char out[NF_SHAPE_MAX]);
void nf_shape_http(int status, const char *body, size_t len, char out[NF_SHAPE_MAX]);
/* NULL when the server message is well-formed, else what is wrong with it (static text): not
 * JSON, no string event, or data that is not a string where the protocol double-encodes it
 * (every event but pusher:error, pusher:subscription_error, pusher:ping/pong and client events,
 * which carry what the sender gave). */
const char *nf_shape_malformed(const char *text, size_t len);

typedef struct nf_seen {
    uint64_t *h;
    size_t cap, n;
} nf_seen;

void nf_seen_free(nf_seen *s);
/* 1 when shape was not seen before (now it is), 0 when it was, -1 out of memory. */
int nf_seen_add(nf_seen *s, const char *shape);

#endif
