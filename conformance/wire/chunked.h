/* rw_chunked: an incremental decoder of the chunked transfer coding (RFC 9112 7.1).
 *
 * Feed it the bytes after the response head in pieces of any size; it keeps its place between
 * calls in rw_chunked, so a chunk-size line or a CRLF split across reads is fine. Chunk
 * extensions and trailer fields are read and dropped.
 *
 * Ownership: rw_chunked is a plain value of the caller's (no heap); decoded bytes go to the
 * caller's buffer. Pure: no I/O. */
#ifndef RW_CHUNKED_H
#define RW_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

typedef struct rw_chunked {
    int state;
    uint64_t left; /* data bytes left in the current chunk */
    uint64_t max;  /* largest chunk accepted */
    int digits;    /* hex digits of the current size line */
} rw_chunked;

typedef enum {
    RW_CHUNKED_ERROR = -1,
    RW_CHUNKED_PARTIAL = 0, /* every byte given was used; more are needed */
    RW_CHUNKED_DONE = 1,    /* the last chunk and the trailer ended */
} rw_chunked_status;

/* max_chunk: the largest chunk size accepted (0: 2^40). */
void rw_chunked_init(rw_chunked *d, uint64_t max_chunk);
/* Decodes in[0..len): writes data bytes to out (room for len bytes: the data is never longer
 * than its coding), sets *used to the bytes read (all of them unless DONE or ERROR) and
 * *outlen to the bytes written. A rw_chunked_status. */
int rw_chunked_feed(rw_chunked *d, const char *in, size_t len, size_t *used, char *out,
                    size_t *outlen);

#endif
