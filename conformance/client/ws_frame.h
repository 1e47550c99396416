/* rc_wsf: the header of one RFC 6455 frame as a client receives it (suite-internal). Pure,
 * so the parser of untrusted server bytes is unit-tested and fuzzed apart from sockets. */
#ifndef RC_WS_FRAME_H
#define RC_WS_FRAME_H

#include <stddef.h>

typedef struct rc_wsf {
    int op;     /* opcode, 0..15 */
    int fin;    /* 0 or 1 */
    size_t hdr; /* header bytes before the payload */
    size_t len; /* payload bytes */
} rc_wsf;

typedef enum {
    RC_WSF_MORE = 0,       /* not a whole frame yet */
    RC_WSF_OK = 1,         /* a whole frame: hdr + len bytes */
    RC_WSF_RSV = -1,       /* RSV bits set: no extension is negotiated */
    RC_WSF_TOO_LARGE = -2, /* payload over max */
    RC_WSF_MASKED = -3,    /* a server must not mask (RFC 6455 5.1) */
} rc_wsf_status;

/* Parses the frame at p[0..n): a rc_wsf_status; out is filled when the header is complete
 * (also for errors, so the caller can report the length). */
int rc_wsf_parse(const unsigned char *p, size_t n, size_t max, rc_wsf *out);

#endif
